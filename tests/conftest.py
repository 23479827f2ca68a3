"""Shared fixtures: one posterior cache per test session, and a fresh, writable copy of the mini pack per test."""

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
