"""The forecast report's opening line: what is forecast, how likely, how far from the base rate, and why.

A reader who stops after one sentence should still know the answer and the
one piece of evidence it rests on most. "Rests on most" is the definition the
"What rests on one sign" table and the tornado use
(:func:`foresight.evaluate.sensitivity.without_evidence`): the standing
evidence item whose removal moves the forecast furthest, so the three never
disagree.
"""

from __future__ import annotations

from IPython.display import Markdown

from foresight.evaluate.sensitivity import without_evidence
from foresight.model.forecasting import Forecast
from foresight.report import escape


def headline_text(f: Forecast) -> str:
    """The headline as Markdown text (pack text escaped): title, forecast, 90% interval, change since the base
    rate and the single largest reason."""
    lo, hi = f.interval(0.9)
    move = (f.mean - f.base_rate_mean) * 100
    direction = "up" if move > 0 else "down"
    change = (
        f"{direction} {abs(move):.1f} percentage points from the base rate of {f.base_rate_mean:.1%}"
        if abs(move) >= 0.05
        else f"the same as the base rate of {f.base_rate_mean:.1%}"
    )
    return (
        f"**{escape.md(f.question.title)}**: **{f.mean:.1%}** as of {f.as_of} (90% interval {lo:.1%} to {hi:.1%}), "
        f"{change}; {largest_reason(f)}."
    )


def largest_reason(f: Forecast) -> str:
    """The standing evidence item that moves the forecast most, in words (Markdown, escaped)."""
    removals = without_evidence(f)
    if removals.empty:
        return "no evidence stands yet, so the forecast is the outside view alone"
    top = removals.iloc[0]
    indicator = f.pack.indicators[top["indicator"]]
    return (
        f"the largest single reason: {escape.md(indicator.description.strip().rstrip('.'))} "
        f"(evidence {escape.md(top['evidence'])}, observed {top['observed']}); without it the forecast would be "
        f"{top['without']:.1%}"
    )


def headline(f: Forecast) -> Markdown:
    """:func:`headline_text` as a display object, set off as a quote so it reads as the page's summary."""
    return Markdown("> " + headline_text(f))
