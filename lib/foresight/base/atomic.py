"""Files replaced whole or not at all: write to a temporary file beside the target, then rename.

A rename within one folder is atomic on POSIX, so a reader (another notebook, a
second run) sees either the old file or the new one, never half of one, and a
crash or a full disk leaves the old file as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A fresh temporary path next to ``path`` to write; renamed onto ``path`` when the block succeeds.

    On any error the temporary file is removed and ``path`` is untouched. The
    temporary name starts with a dot and ends with ``suffix`` (writers such as
    ``numpy.savez`` insist on their own extension). Raises OSError when the folder
    cannot be created or written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, whole or not at all (dates and other values as their text)."""
    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def free_bytes(path: Path) -> int | None:
    """Bytes free for this user on the disk holding ``path`` (its nearest existing parent); None if unknown."""
    import shutil

    for place in [Path(path), *Path(path).absolute().parents]:
        if place.exists():
            try:
                return shutil.disk_usage(place).free
            except OSError:
                return None
    return None


def write_problem(exc: OSError, where: Path) -> str:
    """One line for a failed write under ``where``: the file (or folder), the reason, and the free space
    there, so "disk full" is told apart from "not allowed" at a glance."""
    target = exc.filename or where
    free = free_bytes(Path(where))
    room = f" ({free / 1e6:.1f} MB free on that disk)" if free is not None else ""
    return f"cannot write {target}: {exc.strerror or exc}{room}"
