"""Pack text made safe to show: the one place the report layer escapes what an analyst typed.

Packs are shared, and the HTML reports pass Markdown and HTML outputs through
to the browser, so a question title ``<script>...</script>`` would run as
script and an honest ``a < b & c`` or ``*`` would be mangled. Every piece of
pack text a report shows (titles, criteria, authors, notes, rationales, ...)
goes through one of these functions, chosen by where it lands:

- :func:`md` inside Markdown (``IPython.display.Markdown``): HTML special
  characters become entities and Markdown syntax is backslash-escaped, so the
  text reads exactly as typed;
- :func:`code` as a Markdown code span (ids): a code span takes no backslash escapes, so :func:`md`
  there would show its backslashes;
- :func:`html` inside HTML (``IPython.display.HTML``, hand-built tags);
- :func:`plot_text` inside a matplotlib text (where two ``$`` start mathtext:
  ``Survey 50% $ 20% $`` would be parsed as math and ``$\\href{...}$`` stop the
  figure with "Unknown symbol"), optionally wrapped so a long title is not
  clipped; :func:`plot_labels` for tick labels and legend entries;
- :func:`styler` for a pandas Styler (which, unlike a DataFrame's own HTML,
  does not escape cells by default);
- :func:`no_math` around hand-built HTML, so MathJax (loaded by JupyterLab and
  by nbconvert's HTML export) leaves a ``$...$`` in pack text as typed;
- :func:`terminal` for text printed to a terminal (the rule lives in
  :mod:`foresight.base.terminal`, where the command line needs it).

A plain DataFrame needs nothing: pandas escapes its HTML output, and importing
this module tells pandas to mark every table's HTML for MathJax to skip
(:func:`tables_without_math`).
"""

from __future__ import annotations

import html as _html
import re
import textwrap
from collections.abc import Iterable
from typing import Any

from foresight.base.terminal import terminal_text as terminal

__all__ = ["code", "html", "md", "no_math", "plot_labels", "plot_text", "styler", "tables_without_math", "terminal"]

_MARKDOWN_SYNTAX = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")
_SPACES = re.compile(r"\s+")


def md(text: Any) -> str:
    """``text`` for a Markdown context: shown literally, never as markup, HTML, Markdown or math, on one line
    (text with a ``$`` or a backslash is put in a span MathJax skips, see :func:`no_math`)."""
    if text is None:
        return ""
    flat = _SPACES.sub(" ", str(text)).strip()
    out = _MARKDOWN_SYNTAX.sub(r"\\\1", _html.escape(flat, quote=False))
    # MathJax typesets $...$, \(...\) and \begin{...} in the rendered page whatever Markdown did with them
    return no_math(out, "span") if ("$" in flat or "\\" in flat) else out


def code(text: Any) -> str:
    """``text`` as a Markdown code span, shown literally on one line: fenced by more backticks than any run in
    it (Markdown escapes HTML inside a code span itself, and MathJax skips code)."""
    if text is None:
        return ""
    flat = _SPACES.sub(" ", str(text)).strip()
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def html(text: Any) -> str:
    """``text`` for an HTML context (element content or a quoted attribute)."""
    return "" if text is None else _html.escape(str(text), quote=True)


def plot_text(text: Any, width: int | None = None) -> str:
    """``text`` for a matplotlib title or label: ``$`` shown as a dollar (never mathtext), control characters
    as their escapes (see :func:`terminal`), long lines wrapped at ``width``."""
    if text is None:
        return ""
    lines = terminal(text).splitlines() or [""]  # a control character has no glyph: shown as its escape
    if width:
        lines = [part for line in lines for part in (textwrap.wrap(line, width) or [""])]
    return "\n".join(lines).replace("$", r"\$")


def plot_labels(values: Iterable[Any]) -> list[str]:
    """Tick labels or legend entries through :func:`plot_text` (unwrapped)."""
    return [plot_text(value) for value in values]


NO_MATH_CLASS = "tex2jax_ignore mathjax_ignore"
"""The classes MathJax 2 (nbconvert's export) and MathJax 3 (JupyterLab) skip."""


def no_math(fragment: str, tag: str = "div") -> str:
    """An HTML ``fragment`` (already escaped) inside an element MathJax does not typeset."""
    return f'<{tag} class="{NO_MATH_CLASS}">{fragment}</{tag}>'


def tables_without_math() -> None:
    """Make pandas mark every DataFrame and Styler table it renders as HTML for MathJax to skip
    (pandas' ``display.html.use_mathjax`` and ``styler.html.mathjax`` options): pack text in a cell
    is shown as typed, not as math."""
    import pandas as pd

    pd.set_option("display.html.use_mathjax", False)
    pd.set_option("styler.html.mathjax", False)


def styler(frame: Any, **format_kwargs: Any) -> Any:
    """``frame.style`` with every cell, index and column label HTML-escaped; ``format_kwargs`` go to
    ``Styler.format`` (one call: a second ``format`` would replace the first)."""
    style = frame.style.format(escape="html", **format_kwargs)
    return style.format_index(escape="html", axis=0).format_index(escape="html", axis=1)


tables_without_math()
