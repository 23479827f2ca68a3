"""The history drawn day by day: the forecast and base rate decay with the window left between steps, and the
step table lists only the steps where the evidence in force changed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from foresight import forecast, load_pack
from foresight.evaluate.history import forecast_history, history_path, standing_changes
from foresight.report.history_plots import plot_history
from foresight.report.history_views import history_table
from packtools import MINI, copy_pack

Q = "clash-by-december"  # by deadline, open 2020-03-01 to 2020-12-01, evidence on 03-01 and 03-02


@pytest.fixture(scope="module")
def history():
    pack = load_pack(MINI)
    h = forecast_history(pack, Q, draws=200, seed=1)
    return pack, h, history_path(pack, Q, h["as_of"], points=60, draws=200, seed=1)


def test_the_path_is_the_forecast_on_each_day_and_decays_between_steps(history):
    pack, h, path = history
    days = [d.date() for d in path["as_of"]]
    assert days == sorted(days) and len(days) > len(h) and days[0] == dt.date(2020, 3, 1)
    last_step = h["as_of"].iloc[-1].date()
    assert last_step - dt.timedelta(days=1) in days  # the day before each step: jumps drawn where they happen
    f = forecast(pack, Q, as_of="2020-03-01", draws=200, seed=1)
    for _, row in path.iloc[::15].iterrows():
        g = f.what_if(as_of=row["as_of"].date())
        assert row["mean"] == pytest.approx(g.mean) and row["base_rate_mean"] == pytest.approx(g.base_rate_mean)
    after = path[path["as_of"] > h["as_of"].iloc[-1]]  # no step after the last one: only the window shrinks
    assert len(after) > 10
    assert after["base_rate_mean"].is_monotonic_decreasing and after["mean"].is_monotonic_decreasing
    assert after["mean"].iloc[0] - after["mean"].iloc[-1] > 0.01  # not held flat until a drop on the last day
    fig = plot_history(h, path=path)
    (mean,) = [line for line in fig.axes[0].get_lines() if line.get_label() == "mean (each day)"]
    assert len(mean.get_xdata()) == len(path)


def test_only_steps_that_change_the_evidence_in_force_are_listed(tmp_path):
    """A later, less credible report of the threat arrives in a new document: under the credibility rule the
    first report still stands, so that day changes nothing and is not listed as 'began to count'."""
    pack = copy_pack(tmp_path)
    with (pack / "documents.yaml").open("a", encoding="utf-8") as out:
        out.write(
            "  - id: doc-c\n    title: Threat repeated\n    author: C. Writer\n    outlet: The Test Gazette\n"
            "    published: 2020-05-04\n"
        )
    with (pack / "evidence.yaml").open("a", encoding="utf-8") as out:
        out.write(
            "  - id: ev-threat-again\n    indicator: threat-made\n    document: doc-c\n    observed: 2020-05-04\n"
            "    state: present\n    credibility: 0.3\n    note: A rumour repeats the threat.\n"
        )
    h = forecast_history(load_pack(pack), Q, draws=200, seed=1)
    day = h[h["as_of"] == "2020-05-04"]
    assert list(day["new_evidence"]) == ["ev-threat-again"] and list(day["what_changed"]) == [""]
    table = history_table(h)
    assert "2020-05-04" not in list(table["date"]) and len(table) == len(h) - 1
    assert table["what changed"].iloc[0].startswith("the question opened")
    assert all(table["what changed"]) and "ev-threat-again" not in " ".join(table["what changed"])


def test_a_less_credible_report_of_a_sign_already_seen_is_not_a_change():
    obs = lambda ev: type("O", (), {"evidence_id": ev})()  # noqa: E731  (only the id matters)
    before = {"i": obs("ev-strong")}
    assert standing_changes(before, {"i": obs("ev-strong")}, ["i"]) == []  # a weaker item arrived, nothing moved
    assert standing_changes(before, {"i": obs("ev-new")}, ["i"]) == ["ev-new replaced ev-strong (i)"]
    assert standing_changes(before, {}, ["i"]) == ["ev-strong stopped counting (i unobserved)"]
    assert standing_changes({}, before, ["i"]) == ["ev-strong began to count (i)"]
    assert standing_changes({}, before, ["other"]) == []  # an indicator the model does not use


def test_history_csv_keeps_what_changed(history):
    _, h, _ = history
    assert "what_changed" in h and isinstance(h["what_changed"].iloc[0], str)
    assert pd.Series(h["what_changed"]).str.contains("began to count").any()
