"""tools/find-python: the Makefile's way to a Python >= 3.12 on a fresh machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIND_PYTHON = ROOT / "tools" / "find-python"
REAL_PYTHON = Path(os.path.realpath(sys.executable))  # a real interpreter (the venv's base), >= 3.12


def find_python(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(FIND_PYTHON)], capture_output=True, text=True, env={**os.environ, **env}, timeout=60)


def version_of(python: str) -> tuple[int, int]:
    out = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    major, minor = out.strip().strip("()").split(",")
    return int(major), int(minor)


@pytest.fixture
def fake_311(tmp_path: Path) -> Path:
    """An executable that behaves like Python 3.11: it runs `-c CODE` with sys.version_info set to 3.11."""
    fake = tmp_path / "fake-bin" / "python3.11"
    fake.parent.mkdir()
    fake.write_text(
        f"#!{REAL_PYTHON}\n"
        "import sys\n"
        "sys.version_info = (3, 11, 9, 'final', 0)\n"
        "if sys.argv[1:2] == ['-c']:\n"
        "    exec(sys.argv[2])\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    assert version_of(str(fake)) == (3, 11)
    return fake


@pytest.fixture
def bare_path(tmp_path: Path) -> str:
    """A PATH holding only the shell tools find-python uses, and no Python at all."""
    bin_dir = tmp_path / "bare-bin"
    bin_dir.mkdir()
    for tool in ("sh", "ls", "sort"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    return str(bin_dir)


def test_prints_a_python_of_at_least_3_12():
    result = find_python()
    assert result.returncode == 0, result.stderr
    python = result.stdout.strip()
    assert Path(python).is_absolute() and os.access(python, os.X_OK)
    assert version_of(python) >= (3, 12)


def test_foresight_python_is_preferred_when_good_enough():
    result = find_python(FORESIGHT_PYTHON=str(REAL_PYTHON))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(REAL_PYTHON)


def test_a_too_old_foresight_python_is_passed_over(fake_311):
    result = find_python(FORESIGHT_PYTHON=str(fake_311))
    assert result.returncode == 0, result.stderr
    python = result.stdout.strip()
    assert python != str(fake_311)
    assert version_of(python) >= (3, 12)


def test_no_good_python_fails_with_a_clear_message(fake_311, bare_path, tmp_path):
    empty_pyenv = tmp_path / "no-pyenv"
    result = find_python(
        FORESIGHT_PYTHON=str(fake_311), PATH=bare_path, PYENV_ROOT=str(empty_pyenv), HOME=str(tmp_path)
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"foresight: no Python >= 3.12 found (tried $FORESIGHT_PYTHON, python3.12, python3.13, python3 "
        f"and {empty_pyenv}/versions).",
        "Install one (e.g. 'pyenv install 3.12') or set FORESIGHT_PYTHON=/path/to/python3.12.",
    ]


def test_a_pyenv_312_is_found_when_nothing_is_on_path(fake_311, bare_path, tmp_path):
    pyenv = tmp_path / "pyenv"
    old = pyenv / "versions" / "3.11.9" / "bin" / "python3"
    good = pyenv / "versions" / "3.12.9" / "bin" / "python3.12"
    for exe, target in ((old, fake_311), (good, REAL_PYTHON)):
        exe.parent.mkdir(parents=True)
        exe.symlink_to(target)
    result = find_python(FORESIGHT_PYTHON=str(fake_311), PATH=bare_path, PYENV_ROOT=str(pyenv), HOME=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(good)
    assert version_of(result.stdout.strip()) >= (3, 12)


def test_a_pyenv_python_is_checked_not_trusted_by_its_folder_name(fake_311, bare_path, tmp_path):
    pyenv = tmp_path / "pyenv"
    old = pyenv / "versions" / "3.12.0" / "bin" / "python3.12"  # named 3.12, but answers as 3.11
    old.parent.mkdir(parents=True)
    old.symlink_to(fake_311)
    result = find_python(PATH=bare_path, PYENV_ROOT=str(pyenv), HOME=str(tmp_path))
    assert result.returncode == 1
    assert "no Python >= 3.12 found" in result.stderr
