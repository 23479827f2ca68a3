"""A pack's freeze: the content its scores are claimed for, recorded before its first scored backtest.

A backtest is evidence that the model generalises only when the pack was not
revised after its scores were read. ``foresight freeze PACK`` writes
``freeze.yaml`` into the pack: the date, the git commit (when the pack is in a
repository), the sha256 of every YAML file of the pack, and a revision log.
Later, :func:`freeze_status` compares the files with those hashes, and the
backtest and its reports say either "scores from frozen content (frozen on D)"
or which files changed since.

What is hashed: every ``*.yaml`` file of the pack (the files the model reads)
except ``freeze.yaml`` itself. The README is left out: it documents the pack,
its revision notes are expected to grow, and it never changes a forecast.

Re-freezing a pack that already has a freeze appends to its revision log and
needs a reason: a pack is frozen to be scored, so a later freeze may follow
scores that were seen, and the log must say why the content changed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from foresight.base.atomic import write_text_atomic
from foresight.pack.loader import Pack
from foresight.pack.schema import FREEZE_FILE, Freeze, Revision
from foresight.pack.snapshot import file_hashes

FIRST_REASON = "first freeze, before any scored backtest"
"""The reason recorded when none is given for a pack's first freeze."""


class FreezeError(ValueError):
    """A freeze that cannot be written (a re-freeze without a reason); the message says what to give."""


def content_hashes(pack: Pack) -> dict[str, str]:
    """sha256 of each file a freeze covers (every YAML file of the pack but ``freeze.yaml``)."""
    return {name: digest for name, digest in file_hashes(pack).items() if name != FREEZE_FILE}


def git_commit(folder: Path) -> str | None:
    """The commit checked out where ``folder`` lies (None outside a git repository or without git)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def changed_files(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """Files added, removed or edited between two hash maps, sorted by name."""
    return sorted(name for name in set(before) | set(now) if before.get(name) != now.get(name))


@dataclass(frozen=True)
class FreezeStatus:
    """Whether a pack's content is the content it was frozen with."""

    frozen_on: dt.date | None
    changed: tuple[str, ...] = ()

    @property
    def frozen(self) -> bool:
        return self.frozen_on is not None

    @property
    def intact(self) -> bool:
        """Frozen, and no covered file changed since."""
        return self.frozen and not self.changed

    def sentence(self) -> str:
        """One line for backtest tables and reports."""
        if not self.frozen:
            return "pack not frozen: its scores cannot show that the model generalises (run `foresight freeze`)"
        if self.changed:
            return f"pack changed since its freeze on {self.frozen_on}: files {', '.join(self.changed)}"
        return f"scores from frozen content (frozen on {self.frozen_on})"


def freeze_status(pack: Pack) -> FreezeStatus:
    """Compare the pack's files with its freeze (see :class:`FreezeStatus`)."""
    if pack.freeze is None:
        return FreezeStatus(None)
    return FreezeStatus(pack.freeze.frozen_on, tuple(changed_files(pack.freeze.files, content_hashes(pack))))


HEADER = (
    "# Written by `foresight freeze`: the content this pack's scores are claimed for.\n"
    "# Edit no hash by hand; re-freeze with `foresight freeze PACK --reason TEXT` after a revision.\n"
)


def freeze(pack: Pack, reason: str | None = None, today: dt.date | None = None) -> Freeze:
    """Write ``freeze.yaml`` for ``pack`` and return it; a re-freeze appends to the revision log.

    A first freeze without ``reason`` records :data:`FIRST_REASON`; a re-freeze
    without one raises :class:`FreezeError` (see the module docstring).
    """
    when = today or dt.date.today()
    reason = (reason or "").strip() or None
    hashes = content_hashes(pack)
    commit = git_commit(Path(pack.dir))
    previous = pack.freeze
    if previous is not None and reason is None:
        changed = changed_files(previous.files, hashes)
        what = f"files changed since: {', '.join(changed)}" if changed else "no file changed since"
        raise FreezeError(
            f"{Path(pack.dir) / FREEZE_FILE}: the pack was frozen on {previous.frozen_on} ({what}); "
            "a re-freeze needs --reason TEXT saying why the content changed and whether its scores were seen"
        )
    entry = Revision(
        date=when,
        commit=commit,
        reason=reason or FIRST_REASON,
        changed=[] if previous is None else changed_files(previous.files, hashes),
    )
    record = Freeze(
        frozen_on=when,
        commit=commit,
        files=hashes,
        revisions=[*(previous.revisions if previous is not None else []), entry],
    )
    data = record.model_dump(mode="json")
    text = HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    write_text_atomic(Path(pack.dir) / FREEZE_FILE, text)
    return record
