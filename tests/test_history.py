"""Forecast histories: which dates, what arrived when, no look-ahead, one posterior for all steps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import foresight.evaluate.history
import foresight.model.forecasting
from foresight import forecast, load_pack
from foresight.evaluate.history import forecast_history, history_dates, history_steps
from foresight.report.history_plots import plot_history
from packtools import copy_pack, replace

MINI = Path(__file__).parent / "fixtures" / "mini"
DRAWS = 400
NUTS = {
    "draws": DRAWS,
    "tune": 300,
    "inference": "nuts",
}  # the mini 'deal' family learns from cases with NUTS; keep it short


def append(pack: Path, file: str, text: str) -> None:
    with open(pack / file, "a", encoding="utf-8") as handle:
        handle.write(text)


def early_clash_pack(tmp_path: Path):
    """The mini pack with 'clash-by-december' opening on 2019-12-01, before any document."""
    pack = copy_pack(tmp_path)
    replace(pack, "questions.yaml", "    opens: 2020-03-01\n", "    opens: 2019-12-01\n")
    replace(pack, "questions.yaml", "    raised_by: [doc-b]\n", "")
    return load_pack(pack)


LATE_DOCUMENT = """\
  - id: doc-late
    title: Strike ordered
    author: C. Writer
    outlet: The Test Gazette
    published: 2020-09-01
"""
STRONG_INDICATOR = """\
  - id: strike-ordered
    description: A leader orders a strike in public.
    group: orders
    rationale: An order is rarely given without the strike following.
    likelihood_ratios:
      clash: [20, 50]
"""


def late_evidence(observed: str) -> str:
    return f"""\
  - id: ev-late
    indicator: strike-ordered
    document: doc-late
    observed: {observed}
    state: present
    credibility: 1.0
    note: The headline reports the order.
"""


def planted_packs(tmp_path: Path, observed: str = "2020-09-01"):
    """Two copies of mini with a late document and a strong indicator; only the second holds the evidence.

    Both have the same priors, so the same posterior draws: any difference
    between their histories is the planted evidence.
    """
    packs = []
    for name, with_evidence in (("control", False), ("planted", True)):
        pack = copy_pack(tmp_path / name)
        append(pack, "pack.yaml", "  orders: Public orders to strike.\n")
        append(pack, "documents.yaml", LATE_DOCUMENT)
        append(pack, "indicators.yaml", STRONG_INDICATOR)
        if with_evidence:
            append(pack, "evidence.yaml", late_evidence(observed))
        packs.append(load_pack(pack))
    return packs


# --- which dates ---------------------------------------------------------------


def test_dates_are_opens_documents_evidence_and_requested():
    pack = load_pack(MINI)
    clash = pack.question("clash-by-december")
    assert history_dates(pack, clash, ["2020-05-01", dt.date(2020, 3, 2)]) == {
        dt.date(2020, 3, 1): ("opens", "document", "evidence"),
        dt.date(2020, 3, 2): ("evidence", "requested"),  # ev-drills is observed a day after doc-b is published
        dt.date(2020, 5, 1): ("requested",),
    }
    # doc-b bears on nothing 'deal' asks about, but it is a document published in the window: a step.
    assert history_dates(pack, pack.question("deal-by-june")) == {
        dt.date(2020, 1, 10): ("opens", "document", "evidence"),
        dt.date(2020, 3, 1): ("document",),
    }


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            "2021-01-01",
            r"extra date 2021-01-01 is outside the window of question 'clash-by-december' "
            r"\(2020-03-01 to 2020-12-01\)",
        ),
        ("2020-02-29", "extra date 2020-02-29 is outside the window"),
        ("2020-13-01", "extra date must be a date written YYYY-MM-DD; got '2020-13-01'"),
    ],
)
def test_extra_dates_outside_the_window_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        forecast_history(load_pack(MINI), "clash-by-december", extra_dates=["2020-05-01", bad], draws=DRAWS)


def test_as_of_cannot_be_passed_and_unknown_questions_are_named():
    pack = load_pack(MINI)
    with pytest.raises(TypeError, match="pass extra_dates instead of as_of"):
        forecast_history(pack, "clash-by-december", as_of="2020-05-01")
    with pytest.raises(KeyError, match="unknown question 'nope'.*deal-by-june, clash-by-december"):
        forecast_history(pack, "nope")


# --- the numbers -----------------------------------------------------------------


def test_before_any_document_the_forecast_is_the_base_rate(tmp_path):
    pack = early_clash_pack(tmp_path)
    h = forecast_history(pack, "clash-by-december", draws=DRAWS)
    first = h.iloc[0]
    assert (first["as_of"].date(), first["reason"], first["new_evidence"], first["n_observed"]) == (
        dt.date(2019, 12, 1),
        "opens",
        "",
        0,
    )
    assert first["mean"] == pytest.approx(first["base_rate_mean"], rel=1e-9)
    base = forecast(pack, "clash-by-december", as_of="2019-12-01", draws=DRAWS).base_draws
    assert [first["p05"], first["p50"], first["p95"]] == pytest.approx(list(np.quantile(base, [0.05, 0.5, 0.95])))
    second = h.iloc[1]
    assert (second["as_of"].date(), second["new_evidence"], second["new_documents"]) == (
        dt.date(2020, 1, 10),
        "ev-talks",
        "doc-a",
    )
    assert second["mean"] < second["base_rate_mean"]  # talks make a strike less likely (LR 0.5 to 0.9)


def test_every_step_equals_a_fresh_forecast_on_its_date(tmp_path):
    pack = early_clash_pack(tmp_path)
    h = forecast_history(pack, "clash-by-december", extra_dates=["2020-07-01"], draws=DRAWS, seed=5)
    assert len(h) == 5
    for row in h.itertuples():
        direct = forecast(pack, "clash-by-december", as_of=row.as_of.date(), draws=DRAWS, seed=5)
        assert row.mean == pytest.approx(direct.mean, rel=1e-12)
        assert row.base_rate_mean == pytest.approx(direct.base_rate_mean, rel=1e-12)
        assert (row.p05, row.p95) == pytest.approx(direct.interval(0.9), rel=1e-12)


def test_what_arrived_at_each_step(tmp_path):
    h = forecast_history(load_pack(MINI), "clash-by-december", extra_dates=["2020-05-01"], draws=DRAWS)
    assert list(h["new_evidence"]) == ["ev-talks; ev-threat", "ev-drills", ""]  # doc-a came before opens
    assert list(h["new_evidence_ids"]) == [["ev-talks", "ev-threat"], ["ev-drills"], []]
    assert list(h["new_documents"]) == ["doc-a; doc-b", "doc-b", ""]
    assert list(h["documents_published"]) == ["doc-b", "", ""]
    assert list(h["n_observed"]) == [2, 3, 3]
    assert list(h["step"]) == [0, 1, 2]
    assert h["resolution"].isna().all() and h["resolved_on"].isna().all() and h["outcome"].isna().all()


def test_a_late_document_never_moves_earlier_steps(tmp_path):
    control, planted = planted_packs(tmp_path)
    dates = ["2020-04-01", "2020-08-31", "2020-11-01"]
    before = forecast_history(control, "clash-by-december", extra_dates=dates, draws=DRAWS)
    after = forecast_history(planted, "clash-by-december", extra_dates=dates, draws=DRAWS)
    assert list(before["as_of"]) == list(after["as_of"])
    early = after["as_of"] < "2020-09-01"
    assert early.sum() == 4
    np.testing.assert_array_equal(after.loc[early, "mean"], before.loc[early, "mean"])
    np.testing.assert_array_equal(after.loc[early, "p95"], before.loc[early, "p95"])
    assert "ev-late" not in "; ".join(after.loc[early, "new_evidence"])
    on = after.index[after["as_of"] == "2020-09-01"][0]
    assert (after.at[on, "reason"], after.at[on, "new_evidence"], after.at[on, "new_documents"]) == (
        "document; evidence",
        "ev-late",
        "doc-late",
    )
    assert after.at[on, "mean"] > before.at[on, "mean"] + 0.3  # an LR of 20 to 50 moves a ~15% forecast a lot
    assert after.at[on, "mean"] > after.at[on - 1, "mean"] + 0.3


def test_evidence_observed_after_its_document_counts_from_its_observed_date(tmp_path):
    control, planted = planted_packs(tmp_path, observed="2020-09-15")
    before = forecast_history(control, "clash-by-december", draws=DRAWS).set_index("as_of")
    after = forecast_history(planted, "clash-by-december", draws=DRAWS).set_index("as_of")
    assert after.at["2020-09-01", "mean"] == before.at["2020-09-01", "mean"]
    assert after.at["2020-09-15", "reason"] == "evidence" and after.at["2020-09-15", "new_evidence"] == "ev-late"
    assert after.at["2020-09-15", "mean"] > after.at["2020-09-01", "mean"] + 0.3


def test_overrides_apply_at_every_step_and_removed_evidence_never_arrives():
    pack = load_pack(MINI)
    h = forecast_history(
        pack, "clash-by-december", extra_dates=["2020-05-01"], draws=DRAWS, overrides={"ev-threat": None}
    )
    assert list(h["new_evidence"]) == ["ev-talks", "ev-drills", ""]
    direct = forecast(pack, "clash-by-december", as_of="2020-05-01", draws=DRAWS, overrides={"ev-threat": None})
    assert h["mean"].iloc[-1] == pytest.approx(direct.mean, rel=1e-12)


# --- one posterior -------------------------------------------------------------


def test_all_steps_share_one_posterior(monkeypatch):
    calls = {"forecast": 0, "sample": 0}
    real_forecast, real_sample = foresight.evaluate.history.forecast, foresight.model.forecasting.sample_posterior

    def counting_forecast(*args, **kwargs):
        calls["forecast"] += 1
        return real_forecast(*args, **kwargs)

    def counting_sample(*args, **kwargs):
        calls["sample"] += 1
        return real_sample(*args, **kwargs)

    monkeypatch.setattr(foresight.evaluate.history, "forecast", counting_forecast)
    monkeypatch.setattr(foresight.model.forecasting, "sample_posterior", counting_sample)
    dates = [f"2020-{m:02d}-15" for m in range(3, 12)]
    steps = history_steps(load_pack(MINI), "clash-by-december", dates, draws=DRAWS)
    assert len(steps) == 11 and calls == {"forecast": 1, "sample": 1}
    assert all(s.forecast.posterior is steps[0].forecast.posterior for s in steps)


@pytest.fixture(scope="module")
def deal_history():
    """The mini 'deal' question, whose family learns from coded cases with NUTS (one sample, cached)."""
    return forecast_history(load_pack(MINI), "deal-by-june", **NUTS)


def test_a_nuts_history_samples_once(monkeypatch, deal_history):
    calls = []
    real = foresight.model.forecasting.sample_posterior
    monkeypatch.setattr(
        foresight.model.forecasting, "sample_posterior", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    h = forecast_history(load_pack(MINI), "deal-by-june", extra_dates=["2020-04-01", "2020-05-01"], **NUTS)
    assert len(calls) == 1 and len(h) == 4
    assert h["diagnostics"].str.startswith("NUTS").all() and h["converged"].nunique() == 1
    np.testing.assert_array_equal(h.set_index("as_of").loc[deal_history["as_of"], "mean"], deal_history["mean"])


def test_resolution_columns_for_plotting(deal_history):
    h = deal_history
    assert list(h["new_evidence"]) == ["ev-talks", ""] and list(h["reason"]) == [
        "opens; document; evidence",
        "document",
    ]
    assert (h["resolution"] == "no").all() and (h["resolved_on"] == "2020-06-01").all() and (h["outcome"] == 0).all()
    assert (h["opens"] == "2020-01-10").all() and (h["closes"] == "2020-06-01").all()


# --- the fan chart -------------------------------------------------------------


def test_fan_chart_marks_documents_and_the_resolution(deal_history):
    fig = plot_history(deal_history)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title().startswith("deal-by-june")
    resolved = [line for line in ax.get_lines() if line.get_label() == "resolved no"]
    assert len(resolved) == 1 and list(resolved[0].get_ydata()) == [0.0]
    top = [a for a in ax.child_axes]
    labels = [t.get_text() for a in top for t in a.get_xticklabels()]
    assert labels == ["doc-a", "doc-b"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"90% interval", "mean", "median", "base rate (outside view)"} <= set(legend)


def test_fan_chart_refuses_several_questions(deal_history):
    import pandas as pd

    with pytest.raises(ValueError, match="one question"):
        plot_history(pd.concat([deal_history, deal_history.assign(question_id="other")]))
