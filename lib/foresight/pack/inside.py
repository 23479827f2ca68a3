"""Paths a pack names, kept inside the pack: the one rule for every file read on a pack's say-so.

Packs are shared, so a path written in one (a proposals file's ``file:``) is the sender's choice,
not the reader's. Reading it as given would let a pack show ``/etc/shadow`` or ``~/.ssh/id_rsa`` in
a notebook. So such a path must be relative, must not climb out with ``..``, and no part of it
below the pack folder may be a symbolic link (a link is how an innocent-looking name points
elsewhere); the file itself must be a regular file. The pack folder itself may be reached through
links: the person running the command chose that path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

ALLOWED = "a path relative to the pack folder naming a regular file inside it (no absolute path, no '..', no symlink)"


class OutsidePack(ValueError):
    """A path a pack names that leads outside it; the message names the file and field and what is allowed."""


def static_problem(value: object) -> str | None:
    """What is wrong with ``value`` as a pack-relative path on its face (no disk access), or None."""
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty path"
    if "\x00" in value or "\\" in value:
        return f"{value!r} holds a NUL or a backslash; give {ALLOWED}"
    path = PurePosixPath(value)
    if path.is_absolute() or value.startswith("~"):
        return f"{value!r} is absolute; give {ALLOWED}"
    if not path.parts:
        return f"{value!r} names no file; give {ALLOWED}"
    if ".." in path.parts:
        return f"{value!r} climbs out with '..'; give {ALLOWED}"
    return None


def pack_file(pack_dir: str | os.PathLike, value: object, where: str) -> Path:
    """The regular file ``value`` names inside ``pack_dir``; :class:`OutsidePack` (``where``: e.g.
    ``proposals/x.yaml: file``) when it is absolute, climbs out, passes a symlink or is no regular file.
    FileNotFoundError when it does not exist."""
    problem = static_problem(value)
    if problem:
        raise OutsidePack(f"{where}: {problem}")
    here = Path(pack_dir)
    for part in PurePosixPath(str(value)).parts:
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except FileNotFoundError:
            raise FileNotFoundError(f"{where}: {value!r}: no such file in the pack") from None
        if stat.S_ISLNK(mode):
            raise OutsidePack(f"{where}: {value!r} passes through the symlink {here.name!r}; give {ALLOWED}")
    if not stat.S_ISREG(mode):
        raise OutsidePack(f"{where}: {value!r} is not a regular file; give {ALLOWED}")
    return here
