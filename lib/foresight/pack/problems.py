"""Problems found in a pack, written as ``FILE:LINE: field.path: message``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a pack, located in a file, at a line, on a field."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


def shown(value: object, limit: int = 60) -> str:
    """A value as a message quotes it: its repr, cut short so one bad value cannot flood the output."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class PackError(Exception):
    """A pack failed validation; ``problems`` lists every problem, not just the first."""

    def __init__(self, pack_dir: Path, problems: list[Problem]):
        self.pack_dir = pack_dir
        self.problems = sorted(problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in scenario pack {pack_dir}:\n{lines}")

    def lines(self, pack_arg: str | Path | None = None) -> list[str]:
        """Each problem as ``FILE:LINE: field: message`` for a reader: files under the pack as the user named it
        (``pack_arg``, default the pack folder), the folder problem naming the folder itself."""
        base = Path(self.pack_dir if pack_arg is None else pack_arg)
        return [
            f"{p.file if p.field == '(folder)' else base / p.file}:{p.line}: {p.field}: {p.message}"
            for p in self.problems
        ]


PACK_FILE = "pack.yaml"
"""The file that makes a folder a scenario pack."""


def check_pack_folder(path: str | Path) -> Path:
    """``path`` as a pack folder, or :class:`PackError` with the one problem when it is no folder.

    Kept here, beside the problem type and away from the schema, so that a command given a wrong path
    says so before it imports pydantic and the model."""
    pack_dir = Path(path)
    if not pack_dir.is_dir():
        what = "is a file, not a folder" if pack_dir.exists() else "no such folder"
        message = f"{what}: give the path of a scenario pack folder (one holding {PACK_FILE})"
        raise PackError(pack_dir, [Problem(str(pack_dir), 1, "(folder)", message)])
    return pack_dir
