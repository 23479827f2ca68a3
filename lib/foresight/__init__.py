"""Foresight: Bayesian scenario forecasting from scenario packs (see README.md)."""

from .pack import Pack, load_pack
from .problems import PackError, Problem

__all__ = ["Pack", "PackError", "Problem", "load_pack"]
__version__ = "0.1.0"
