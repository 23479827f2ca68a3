"""Sphinx configuration of Foresight's documentation site (built by `make docs`).

Pages are MyST Markdown; the reference pages are generated from the code (argparse, docstrings,
the pack schema's field descriptions, the notebook parameter table) by the extensions in
``docs/_ext``; one tutorial page is a notebook that MyST-NB executes at build time.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS / "_ext"), str(DOCS.parent / "lib")]

project = "Foresight"
author = "the Foresight project"
copyright = "the Foresight project"  # noqa: A001 (Sphinx's own name for it)

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinxarg.ext",
    "foresight_docs",
]

exclude_patterns = ["_build", "_generated", "requirements.lock", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# MyST: $...$ and $$...$$ for the model's formulas, ::: fences, heading anchors for links between pages.
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# MyST-NB: execute notebook pages at every build, in the page's own folder, and fail the build on an error.
nb_execution_mode = "force"
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

# autodoc: the public API's signatures without type annotations (they would name types that have no
# page of their own, which nitpicky mode reports as broken references).
autodoc_typehints = "none"
autodoc_member_order = "bysource"
default_role = "literal"  # `x` in docstrings is code, as in the rest of the project's text

html_theme = "pydata_sphinx_theme"
html_title = "Foresight"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_last_updated_fmt = None
html_copy_source = False

# Docstrings of the public API point at the internal modules they build on; those have no page here
# (the API reference covers `foresight.__all__` only), so such references are not broken links.
nitpick_ignore_regex = [
    (r"py:(func|mod|data|class|meth|attr)", r"foresight\.(base|pack|model|evaluate|report|run)\..*"),
    (r"py:(func|data)", r"(natural_as_of|INFERENCE|standing_changes)"),
]
