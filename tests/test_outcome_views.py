"""One options or date question's report (notebooks/outcomes.ipynb): what moved it, the what-if without each
sign, its history table, every pack string escaped for its sink, and the parameters that choose it (issue 25)."""

from __future__ import annotations

import datetime as dt

import pytest

from foresight import load_pack
from foresight.model.outcomes import forecast_any
from foresight.report import outcome_views
from foresight.run.params import ParameterError, check_params
from nbhelpers import execute, notebook_env, png_count, read_json
from typedpacks import write_typed_pack

__all__ = ["notebook_env"]  # the fixture, imported for pytest

HOSTILE = "$x$ <b>bold</b> *star*"


def hostile(files):
    for q in files["questions.yaml"]["questions"]:
        if q["id"] in ("summit-outcome", "first-meeting"):
            q["title"] = HOSTILE
            q["criteria"] = HOSTILE
    next(q for q in files["questions.yaml"]["questions"] if q["id"] == "summit-outcome")["options"][0]["label"] = (
        HOSTILE
    )


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return load_pack(write_typed_pack(tmp_path_factory.mktemp("views") / "p", hostile))


def test_the_what_if_removes_each_sign_from_the_same_draws(pack):
    f = forecast_any(pack, "first-meeting", as_of="2020-04-01", draws=400)
    table = outcome_views.without_each(f)
    assert list(table["evidence removed"]) == ["(none)", "ev1"]
    without = f.what_if({"ev1": None})
    assert table["P(by closes)"].iloc[1] == pytest.approx(without.by_closes.mean)
    moved = f.by_closes.mean - without.by_closes.mean
    assert moved > 0 and table["largest move"].iloc[1] == pytest.approx(moved)
    options = outcome_views.without_each(forecast_any(pack, "summit-outcome", as_of="2020-04-01", draws=400))
    assert HOSTILE in options.columns and options.iloc[:, 3:6].sum(axis=1).round(9).eq(1).all()


def test_history_table_says_when_evidence_began_to_count(pack):
    f = forecast_any(pack, "first-meeting", as_of="2020-01-01", draws=400)
    dates = [dt.date(2020, 1, 1), dt.date(2020, 3, 1), dt.date(2020, 5, 1)]
    table = outcome_views.history_table(f, dates)
    assert list(table["new evidence"]) == ["", "ev1", ""]  # observed and published on 1 March
    assert table["P(by closes)"].iloc[1] > table["P(by closes)"].iloc[0]


@pytest.mark.parametrize("qid", ["summit-outcome", "first-meeting"])
def test_question_report_escapes_every_pack_string(pack, qid):
    parts = outcome_views.question_report(forecast_any(pack, qid, as_of="2020-04-01", draws=400))
    shown = []
    for part in parts:
        if hasattr(part, "to_html"):
            shown.append(part.to_html())
        elif hasattr(part, "data"):
            shown.append(part.data)
        else:
            part._repr_png_()  # a figure renders: an unescaped '$x$' would be read as mathtext
    text = "\n".join(shown)
    assert "<b>bold" not in text and "&lt;b&gt;bold" in text


def test_the_outcomes_notebook_chooses_one_typed_question_and_the_yes_no_ones_point_there(pack):
    from foresight.run.parameters import parameters_for

    def outcomes(question):
        values = {p.name: p.default for p in parameters_for("outcomes")}
        return check_params({**values, "pack": pack.dir, "question": question}, notebook="outcomes")

    assert [q.id for q in outcomes(None).typed_questions] == list(pack.typed_questions)
    assert [q.id for q in outcomes("first-meeting").typed_questions] == ["first-meeting"]
    with pytest.raises(ParameterError, match="an options or date question id.*summit-outcome"):
        outcomes("meet-by-2020-12-31")
    with pytest.raises(ParameterError, match="'first-meeting' is a date question.*outcomes.ipynb"):
        check_params(pack=pack.dir, question="first-meeting")


@pytest.mark.slow
def test_outcomes_notebook_shows_one_date_question(notebook_env, tmp_path, pack):
    out = execute(
        "outcomes",
        tmp_path,
        pack=str(pack.dir),
        question="first-meeting",
        draws=200,
        interactive=False,
        out_dir=str(tmp_path / "res"),
    )
    assert png_count(out) >= 3  # the curve, the waterfall of P(by closes), the fan of its dates
    (row,) = read_json(tmp_path / "res" / "outcomes.json")["rows"]
    assert row["question_id"] == "first-meeting" and row["type"] == "date"


def test_the_question_card_shows_ids_as_typed(pack):
    """Ids sit in Markdown code spans, which take no backslash escapes: 'summit-outcome', not 'summit\\-outcome'."""
    card = outcome_views.question_card(pack.typed_questions["summit-outcome"]).data
    assert "`summit-outcome`" in card and "\\-" not in card.split("·")[0]
