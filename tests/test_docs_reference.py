"""The documentation's generated reference covers every CLI option and pack field, and the README stays a front page.

The site itself is built by `make docs` (Sphinx, minutes); these checks read the same sources the
generated pages are made from (argparse, the schema's field descriptions) with the same functions
(``docs/_ext/reference_text.py``), in well under a second, so a flag or field added without its
text fails `make test`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from foresight.pack import schema
from foresight.run.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import reference_text  # noqa: E402  (docs/_ext is not a package)

README_MAX_LINES = 200


def _pages() -> list[str]:
    """The site's Markdown pages, relative to docs/ (not the build, not the generated includes)."""
    found = (p.relative_to(DOCS) for p in DOCS.rglob("*.md"))
    return sorted(p.as_posix() for p in found if not any(part.startswith("_") for part in p.parts))


def test_every_cli_option_has_a_help_text():
    missing = reference_text.undocumented_options(build_parser())
    assert not missing, f"CLI arguments without a help text (the CLI reference would show nothing): {missing}"


def test_the_cli_check_catches_an_option_without_help():
    parser = argparse.ArgumentParser(prog="foresight")
    sub = parser.add_subparsers()
    run = sub.add_parser("run")
    run.add_argument("--jobs", help="notebooks at a time")
    run.add_argument("--planted")
    assert reference_text.undocumented_options(parser) == ["foresight run --planted"]


def test_the_cli_reference_page_renders_the_real_parser():
    page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    assert ":module: foresight.run.cli" in page and ":func: build_parser" in page


def test_every_pack_field_has_a_description_and_a_row_in_the_pack_format():
    assert not reference_text.undocumented_fields(), "pack fields without Field(description=...)"
    text = reference_text.pack_format_markdown()
    for model, _ in reference_text.pack_models():
        section = text.split(f"### {model.__name__}\n", 1)[1].split("\n### ", 1)[0]
        for name, info in model.model_fields.items():
            assert f"| `{name}` |" in section and info.description.split()[0] in section, f"{model.__name__}.{name}"


def test_every_notebook_parameter_has_a_help_text_and_a_row_in_the_reference():
    from foresight.run.parameters import NOTEBOOKS, PARAMETERS, parameters_for

    assert not reference_text.undocumented_parameters(), "notebook parameters without a help text"
    text = reference_text.notebook_parameters_markdown()
    everyone = text.split("## By notebook", 1)[0]
    assert all(f"| `{name}` |" in everyone for name in PARAMETERS)
    for notebook in NOTEBOOKS:
        section = text.split(f"### `{notebook}.ipynb`\n", 1)[1].split("\n### ", 1)[0]
        assert all(f"| `{p.name}` |" in section for p in parameters_for(notebook)), notebook


def test_every_record_file_of_a_pack_is_in_the_pack_format():
    files = {file for file, _, _ in reference_text.PACK_FILES}
    assert set(schema.RECORD_FILES) | set(schema.OPTIONAL_RECORD_FILES) <= files
    assert {"pack.yaml", schema.EVENT_LOGS_FILE, "links.yaml", schema.FREEZE_FILE} <= files


def test_the_field_check_catches_a_field_without_description():
    class Planted(BaseModel):
        said: str = Field(description="a field with its text")
        silent: int = 0

    assert reference_text.undocumented_fields([Planted]) == ["Planted.silent"]


def test_every_page_of_the_site_is_reachable_from_a_toctree():
    """Sphinx fails on an orphan page too, but only in `make docs`; this says which one in a second."""
    pages = {page[:-3] for page in _pages()}
    listed = {"index"}
    for index in DOCS.rglob("index.md"):
        folder = index.parent.relative_to(DOCS).as_posix()
        text = index.read_text(encoding="utf-8")
        for block in re.findall(r"```\{toctree\}\n(.*?)```", text, re.S):
            for entry in (line.strip() for line in block.splitlines() if line.strip() and not line.startswith(":")):
                prefix = "" if folder == "." else f"{folder}/"
                if entry == "*":
                    listed |= {p for p in pages if p.startswith(prefix) and p.count("/") == prefix.count("/")}
                else:
                    listed.add(prefix + entry)
    assert pages <= listed, f"pages in no toctree: {sorted(pages - listed)}"


def test_the_readme_is_a_front_page_whose_links_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    for section in ("## Two commands", "## Documentation"):
        assert section in text
    links = re.findall(r"\]\(((?:docs)/[^)#]+)\)", text)
    assert links, "the README points nowhere into docs/"
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"README links to missing files: {missing}"


@pytest.mark.parametrize("page", _pages())
def test_links_between_pages_point_at_existing_pages(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", text):
        assert (DOCS / page).parent.joinpath(target).resolve().exists(), f"{page} links to missing {target}"


def test_the_docs_lock_pins_only_packages_the_project_lock_does_not():
    """`make docs` installs docs/requirements.lock with requirements.lock as constraints: a package in both
    would either be a no-op or, at another version, make the install fail, so each package is pinned once."""

    def pins(path: Path) -> dict[str, str]:
        lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
        pairs = (line.split("==") for line in lines if line and not line.startswith("#"))
        return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pairs}

    docs, project = pins(DOCS / "requirements.lock"), pins(ROOT / "requirements.lock")
    assert {"sphinx", "myst-nb", "pydata-sphinx-theme", "sphinx-argparse"} <= set(docs)
    assert not set(docs) & set(project), f"pinned in both locks: {sorted(set(docs) & set(project))}"
