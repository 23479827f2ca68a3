"""Tables laid out for the page: scrolling inside it when wide, folded away when long.

A wide table in the HTML export used to push the page past the window (a
1761 px table on a 1280 px page, its last columns cut off), and pandas shows a
long one as its first and last five rows with no way to see the rest. These
wrappers keep the page's width and let the reader reach every row. Summary
texts are escaped here; table cells are escaped by pandas' Styler (see
:func:`foresight.report.escape.styler`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.display import HTML

from foresight.report import escape

SCROLL_STYLE = "overflow-x:auto;max-width:100%"
"""The wrapper's CSS: as wide as the page at most, scrolling sideways inside it."""


def table_html(frame: pd.DataFrame, **format_kwargs: Any) -> str:
    """``frame`` as escaped HTML (no index), every row, numbers formatted by ``format_kwargs`` (Styler.format)."""
    return escape.styler(frame, **format_kwargs).hide(axis="index").to_html()


def scrolling(frame: pd.DataFrame, **format_kwargs: Any) -> HTML:
    """``frame`` inside a box that scrolls sideways when the table is wider than the page."""
    return HTML(f'<div style="{SCROLL_STYLE}">{table_html(frame, **format_kwargs)}</div>')


def collapsible(frame: pd.DataFrame, summary: str, **format_kwargs: Any) -> HTML:
    """Every row of ``frame`` in a folded ``<details>`` whose line ``summary`` (plain text) opens it."""
    return HTML(
        f"<details><summary>{escape.html(summary)}</summary>"
        f'<div style="{SCROLL_STYLE}">{table_html(frame, **format_kwargs)}</div></details>'
    )
