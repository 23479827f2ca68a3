"""Calibration learned from resolved questions: identity without data, no leaks, recovery, the forecast path."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from foresight import forecast, load_pack
from foresight.evaluate import calibration as C
from foresight.model import calibration as M
from foresight.report.calibration_views import calibrated_row, side_by_side

DAY = pd.Timedelta(days=1)


def synthetic_steps(
    n_questions: int = 300,
    k: float = 2.0,
    a0: float = 0.6,
    packs: int = 3,
    steps: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """Backtest-like steps whose raw forecasts are too extreme by ``k`` (true log-odds = a0 + raw parts / k):
    the map that undoes it is a = a0, b_out = b_ev = 1/k. The outcome is drawn from the first step's truth;
    later steps (for the weighting and leak tests) add noise the outcome does not follow."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2015-01-01")
    for q in range(n_questions):
        opens = start + q * 3 * DAY
        resolved = opens + 60 * DAY
        outside = rng.normal(-0.5, 1.0)
        y = None
        for s in range(steps):
            shift = rng.normal(0.0, 0.8)
            truth = a0 + outside + shift
            if y is None:
                y = int(rng.random() < expit(truth))  # one outcome per question, drawn at its first step
            rows.append(
                {
                    "pack": f"p{q % packs}",
                    "question_id": f"q{q}",
                    "as_of": opens + s * 20 * DAY,
                    "closes": resolved,
                    "resolved_on": resolved,
                    "outcome": y,
                    "forecast": float(expit(k * (outside + shift))),
                    "base_rate_forecast": float(expit(k * outside)),
                }
            )
    return pd.DataFrame(rows)


def contains(fit: M.Calibration, term: str, value: float, prob: float = 0.9) -> bool:
    lo, hi = np.quantile(getattr(fit, term), [(1 - prob) / 2, (1 + prob) / 2])
    return bool(lo <= value <= hi)


# --- the identity -------------------------------------------------------------------------


def test_empty_library_gives_the_raw_forecast_exactly():
    empty = synthetic_steps(10).iloc[0:0]
    assert C.fit_laplace(empty) is None and C.fit_nuts(empty) is None
    raw = np.array([0.1, 0.5, 0.93])
    assert M.calibrated_draws(None, raw, np.array([0.2, 0.2, 0.2])) is raw
    np.testing.assert_array_equal(M.calibrated_mean(None, raw, raw), raw)
    one_pack = synthetic_steps(20, packs=1)
    lopo, fits = C.leave_one_pack_out(one_pack)
    assert fits == {"p0": None}
    np.testing.assert_array_equal(lopo, one_pack["forecast"].to_numpy())
    # the first steps of a library, before anything resolved, are raw too
    past = C.past_only(one_pack)
    first = (pd.to_datetime(one_pack["as_of"]) <= pd.to_datetime(one_pack["resolved_on"]).min()).to_numpy()
    assert first.any()
    np.testing.assert_array_equal(past[first], one_pack["forecast"].to_numpy()[first])


def test_identity_map_gives_the_draws_back():
    identity = M.Calibration(np.zeros(5), np.ones(5), np.ones(5))
    raw, base = np.array([0.02, 0.4, 0.77, 0.999]), np.array([0.3, 0.01, 0.5, 0.9])
    np.testing.assert_allclose(M.calibrated_draws(identity, raw, base), raw, rtol=1e-9)


def test_no_artefact_no_calibration(tmp_path):
    pack = load_pack("tests/fixtures/mini")
    cal, why = M.calibration_in_use(True, pack, tmp_path / "none.json")
    assert cal is None and "no calibration artefact" in why
    cal, why = M.calibration_in_use(False, pack, tmp_path / "none.json")
    assert cal is None and "switched off for this run" in why


# --- no leaks ----------------------------------------------------------------------------


def test_leave_one_pack_out_never_learns_from_the_held_out_pack():
    steps = synthetic_steps(90, packs=3)
    before, _ = C.leave_one_pack_out(steps)
    leaked = steps.copy()
    mine = (leaked["pack"] == "p0").to_numpy()
    leaked.loc[mine, "outcome"] = 1 - leaked.loc[mine, "outcome"]  # p0's outcomes flipped: a strong signal
    after, _ = C.leave_one_pack_out(leaked)
    np.testing.assert_array_equal(after[mine], before[mine])  # p0's calibrated forecasts do not move
    assert not np.allclose(after[~mine], before[~mine])  # the others learn from p0's outcomes, as they may


def test_past_only_learns_nothing_from_a_question_before_it_resolved():
    steps = synthetic_steps(60, packs=2)
    before = C.past_only(steps)
    target = steps["question_id"] == "q30"
    resolved = pd.Timestamp(steps.loc[target, "resolved_on"].iloc[0])
    leaked = steps.copy()
    leaked.loc[target, "outcome"] = 1 - leaked.loc[target, "outcome"]
    after = C.past_only(leaked)
    on_or_before = (pd.to_datetime(steps["as_of"]) <= resolved).to_numpy()
    np.testing.assert_array_equal(after[on_or_before], before[on_or_before])
    assert not np.allclose(after[~on_or_before], before[~on_or_before])  # once resolved it counts


# --- recovery ----------------------------------------------------------------------------


RECOVERY_PROB = 0.98
"""Interval checked in the recovery tests: three terms at 90% each would miss one in four times by chance."""


def test_laplace_recovers_a_known_miscalibration():
    k, a0 = 2.0, 0.6
    fit = C.fit_laplace(synthetic_steps(1000, k=k, a0=a0, steps=1), draws=4000)
    for term, value in (("a", a0), ("b_out", 1 / k), ("b_ev", 1 / k)):
        assert contains(fit, term, value, RECOVERY_PROB), (term, fit.summary())
    assert not contains(fit, "b_out", 1.0, RECOVERY_PROB) and not contains(fit, "a", 0.0, RECOVERY_PROB)


@pytest.mark.slow
def test_nuts_recovers_a_known_miscalibration_and_agrees_with_laplace():
    k, a0 = 2.0, 0.6
    steps = synthetic_steps(1000, k=k, a0=a0, steps=1)
    nuts = C.fit_nuts(steps, cores=1)
    for term, value in (("a", a0), ("b_out", 1 / k), ("b_ev", 1 / k)):
        assert contains(nuts, term, value, RECOVERY_PROB), (term, nuts.summary())
    laplace = C.fit_laplace(steps, draws=4000)
    for term in M.TERMS:
        n, lap = getattr(nuts, term), getattr(laplace, term)
        assert abs(n.mean() - lap.mean()) < 0.15 * n.std() + 0.01, term
        assert abs(n.std() / lap.std() - 1) < 0.15, term


def test_each_question_counts_once():
    steps = synthetic_steps(5, steps=4)
    w = C.question_weights(steps)
    np.testing.assert_allclose(pd.Series(w).groupby(steps["question_id"]).sum(), 1.0)
    many = synthetic_steps(5, steps=12)
    assert C.fit_data(many).w.sum() == pytest.approx(5.0)


# --- the artefact and the forecast path ----------------------------------------------------


def test_artefact_round_trip_and_forecast_columns(tmp_path):
    fit = C.fit_laplace(synthetic_steps(200, k=2.0, a0=0.6, steps=1), provenance={"fitted_at": "2026-12-01"})
    path = C.write_artefact(fit, tmp_path / "calibration.json")
    back = M.load_calibration(path)
    assert json.loads(path.read_text())["provenance"]["n_questions"] == 200
    np.testing.assert_allclose(back.b_ev, fit.b_ev, atol=1e-6)
    pack = load_pack("tests/fixtures/mini")
    f = forecast(pack, "deal-by-june", as_of="2020-03-01", draws=400)
    row = calibrated_row(f, back, "")
    raw = f.summary_row()
    assert row["calibrated_p05"] < row["calibrated_mean"] < row["calibrated_p95"]
    assert row["calibrated_mean"] != pytest.approx(raw["mean"], abs=1e-3)  # a map far from the identity moves it
    assert f.mean == raw["mean"]  # the raw forecast itself is untouched
    assert "Why they differ" in side_by_side(f, back, "").data and "Caution" not in side_by_side(f, back, "").data
    assert calibrated_row(f, None, "off")["calibrated_mean"] is None
    # an artefact learned from packs that beat the crowds of their time says so beside the calibrated number
    check = {"hindsight_suspected": True, "brier_base_rate": 0.129, "brier_crowd": 0.148, "b_crowd": -0.03}
    suspect = dataclasses.replace(back, provenance={**back.provenance, "crowd_check": check})
    text = side_by_side(f, suspect, "").data
    assert "**Caution:** the packs this calibration was learned from beat the forecasters of their time" in text
    assert "0.129 against the crowd's 0.148" in text and "weigh the raw forecast too" in text
    quiet = dataclasses.replace(
        back, provenance={**back.provenance, "crowd_check": {**check, "hindsight_suspected": False}}
    )
    assert "Caution" not in side_by_side(f, quiet, "").data
    edited = dataclasses.replace(back, provenance={**back.provenance, "crowd_check": {**check, "brier_crowd": "n/a"}})
    text = side_by_side(f, edited, "").data  # a hand-edited artefact: the caution without its figures
    assert "beat the forecasters of their time, so hindsight is suspected" in text


def test_pack_switch_keeps_forecasts_raw(tmp_path):
    from packtools import copy_pack, replace

    folder = copy_pack(tmp_path)
    replace(folder, "pack.yaml", "id: mini", "id: mini\ncalibration: false")
    fit = C.fit_laplace(synthetic_steps(50))
    path = C.write_artefact(fit, tmp_path / "c.json")
    cal, why = M.calibration_in_use(True, load_pack(folder), path)
    assert cal is None and "pack.yaml" in why
    assert M.calibration_in_use(True, load_pack("tests/fixtures/mini"), path)[0] is not None


def test_run_records_its_calibration(tmp_path):
    from foresight.run.runner import RunOptions, calibration_record

    pack = load_pack("tests/fixtures/mini")
    off = calibration_record(RunOptions(pack=pack, params={"calibration": False}))
    assert off == {
        "applied": False,
        "why": "calibration switched off for this run (calibration=False): forecasts are raw",
    }
    own = calibration_record(RunOptions(pack=pack, notebook_params={"forecast": {"calibration": "no"}}))
    assert own["applied"] is False
    on = calibration_record(RunOptions(pack=pack))
    assert on["applied"] == (M.artefact_path().is_file())
    if on["applied"]:
        assert len(on["sha256"]) == 64 and on["provenance"]["n_questions"] > 0


def test_variant_without_extra_terms_is_the_base_map():
    steps = synthetic_steps(60, packs=3)
    steps["naive_forecast"] = steps["forecast"]
    base, _ = C.leave_one_pack_out(steps)
    np.testing.assert_allclose(C.leave_one_pack_out_with(steps, ()), base, rtol=1e-9)
    # a discount term with naive = raw has nothing to learn from: the same forecasts up to its prior's noise
    assert np.abs(C.leave_one_pack_out_with(steps, ("discount",)) - base).max() < 0.02


def test_reason_names_what_the_fit_learned():
    learned = M.Calibration(np.full(3, 0.4), np.full(3, 1.0), np.full(3, 1.0))
    assert (
        M.reason(learned, 0.30, 0.38, 0.2)
        == "raised by 8 points: past forecasts were too low overall (intercept +0.40)"
    )
    assert "too much with their evidence" in M.reason(
        M.Calibration(np.zeros(3), np.ones(3), np.full(3, 0.5)), 0.7, 0.6, 0.4
    )
    assert M.reason(None, 0.3, 0.3, 0.2) == "no calibration applied: the forecast is raw"


# --- structures and the nested leave-one-pack-out ------------------------------------------


def with_question_columns(steps: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """``steps`` with the columns the extra terms read (opens, kind, class_cases, naive_forecast)."""
    rng = np.random.default_rng(seed)
    out = steps.copy()
    first = out.groupby("question_id")["as_of"].transform("min")
    out["opens"] = first
    questions = out["question_id"].unique()
    kinds = dict(zip(questions, rng.choice(["by_deadline", "one_shot"], size=len(questions), p=[0.7, 0.3])))
    cases = dict(zip(questions, rng.integers(0, 30, size=len(questions)).astype(float)))
    out["kind"] = out["question_id"].map(kinds)
    out["class_cases"] = out["question_id"].map(cases)
    out["naive_forecast"] = expit(M.logit(out["forecast"]) * 1.2)
    return out


def term_steps(term: str, coefficient: float, n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """One step per question, dated anywhere in its window, whose outcome follows the raw forecast's log-odds
    plus ``coefficient`` times the extra term: the fit should find that coefficient."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2012-01-01")
    opens = start + pd.to_timedelta(np.arange(n), unit="D")
    outside, shift = rng.normal(-0.5, 1.0, n), rng.normal(0.0, 1.0, n)
    steps = pd.DataFrame(
        {
            "pack": [f"p{i % 3}" for i in range(n)],
            "question_id": [f"q{i}" for i in range(n)],
            "as_of": opens + pd.to_timedelta(rng.integers(0, 100, n), unit="D"),
            "opens": opens,
            "closes": opens + 100 * DAY,
            "resolved_on": opens + 100 * DAY,
            "kind": rng.choice(["by_deadline", "one_shot"], size=n),
            "class_cases": rng.integers(0, 8, n).astype(float),
            "forecast": expit(outside + shift),
            "naive_forecast": expit(outside + shift + rng.normal(0.0, 1.0, n)),
            "base_rate_forecast": expit(outside),
            "outcome": 0,
        }
    )
    truth = outside + shift + coefficient * C.extra_column(steps, term)
    steps["outcome"] = (rng.random(n) < expit(truth)).astype(int)
    return steps


@pytest.mark.parametrize(
    ("term", "coefficient"),
    [
        ("discount", -0.8),
        ("downward", 0.8),
        ("weak_class", -1.5),
        ("elapsed", -1.2),
        ("one_shot", 0.8),
        ("bend_low", 0.8),
        ("bend_high", -0.8),
    ],
)
def test_each_extra_term_recovers_a_known_coefficient(term, coefficient):
    steps = term_steps(term, coefficient)
    data, mean, sd = C.design(steps, C.Structure(term, (term,)))
    mode, cov = C.laplace(data, mean, sd)
    spread = np.sqrt(np.diag(cov))
    z = 2.33  # a two-sided 98% interval, as RECOVERY_PROB
    assert abs(mode[3] - coefficient) < z * spread[3], (term, mode, spread)
    assert abs(mode[3]) > z * spread[3], (term, mode, spread)  # and it is told apart from none
    np.testing.assert_allclose(mode[1:3], 1.0, atol=z * spread[1:3].max() + 0.05)


def test_structures_with_no_data_give_the_raw_forecast_exactly():
    one_pack = with_question_columns(synthetic_steps(20, packs=1))
    raw = one_pack["forecast"].to_numpy()
    for structure in C.STRUCTURES:
        np.testing.assert_array_equal(C.lopo_structure(one_pack, structure), raw)
    nested, selection = C.nested_leave_one_pack_out(one_pack)
    np.testing.assert_array_equal(nested, raw)
    assert list(selection["chosen"]) == ["raw (no calibration)"]  # a tie is won by the simplest


def test_base_map_structure_is_the_shipped_leave_one_pack_out():
    steps = with_question_columns(synthetic_steps(60, packs=3))
    base, _ = C.leave_one_pack_out(steps)
    shipped = next(s for s in C.STRUCTURES if s.name == C.SHIPPED)
    np.testing.assert_allclose(C.lopo_structure(steps, shipped), base, rtol=1e-9)


def test_nested_leave_one_pack_out_never_learns_from_the_held_out_pack():
    steps = with_question_columns(synthetic_steps(60, packs=3))
    before, chosen_before = C.nested_leave_one_pack_out(steps)
    leaked = steps.copy()
    mine = (leaked["pack"] == "p0").to_numpy()
    leaked.loc[mine, "outcome"] = 1 - leaked.loc[mine, "outcome"]
    after, chosen_after = C.nested_leave_one_pack_out(leaked)
    np.testing.assert_array_equal(after[mine], before[mine])  # neither p0's structure nor its fit moves
    p0 = chosen_before["held_out"] == "p0"
    pd.testing.assert_frame_equal(chosen_after[p0], chosen_before[p0])
    assert not np.allclose(after[~mine], before[~mine])  # the other packs do learn from p0


@pytest.mark.parametrize(
    "name", ["+ elapsed", "+ weak_class", "+ downward + weak_class", "isotonic (monotone map, no prior)"]
)
def test_past_only_structures_learn_nothing_before_a_question_resolved(name):
    steps = with_question_columns(synthetic_steps(60, packs=2))
    structure = next(s for s in C.STRUCTURES if s.name == name)
    before = C.past_only_structure(steps, structure)
    target = steps["question_id"] == "q30"
    resolved = pd.Timestamp(steps.loc[target, "resolved_on"].iloc[0])
    leaked = steps.copy()
    leaked.loc[target, "outcome"] = 1 - leaked.loc[target, "outcome"]
    after = C.past_only_structure(leaked, structure)
    on_or_before = (pd.to_datetime(steps["as_of"]) <= resolved).to_numpy()
    np.testing.assert_array_equal(after[on_or_before], before[on_or_before])
    assert not np.allclose(after[~on_or_before], before[~on_or_before])


def test_selection_finds_a_term_that_pays_and_keeps_raw_when_nothing_is_wrong():
    wrong = term_steps("downward", 1.5, n=600)
    best, scores = C.select_structure(wrong)
    assert "downward" in best.extra, scores
    right = term_steps("downward", 0.0, n=600)
    best, scores = C.select_structure(right)
    # a calibrated raw forecast: nothing beats it by more than noise
    assert scores[best.name] > scores["raw (no calibration)"] - 0.002, scores


def test_between_pack_spread_finds_packs_that_disagree():
    same = synthetic_steps(600, k=1.0, a0=0.0, packs=6, steps=1)
    assert (C.between_pack_spread(same)["tau"] < 0.3).all()
    apart = same.copy()
    shifted = apart["pack"].map({f"p{i}": (-1.5, 1.5)[i % 2] for i in range(6)}).to_numpy()
    # the packs' outcomes follow intercepts of -1.5 and +1.5: the intercept's spread must show
    rng = np.random.default_rng(3)
    truth = M.logit(apart["forecast"]) + shifted
    apart["outcome"] = (rng.random(len(apart)) < expit(truth)).astype(int)
    spread = C.between_pack_spread(apart).set_index("term")
    assert spread.loc["a", "Q"] > 3 * spread.loc["a", "df"] and spread.loc["a", "tau"] > 0.8


def test_probit_mean_is_close_to_the_draws_average():
    steps = with_question_columns(synthetic_steps(90, packs=3))
    held = C.HeldOut(steps, C.CANDIDATES)
    rows = np.ones(len(steps), bool)
    for structure in C.CANDIDATES[1:4]:
        exact, approx = held.lopo(structure, rows), held.lopo(structure, rows, exact=False)
        assert np.abs(exact - approx).max() < 0.02
        assert abs(held.brier(exact, rows) - held.brier(approx, rows)) < 0.001


# --- an artefact that carries a structure's extra terms --------------------------------------------


def structured_fit(extra: dict[str, float], n: int = 50) -> M.Calibration:
    """A calibration with the identity base terms and constant extra weights (draws all equal)."""
    return M.Calibration(np.zeros(n), np.ones(n), np.ones(n), extra={name: np.full(n, w) for name, w in extra.items()})


def test_an_artefact_with_extra_terms_round_trips_and_refuses_what_it_cannot_apply(tmp_path):
    fit = structured_fit({"downward": 0.4, "weak_class": -0.8})
    path = C.write_artefact(fit, tmp_path / "c.json")
    back = M.load_calibration(path)
    assert list(back.extra) == ["downward", "weak_class"] and back.names[:3] == M.TERMS
    np.testing.assert_allclose(back.extra["weak_class"], -0.8)
    assert "with downward, weak_class" in back.label()
    data = json.loads(path.read_text())
    data["draws"]["discount"] = data["draws"]["a"]  # scored held out, never applicable to a forecast
    with pytest.raises(ValueError, match=r"unknown term\(s\) 'discount' in draws; allowed besides a, b_out, b_ev"):
        M.Calibration.from_json(data, "c.json")
    del data["draws"]["discount"]
    data["draws"]["downward"] = data["draws"]["downward"][:-1]
    with pytest.raises(ValueError, match="must be equally long"):
        M.Calibration.from_json(data, "c.json")


def test_extra_terms_move_a_forecast_as_defined_and_say_why():
    raw, base = np.array([0.2, 0.6]), np.array([0.4, 0.4])  # one shift down, one up
    outside, shift = M.parts(raw, base)
    down = structured_fit({"downward": 0.5})
    expected = expit(outside + shift + 0.5 * np.minimum(shift, 0.0))
    np.testing.assert_allclose(M.calibrated_mean(down, raw, base), expected)
    assert M.calibrated_mean(down, raw, base)[1] == pytest.approx(0.6)  # an upward shift is untouched
    weak = structured_fit({"weak_class": -1.0})
    inputs = M.TermInputs(class_cases=np.array([0.0, 99.0]))
    got = M.calibrated_mean(weak, raw, base, inputs)
    np.testing.assert_allclose(got, expit(outside + shift - outside / np.sqrt([1.0, 100.0])))
    with pytest.raises(ValueError, match="'weak_class' needs each item's class_cases"):
        M.calibrated_mean(weak, raw, base)
    assert "evidence pointing down counts x1.50, evidence pointing up x1.00" in M.reason(down, 0.2, 0.15, 0.4)
    assert "outside views from few cases are pulled toward 50%" in M.reason(
        weak,
        0.2,
        0.3,
        0.4,
    )


def test_the_fit_and_the_forecast_read_one_definition_of_each_term():
    steps = with_question_columns(synthetic_steps(40, packs=2))
    steps["closes"] = steps["resolved_on"]
    inputs = M.TermInputs.from_steps(steps)
    outside, shift = M.parts(steps["forecast"], steps["base_rate_forecast"])
    for term in M.EXTRA_TERMS:
        np.testing.assert_array_equal(C.extra_column(steps, term), M.term_values(term, outside, shift, inputs))
    assert set(C.EXTRA_TERMS) - set(M.EXTRA_TERMS) == {"discount"}
    assert [s.name for s in C.SHIPPABLE if s.extra == ("discount",)] == []
    assert C.structure_named("+ downward + weak_class").extra == ("downward", "weak_class")
    with pytest.raises(ValueError, match="no shippable calibration structure '\\+ discount'"):
        C.structure_named("+ discount")


def test_a_forecast_reads_its_own_class_size_and_window():
    pack = load_pack("tests/fixtures/mini")
    f = forecast(pack, "deal-by-june", as_of="2020-03-01", draws=400)
    inputs = M.forecast_inputs(pack, f.question, f.as_of)
    from foresight.model.outside import components

    classes = [c for c in components(pack, f.question) if c.kind == "class"]
    assert inputs.class_cases == pytest.approx(sum(c.weight * c.n_cases for c in classes)) and inputs.class_cases > 0
    window = (f.question.closes - f.question.opens).days
    assert inputs.elapsed == pytest.approx(min(max((f.as_of - f.question.opens).days / window, 0.0), 1.0))
    assert inputs.one_shot == float(f.question.kind == "one_shot")
    weak = structured_fit({"weak_class": -1.0}, n=400)
    row = calibrated_row(f, weak, "")
    outside, shift = M.parts(f.draws, f.base_draws)
    expected = expit(outside + shift - outside / np.sqrt(1.0 + inputs.class_cases)).mean()
    assert row["calibrated_mean"] == pytest.approx(expected)


@pytest.mark.slow
def test_nuts_fits_a_structure_with_extra_terms_and_recovers_them(tmp_path):
    steps = term_steps("downward", 0.8)
    structure = C.structure_named("+ downward")
    fit = C.fit_nuts(steps, cores=1, structure=structure)
    assert fit.provenance["structure"] == "+ downward" and list(fit.extra) == ["downward"]
    lo, hi = np.quantile(fit.extra["downward"], [0.01, 0.99])
    assert lo <= 0.8 <= hi
    data, mean, sd = C.design(steps, structure)  # NUTS and the Laplace fit the backtest uses agree
    mode, cov = C.laplace(data, mean, sd)
    for k, name in enumerate(fit.names):
        draws = fit.draws_of(name)
        assert abs(draws.mean() - mode[k]) < 0.15 * draws.std() + 0.01, name
        assert abs(draws.std() / np.sqrt(cov[k, k]) - 1) < 0.15, name
    back = M.load_calibration(C.write_artefact(fit, tmp_path / "c.json"))
    np.testing.assert_allclose(back.extra["downward"], fit.extra["downward"], atol=1e-6)
    with pytest.raises(ValueError, match="cannot be shipped"):
        C.fit_nuts(steps, structure=C.Structure("+ discount", ("discount",)))
