"""The what-if panel: live widgets in JupyterLab, a static removal matrix otherwise."""

from __future__ import annotations

import pytest

from foresight import forecast
from foresight.report.whatif_panel import removal_matrix, show_whatif, whatif_panel
from modelpacks import indicator, observation, write_pack


@pytest.fixture
def forecasts(tmp_path):
    inds = [indicator("i", 2.0, 4.0, group="g1"), indicator("j", 0.3, 0.6, group="g2")]
    evs = [observation("ei", "i"), observation("ej", "j", credibility=0.5)]
    pack = write_pack(tmp_path, indicators=inds, evidence=evs, groups={"g1": 0.5, "g2": 0.5})
    return [forecast(pack, "q", as_of="2020-03-01", draws=1000)]


def test_static_matrix_has_the_change_from_removing_each_evidence(forecasts):
    m = removal_matrix(forecasts)
    assert list(m.columns) == ["ei", "ej"] and list(m.index) == ["q"]
    assert m.loc["q", "ei"] < 0 < m.loc["q", "ej"]  # ei raised the forecast, ej lowered it
    assert m.loc["q", "ei"] == pytest.approx(forecasts[0].what_if({"ei": None}).mean - forecasts[0].mean)
    assert isinstance(show_whatif(forecasts, interactive=False), type(m))


def test_panel_controls_recompute_the_forecast(forecasts):
    import matplotlib

    matplotlib.use("Agg")
    panel = whatif_panel(forecasts)
    rows = panel.children[1:-1]
    checkbox, slider = rows[0].children
    assert checkbox.description == "ei"
    assert panel.current_table().what_if[0] == pytest.approx(forecasts[0].mean)
    checkbox.value = False  # drop 'ei' through the widget
    dropped = panel.current_table().what_if[0]
    assert dropped == pytest.approx(forecasts[0].what_if({"ei": None}).mean)
    checkbox.value = True
    slider.value = 0.5  # halve its credibility instead
    assert dropped < panel.current_table().what_if[0] < forecasts[0].mean
