"""Do the packs know more than the crowd of their time could have? A check of a library for hindsight.

A pack is written as of each question's date, but its writer may know how the question ended, and
that knowledge leaks into which cases a class keeps and which reports count as evidence
(docs/explanation/hindsight.md). The forecasters of the time (Good Judgment's, PredictionBook's
users) could not know the outcome, and they read the news of those days too. So where a pack's
questions carry forecasts of the time (matched pairs), two facts point to hindsight in the pack:

- the pack's outside view alone (its reference classes, no evidence) scores at least as well as the
  crowd did, although the crowd knew the same history and the news besides;
- given the pack's own parts (the outside view's log-odds L and the evidence's shift S), the crowd's
  log-odds C count for less than their face value: in

      logit P(yes) = a + b_out * L + b_ev * S + b_crowd * C

  b_crowd's 90% interval lies below 1. Alone, crowds of the time are worth more than face value (the
  pooling extremizes them, d near 2 on this library, as Good Judgment's aggregations did), so an honest
  pack's few parts should leave the crowd at 1 or more.

Both hold when the pack's parts already contain what only the outcome could tell (the first alone may
also mean a weak crowd, and is reported as such). A calibration or a
pooling learned from such packs learns to trust their parts more than an honest pack's deserve
(slopes above 1, a small weight for the crowd), and carries that to packs written without hindsight.
The check cannot prove hindsight (a pack may honestly out-read a crowd); it says when the library's
figures should not be taken at face value.

The fit is the calibration's weighted logistic regression (:func:`foresight.evaluate.calibration.laplace`),
each (pack, source, question) series weighted to 1 as the pooling weighs it
(:func:`foresight.evaluate.pooling.series_weights`), with wide priors centred on the pack's parts alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from foresight.evaluate import calibration, pooling
from foresight.model.calibration import logit, parts

PRIOR_MEAN = np.array([0.0, 1.0, 1.0, 0.0])
PRIOR_SD = np.array([2.0, 2.0, 2.0, 2.0])
"""Normal priors of (a, b_out, b_ev, b_crowd): centred on the pack's parts as they are and no weight for the
crowd, wide enough that a few hundred forecasts decide."""

Z90 = float(norm.ppf(0.95))
"""Half-width of a 90% interval in standard deviations."""


@dataclass(frozen=True)
class CrowdCheck:
    """The crowd's weight beside the packs' parts, and the three Brier scores on the same pairs."""

    b_crowd: float
    b_crowd_low: float
    b_crowd_high: float
    brier_crowd: float
    brier_model: float
    brier_base_rate: float
    n_series: int
    n_forecasts: int

    @property
    def crowd_discounted(self) -> bool:
        return self.b_crowd_high < 1.0

    @property
    def outside_view_beats_crowd(self) -> bool:
        return self.brier_base_rate <= self.brier_crowd

    @property
    def hindsight_suspected(self) -> bool:
        return self.n_series >= pooling.MIN_SERIES and self.crowd_discounted and self.outside_view_beats_crowd

    def record(self) -> dict[str, float | int | bool]:
        """The check as an artefact's provenance keeps it (rounded; with the verdict)."""
        figures = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}
        return figures | {"hindsight_suspected": self.hindsight_suspected}

    def lines(self) -> list[str]:
        """What `foresight backtest` prints: the figures, then the verdict in one line."""
        head = (
            f"  on {self.n_series} series ({self.n_forecasts} forecasts of the time): Brier crowd "
            f"{self.brier_crowd:.3f}, packs' base rate alone {self.brier_base_rate:.3f}, model {self.brier_model:.3f}; "
            f"the crowd's weight beside the packs' parts {self.b_crowd:.2f} (90% {self.b_crowd_low:.2f} to "
            f"{self.b_crowd_high:.2f})"
        )
        if self.n_series < pooling.MIN_SERIES:
            verdict = f"  too few series to judge (fewer than {pooling.MIN_SERIES})"
        elif self.outside_view_beats_crowd and not self.crowd_discounted:
            verdict = (
                "  the packs' outside view alone scores as well as the crowd of the time (hindsight in the classes, "
                "or a weak crowd); beside the packs' parts the crowd is not shown to count for less than its face value"
            )
        elif self.hindsight_suspected:
            verdict = (
                "  HINDSIGHT SUSPECTED: the packs' outside view alone scores as well as the crowd of the time, and "
                "beside the packs' parts the crowd counts for less than its face value; a calibration or pooling "
                "learned from these packs trusts them more than packs written without hindsight deserve"
            )
        else:
            verdict = "  no sign of hindsight: the crowd of the time still tells what the packs' parts do not"
        return [head, verdict]


def crowd_check(pairs: pd.DataFrame) -> CrowdCheck | None:
    """The check on matched pairs (``forecast``, ``base_rate_forecast``, ``external_forecast``, ``outcome``,
    with the keys and dates :func:`~foresight.evaluate.pooling.series_weights` reads); None without pairs."""
    if not len(pairs):
        return None
    pairs = pairs.reset_index(drop=True)
    model = pairs["forecast"].to_numpy(float)
    base = pairs["base_rate_forecast"].to_numpy(float)
    crowd = pairs["external_forecast"].to_numpy(float)
    y = pairs["outcome"].to_numpy(float)
    outside, shift = parts(model, base)
    X = np.column_stack([np.ones(len(pairs)), outside, shift, logit(crowd)])
    w = pooling.series_weights(pairs)
    n_series = int(round(w.sum()))
    mode, cov = calibration.laplace(calibration.Data(X, y, w, n_series), PRIOR_MEAN, PRIOR_SD)
    sd = float(np.sqrt(cov[3, 3]))

    def brier(p: np.ndarray) -> float:
        return float((w * (p - y) ** 2).sum() / w.sum())

    return CrowdCheck(
        b_crowd=float(mode[3]),
        b_crowd_low=float(mode[3] - Z90 * sd),
        b_crowd_high=float(mode[3] + Z90 * sd),
        brier_crowd=brier(crowd),
        brier_model=brier(model),
        brier_base_rate=brier(base),
        n_series=n_series,
        n_forecasts=len(pairs),
    )


def crowd_checks(pairs: pd.DataFrame, all_packs: str) -> list[tuple[str, CrowdCheck]]:
    """The check on all pairs (named ``all_packs``), then on each pack's own, by pack id; none without pairs."""
    groups = [(all_packs, pairs)] + ([*pairs.groupby("pack", sort=True)] if len(pairs) else [])
    return [(pack, check) for pack, part in groups if (check := crowd_check(part)) is not None]


def crowd_check_table(pairs: pd.DataFrame, all_packs: str) -> pd.DataFrame:
    """:func:`crowd_checks` as a table, one row per pack (``library_crowd_check.csv``)."""
    return pd.DataFrame([{"pack": pack, **check.record()} for pack, check in crowd_checks(pairs, all_packs)])
