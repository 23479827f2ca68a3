"""Foresight: Bayesian scenario forecasting from scenario packs (see docs/reference/python-api.md).

The public API, deliberately small: read a pack, forecast one question or all
of them jointly, follow a forecast over time, score it, and ask what it rests
on. Everything else is reached through its layer (``foresight.report`` for
tables, figures and texts; ``foresight.run`` for parameters, notebooks and
runs), whose modules may change more freely than the names below.

Every name but the problem types is imported on first use (PEP 562): PyMC and pandas take
seconds to import, and commands that only read packs (``foresight validate``, ``lint``,
``runs``) need neither; pydantic's pack schema alone takes a noticeable part of a second, which
a command that stops at a wrong path or option should not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from foresight.pack.problems import PackError, Problem

__version__ = "0.1.0"

_LAZY = {
    "Pack": "foresight.pack.loader",
    "load_pack": "foresight.pack.loader",
    "Forecast": "foresight.model.forecasting",
    "forecast": "foresight.model.forecasting",
    "ModelOptions": "foresight.model.options",
    "JointForecast": "foresight.model.joint",
    "joint_forecast": "foresight.model.joint",
    "forecast_history": "foresight.evaluate.history",
    "backtest": "foresight.evaluate.backtest",
    "tornado": "foresight.evaluate.sensitivity",
    "change_my_mind": "foresight.evaluate.sensitivity",
}

if TYPE_CHECKING:  # for type checkers and editors; at run time these load on first use
    from foresight.evaluate.backtest import backtest
    from foresight.evaluate.history import forecast_history
    from foresight.evaluate.sensitivity import change_my_mind, tornado
    from foresight.model.forecasting import Forecast, forecast
    from foresight.model.joint import JointForecast, joint_forecast
    from foresight.model.options import ModelOptions
    from foresight.pack.loader import Pack, load_pack


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'foresight' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    # packs
    "Pack",
    "PackError",
    "Problem",
    "load_pack",
    # forecasts
    "Forecast",
    "forecast",
    "ModelOptions",
    "JointForecast",
    "joint_forecast",
    # judging and explaining them
    "forecast_history",
    "backtest",
    "tornado",
    "change_my_mind",
]
