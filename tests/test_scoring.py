"""Scores, time-averaging and calibration checked against numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats

from foresight.evaluate.scoring import (
    LOG_CLIP,
    brier_score,
    calibration_table,
    calibration_verdict,
    jeffreys_interval,
    log_score,
    score_table,
    time_averaged,
    time_shares,
)
from foresight.report.history_plots import plot_calibration


def table(probabilities, outcomes, question_ids=None, as_of="2020-01-01", **extra) -> pd.DataFrame:
    n = len(probabilities)
    return pd.DataFrame(
        {
            "question_id": question_ids if question_ids is not None else [f"q{i}" for i in range(n)],
            "as_of": as_of if not isinstance(as_of, str) else [as_of] * n,
            "probability": probabilities,
            "outcome": outcomes,
            **extra,
        }
    )


# --- per-forecast scores -----------------------------------------------------


def test_hand_computed_scores():
    scored = score_table(table([0.8, 0.8, 0.5, 0.3], [1, 0, "yes", "No"]))
    np.testing.assert_allclose(scored["brier"], [0.04, 0.64, 0.25, 0.09])
    np.testing.assert_allclose(scored["log_score"], [math.log(0.8), math.log(0.2), math.log(0.5), math.log(0.7)])
    assert list(scored["outcome"]) == [1, 0, 1, 0]
    assert pd.api.types.is_datetime64_any_dtype(scored["as_of"])


def test_certain_forecasts_are_clipped_for_the_log_score_only():
    scored = score_table(table([0.0, 1.0, 1.0, 0.0], [1, 1, 0, 0]))
    np.testing.assert_allclose(scored["brier"], [1.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(
        scored["log_score"], [math.log(LOG_CLIP), math.log1p(-LOG_CLIP), math.log(LOG_CLIP), math.log1p(-LOG_CLIP)]
    )
    assert LOG_CLIP == 1e-6 and math.log(LOG_CLIP) == pytest.approx(-13.8155, abs=1e-4)


def test_outcomes_may_be_booleans_words_or_numbers():
    scored = score_table(table([0.9] * 6, [True, False, 1.0, 0.0, " YES ", "no"]))
    assert list(scored["outcome"]) == [1, 0, 1, 0, 1, 0]


def test_a_table_with_other_column_names_can_be_scored():
    df = table([0.8], [1]).rename(columns={"probability": "forecast", "outcome": "happened"})
    scored = score_table(df, probability="forecast", outcome="happened")
    assert scored["brier"].iloc[0] == pytest.approx(0.04)


def test_the_input_table_is_not_changed():
    df = table([0.8], ["yes"])
    score_table(df)
    assert list(df.columns) == ["question_id", "as_of", "probability", "outcome"] and df["outcome"].iloc[0] == "yes"


# --- bad tables --------------------------------------------------------------


def test_missing_columns_are_named():
    df = table([0.5], [1]).drop(columns=["outcome", "as_of"])
    with pytest.raises(ValueError, match=r"lacks the column\(s\) 'as_of', 'outcome'.*has 'question_id', 'probability'"):
        score_table(df)


@pytest.mark.parametrize(
    "bad, message",
    [
        (1.2, r"probabilities in \[0, 1\].*row 1: 1.2"),
        (-0.1, r"probabilities in \[0, 1\].*row 1: -0.1"),
        ("70%", r"must hold numbers.*row 1: '70%'"),
        (None, r"must hold numbers.*row 1"),
    ],
)
def test_bad_probabilities_are_refused_with_the_row(bad, message):
    with pytest.raises(ValueError, match=message):
        score_table(table([0.5, bad], [1, 0]))


@pytest.mark.parametrize("bad", ["maybe", 2, None, float("nan"), 0.5])
def test_bad_outcomes_are_refused_with_the_row(bad):
    with pytest.raises(ValueError, match=r"must be 1/0 or 'yes'/'no'.*unresolved.*row 1"):
        score_table(table([0.5, 0.5], [1, bad]))


def test_bad_dates_and_ids_are_refused():
    with pytest.raises(ValueError, match=r"'as_of' must hold dates.*row 0: 'soon'"):
        score_table(table([0.5], [1], as_of=["soon"]))
    with pytest.raises(ValueError, match="'question_id' has empty cells"):
        score_table(table([0.5], [1], question_ids=[None]))
    with pytest.raises(TypeError, match="DataFrame"):
        score_table([{"question_id": "q", "as_of": "2020-01-01", "probability": 0.5, "outcome": 1}])


# --- time-averaged -----------------------------------------------------------


def test_time_average_weights_each_forecast_by_the_days_it_holds():
    # Rows out of date order on purpose: 0.6 on Jan 1 holds 10 days, 0.9 on Jan 11 holds 20,
    # 0.2 on Jan 31 holds 10 until closes (Feb 10, earlier than resolved_on).
    df = table(
        [0.2, 0.6, 0.9],
        [1, 1, 1],
        question_ids=["q"] * 3,
        as_of=["2020-01-31", "2020-01-01", "2020-01-11"],
        closes="2020-02-10",
        resolved_on="2020-02-20",
    )
    row = time_averaged(df).iloc[0]
    assert row["brier"] == pytest.approx((0.16 * 10 + 0.01 * 20 + 0.64 * 10) / 40)  # = 0.205
    assert row["log_score"] == pytest.approx((math.log(0.6) * 10 + math.log(0.9) * 20 + math.log(0.2) * 10) / 40)
    assert (row["days"], row["n_forecasts"], row["weighting"]) == (40.0, 3, "time")
    assert row["end"] == pd.Timestamp("2020-02-10")
    assert row["first_as_of"] == pd.Timestamp("2020-01-01")


def test_time_average_ends_at_an_early_resolution_and_ignores_later_forecasts():
    # Resolved on Jan 21, before closes: the Jan 11 forecast holds 10 days, the Jan 31 one none.
    df = table(
        [0.2, 0.6, 0.9],
        [1, 1, 1],
        question_ids=["q"] * 3,
        as_of=["2020-01-01", "2020-01-11", "2020-01-31"],
        closes="2020-06-01",
        resolved_on="2020-01-21",
    )
    row = time_averaged(df).iloc[0]
    assert row["brier"] == pytest.approx((0.64 * 10 + 0.16 * 10) / 20)
    assert row["days"] == 20.0


def test_time_average_of_one_forecast_on_the_last_day_falls_back_to_the_plain_mean():
    df = table([0.7], [0], question_ids=["q"], closes="2020-01-01")
    row = time_averaged(df).iloc[0]
    assert row["weighting"] == "equal" and row["brier"] == pytest.approx(0.49)


def test_time_average_per_forecaster_and_of_named_columns():
    df = pd.DataFrame(
        {
            "who": ["crowd", "crowd", "us", "us"],
            "question_id": ["q"] * 4,
            "as_of": ["2020-01-01", "2020-01-04", "2020-01-01", "2020-01-02"],
            "closes": ["2020-01-05"] * 4,
            "x": [1.0, 5.0, 2.0, 4.0],
        }
    )
    out = time_averaged(df, ["x"], by=["who"]).set_index("who")
    assert out.loc["crowd", "x"] == pytest.approx((1 * 3 + 5 * 1) / 4)
    assert out.loc["us", "x"] == pytest.approx((2 * 1 + 4 * 3) / 4)


def test_time_average_refuses_duplicates_and_unknown_ends():
    df = table([0.2, 0.3], [1, 1], question_ids=["q", "q"], closes="2020-02-01")
    with pytest.raises(ValueError, match="more than one forecast dated 2020-01-01"):
        time_averaged(df)
    with pytest.raises(ValueError, match="add a 'closes' and/or 'resolved_on' column"):
        time_averaged(table([0.2], [1]))
    with pytest.raises(ValueError, match="give a 'closes' or 'resolved_on' date"):
        time_averaged(table([0.2], [1], closes=[None]))


# --- calibration -------------------------------------------------------------


def test_calibration_counts_and_jeffreys_intervals_by_hand():
    p = [0.1, 0.15, 0.2, 0.35, 0.35, 0.6, 0.9, 1.0]
    o = [0, 1, 0, 0, 1, 1, 1, 1]
    cal = calibration_table(table(p, o), bins=5).set_index("bin")
    assert list(cal["n"]) == [2, 3, 0, 1, 2]  # 0.2 opens the second bin, 0.6 the fourth, 1.0 is in the last
    assert list(cal["yes"]) == [1, 1, 0, 1, 2]
    first = cal.iloc[0]
    assert first["mean_forecast"] == pytest.approx(0.125) and first["observed"] == pytest.approx(0.5)
    assert (first["obs_lo"], first["obs_hi"]) == pytest.approx(
        (stats.beta.ppf(0.05, 1.5, 1.5), stats.beta.ppf(0.95, 1.5, 1.5))
    )
    second = cal.iloc[1]
    assert second["mean_forecast"] == pytest.approx(0.3) and second["observed"] == pytest.approx(1 / 3)
    assert (second["obs_lo"], second["obs_hi"]) == pytest.approx(
        (stats.beta.ppf(0.05, 1.5, 2.5), stats.beta.ppf(0.95, 1.5, 2.5))
    )
    # All happened in the last bin: the upper end is 1 (boundary rule), the lower the Beta(2.5, 0.5) 5% quantile.
    last = cal.iloc[4]
    assert (last["obs_lo"], last["obs_hi"]) == pytest.approx((stats.beta.ppf(0.05, 2.5, 0.5), 1.0))
    empty = cal.iloc[2]
    assert empty["n"] == 0 and np.isnan(empty["observed"]) and not empty["consistent"]


def test_jeffreys_interval_values():
    # k = 0 of 1: the lower end is 0 (boundary rule), the upper the 95% quantile of Beta(0.5, 1.5).
    lo, hi = jeffreys_interval(0, 1)
    assert lo == 0.0 and hi == pytest.approx(stats.beta.ppf(0.95, 0.5, 1.5))
    lo, hi = jeffreys_interval(5, 10)
    assert lo == pytest.approx(1 - hi) and 0.25 < lo < 0.3  # symmetric around 1/2


def test_custom_bin_edges_and_bad_bins():
    cal = calibration_table(table([0.1, 0.5, 0.99], [0, 1, 1]), bins=[0, 0.5, 1])
    assert list(cal["n"]) == [1, 2]
    for bad in ([0.1, 1], [0, 0.5, 0.5, 1], 0):
        with pytest.raises(ValueError, match="bins must be"):
            calibration_table(table([0.5], [1]), bins=bad)


def _calibrated(n_per_bin: int = 10) -> pd.DataFrame:
    """Forecasts at 10%, 30%, ..., 90%, each bin's outcomes happening exactly that often."""
    probs, outs = [], []
    for centre in (0.1, 0.3, 0.5, 0.7, 0.9):
        yes = round(centre * n_per_bin)
        probs += [centre] * n_per_bin
        outs += [1] * yes + [0] * (n_per_bin - yes)
    return table(probs, outs)


def test_verdict_too_few_questions():
    verdict = calibration_verdict(table([0.1, 0.2, 0.8], [0, 0, 1]))
    assert not verdict.enough
    assert "Too few to judge calibration" in verdict.text and "only 3 resolved questions (at least 20" in verdict.text


def test_verdict_thin_bins():
    df = pd.concat([_calibrated(10), table([0.45], [1], question_ids=["extra"])], ignore_index=True)
    verdict = calibration_verdict(df)
    assert verdict.enough and verdict.thin_bins == ()  # 0.45 joins a full bin
    df = pd.concat([_calibrated(10).iloc[10:], table([0.15, 0.1], [0, 0], question_ids=["a", "b"])], ignore_index=True)
    verdict = calibration_verdict(df)
    assert not verdict.enough and verdict.thin_bins == ("0–0.2 (2)",)
    assert "fewer than 5 forecasts: 0–0.2 (2)" in verdict.text


def test_verdict_calibrated_and_miscalibrated():
    good = calibration_verdict(_calibrated(10))
    assert good.enough and good.text.startswith("No sign of miscalibration") and good.n_questions == 50
    bad = _calibrated(10)
    bad.loc[bad["probability"] == 0.9, "outcome"] = 0
    verdict = calibration_verdict(bad)
    assert verdict.enough and verdict.off_bins == ("0.8–1",)
    assert "in 0.8–1 forecasts averaged 90% but the event happened 0% of the time" in verdict.text
    assert verdict.text.endswith("too high.")


def test_verdict_warns_when_rows_repeat_questions():
    df = _calibrated(10).assign(question_id=[f"q{i // 2}" for i in range(50)])
    verdict = calibration_verdict(df)
    assert "50 forecasts of 25 questions" in verdict.text and "narrower than they should be" in verdict.text


def test_calibration_plot_carries_the_caveat_only_when_it_applies():
    few = plot_calibration(table([0.1, 0.8], [0, 1]))
    assert isinstance(few, Figure) and "too few to judge: 2 questions" in few.axes[0].get_title()
    enough = plot_calibration(_calibrated(10))
    assert enough.axes[0].get_title() == "Calibration"
    assert [p.get_height() for p in enough.axes[1].patches] == [10] * 5


@pytest.mark.slow  # importing scoringrules compiles its Numba functions: about 5 s, more under load
def test_scores_agree_with_scoringrules():
    """Our two scores are the textbook ones: scoringrules (a maintained library) gives the same numbers
    (its log score is the negative, unclipped one, so the probabilities stay inside our clip here)."""
    sr = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(3)
    p = rng.uniform(1e-4, 1 - 1e-4, 500)
    o = rng.integers(0, 2, 500)
    np.testing.assert_allclose(brier_score(p, o), sr.brier_score(o, p), rtol=1e-12)
    np.testing.assert_allclose(log_score(p, o), -sr.log_score(o, p), rtol=1e-12)


def test_time_shares_weigh_rows_as_time_averaged_does():
    table = pd.DataFrame(
        {
            "question_id": ["a", "a", "a", "b", "b", "c"],
            "as_of": ["2020-01-01", "2020-01-11", "2020-01-31", "2020-03-01", "2020-03-02", "2020-05-05"],
            "closes": ["2020-02-10"] * 3 + ["2020-04-01"] * 2 + ["2020-05-01"],
            "brier": [0.1, 0.4, 0.2, 0.3, 0.05, 0.7],
        }
    ).sample(frac=1, random_state=2)  # any row order
    shares = time_shares(table, ["question_id"])
    by_q = pd.Series(shares, index=table.index).groupby(table["question_id"]).sum()
    np.testing.assert_allclose(by_q.to_numpy(), 1.0)
    weighted = (pd.Series(shares * table["brier"].to_numpy(), index=table.index)).groupby(table["question_id"]).sum()
    expected = time_averaged(table, ["brier"]).set_index("question_id")["brier"]
    np.testing.assert_allclose(weighted.sort_index().to_numpy(), expected.sort_index().to_numpy())
    assert shares[table["question_id"].to_numpy() == "c"][0] == 1.0  # dated after its end: equal shares
