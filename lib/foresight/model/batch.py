"""Forecast every question of a pack at one date, each date clipped to its question's window.

The scenarios notebook and sweeps compare questions side by side at one
``as_of``; questions open at different times, so a date outside a question's
window moves to its nearest end, and the note that says so travels with the
forecast instead of being lost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from foresight.model.forecasting import Forecast, forecast, into_window, natural_as_of
from foresight.pack.loader import Pack


@dataclass(frozen=True)
class Dated:
    """A forecast and, when its date was moved into the question's window, why."""

    forecast: Forecast
    requested: dt.date | None
    note: str | None


def clip_to_window(question: Any, as_of: dt.date | None) -> tuple[dt.date, str | None]:
    """``as_of`` moved into the question's window (None: the report default), with a note when it moved.

    The one note text for every place a date is moved into a window (notebook
    parameters, side-by-side scenarios and sweeps); the rule is :func:`into_window`.
    """
    if as_of is None:
        return natural_as_of(question), None
    clipped = into_window(question, as_of)
    if clipped == as_of:
        return as_of, None
    return clipped, (
        f"as_of {as_of} is outside the window of '{question.id}' ({question.opens} to {question.closes}); "
        f"forecast as of {clipped} instead"
    )


def forecast_all(pack: Pack, as_of: dt.date | None = None, **kwargs: Any) -> list[Dated]:
    """Every question of ``pack`` at ``as_of`` (clipped per question), in the pack's order."""
    out = []
    for question in pack.questions.values():
        when, note = clip_to_window(question, as_of)
        out.append(Dated(forecast(pack, question.id, as_of=when, **kwargs), as_of, note))
    return out
