"""Sphinx extension: write the generated reference pages' text into ``docs/_generated/`` as the build
starts (the pages include it), so the pack format and notebook parameters always match the code."""

from __future__ import annotations

from pathlib import Path

import reference_text

GENERATED = {
    "pack-format.md": reference_text.pack_format_markdown,
    "notebook-parameters.md": reference_text.notebook_parameters_markdown,
}


def _write(app) -> None:
    folder = Path(app.srcdir) / "_generated"
    folder.mkdir(exist_ok=True)
    for name, render in GENERATED.items():
        path = folder / name
        text = render()
        if not path.exists() or path.read_text(encoding="utf-8") != text:  # unchanged text keeps the page cached
            path.write_text(text, encoding="utf-8")


def setup(app):
    app.connect("builder-inited", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
