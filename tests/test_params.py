"""check_params: the values a notebook received, converted, or one clear message naming the bad one."""

from __future__ import annotations

import datetime as dt

import pytest

from foresight.base import paths
from foresight.model.options import ModelOptions
from foresight.run.params import ParameterError, check_params, parse_overrides, report_as_of
from packtools import MINI, replace


def test_good_values_come_back_converted():
    p = check_params(
        pack=str(MINI),
        question="deal-by-june",
        as_of="2020-02-01",
        seed="3",
        draws=200,
        learn_from_cases="false",
        discount_groups=True,
        lr_width_scale="1e-1",
        overrides=None,
    )
    assert p.pack.meta.id == "mini" and p.pack_dir == MINI.resolve()
    assert p.question.id == "deal-by-june"
    assert p.as_of == dt.date(2020, 2, 1)
    assert (p.seed, p.draws, p.learn_from_cases, p.discount_groups) == (3, 200, False, True)
    assert p.lr_width_scale == pytest.approx(0.1)
    assert p.forecast_kwargs() == {
        "options": ModelOptions(seed=3, draws=200, learn_from_cases=False, discount_groups=True, lr_width_scale=0.1),
        "as_of": dt.date(2020, 2, 1),
    }
    assert p.as_dict()["as_of"] == "2020-02-01"
    assert p.notes == ()


def test_none_question_means_the_first_with_a_note_and_none_draws_means_the_library_default():
    from foresight.model.options import ModelOptions

    p = check_params(pack=str(MINI), question=None, draws=None)
    assert p.question.id == "deal-by-june"
    assert p.draws == ModelOptions().draws
    assert "first question" in p.notes[0]
    assert "first question" in p._repr_markdown_()


def _error(**kwargs) -> ParameterError:
    with pytest.raises(ParameterError) as info:
        check_params(**kwargs)
    return info.value


def test_unknown_question_lists_the_ids():
    err = _error(pack=str(MINI), question="deal-by-july")
    assert err.name == "question"
    assert str(err).startswith("parameter 'question': got 'deal-by-july' (str)")
    assert "deal-by-june, clash-by-december" in str(err)


def test_question_id_coerced_to_int_by_papermill_is_named_with_the_fix():
    err = _error(pack=str(MINI), question=7)
    assert "got 7 (int)" in str(err)
    assert "-r NAME VALUE" in str(err)


@pytest.mark.parametrize(
    "as_of, words",
    [
        ("2019-12-31", "2020-01-10 to 2020-06-01"),
        ("2020-13-01", "YYYY-MM-DD"),
        (20200201, "-r NAME VALUE"),
        ("soon", "YYYY-MM-DD"),
    ],
)
def test_bad_dates_say_what_is_allowed(as_of, words):
    err = _error(pack=str(MINI), question="deal-by-june", as_of=as_of)
    assert err.name == "as_of" and words in str(err)


def test_clip_to_window_moves_the_date_and_says_so():
    p = check_params(pack=str(MINI), question="clash-by-december", as_of="2020-01-15", clip_to_window=True)
    assert p.as_of == dt.date(2020, 3, 1)
    assert "outside the window" in p.notes[0] and "2020-03-01" in p.notes[0]


def test_default_as_of_is_the_opening_day_of_a_closed_question():
    p = check_params(pack=str(MINI), question="deal-by-june", as_of=None)
    assert p.as_of == dt.date(2020, 1, 10)
    q = p.question
    assert report_as_of(q, today=dt.date(2020, 2, 1)) == dt.date(2020, 2, 1)
    assert report_as_of(q, today=dt.date(2019, 1, 1)) == q.opens
    assert report_as_of(q, today=dt.date(2021, 1, 1)) == q.opens


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("draws", 50, "from 100"),
        ("draws", True, "whole number"),
        ("draws", "many", "whole number"),
        ("seed", -1, "from 0"),
        ("lr_width_scale", 0, "greater than 0"),
        ("lr_width_scale", "wide", "a number"),
        ("learn_from_cases", "maybe", "True or False"),
        ("discount_groups", 2, "True or False"),
    ],
)
def test_bad_numbers_and_switches_name_the_parameter(name, value, words):
    err = _error(**{name: value})
    assert err.name == name and f"parameter '{name}'" in str(err) and words in str(err)


def test_missing_pack_says_where_it_looked(tmp_path):
    err = _error(pack=str(tmp_path / "nowhere"))
    assert err.name == "pack" and "looked at" in str(err)
    assert _error(pack=3).name == "pack"


def test_invalid_pack_lists_its_problems(pack):
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: 2")
    err = _error(pack=str(pack))
    assert "1 problem(s)" in str(err) and "evidence.yaml:7: evidence[0].credibility" in str(err)


def test_relative_pack_resolves_from_the_repo_root_whatever_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_params(pack="tests/fixtures/mini").pack_dir == MINI.resolve()
    monkeypatch.chdir(paths.notebooks_dir())
    assert check_params(pack="tests/fixtures/mini").pack_dir == MINI.resolve()


def test_overrides_from_json_yaml_or_dict():
    assert parse_overrides('{"ev-talks": null}') == {"ev-talks": None}
    assert parse_overrides("ev-talks: absent\ndrills: present") == {"ev-talks": "absent", "drills": "present"}
    assert parse_overrides({"ev-talks": {"credibility": 0.5}}) == {"ev-talks": {"credibility": 0.5}}
    assert parse_overrides("") == {} and parse_overrides(None) == {}
    p = check_params(pack=str(MINI), question="deal-by-june", as_of="2020-02-01", overrides='{"ev-talks": null}')
    assert p.forecast_kwargs()["overrides"] == {"ev-talks": None}


@pytest.mark.parametrize(
    "overrides, words",
    [
        ('{"no-such-id": null}', "neither an evidence id nor an indicator id"),
        ('{"ev-talks": "perhaps"}', "state must be"),
        ("[1, 2]", "expected a mapping"),
        ("{unclosed", "not YAML/JSON"),
    ],
)
def test_bad_overrides_are_explained(overrides, words):
    err = _error(pack=str(MINI), question="deal-by-june", as_of="2020-02-01", overrides=overrides)
    assert err.name == "overrides" and words in str(err)


def test_out_dir_is_created(tmp_path):
    p = check_params(out_dir=str(tmp_path / "a" / "b"))
    assert p.out_dir == (tmp_path / "a" / "b").resolve() and p.out_dir.is_dir()
    assert check_params(out_dir=None).out_dir is None


def test_question_without_pack_is_refused():
    assert _error(question="x").name == "question"


def test_ipython_shows_the_message_not_a_traceback():
    err = _error(draws=1)
    assert err._render_traceback_() == [f"ParameterError: {err}"]


def test_project_root_holds_the_package(tmp_path, monkeypatch):
    root = paths.project_root()
    assert (root / "lib" / "foresight" / "run" / "params.py").is_file()
    monkeypatch.chdir(tmp_path)
    assert paths.resolve_existing("notebooks") == root / "notebooks"
    (tmp_path / "notebooks").mkdir()
    assert paths.resolve_existing("notebooks") == tmp_path.resolve() / "notebooks"  # the working directory wins


# --- extra_dates and today (history and backtest notebooks) ------------------------------------


def test_extra_dates_from_a_list_or_a_comma_separated_text_come_back_sorted_without_repeats():
    want = (dt.date(2020, 2, 1), dt.date(2020, 3, 15))
    for value in (
        ["2020-03-15", "2020-02-01"],
        "2020-03-15, 2020-02-01,2020-03-15",
        ("2020-02-01", dt.date(2020, 3, 15)),
    ):
        p = check_params(pack=str(MINI), question="deal-by-june", extra_dates=value)
        assert p.extra_dates == want, value
    assert p.as_dict()["extra_dates"] == ["2020-02-01", "2020-03-15"]
    assert check_params(pack=str(MINI), question="deal-by-june", extra_dates=None).extra_dates == ()
    assert check_params(pack=str(MINI), question="deal-by-june", extra_dates="").extra_dates == ()
    assert check_params(pack=str(MINI), question="deal-by-june", extra_dates="2020-06-01").extra_dates == (
        dt.date(2020, 6, 1),
    )  # the closing day is inside the window


@pytest.mark.parametrize(
    "value, words",
    [
        ("2020-02-30", "'2020-02-30' is not such a date"),
        (["2020-02-01", "soon"], "'soon' is not such a date"),
        ({"a": 1}, "expected a list of dates written YYYY-MM-DD"),
    ],
)
def test_bad_extra_dates_say_what_is_allowed(value, words):
    err = _error(pack=str(MINI), question="deal-by-june", extra_dates=value)
    assert err.name == "extra_dates" and words in str(err)


def test_extra_date_outside_the_window_names_the_window():
    err = _error(pack=str(MINI), question="deal-by-june", extra_dates="2020-02-01,2020-07-01")
    assert str(err).startswith("parameter 'extra_dates': got '2020-02-01,2020-07-01' (str)")
    assert "window of question 'deal-by-june': 2020-01-10 to 2020-06-01; 2020-07-01 is outside it" in str(err)
    err = _error(pack=str(MINI), question="deal-by-june", extra_dates=["2020-01-09"])
    assert "2020-01-09 is outside it" in str(err)


def test_extra_date_coerced_to_int_by_papermill_is_named_with_the_fix():
    err = _error(pack=str(MINI), question="deal-by-june", extra_dates=20200201)
    assert "got 20200201 (int)" in str(err) and "-r NAME VALUE" in str(err)
    err = _error(pack=str(MINI), question="deal-by-june", extra_dates=["2020-02-01", 20200301])
    assert "20200301 is a number" in str(err)


def test_extra_dates_need_a_question():
    err = _error(pack=str(MINI), extra_dates="2020-02-01")
    assert err.name == "extra_dates" and "without a 'question'" in str(err)


def test_today_is_a_date_and_none_means_the_real_today():
    assert check_params(today="2020-07-01").today == dt.date(2020, 7, 1)
    assert check_params(today=dt.date(2020, 7, 1)).as_dict() == {"today": "2020-07-01"}
    assert check_params(today=None).today == dt.date.today()
    assert check_params(seed=1).today is None and check_params(seed=1).extra_dates is None


@pytest.mark.parametrize(
    "value, words",
    [
        ("2020-13-01", "YYYY-MM-DD"),
        (20200701, "-r NAME VALUE"),
        ("yesterday", "YYYY-MM-DD"),
    ],
)
def test_bad_today_says_what_is_allowed(value, words):
    err = _error(today=value)
    assert err.name == "today" and words in str(err)


# --- scenarios notebook: scenario_questions and interactive ---------------------------------


def test_scenario_questions_from_a_list_or_a_comma_string():
    p = check_params(pack=str(MINI), scenario_questions=["deal-by-june", "clash-by-december"])
    assert p.scenario_questions == ("deal-by-june", "clash-by-december")
    p = check_params(pack=str(MINI), scenario_questions=" clash-by-december, deal-by-june ,")
    assert p.scenario_questions == ("clash-by-december", "deal-by-june")
    assert p.as_dict()["scenario_questions"] == ["clash-by-december", "deal-by-june"]
    assert check_params(pack=str(MINI), scenario_questions=None).scenario_questions is None


@pytest.mark.parametrize(
    "value, words",
    [
        (["deal-by-june", "nope"], "unknown: nope"),
        (["deal-by-june"], "got 1 distinct id"),
        ("deal-by-june,deal-by-june", "got 1 distinct id"),
        (["a", "b", "c", "d", "e", "f"], "got 6 distinct id"),
        (["deal-by-june", 7], "-r NAME VALUE"),
        (7, "-r NAME VALUE"),
        ({"deal-by-june": 1}, "as a list"),
    ],
)
def test_bad_scenario_questions_are_explained(value, words):
    err = _error(pack=str(MINI), scenario_questions=value)
    assert err.name == "scenario_questions" and words in str(err)


def test_scenario_questions_must_still_be_open_at_as_of():
    err = _error(pack=str(MINI), as_of="2020-07-01", scenario_questions="deal-by-june,clash-by-december")
    assert "closed before it: deal-by-june" in str(err)


def test_interactive_is_a_switch():
    assert check_params(interactive="false").interactive is False
    assert check_params(interactive=True).as_dict()["interactive"] is True
    for bad in ("maybe", 2, None):
        err = _error(interactive=bad)
        assert err.name == "interactive" and "True or False" in str(err)
