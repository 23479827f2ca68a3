"""Helpers for tests that break a copy of a scenario pack and look at what the loader says."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from foresight import PackError, Problem, load_pack

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
PACK_FILES = (
    "pack.yaml",
    "documents.yaml",
    "questions.yaml",
    "reference_classes.yaml",
    "indicators.yaml",
    "evidence.yaml",
)
MINI_COUNTS = {"questions": 2, "reference_classes": 2, "cases": 7, "indicators": 3, "documents": 2, "evidence": 3}


def copy_pack(dest: Path, source: Path = MINI) -> Path:
    """Copy the pack ``source`` to ``dest/<its name>`` and return the copy's folder."""
    target = dest / source.name
    shutil.copytree(source, target)
    return target


def replace(pack: Path, file: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``pack/file``; fail loudly if it is absent or repeated,
    so a test cannot silently stop breaking what it means to break when the fixture changes."""
    path = pack / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}, expected once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(pack: Path, file: str, snippet: str) -> int:
    """1-based number of the one line of ``pack/file`` that contains ``snippet``."""
    lines = (pack / file).read_text(encoding="utf-8").splitlines()
    hits = [n for n, line in enumerate(lines, start=1) if snippet in line]
    assert len(hits) == 1, f"{snippet!r} is on lines {hits} of {file}, expected exactly one"
    return hits[0]


def problems_of(pack: Path) -> list[Problem]:
    """The problems load_pack reports; fails the test if the pack loads."""
    with pytest.raises(PackError) as info:
        load_pack(pack)
    assert info.value.problems, "PackError without problems"
    return info.value.problems


def only_problem(pack: Path) -> Problem:
    """The single problem load_pack reports (one break should make exactly one problem)."""
    problems = problems_of(pack)
    assert len(problems) == 1, "expected exactly one problem, got:\n" + "\n".join(map(str, problems))
    return problems[0]


def find_problem(problems: list[Problem], file: str, field: str) -> Problem:
    """The one problem on ``field`` of ``file``."""
    hits = [p for p in problems if p.file == file and p.field == field]
    assert len(hits) == 1, f"expected one problem on {file} {field}, got:\n" + "\n".join(map(str, problems))
    return hits[0]
