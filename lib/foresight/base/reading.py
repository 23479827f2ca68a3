"""Reading a file that a user or a pack names: a regular file of bounded size, or a one-line refusal.

A path may name a FIFO (opening it waits for a writer forever), a device such as /dev/zero
(endless), a symlink to somewhere else, or a file far larger than anything the reader expects
(a 20 MB YAML key took 28 s to refuse). :func:`read_regular` looks before it reads: it opens
without blocking and without following a final symlink when asked, checks the open descriptor
(so the file read is the file checked), and reads at most ``max_bytes``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class FileRefused(OSError):
    """The file is not one to read; ``reason`` says why in a few words (no path)."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def read_regular(path: str | os.PathLike, max_bytes: int, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them; :class:`FileRefused` for a
    folder, device, FIFO, socket, a too large file or (``follow_symlinks=False``) a symlink; other OSErrors
    (missing, no permission) as raised."""
    path = Path(path)
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode) and not follow_symlinks:
        raise FileRefused(path, "is a symbolic link")
    if os.path.isdir(path):
        raise FileRefused(path, "is a folder")
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    with os.fdopen(os.open(path, flags), "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(path, "not a regular file (a device, FIFO or socket)")
        if info.st_size > max_bytes:
            raise FileRefused(path, f"{info.st_size / 1e6:.1f} MB is over the {max_bytes / 1e6:g} MB limit")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while being read
        raise FileRefused(path, f"over the {max_bytes / 1e6:g} MB limit")
    return data
