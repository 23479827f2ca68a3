"""Joint scenarios: combinations, dependence through latent drivers, conditionals, links validation."""

from __future__ import annotations

import numpy as np
import pytest

from foresight import PackError, forecast
from foresight.model.joint import beta_from_interval, joint_forecast
from foresight.pack.links import ExpressionError, parse_expression
from modelpacks import write_linked_pack

AS_OF = "2020-03-01"


def test_combinations_sum_to_one_in_every_draw(tmp_path):
    pack = write_linked_pack(tmp_path, loadings={"fa": 0.9, "fb": 0.7, "fc": -0.8})
    jf = joint_forecast(pack, AS_OF, draws=1000)
    combos, draws = jf.combination_draws(["a", "b", "c"])
    assert len(combos) == 8
    np.testing.assert_allclose(draws.sum(axis=1), 1.0, atol=1e-9)
    table = jf.combinations(["a", "b"])
    assert list(table.columns[:2]) == ["a", "b"] and len(table) == 4
    assert table.probability.sum() == pytest.approx(1.0)
    assert (table.p05 <= table.probability).all() and (table.probability <= table.p95).all()


def test_each_question_keeps_its_own_marginal_under_links(tmp_path):
    pack = write_linked_pack(tmp_path, loadings={"fa": 0.9, "fb": 0.9})
    jf = joint_forecast(pack, AS_OF, draws=1000)
    _, draws = jf.combination_draws(["a", "b"])
    p_a = draws[:, 0] + draws[:, 1]  # (yes, yes) + (yes, no)
    np.testing.assert_allclose(p_a, jf.forecasts["a"].draws, atol=1e-6)


def test_unlinked_joint_model_reproduces_independent_forecasts(tmp_path):
    pack = write_linked_pack(tmp_path)
    jf = joint_forecast(pack, AS_OF, draws=4000, seed=3)
    for qid in "abc":
        single = forecast(pack, qid, as_of=AS_OF, draws=4000, seed=11)
        se = np.hypot(single.draws.std(), jf.forecasts[qid].draws.std()) / np.sqrt(4000)
        assert abs(jf.forecasts[qid].mean - single.mean) < 4 * se, qid
    _, draws = jf.combination_draws(["a", "b"])
    np.testing.assert_allclose(draws[:, 0], jf.forecasts["a"].draws * jf.forecasts["b"].draws, rtol=1e-9)


def test_unlinked_joint_with_coded_cases_samples_one_pymc_model(tmp_path):
    pack = write_linked_pack(tmp_path / "p", coded=True)
    jf = joint_forecast(pack, AS_OF, draws=1000, seed=2)
    assert "joint" in jf.diagnostics.sampler
    single = forecast(pack, "a", as_of=AS_OF, draws=1000, seed=5)
    ess = min(jf.diagnostics.ess_bulk_min, single.diagnostics.ess_bulk_min)
    se = np.hypot(single.draws.std(), jf.forecasts["a"].draws.std()) / np.sqrt(ess)
    assert abs(jf.forecasts["a"].mean - single.mean) < 4 * se


def test_positive_loading_makes_the_conjunction_likelier_than_independence(tmp_path):
    pack = write_linked_pack(tmp_path, loadings={"fa": 0.95, "fb": 0.95}, strength=(0.7, 0.95))
    jf = joint_forecast(pack, AS_OF, draws=1000)
    p_ab = jf.event_draws("a and b")
    assert p_ab.mean() > (jf.forecasts["a"].draws * jf.forecasts["b"].draws).mean() * 1.1
    assert np.all(p_ab >= jf.forecasts["a"].draws * jf.forecasts["b"].draws - 1e-9)


def test_negative_loading_makes_the_conjunction_less_likely(tmp_path):
    pack = write_linked_pack(tmp_path, loadings={"fa": 0.95, "fc": -0.95}, strength=(0.7, 0.95))
    jf = joint_forecast(pack, AS_OF, draws=1000)
    assert jf.event_draws("a and c").mean() < (jf.forecasts["a"].draws * jf.forecasts["c"].draws).mean()


def test_conditional_forecast_equals_the_joint_ratio(tmp_path):
    pack = write_linked_pack(tmp_path, loadings={"fa": 0.8, "fb": 0.8})
    jf = joint_forecast(pack, AS_OF, draws=1000)
    result = jf.conditional("a", {"b": "no"})
    p_ab = jf.event_draws("a and not b")
    p_b = jf.event_draws("not b")
    per_draw = p_ab / p_b
    assert result["p_given_mean"] == pytest.approx(per_draw.mean(), rel=1e-9)
    assert result["joint_ratio"] == pytest.approx(p_ab.mean() / p_b.mean(), rel=1e-9)
    assert result["p_given_mean"] < result["p_marginal"]  # a positive link: b failing drags a down
    assert result["lift_mean"] < 1


def test_picked_pair_conditionals_agree_with_the_combinations_of_all_picked_questions(tmp_path):
    """Each pair's P(A | B) (integrated over A and B alone) equals the ratio read off the combinations of all
    three picked questions, where the third is summed out: one joint model, whatever is asked of it."""
    from foresight.report.scenario_views import pair_conditionals

    pack = write_linked_pack(tmp_path, loadings={"fa": 0.8, "fb": 0.8, "fc": -0.6})
    jf = joint_forecast(pack, AS_OF, draws=800)
    rows = pair_conditionals(jf, ["a", "b", "c"])
    assert len(rows) == 3 * 2 * 2  # ordered pairs, each given yes and given no
    combos, draws = jf.combination_draws(["a", "b", "c"])
    mask = np.array(combos)
    for row in rows.itertuples():
        a, b = "abc".index(row.question), "abc".index(row.given.removeprefix("not "))
        given = mask[:, b] == (not row.given.startswith("not "))
        per_draw = draws[:, given & mask[:, a]].sum(axis=1) / draws[:, given].sum(axis=1)
        assert row.p_given_mean == pytest.approx(per_draw.mean(), rel=1e-9), row.conditional
    ab = rows.set_index("conditional").loc["a|b=yes"]
    assert ab.title == "a, given b resolves yes" and ab.p_given_mean > ab.p_marginal  # a positive link


def test_named_scenarios_and_conditionals_from_the_pack(tmp_path):
    pack = write_linked_pack(
        tmp_path,
        loadings={"fa": 0.8, "fb": 0.8, "fc": -0.6},
        scenarios=[
            {"id": "grand", "title": "All good", "expression": "a and b and not c"},
            {"id": "any", "title": "Something", "expression": "a or (b or c)"},
        ],
        conditionals=[{"id": "c-if-b-fails", "title": "c given not b", "question": "c", "given": {"b": "no"}}],
    )
    jf = joint_forecast(pack, AS_OF, draws=800)
    table = jf.scenario_table()
    assert list(table.scenario) == ["grand", "any"]
    combos = jf.combinations(["a", "b", "c"]).set_index(["a", "b", "c"])
    assert table.set_index("scenario").loc["grand", "probability"] == pytest.approx(
        combos.loc[("yes", "yes", "no"), "probability"]
    )
    assert table.set_index("scenario").loc["any", "probability"] == pytest.approx(
        1 - combos.loc[("no", "no", "no"), "probability"]
    )
    cond = jf.conditionals_table()
    assert cond.loc[0, "conditional"] == "c-if-b-fails" and cond.loc[0, "p_given_mean"] > cond.loc[0, "p_marginal"]


def test_strength_prior_is_equal_tailed():
    from scipy import stats

    a, b = beta_from_interval(0.2, 0.7)
    np.testing.assert_allclose(stats.beta.ppf([0.05, 0.95], a, b), [0.2, 0.7], atol=1e-6)


@pytest.mark.parametrize("text", ["a and", "(a or b", "a b", "a & b", "and a", ""])
def test_bad_expressions_are_refused(text):
    with pytest.raises(ExpressionError):
        parse_expression(text)


def test_links_are_validated_with_file_line_and_field(tmp_path):
    pack_dir = tmp_path / "p"
    write_linked_pack(pack_dir, loadings={"fa": 0.8})
    (pack_dir / "links.yaml").write_text(
        "drivers:\n"
        "  - id: drv\n"
        "    description: d\n"
        "    rationale: r\n"
        "    strength: [0.5, 1.5]\n"
        "    loadings: {fa: 0.8, nope: 0.2}\n"
        "scenarios:\n"
        "  - id: s\n"
        "    title: t\n"
        "    expression: a and zz\n"
        "conditionals:\n"
        "  - id: c\n"
        "    title: t\n"
        "    question: a\n"
        "    given: {b: maybe}\n"
    )
    with pytest.raises(PackError) as err:
        from foresight import load_pack

        load_pack(pack_dir)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "links.yaml:5: drivers[0].strength.hi:" in text
    assert "links.yaml:15: conditionals[0].given.b:" in text
    # A second pass with the type errors fixed reaches the cross-reference checks.
    (pack_dir / "links.yaml").write_text(
        "drivers:\n  - id: drv\n    description: d\n    rationale: r\n    strength: [0.5, 0.9]\n"
        "    loadings: {fa: 0.8, nope: 0.2}\n"
        "scenarios:\n  - id: s\n    title: t\n    expression: a and zz\n"
    )
    with pytest.raises(PackError) as err:
        load_pack(pack_dir)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "links.yaml:6: drivers[0].loadings.nope: 'nope' is neither a family nor a question id" in text
    assert "links.yaml:10: scenarios[0].expression: unknown question 'zz'" in text
