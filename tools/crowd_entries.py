"""What the crowd tools (`gjp_crowd.py`, `pb_crowd.py`) share: thinning a daily series and writing one
`external_forecasts` entry, so that both sources reach a pack by the same rule and in the same form."""

from __future__ import annotations

import datetime as dt
from typing import Any


def thinned(series: dict[dt.date, Any], every_days: int) -> dict[dt.date, Any]:
    """The first day of each block of ``every_days`` days, with its value: a series does not outweigh the
    model's steps."""
    kept: dict[dt.date, Any] = {}
    last: dt.date | None = None
    for day, value in sorted(series.items()):
        if last is None or (day - last).days >= every_days:
            kept[day] = value
            last = day
    return kept


def print_entry(question: str, source: str, day: dt.date, probability: float, match: str) -> None:
    """One `external_forecasts` entry (YAML), its probability clipped into [0.01, 0.99] and rounded."""
    print(f"  - question: {question}")
    print(f"    source: {source}")
    print(f"    date: {day.isoformat()}")
    print(f"    probability: {min(max(round(probability, 3), 0.01), 0.99)}")
    print(f"    match: {match}")
