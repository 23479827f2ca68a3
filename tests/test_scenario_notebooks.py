"""The joint-scenarios notebook through papermill on a copy of the mini pack with a links.yaml.

The mini fixture itself has no links.yaml (validation tests count its files),
so the test writes one into a copy: a driver over the families deal and
clash, a named scenario and a conditional.
"""

from __future__ import annotations

import json

import pytest

from nbhelpers import DRAWS, execute, notebook_env, outputs_of, png_count, read_json
from packtools import copy_pack, replace

__all__ = ["notebook_env"]

LINKS = """\
drivers:
  - id: tension
    description: How tense relations between the two parties are.
    rationale: A test driver - talks and strikes move in opposite directions.
    strength: [0.3, 0.8]
    loadings: {deal: 0.8, clash: -0.7}
conditionals:
  - id: clash-if-no-deal
    title: A strike before December, given no deal by June
    question: clash-by-december
    given: {deal-by-june: "no"}
scenarios:
  - id: calm
    title: A deal and no strike
    expression: deal-by-june and not clash-by-december
  - id: crisis
    title: No deal and a strike
    expression: not deal-by-june and clash-by-december
"""


HOSTILE = "$x$ <b>bold</b> *star*"

DEAL_SIZE = f"""\
  - id: deal-size
    title: How large is the deal announced before 1 June 2020?
    family: deal_size
    kind: one_shot
    type: options
    ordered: true
    options:
      - {{id: none, label: No deal}}
      - {{id: partial, label: "{HOSTILE}"}}
      - {{id: full, label: A full agreement}}
    opens: 2020-01-10
    closes: 2020-06-01
    criteria: The texts both governments publish before the date.
    options_prior:
      probabilities: {{none: 0.5, partial: 0.3, full: 0.2}}
      strength: 10
      rationale: A test prior.
"""
"""An ordered options question (a hostile label) the driver moves with the deal: it joins the scenarios."""


@pytest.fixture(scope="module")
def linked_run(notebook_env, tmp_path_factory):
    """The notebook executed once on the linked copy, static what-if; the tests read what it wrote."""
    base = tmp_path_factory.mktemp("scenario-notebook")
    pack = copy_pack(base)
    links = LINKS.replace("clash: -0.7}", "clash: -0.7, deal-size: 0.8}")  # LINKS serves other tests' packs too
    (pack / "links.yaml").write_text(links, encoding="utf-8")
    with (pack / "questions.yaml").open("a", encoding="utf-8") as questions:
        questions.write(DEAL_SIZE)
    replace(pack, "pack.yaml", "families:\n", "families:\n  deal_size: How large a deal is.\n")
    out = base / "results"
    output = execute(
        "scenarios",
        base,
        pack=str(pack),
        as_of="2020-03-15",
        draws=DRAWS,
        scenario_questions="clash-by-december, deal-by-june",
        interactive=False,
        learn_from_cases=False,
        out_dir=str(out),
    )  # exact draws: no NUTS compile (test_notebooks covers it)
    return output, out


def test_named_scenarios_are_written_with_probabilities(linked_run):
    _, out = linked_run
    data = read_json(out / "scenarios.json")
    assert data["table"] == "scenarios"
    rows = {r["scenario"]: r for r in data["rows"]}
    assert set(rows) == {"calm", "crisis"}
    for r in rows.values():
        assert {"title", "expression", "note"} <= set(r)
        assert 0 <= r["p05"] <= r["probability"] <= r["p95"] <= 1
    assert data["parameters"]["scenario_questions"] == ["clash-by-december", "deal-by-june"]
    json.dumps(data, allow_nan=False)  # strict JSON: no NaN


def test_sensitivity_rows_have_low_at_most_high(linked_run):
    _, out = linked_run
    data = read_json(out / "sensitivity.json")
    assert data["table"] == "sensitivity"
    assert {r["question_id"] for r in data["rows"]} == {"clash-by-december", "deal-by-june"}
    for r in data["rows"]:
        assert list(r) == ["question_id", "kind", "item", "label", "low", "high", "swing", "forecast"]
        assert r["kind"] in ("lr", "evidence") and 0 <= r["low"] <= r["high"] <= 1
        assert r["swing"] == pytest.approx(r["high"] - r["low"])


def test_conditionals_hold_the_pack_one_and_the_picked_pairs(linked_run):
    _, out = linked_run
    rows = read_json(out / "conditionals.json")["rows"]
    declared = [r for r in rows if r["source"] == "pack"]
    assert [r["conditional"] for r in declared] == ["clash-if-no-deal"]
    # opposite loadings: no deal makes a strike likelier
    assert declared[0]["p_given_mean"] > declared[0]["p_marginal"] and declared[0]["lift_mean"] > 1
    pairs = [r for r in rows if r["source"] == "picked pair"]
    assert len(pairs) == 4  # two ordered pairs, each given yes and given no
    same = next(r for r in pairs if r["question"] == "clash-by-december" and r["given"] == "not deal-by-june")
    assert same["p_given_mean"] == pytest.approx(declared[0]["p_given_mean"], rel=1e-6)
    for r in rows:
        assert 0 <= r["p05"] <= r["p_given_mean"] <= r["p95"] <= 1


def test_side_by_side_rows_come_from_the_joint_model(linked_run):
    _, out = linked_run
    data = read_json(out / "side_by_side.json")
    assert data["table"] == "side_by_side"
    assert [r["question_id"] for r in data["rows"]] == ["deal-by-june", "clash-by-december"]
    assert all(r["as_of"] == "2020-03-15" and 0 < r["mean"] < 1 for r in data["rows"])


def test_static_whatif_matrix_and_figures_without_widgets(linked_run):
    output, _ = linked_run
    outputs = outputs_of(output)
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    html = " ".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "ev-talks" in html and "question_id" in html  # the removal matrix: evidence × question
    # side by side, scenario bars, the typed questions in the scenarios, one tornado per picked question
    assert png_count(output) == 5


def test_options_questions_join_the_scenarios_with_their_labels_escaped(linked_run):
    """The ordered options question's outcomes given each picked question (rows summing to one), moving with
    the deal through the driver; its marginal table shows the pack's label escaped."""
    output, out = linked_run
    data = read_json(out / "typed_scenarios.json")
    assert data["table"] == "typed_scenarios" and data["columns"] == [
        "question",
        "given",
        "outcome",
        "label",
        "probability",
    ]
    rows = [r for r in data["rows"] if r["question"] == "deal-size"]
    given = {}
    for r in rows:
        given.setdefault(r["given"], {})[r["outcome"]] = r["probability"]
    assert set(given) == {"all", *(f"{q} = {w}" for q in ("clash-by-december", "deal-by-june") for w in ("yes", "no"))}
    assert all(sum(p.values()) == pytest.approx(1.0) for p in given.values())
    assert given["deal-by-june = yes"]["full"] > given["deal-by-june = no"]["full"]  # the shared driver
    html = " ".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs_of(output))
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
