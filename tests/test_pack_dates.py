"""A pack's own date: `default_as_of` in pack.yaml, else its latest document, for the joint scenarios
(library default and scenarios notebook), so a pack of another period needs no date parameter."""

from __future__ import annotations

import datetime as dt

from foresight import forecast, load_pack
from foresight.model.forecasting import pack_as_of
from foresight.model.joint import joint_forecast
from foresight.run.params import check_params
from packtools import MINI, copy_pack, replace


def test_the_pack_date_is_default_as_of_else_the_latest_document(tmp_path):
    assert pack_as_of(load_pack(MINI)) == dt.date(2020, 3, 1)  # doc-b, the latest document
    pack = copy_pack(tmp_path)
    replace(pack, "pack.yaml", "families:", "default_as_of: 2020-05-02\nfamilies:")
    assert pack_as_of(load_pack(pack)) == dt.date(2020, 5, 2)
    assert load_pack("scenarios/us-china-korea-2017-2019").meta.default_as_of == dt.date(2019, 2, 14)


def test_default_as_of_must_be_a_date(tmp_path):
    from packtools import only_problem

    pack = copy_pack(tmp_path)
    replace(pack, "pack.yaml", "families:", "default_as_of: May 2020\nfamilies:")
    problem = only_problem(pack)
    assert problem.field == "default_as_of" and "YYYY-MM-DD" in problem.message


def test_joint_forecast_and_scenarios_parameters_default_to_the_pack_date(tmp_path):
    pack = copy_pack(tmp_path)
    replace(pack, "pack.yaml", "families:", "default_as_of: 2020-04-15\nfamilies:")
    loaded = load_pack(pack)
    jf = joint_forecast(loaded, draws=200)
    assert jf.as_of == dt.date(2020, 4, 15)
    # each question clips the pack's date into its window, as it would clip today
    assert {q: f.as_of for q, f in jf.forecasts.items()} == {
        "deal-by-june": dt.date(2020, 4, 15),
        "clash-by-december": dt.date(2020, 4, 15),
    }
    p = check_params(pack=str(pack), as_of=None, scenario_questions=None)
    assert p.as_of == dt.date(2020, 4, 15)
    assert "default_as_of" in p.notes[0]
    # the evidence overview keeps None = all evidence; one question keeps its own default
    assert check_params(pack=str(pack), as_of=None).as_of is None
    assert check_params(pack=str(pack), question="deal-by-june", as_of=None).as_of == dt.date(2020, 1, 10)


def test_a_pack_without_the_new_field_forecasts_exactly_as_before(tmp_path):
    """Backward compatibility: adding default_as_of changes no single-question forecast."""
    before = forecast(load_pack(MINI), "clash-by-december", as_of="2020-04-01", draws=200, seed=4)
    pack = copy_pack(tmp_path)
    replace(pack, "pack.yaml", "families:", "default_as_of: 2020-04-15\nfamilies:")
    after = forecast(load_pack(pack), "clash-by-december", as_of="2020-04-01", draws=200, seed=4)
    assert after.mean == before.mean
    assert forecast(load_pack(pack), "deal-by-june", draws=200).as_of == dt.date(2020, 1, 10)
