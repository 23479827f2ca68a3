"""One writer at a time per folder: an exclusive ``flock`` on a lock file inside it.

``accept``, ``reject``, ``ingest`` and ``new`` each read a pack's files, change them and write
them back. Two of them at once would each write their own version and the later rename would
silently drop the other's change (eight concurrent ``accept``s lost evidence that way). Each
therefore holds :func:`folder_lock` from before it reads until after it writes, so writers
queue. ``flock`` locks belong to the open file: the kernel releases them when the process
ends, however it ends, so a killed writer never leaves a stale lock behind (flock(2)).
The lock file itself stays (removing it would let a waiter lock a file nobody else sees).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = ".foresight.lock"
"""The lock file's name inside a locked folder (git-ignored; never read as data)."""
WAIT_SECONDS = 30.0
"""How long a writer waits for another to finish before giving up."""


class FolderBusy(RuntimeError):
    """Another process held the folder's lock for longer than the wait allowed."""


@contextlib.contextmanager
def folder_lock(folder: Path, wait: float | None = None, poll: float = 0.02) -> Iterator[None]:
    """Hold the exclusive lock of ``folder`` for the block, waiting at most ``wait`` seconds
    (default :data:`WAIT_SECONDS`) for it.

    Raises :class:`FolderBusy` when the wait runs out and OSError when the lock file cannot be
    created (a read-only folder, say).
    """
    wait = WAIT_SECONDS if wait is None else wait
    path = Path(folder) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FolderBusy(
                        f"{folder} is being changed by another foresight command (waited {wait:g} s for "
                        f"{path}); try again when it has finished"
                    ) from None
                time.sleep(poll)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
