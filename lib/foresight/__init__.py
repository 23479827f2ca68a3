"""Foresight: Bayesian scenario forecasting from scenario packs (see README.md)."""

from foresight.pack.loader import Pack, load_pack
from foresight.pack.problems import PackError, Problem

__all__ = ["Pack", "PackError", "Problem", "load_pack"]
__version__ = "0.1.0"

from foresight.model.forecasting import Forecast, forecast  # noqa: E402  (after the pack API it builds on)

__all__ += ["Forecast", "forecast"]
