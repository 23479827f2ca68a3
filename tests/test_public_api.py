"""The public API in ``foresight/__init__.py`` is small, complete and documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import foresight

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(title)
    return text[start : text.index("\n## ", start)]


def test_every_public_name_exists_and_is_documented_in_the_readme():
    section = _section("### In Python")
    for name in foresight.__all__:
        assert getattr(foresight, name) is not None
        assert re.search(rf"`{name}\b", section), f"{name} is public but not in the README's 'In Python' section"


def test_the_readme_example_imports_only_public_names_from_the_root():
    for line in re.findall(r"^from foresight import (.+)$", _section("### In Python"), re.MULTILINE):
        for name in (n.strip() for n in line.split(",")):
            assert name in foresight.__all__, f"the README imports {name} from foresight, which is not public"


def test_the_readme_shows_the_tree_and_the_rule_of_each_layer():
    section = README.read_text(encoding="utf-8").split("## How the code is organised", 1)[1]
    for layer in ("base", "pack", "model", "evaluate", "report", "run"):
        assert f"  {layer}/" in section and f"| `{layer}` |" in section
