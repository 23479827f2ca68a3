"""Shared fixtures: one posterior cache per test session, a fresh copy of the mini pack per test, and the
fake sampler for tests of plumbing.

Every test, and every notebook kernel a test starts (they inherit the
environment), reads and writes one session cache, so a posterior sampled by one
test is reused by the next with the same settings; the user's cache is never
touched. Only the cache's own tests (tests/test_cache_faults.py and the caching
tests of tests/test_learning.py) use private folders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from packtools import copy_pack


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/mini in the test's tmp_path, free to break."""
    return copy_pack(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory):
    """One posterior cache for the whole session, so tests share draws and never touch the user's cache."""
    path = tmp_path_factory.getbasetemp() / "foresight-cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORESIGHT_CACHE_DIR", str(path))
        yield path


@pytest.fixture
def fake_sampler(monkeypatch, tmp_path):
    """pymc.sample replaced by prior draws of the right shape (tests/fakesampler.py): for plumbing, not inference.

    The cache moves to a private folder for the test, so fake draws never reach the session cache that
    tests of real NUTS read. Returns the list of the fake's calls.
    """
    import pymc

    from fakesampler import CALLS, fake_sample

    CALLS.clear()
    monkeypatch.setattr(pymc, "sample", fake_sample)
    monkeypatch.setenv("FORESIGHT_CACHE_DIR", str(tmp_path / "fake-sampler-cache"))
    return CALLS
