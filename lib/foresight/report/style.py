"""The reports' look in one place: the colour palette and the coloured boxes around notes and warnings.

One palette so that "yes" is the same green in every figure, table and box
(two copies had drifted apart), and one box function so that a warning looks
the same in every report. Box bodies are HTML: callers escape pack text with
:mod:`foresight.report.escape` before passing it in.
"""

from __future__ import annotations

from IPython.display import HTML

from foresight.report.escape import NO_MATH_CLASS

YES = "#2e8b57"
"""Resolved or evidence for yes."""
NO = "#c0392b"
"""Resolved or evidence for no."""
NEUTRAL = "#7f8c8d"
"""Open, unknown, not forecast."""
BASE = "#5d6d7e"
"""The base rate (outside view)."""
FORECAST = "#1f4e79"
"""The forecast (with evidence), documents on a timeline."""
BAND = "#4c72b0"
"""A forecast's interval band over time."""
NOTE = "#d68910"
"""Notes and evidence dates."""
TICK_EVIDENCE, TICK_OTHER = "#333333", "#b0b0b0"
"""Document marks on a history: one that brought evidence on the question, and any other."""
EXTERNAL = "#dd8452"
"""Forecasts from elsewhere (crowds, markets) beside the model."""
TIMELINE = "#7d3c98"
"""Background timeline entries (dated public facts) on a history."""
OPTIONS = ("#1f4e79", "#dd8452", "#55a868", "#8172b2", "#c44e52", "#937860", "#da8bc3")
"""The options of an options question, in their order (stacked bars and areas), repeating after seven."""
YES_RGB, NO_RGB = (46, 139, 87), (192, 57, 43)
"""``YES`` and ``NO`` as RGB, for shading table cells by strength."""

_BOXES = {
    "ok": f"border-left:4px solid {YES};padding:4px 10px;background:#eef8f1",
    "note": f"border-left:4px solid {NOTE};padding:4px 10px;background:#fef5e7",
    "warning": f"border:2px solid {NO};padding:8px 12px;background:#fdecea;color:#7b241c",
}


def box(kind: str, body: str, title: str | None = None) -> HTML:
    """A coloured box: ``ok`` (a green line), ``note`` (orange) or ``warning`` (a red box that cannot be missed).

    ``body`` and ``title`` are HTML (escape pack text first); the title is bold,
    on its own line for a warning and run in for the others.
    """
    if kind not in _BOXES:
        raise ValueError(f"box kind must be one of {', '.join(_BOXES)}; got {kind!r}")
    head = ""
    if title:
        head = f"<b>{title}</b><br>" if kind == "warning" else f"<b>{title}</b> "
    return HTML(f'<div class="{NO_MATH_CLASS}" style="{_BOXES[kind]}">{head}{body}</div>')
