"""The public API in ``foresight/__init__.py`` is small, complete and documented on the documentation site."""

from __future__ import annotations

import re
from pathlib import Path

import foresight

DOCS = Path(__file__).resolve().parents[1] / "docs"
API_PAGE = DOCS / "reference" / "python-api.md"
LAYERS_PAGE = DOCS / "explanation" / "layers.md"


def _api_overview() -> str:
    """The API page's hand-written part: its table and example, before the generated entries."""
    return API_PAGE.read_text(encoding="utf-8").split("## Every public name", 1)[0]


def test_every_public_name_exists_and_is_documented_on_the_api_page():
    section, generated = _api_overview(), API_PAGE.read_text(encoding="utf-8").split("## Every public name", 1)[1]
    for name in foresight.__all__:
        assert getattr(foresight, name) is not None
        assert re.search(rf"`{name}\b", section), f"{name} is public but not in the API page's table"
        assert re.search(rf"^\.\. auto\w+:: {name}$", generated, re.M), f"{name} has no autodoc entry on the API page"


def test_the_examples_import_only_public_names_from_the_root():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    for where, text in (("the API page", _api_overview()), ("the README", readme)):
        for line in re.findall(r"^from foresight import (.+)$", text, re.MULTILINE):
            for name in (n.strip() for n in line.split(",")):
                assert name in foresight.__all__, f"{where} imports {name} from foresight, which is not public"


def test_the_layers_page_shows_the_tree_and_the_rule_of_each_layer():
    section = LAYERS_PAGE.read_text(encoding="utf-8")
    for layer in ("base", "pack", "model", "evaluate", "report", "run"):
        assert f"  {layer}/" in section and f"| `{layer}` |" in section
