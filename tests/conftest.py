"""Shared fixtures: a fresh, writable copy of the mini pack for each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from packtools import copy_pack


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/mini in the test's tmp_path, free to break."""
    return copy_pack(tmp_path)
