"""Pack text made safe to show: the one place the report layer escapes what an analyst typed.

Packs are shared, and the HTML reports pass Markdown and HTML outputs through
to the browser, so a question title ``<script>...</script>`` would run as
script and an honest ``a < b & c`` or ``*`` would be mangled. Every piece of
pack text a report shows (titles, criteria, authors, notes, rationales, ...)
goes through one of these functions, chosen by where it lands:

- :func:`md` inside Markdown (``IPython.display.Markdown``): HTML special
  characters become entities and Markdown syntax is backslash-escaped, so the
  text reads exactly as typed;
- :func:`html` inside HTML (``IPython.display.HTML``, hand-built tags);
- :func:`plot_text` inside a matplotlib text (where ``$`` starts mathtext),
  optionally wrapped so a long title is not clipped;
- :func:`styler` for a pandas Styler (which, unlike a DataFrame's own HTML,
  does not escape cells by default).

A plain DataFrame needs nothing: pandas escapes its HTML output.
"""

from __future__ import annotations

import html as _html
import re
import textwrap
from typing import Any

_MARKDOWN_SYNTAX = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")
_SPACES = re.compile(r"\s+")


def md(text: Any) -> str:
    """``text`` for a Markdown context: shown literally, never as markup, HTML or Markdown, on one line."""
    if text is None:
        return ""
    flat = _SPACES.sub(" ", str(text)).strip()
    return _MARKDOWN_SYNTAX.sub(r"\\\1", _html.escape(flat, quote=False))


def html(text: Any) -> str:
    """``text`` for an HTML context (element content or a quoted attribute)."""
    return "" if text is None else _html.escape(str(text), quote=True)


def plot_text(text: Any, width: int | None = None) -> str:
    """``text`` for a matplotlib title or label: ``$`` shown as a dollar, long lines wrapped at ``width``."""
    if text is None:
        return ""
    lines = str(text).splitlines() or [""]
    if width:
        lines = [part for line in lines for part in (textwrap.wrap(line, width) or [""])]
    return "\n".join(lines).replace("$", r"\$")


def styler(frame: Any, **format_kwargs: Any) -> Any:
    """``frame.style`` with every cell, index and column label HTML-escaped; ``format_kwargs`` go to
    ``Styler.format`` (one call: a second ``format`` would replace the first)."""
    style = frame.style.format(escape="html", **format_kwargs)
    return style.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
