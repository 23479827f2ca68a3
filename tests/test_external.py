"""Timeline and external forecasts: how the pack checks them, how they are paired with the model and scored,
and the per-family backtest summary; a pack without the new files loads exactly as before."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from foresight import load_pack
from foresight.evaluate import backtest as bt
from foresight.evaluate import external as ex
from foresight.pack.schema import OPTIONAL_RECORD_FILES
from foresight.report import external_views
from foresight.report.history_plots import plot_history
from nbhelpers import notebook_env
from packtools import MINI, MINI_COUNTS, PACK_FILES, copy_pack, find_problem, line_of, problems_of, replace

TIMELINE = """timeline:
  - id: tl-truce
    date: 2020-02-01
    fact: The two governments announce a truce in their talks.
    source: Wire reports of 1 February 2020 (fixture).
  - id: tl-summit
    date: 2020-04-01
    fact: A summit is held.
    source: Fixture.
"""

__all__ = ["notebook_env"]  # the fixture, imported for pytest

EXTERNAL = """external_forecasts:
  - {question: deal-by-june, source: Crowd, date: 2020-02-01, probability: 0.2, match: same}
  - {question: deal-by-june, source: Crowd, date: 2020-04-01, probability: 0.1, match: same}
  - {question: deal-by-june, source: Market, date: 2020-03-01, probability: 0.6, match: broader}
"""


def _write(pack, file, text):
    (pack / file).write_text(text, encoding="utf-8")
    return pack


# --- backward compatibility -------------------------------------------------------------------------


def test_a_pack_without_the_new_files_loads_as_before():
    pack = load_pack(MINI)
    digest = hashlib.sha256()
    for file in [*PACK_FILES, "links.yaml"]:  # the hash as it was computed before the optional files existed
        digest.update(file.encode())
        path = MINI / file
        digest.update(path.read_bytes() if path.is_file() else b"")
    assert pack.content_hash == digest.hexdigest()[:16]
    assert pack.counts() == MINI_COUNTS and pack.timeline is None and pack.external_forecasts == ()
    assert set(pack.documents) == {"doc-a", "doc-b"} and pack.meta.lint_acknowledged == []
    assert all(rc.outcome_criterion is None for rc in pack.reference_classes.values())


def test_the_new_files_change_the_hash_and_the_counts(tmp_path):
    pack = _write(_write(copy_pack(tmp_path), "timeline.yaml", TIMELINE), "external_forecasts.yaml", EXTERNAL)
    loaded = load_pack(pack)
    assert loaded.content_hash != load_pack(MINI).content_hash
    assert loaded.counts() == {**MINI_COUNTS, "timeline": 2, "external_forecasts": 3}
    assert set(OPTIONAL_RECORD_FILES) == {"timeline.yaml", "external_forecasts.yaml"}


# --- timeline ---------------------------------------------------------------------------------------


def test_evidence_may_cite_a_timeline_entry(tmp_path):
    pack = _write(copy_pack(tmp_path), "timeline.yaml", TIMELINE)
    replace(
        pack,
        "evidence.yaml",
        "    document: doc-b\n    observed: 2020-03-01",
        "    document: tl-truce\n    observed: 2020-03-01",
    )
    loaded = load_pack(pack)
    doc = loaded.documents["tl-truce"]  # the model and reports date it like any document
    assert doc.published.isoformat() == "2020-02-01" and doc.outlet == "background timeline"
    assert "tl-summit" not in loaded.documents  # uncited entries stay on the timeline only
    assert loaded.counts()["documents"] == 2 and loaded.counts()["timeline"] == 2
    from foresight.evaluate.history import forecast_history

    h = forecast_history(loaded, "clash-by-december", draws=400, seed=2).set_index("as_of")
    # the question opens on 2020-03-01, after the fact: its evidence arrives on the first step, from the fact
    assert "ev-threat" in h.loc["2020-03-01", "new_evidence"].split("; ")
    assert "tl-truce" in h.loc["2020-03-01", "new_documents"].split("; ")


def test_timeline_cross_references(tmp_path):
    pack = _write(copy_pack(tmp_path), "timeline.yaml", TIMELINE.replace("id: tl-summit", "id: doc-a"))
    replace(
        pack,
        "evidence.yaml",
        "    document: doc-b\n    observed: 2020-03-01",
        "    document: tl-truce\n    observed: 2020-01-20",
    )
    replace(
        pack,
        "evidence.yaml",
        "    document: doc-b\n    observed: 2020-03-02",
        "    document: tl-nothing\n    observed: 2020-03-02",
    )
    problems = problems_of(pack)
    clash = find_problem(problems, "timeline.yaml", "timeline[1].id")
    assert "also a document id" in clash.message and clash.line == line_of(pack, "timeline.yaml", "id: doc-a")
    early = find_problem(problems, "evidence.yaml", "evidence[1].observed")
    assert "before timeline entry 'tl-truce' happened (2020-02-01)" in early.message
    unknown = find_problem(problems, "evidence.yaml", "evidence[2].document")
    assert "unknown document 'tl-nothing'" in unknown.message and "timeline entries: doc-a, tl-truce" in unknown.message
    assert len(problems) == 3


def test_a_broken_timeline_entry_names_its_field(tmp_path):
    pack = _write(copy_pack(tmp_path), "timeline.yaml", TIMELINE.replace("    source: Fixture.\n", ""))
    p = find_problem(problems_of(pack), "timeline.yaml", "timeline[1].source")
    assert p.message == "required field is missing"


def _history(**extra):
    """A two-step history of one question, as forecast_history returns it (no sampling needed to draw it)."""
    return pd.DataFrame(
        {
            "question_id": "deal-by-june",
            "as_of": pd.to_datetime(["2020-01-10", "2020-03-01"]),
            "closes": pd.Timestamp("2020-06-01"),
            "mean": [0.4, 0.3],
            "p05": [0.1, 0.1],
            "p50": [0.4, 0.3],
            "p95": [0.7, 0.6],
            "base_rate_mean": [0.45, 0.4],
            "documents_published": ["doc-a", "doc-b"],
            "new_documents": ["doc-a", ""],
            "resolution": "no",
            "resolved_on": pd.Timestamp("2020-06-01"),
            "converged": True,
            **extra,
        }
    )


def test_the_fan_chart_marks_timeline_entries_inside_it(tmp_path):
    pack = load_pack(_write(copy_pack(tmp_path), "timeline.yaml", TIMELINE.replace("2020-04-01", "2021-04-01")))
    ax = plot_history(_history(), timeline=pack.timeline).axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert "tl-truce" in labels and "tl-summit" not in labels  # the summit falls after the chart ends
    assert [t.get_text() for t in plot_history(_history()).axes[0].texts] == ["resolved no\n2020-06-01"]


# --- external forecasts: the pack's checks ----------------------------------------------------------


def test_external_forecast_cross_references(tmp_path):
    text = EXTERNAL + (
        "  - {question: no-such-question, source: Crowd, date: 2020-02-01, probability: 0.2, match: same}\n"
        "  - {question: deal-by-june, source: Crowd, date: 2020-01-01, probability: 0.2, match: close}\n"
        "  - {question: deal-by-june, source: Crowd, date: 2020-06-01, probability: 0.2, match: close}\n"
        "  - {question: deal-by-june, source: Crowd, date: 2020-02-01, probability: 0.3, match: same}\n"
        "  - {question: deal-by-june, source: Crowd, date: 2020-02-02, probability: 0.3, match: exact}\n"
    )
    pack = _write(copy_pack(tmp_path), "external_forecasts.yaml", text)
    problems = problems_of(pack)
    by_field = {p.field: p for p in problems}
    assert "unknown question 'no-such-question'" in by_field["external_forecasts[3].question"].message
    assert "before question 'deal-by-june' opens (2020-01-10)" in by_field["external_forecasts[4].date"].message
    assert (
        "on or after the day question 'deal-by-june' resolved (2020-06-01)"
        in by_field["external_forecasts[5].date"].message
    )
    assert (
        "a second forecast of 'deal-by-june' by 'Crowd' on 2020-02-01" in by_field["external_forecasts[6].date"].message
    )
    assert "'same', 'close', 'broader' or 'narrower'" in by_field["external_forecasts[7].match"].message
    assert len(problems) == 5
    assert by_field["external_forecasts[7].match"].line == line_of(pack, "external_forecasts.yaml", "match: exact")


# --- external forecasts: pairing and scores ---------------------------------------------------------


def _scores():
    """A backtest table for the mini 'deal' question (resolved no on 2020-06-01), built by hand."""
    frame = pd.DataFrame(
        {
            "question_id": "deal-by-june",
            "family": "deal",
            "step": [0, 1],
            "as_of": pd.to_datetime(["2020-01-10", "2020-03-01"]),
            "closes": pd.Timestamp("2020-06-01"),
            "resolved_on": pd.Timestamp("2020-06-01"),
            "outcome": 0,
        }
    )
    for prefix, values in {"": [0.4, 0.3], "naive_": [0.5, 0.5], "base_rate_": [0.45, 0.4], "p50_": [0.5, 0.5]}.items():
        frame[f"{prefix}forecast"] = values
        frame[f"{prefix}brier"] = np.square(values)
        frame[f"{prefix}log_score"] = np.log1p(-np.array(values))
    frame["converged"] = frame["naive_converged"] = True
    return frame


@pytest.fixture
def paired(tmp_path):
    pack = load_pack(_write(copy_pack(tmp_path), "external_forecasts.yaml", EXTERNAL))
    return ex.pair_external(pack, _scores())


def test_each_external_forecast_meets_the_model_forecast_that_held_that_day(paired):
    crowd = paired[paired["source"] == "Crowd"]
    assert list(crowd["model_as_of"].dt.date.astype(str)) == ["2020-01-10", "2020-03-01"]
    np.testing.assert_allclose(crowd["forecast"], [0.4, 0.3])
    np.testing.assert_allclose(crowd["base_rate_forecast"], [0.45, 0.4])
    np.testing.assert_allclose(crowd["external_brier"], [0.04, 0.01])
    np.testing.assert_allclose(crowd["external_log_score"], np.log([0.8, 0.9]))
    assert list(paired.columns) == ex.PAIRED_COLUMNS and list(paired["headline"]) == [True, True, False]


def test_series_are_averaged_over_their_own_spans_and_the_model_over_the_same(paired):
    pairs = ex.pairs_time_averaged(paired).set_index("source")
    # Crowd: 0.2 holds 2020-02-01..04-01 (60 days), 0.1 holds 04-01..06-01 (61 days). The model is read on the
    # same two days (0.4 on 02-01, 0.3 on 04-01: its step of 03-01 falls between) and held over the same spans,
    # so both forecasters are seen at the same moments.
    assert pairs.loc["Crowd", "days"] == 121
    np.testing.assert_allclose(pairs.loc["Crowd", "external_brier"], (60 * 0.04 + 61 * 0.01) / 121)
    np.testing.assert_allclose(pairs.loc["Crowd", "brier"], (60 * 0.16 + 61 * 0.09) / 121)
    np.testing.assert_allclose(pairs.loc["Market", "external_brier"], 0.36)


def test_only_same_and_close_make_the_headline(paired):
    head = ex.compare_external(paired).set_index(["family", "method"])
    every = ex.compare_external(paired, headline_only=False).set_index(["family", "method"])
    assert head.loc[("(all)", "external"), "n_pairs"] == 1 and every.loc[("(all)", "external"), "n_pairs"] == 2
    np.testing.assert_allclose(head.loc[("(all)", "external"), "brier_time_averaged"], (60 * 0.04 + 61 * 0.01) / 121)
    np.testing.assert_allclose(head.loc[("(all)", "p50"), "brier_time_averaged"], 0.25)
    assert list(head.index.get_level_values("family").unique()) == ["deal", "(all)"]


def test_forecasts_of_questions_not_scored_are_left_out(tmp_path):
    pack = load_pack(_write(copy_pack(tmp_path), "external_forecasts.yaml", EXTERNAL))
    empty = ex.pair_external(pack, _scores().iloc[0:0])
    assert list(empty.columns) == ex.PAIRED_COLUMNS and len(empty) == 0
    assert len(ex.compare_external(empty)) == 0
    assert external_views.external_sentence(empty).data == ""


def test_the_report_views(paired, tmp_path):
    view = external_views.external_pairs_view(paired)
    assert list(view["source"]) == ["Crowd", "Market"] and list(view["in headline"]) == ["yes", "no"]
    text = external_views.external_sentence(paired).data
    assert "1 matched series" in text and f"{(60 * 0.16 + 61 * 0.09) / 121:.3f}" in text
    fig = external_views.external_figure(paired)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["deal-by-june · Crowd"]
    summary = external_views.external_summary_view(paired)
    assert list(summary["family"]) == ["deal", "(all)"] and list(summary["series"]) == [1, 1]
    assert summary.loc[0, "model: Brier"] == round((60 * 0.16 + 61 * 0.09) / 121, 3)
    assert summary.loc[0, "always 50%: Brier"] == 0.25 and summary.columns[2] == "external: Brier"
    rows = external_views.external_rows(paired)
    assert rows[0]["as_of"] == "2020-02-01" and set(rows[0]) == set(ex.PAIRED_COLUMNS)


# --- per-family summary -----------------------------------------------------------------------------


def test_family_rows_pool_into_the_overall_time_averaged_scores():
    clash = _scores().assign(question_id="clash-by-december", family="clash")
    clash[["forecast", "brier"]] = [[0.9, 0.81], [0.8, 0.64]]
    scores = pd.concat([_scores(), clash], ignore_index=True)
    fam = bt.compare_by_family(scores).set_index(["family", "method"])
    overall = bt.compare_baselines(scores).set_index("method")
    assert list(bt.compare_by_family(scores).columns) == bt.BY_FAMILY_COLUMNS
    for method in bt.METHODS:
        np.testing.assert_allclose(
            fam.loc[(bt.ALL_FAMILIES, method), "brier_time_averaged"], overall.loc[method, "brier_time_averaged"]
        )
    # deal: 0.16 for 51 days, 0.09 for 92 days (2020-01-10 .. 03-01 .. 06-01)
    np.testing.assert_allclose(fam.loc[("deal", "model"), "brier_time_averaged"], (51 * 0.16 + 92 * 0.09) / 143)
    np.testing.assert_allclose(fam.loc[("clash", "model"), "brier_time_averaged"], (51 * 0.81 + 92 * 0.64) / 143)
    assert fam.loc[("deal", "model"), "n_questions"] == 1 and fam.loc[(bt.ALL_FAMILIES, "model"), "n_questions"] == 2
    view = external_views.family_view(scores)
    assert list(view["family"]) == ["clash", "deal", bt.ALL_FAMILIES]


def test_scores_csv_has_the_family_column(tmp_path):
    path = bt.write_scores_csv(_scores(), tmp_path / "scores.csv")
    frame = pd.read_csv(path)
    assert list(frame.columns) == bt.SCORES_CSV_COLUMNS and list(frame["family"]) == ["deal", "deal"]
    assert bt.SCORES_CSV_COLUMNS[:3] == ["question_id", "family", "as_of"]


# --- the notebooks ----------------------------------------------------------------------------------


@pytest.mark.slow  # the backtest and history notebooks through papermill; run by make test-all and CI
def test_backtest_notebook_shows_families_and_external_forecasts_side_by_side(notebook_env, tmp_path):
    from foresight.run import runner
    from nbhelpers import DRAWS, execute, outputs_of, png_count, read_json

    pack = _write(_write(copy_pack(tmp_path), "external_forecasts.yaml", EXTERNAL), "timeline.yaml", TIMELINE)
    results = tmp_path / "run" / runner.RESULTS_DIR
    out = execute("backtest", tmp_path, pack=str(pack), draws=DRAWS, today="2020-07-01", out_dir=str(results / "bt"))
    ext = read_json(results / "bt" / "external_scores.json")
    assert [(r["source"], r["as_of"], r["match"]) for r in ext["rows"]] == [
        ("Crowd", "2020-02-01", "same"),
        ("Crowd", "2020-04-01", "same"),
        ("Market", "2020-03-01", "broader"),
    ]
    fam = read_json(results / "bt" / "scores_by_family.json")["rows"]
    assert {r["family"] for r in fam} == {"deal", bt.ALL_FAMILIES} and len(fam) == 2 * len(bt.METHODS)
    counts = runner.write_tables(tmp_path / "run")
    assert counts["external_scores"] == 3 and counts["scores_by_family"] == len(fam)
    assert list(pd.read_csv(tmp_path / "run" / "scores.csv")["family"].unique()) == ["deal"]
    text = str(outputs_of(out))
    assert "1 matched series" in text and "deal-by-june · Crowd" not in text  # the chart is a PNG, not text
    assert "Against the crowd of its time" in text and "too few series to judge" in text  # one headline series
    assert png_count(out) == 3  # baselines, calibration and the side-by-side chart
    history = execute("history", tmp_path, pack=str(pack), question="deal-by-june", draws=DRAWS)
    assert png_count(history) == 1


def test_the_new_files_leave_every_forecast_unchanged(tmp_path):
    """Forecasts come from questions, classes and evidence only: adding a timeline (uncited), external forecasts
    and acknowledgements to a pack gives the very same numbers."""
    from foresight import forecast

    pack = _write(_write(copy_pack(tmp_path), "timeline.yaml", TIMELINE), "external_forecasts.yaml", EXTERNAL)
    with open(pack / "pack.yaml", "a", encoding="utf-8") as fh:
        fh.write("lint_acknowledged:\n  - {code: criteria-no-date, where: deal-by-june, answer: fixture}\n")
    for question in ("deal-by-june", "clash-by-december"):
        before = forecast(load_pack(MINI), question, as_of="2020-03-05", draws=400, seed=2)
        after = forecast(load_pack(pack), question, as_of="2020-03-05", draws=400, seed=2)
        np.testing.assert_array_equal(before.draws, after.draws)
