"""Options and date questions in the joint scenarios of the seed pack (issue 25): every marginal agrees with
the single forecast within Monte Carlo error, ordered options and hinged dates move with the yes/no questions,
unordered options do not; and the live what-if panel moves an options question's probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from foresight import load_pack
from foresight.model.forecasting import into_window
from foresight.model.joint import joint_forecast
from foresight.model.options import ModelOptions
from foresight.model.outcome_joint import open_typed, with_typed
from foresight.model.outcomes import forecast_any
from foresight.report import scenario_views

SEED = Path(__file__).resolve().parents[1] / "scenarios" / "us-china-korea-2017-2019"
AS_OF = "2019-02-14"  # the scenarios notebook's default date for the seed pack
DRAWS = 1000
EXACT = {"draws": DRAWS, "seed": 1, "learn_from_cases": False}
"""Exact forward draws (no sampler to compile in `make test`); the simulation does not depend on how they came."""
DEAL = "td-deal-announced-by-2019-03-01"


@pytest.fixture(scope="module")
def seed():
    pack = load_pack(SEED)
    opts = ModelOptions.of(None, **EXACT)
    jf = joint_forecast(pack, AS_OF, options=opts)
    return pack, jf, with_typed(jf, opts)


def _p(js, qid, outcome, given=None):
    sims = js.outcomes[qid]
    if given is not None:
        sims = sims[js.outcomes[given[0]] == given[1]]
    return float(np.mean(sims == outcome))


def test_seed_typed_questions_keep_their_single_forecasts_as_marginals(seed):
    pack, jf, js = seed
    typed = open_typed(pack, jf.as_of)
    kinds = {(pack.any_question(q).type, pack.any_question(q).ordered) for q in typed}
    assert kinds == {("options", True), ("options", False), ("date", False)}  # every construction is exercised
    assert list(js.question_ids) == [*jf.forecasts, *typed]
    n = len(js.outcomes[typed[0]])
    tolerance = 4 * 0.5 / np.sqrt(n)  # four binomial standard errors at worst
    for qid in typed:  # against each question's own forecast, made afresh as the outcomes notebook makes it
        q = pack.any_question(qid)
        f = forecast_any(pack, qid, as_of=into_window(q, jf.as_of), **EXACT)
        if q.type == "options":
            for option, mean in zip(f.options, f.mean):
                assert _p(js, qid, option) == pytest.approx(mean, abs=tolerance), (qid, option)
        else:
            assert _p(js, qid, "yes") == pytest.approx(f.by_closes.mean, abs=tolerance), qid
    for qid, f in jf.forecasts.items():  # the yes/no questions keep the joint model's marginals
        assert _p(js, qid, "yes") == pytest.approx(f.mean, abs=tolerance), qid
    table = scenario_views.typed_marginals(js)
    assert set(table["question"]) == set(typed) and table["difference"].abs().max() < tolerance
    again = with_typed(jf, ModelOptions.of(None, **EXACT))  # same pack, options and seed: the same scenarios
    assert all(np.array_equal(again.outcomes[q], js.outcomes[q]) for q in js.question_ids)


def test_seed_typed_questions_move_with_the_yes_no_questions_as_the_model_states(seed):
    _, _, js = seed
    # th-25pct-date hinges on the deal: drawn from its branch given the deal's simulated outcome
    assert _p(js, "th-25pct-date", "yes", (DEAL, "yes")) < _p(js, "th-25pct-date", "yes", (DEAL, "no")) - 0.2
    # the ordered tariff rate loads on the US-China driver against the deal: latent thresholds carry it
    rate = "th-list3-rate-2019-06-01"
    assert _p(js, rate, "25-up", (DEAL, "yes")) < _p(js, rate, "25-up", (DEAL, "no")) - 0.05
    # unordered options are drawn independently of the drivers and of the other questions
    signed = ("su-hanoi-signed-document", "yes")
    assert _p(js, "su-hanoi-outcome", "signed", signed) == pytest.approx(_p(js, "su-hanoi-outcome", "signed"), abs=0.03)


def test_typed_given_rows_sum_to_one_for_every_condition(seed):
    _, jf, js = seed
    given = scenario_views.typed_given(js, [DEAL, "th-list3-rate-2019-06-01"])  # a typed pick gives no condition
    assert set(given["given"]) == {"all", f"{DEAL} = yes", f"{DEAL} = no"}
    sums = given.groupby(["question", "given"])["probability"].sum()
    assert np.allclose(sums, 1.0)
    date = given[(given["question"] == "th-25pct-date") & (given["given"] == "all")]
    assert list(date["label"]) == ["by 2019-07-01", "not by 2019-07-01"]


def test_live_panel_moves_an_options_questions_probabilities(seed):
    """The outcomes notebook's panel: one row per option; dropping a sign through its checkbox shows what
    `what_if` gives for every option, and the options still sum to one."""
    import matplotlib

    matplotlib.use("Agg")
    from foresight.report.outcome_views import live_whatif

    pack, _, _ = seed
    forecasts = [forecast_any(pack, q, **EXACT) for q in ("su-hanoi-outcome", "th-25pct-date")]
    options = forecasts[0]
    panel = live_whatif(forecasts, interactive=True)
    table = panel.current_table().set_index("question")
    rows = [f"su-hanoi-outcome: {o}" for o in options.options]
    assert set(table.index) == {*rows, "th-25pct-date"}
    assert table.loc[rows, "forecast"].to_numpy() == pytest.approx(options.mean)
    evidence = options.observations["vague-commitments"].evidence_id  # bears on the summit's options only
    checkbox, _ = panel.controls[evidence]
    checkbox.value = False
    after = panel.current_table().set_index("question")
    expected = options.what_if({evidence: None}).mean
    assert after.loc[rows, "what-if"].to_numpy() == pytest.approx(expected)
    assert after.loc[rows, "what-if"].sum() == pytest.approx(1.0)
    assert np.abs(expected - options.mean).max() > 0.01
    assert after.loc["th-25pct-date", "change"] == 0.0
    line = panel.change_line.value
    assert "dropped" in line and "su-hanoi-outcome: " in line and "other question" not in line  # one question moved
    static = live_whatif(forecasts, interactive=False)  # foresight run: the date questions' static form only
    assert "live what-if panel" in static.data


def test_scenarios_panel_moves_the_typed_questions_with_the_yes_no_ones(seed):
    """The scenarios notebook's live panel has the typed questions' rows beside the yes/no ones; its static form
    (foresight run) stays the yes/no questions' removal table."""
    import matplotlib

    matplotlib.use("Agg")
    _, jf, js = seed
    panel = scenario_views.whatif(jf, js, interactive=True)
    rows = set(panel.current_table()["question"])
    assert set(jf.forecasts) <= rows and {"th-25pct-date", "th-list3-rate-2019-06-01: 25-up"} <= rows
    evidence = js.forecasts["th-list3-rate-2019-06-01"].observations["trade-talks-high-level"].evidence_id
    panel.controls[evidence][0].value = False
    table = panel.current_table().set_index("question")
    without = js.forecasts["th-list3-rate-2019-06-01"].what_if({evidence: None}).mean
    assert table.loc["th-list3-rate-2019-06-01: 25-up", "what-if"] == pytest.approx(without[-1])
    static = scenario_views.whatif(jf, js, interactive=False)
    assert set(static["question"]) <= set(jf.forecasts)


def test_typed_scenarios_figure_and_table_show_pack_text_escaped(tmp_path):
    """Option labels and titles reach the figure as plain text ('$' never starts mathtext) and the table escaped."""
    import matplotlib

    matplotlib.use("Agg")
    from foresight.model.outcome_joint import outcome_scenarios
    from typedpacks import write_typed_pack

    hostile = "$x$ <b>bold</b> *star*"

    def edit(files):
        q = next(q for q in files["questions.yaml"]["questions"] if q["id"] == "tariff-rate")
        q["title"] = hostile
        q["options"][0]["label"] = hostile

    pack = load_pack(write_typed_pack(tmp_path / "p", edit))
    js = outcome_scenarios(pack, ["meet-by-2020-12-31", "tariff-rate", "first-meeting"], "2020-04-01", reps=5)
    fig, _, table = scenario_views.typed_scenarios_view(js, ["meet-by-2020-12-31"])
    fig._repr_png_()  # renders: an unescaped '$x$' would be typeset as math
    texts = [t.get_text() for ax in fig.axes for t in [ax.title, *ax.get_legend().get_texts()]]
    assert any(r"\$x\$ <b>bold</b>" in t for t in texts) and not any("$x$" in t.replace(r"\$", "") for t in texts)
    html = table.to_html()
    assert "&lt;b&gt;bold" in html and "<b>bold" not in html
    (none_open,) = scenario_views.typed_scenarios_view(
        outcome_scenarios(pack, ["meet-by-2020-12-31"], "2020-04-01", reps=5), []
    )
    assert "No options or date question" in none_open.data


def test_ladder_rungs_are_read_off_their_date_question_in_every_scenario(tmp_path):
    """A `point_of` rung is yes only when its date question's event happened (by the rung's day): never "met by
    June" without "met by closes"; its marginal stays its joint forecast, as every other question's does."""
    from typedpacks import write_typed_pack

    pack = load_pack(write_typed_pack(tmp_path / "p"))
    opts = ModelOptions.of(None, **EXACT)
    jf = joint_forecast(pack, "2020-04-01", options=opts)
    js = with_typed(jf, opts)
    rung, date = js.outcomes["meet-by-2020-06-30"] == "yes", js.outcomes["first-meeting"] == "yes"
    assert pack.question("meet-by-2020-06-30").point_of == "first-meeting"
    assert not np.any(rung & ~date) and 0.05 < rung.mean() < date.mean() - 0.05
    tolerance = 4 * 0.5 / np.sqrt(len(rung))
    m = js.marginals().set_index(["question_id", "outcome"])
    assert (m["joint"] - m["single"]).abs().max() < tolerance
