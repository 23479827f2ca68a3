"""The what-if panel: live widgets in JupyterLab, a static removal table otherwise; one removal definition."""

from __future__ import annotations

import pandas as pd
import pytest

from foresight import forecast
from foresight.evaluate.sensitivity import tornado, without_evidence
from foresight.report import tables
from foresight.report.headline import headline_text
from foresight.report.whatif_panel import evidence_in_play, removal_table, show_whatif, whatif_panel
from modelpacks import indicator, observation, write_pack


@pytest.fixture
def forecasts(tmp_path):
    inds = [indicator("i", 2.0, 4.0, group="g1"), indicator("j", 0.3, 0.6, group="g2")]
    evs = [
        observation("ei", "i"),
        observation("ei2", "i", observed="2020-01-20", credibility=0.6),
        observation("ej", "j", credibility=0.5),
    ]
    pack = write_pack(tmp_path, indicators=inds, evidence=evs, groups={"g1": 0.5, "g2": 0.5})
    return [forecast(pack, "q", as_of="2020-03-01", draws=1000)]


def test_static_table_has_the_change_from_removing_each_evidence(forecasts):
    f = forecasts[0]
    m = removal_table(forecasts)
    assert set(m["evidence removed"]) == {o.evidence_id for o in f.observations.values()}
    assert list(m["change"].abs()) == sorted(m["change"].abs(), reverse=True)
    for _, row in m.iterrows():
        assert row["without it"] == pytest.approx(f.what_if({row["evidence removed"]: None}).mean, abs=5e-4)
    one = show_whatif(forecasts, interactive=False)
    assert "What rests on one sign" in one.data  # one question: the report's own table is the static form
    assert isinstance(show_whatif(forecasts * 2, interactive=False), type(m))


def test_what_rests_on_one_sign_agrees_with_what_if_and_the_tornado(forecasts):
    """The table removes one evidence item (not the whole indicator), and says which; the tornado and the
    headline use the same removal."""
    f = forecasts[0]
    table = tables.without_each(f)
    assert len(table) == len(f.observations)
    for _, row in table.iterrows():
        assert round(f.what_if({row["evidence removed"]: None}).mean, 3) == pytest.approx(row["forecast without it"])
    standing = f.observations["i"].evidence_id
    other = ({"ei", "ei2"} - {standing}).pop()
    (row,) = table[table["evidence removed"] == standing].to_dict("records")
    assert row["then counts"] == other  # removing one item lets the other item of indicator i count
    assert f.what_if({"i": None}).mean != pytest.approx(row["forecast without it"], abs=1e-3)  # not the indicator
    bars = tornado(f).query("kind == 'evidence'").set_index("item")
    for _, r in without_evidence(f).iterrows():
        assert r["without"] in (
            pytest.approx(bars.loc[r["evidence"], "low"]),
            pytest.approx(bars.loc[r["evidence"], "high"]),
        )
    top = table.iloc[0]
    text = headline_text(f)
    assert f"{top['forecast without it']:.1%}" in text and top["evidence removed"] in text.replace("\\", "")
    lo, hi = f.interval(0.9)
    assert f"{f.mean:.1%}" in text and f"{lo:.1%} to {hi:.1%}" in text and "base rate" in text


def test_panel_controls_recompute_the_forecast(forecasts):
    import matplotlib

    matplotlib.use("Agg")
    f = forecasts[0]
    panel = whatif_panel(forecasts)
    checkbox, slider = panel.controls["ej"]
    assert checkbox.description == "j · 2020-01-01"  # indicator and date observed, not the evidence id
    assert list(panel.current_table().columns) == [
        "question",
        "forecast",
        "what-if",
        "what-if p05",
        "what-if p95",
        "change",
    ]  # p05/p95 say they belong to the what-if
    assert panel.current_table()["what-if"][0] == pytest.approx(f.mean)
    checkbox.value = False  # drop 'ej' through the widget
    dropped = panel.current_table()["what-if"][0]
    assert dropped == pytest.approx(f.what_if({"ej": None}).mean)
    line = panel.change_line.value
    assert "j · 2020-01-01" in line and "dropped" in line
    assert f"from <b>{f.mean:.1%}</b> to <b>{dropped:.1%}</b>" in line
    checkbox.value = True
    slider.value = 0.25  # lower its credibility instead
    assert panel.current_table()["what-if"][0] == pytest.approx(f.what_if({"ej": {"credibility": 0.25}}).mean)
    assert "credibility 0.25" in panel.change_line.value
    panel.reset_button.click()
    assert slider.value == 0.5 and checkbox.value
    assert panel.current_table()["what-if"][0] == pytest.approx(f.mean)
    assert "reset" in panel.change_line.value


def test_evidence_on_an_indicator_that_does_not_bear_on_the_question_gets_no_control():
    from foresight import load_pack
    from packtools import MINI

    f = forecast(load_pack(MINI), "deal-by-june", as_of="2020-03-15", draws=200)
    assert "threat-made" in f.observations and "threat-made" not in f.spec.indicators  # a clash sign only
    assert evidence_in_play([f]) == [o.evidence_id for i, o in f.observations.items() if i in f.spec.indicators]
    assert "ev-threat" not in evidence_in_play([f]) and "ev-talks" in evidence_in_play([f])


def test_beside_the_controls_the_question_moved_most_is_shown_large():
    from foresight.report.whatif_panel import summary_html

    table = pd.DataFrame(
        {
            "question": ["a<b", "c"],
            "forecast": [0.5, 0.2],
            "what-if": [0.3, 0.21],
            "what-if p05": [0.1, 0.1],
            "what-if p95": [0.6, 0.4],
            "change": [-0.2, 0.01],
        }
    )
    text = summary_html(table)
    assert text.index("30.0%") < text.index("a&lt;b") < text.index("<code>c</code>: 20.0% → 21.0%")
    assert "90% interval 10.0% to 60.0%; as forecast 50.0%" in text
