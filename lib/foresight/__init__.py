"""Foresight: Bayesian scenario forecasting from scenario packs (see README.md, "In Python").

The public API, deliberately small: read a pack, forecast one question or all
of them jointly, follow a forecast over time, score it, and ask what it rests
on. Everything else is reached through its layer (``foresight.report`` for
tables, figures and texts; ``foresight.run`` for parameters, notebooks and
runs), whose modules may change more freely than the names below.
"""

from foresight.pack.loader import Pack, load_pack
from foresight.pack.problems import PackError, Problem

__version__ = "0.1.0"

# the model, then what judges it: each builds on the pack API above
from foresight.evaluate.backtest import backtest  # noqa: E402
from foresight.evaluate.history import forecast_history  # noqa: E402
from foresight.evaluate.sensitivity import change_my_mind, tornado  # noqa: E402
from foresight.model.forecasting import Forecast, forecast  # noqa: E402
from foresight.model.joint import JointForecast, joint_forecast  # noqa: E402

__all__ = [
    # packs
    "Pack",
    "PackError",
    "Problem",
    "load_pack",
    # forecasts
    "Forecast",
    "forecast",
    "JointForecast",
    "joint_forecast",
    # judging and explaining them
    "forecast_history",
    "backtest",
    "tornado",
    "change_my_mind",
]
