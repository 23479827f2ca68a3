"""Pooling with the crowd: the grid posterior of (w, d) recovers known weights, and learns nothing held out."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from foresight.evaluate import pooling


def pairs_frame(y: np.ndarray, model: np.ndarray, crowd: np.ndarray, packs: int = 2, **more: np.ndarray):
    """Matched pairs as a library backtest writes them: one forecast of the time per (source, question) series,
    question i in pack p{i % packs}, with the model's and the crowd's probabilities (and ``more`` columns)."""
    n = len(y)
    return pd.DataFrame(
        {
            "pack": [f"p{i % packs}" for i in range(n)],
            "source": "crowd",
            "question_id": [f"q{i}" for i in range(n)],
            "as_of": pd.Timestamp("2015-01-01"),
            "closes": pd.Timestamp("2015-03-01"),
            "resolved_on": pd.Timestamp("2015-03-01"),
            "outcome": y,
            "forecast": model,
            "external_forecast": crowd,
            **more,
        }
    )


def synthetic_pairs(n: int, w: float, d: float, seed: int = 0, packs: int = 2) -> pd.DataFrame:
    """One forecast per (source, question) series; the truth is the pooled forecast with weights (w, d)."""
    rng = np.random.default_rng(seed)
    lm, lc = rng.normal(0, 1.2, n), rng.normal(0, 1.2, n)
    y = (rng.random(n) < expit(d * (w * lm + (1 - w) * lc))).astype(int)
    return pairs_frame(y, expit(lm), expit(lc), packs)


def test_weights_and_extremizing_recovered():
    fit = pooling.fit_pooling(synthetic_pairs(1000, w=0.3, d=1.6))
    _, w_lo, w_hi = fit.interval("w")
    _, d_lo, d_hi = fit.interval("d")
    assert w_lo <= 0.3 <= w_hi and d_lo <= 1.6 <= d_hi, fit.summary()
    assert not w_lo <= 0.5 <= w_hi and not d_lo <= 1.0 <= d_hi  # the plain mean of log-odds is ruled out


def test_no_pairs_gives_the_prior_and_says_so():
    fit = pooling.fit_pooling(synthetic_pairs(0, w=0.5, d=1.0))
    assert fit.n_series == 0 and "too few series" in fit.summary()
    assert abs(fit.interval("w")[0] - 0.5) < 1e-9


def test_held_out_pack_is_pooled_without_its_own_outcomes():
    pairs = synthetic_pairs(400, w=0.3, d=1.6)
    before, _ = pooling.leave_one_pack_out(pairs)
    flipped = pairs.copy()
    mine = (pairs["pack"] == "p0").to_numpy()
    flipped.loc[mine, "outcome"] = 1 - flipped.loc[mine, "outcome"]
    after, _ = pooling.leave_one_pack_out(flipped)
    np.testing.assert_array_equal(after[mine], before[mine])
    assert not np.allclose(after[~mine], before[~mine])
