"""Every question of the seed pack can be forecast anywhere in its window: the main job's models.

`make test` builds every question's model, the joint model of all questions and
the backtest of the resolved ones, with the fake sampler (tests/fakesampler.py),
so a seed-pack question, link or resolution the main job cannot handle fails
here in seconds. The slow check (`make test-all`)
samples every question with real NUTS at the default draws and requires clean
diagnostics.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from foresight import forecast, load_pack

PACK = Path(__file__).resolve().parents[1] / "scenarios" / "us-china-korea-2017-2019"


@pytest.fixture(scope="module")
def pack():
    return load_pack(PACK)


def forecast_across_the_window(pack, q, **kwargs):
    """The forecast at ``opens``, checked at mid-window and ``closes`` through what-ifs; the forecast."""
    f = forecast(pack, q.id, as_of=q.opens, seed=1, **kwargs)
    for when in (q.opens + (q.closes - q.opens) / 2, q.closes):
        later = f.what_if(as_of=when)
        assert 0.0 < later.mean < 1.0 and later.interval(0.9)[0] <= later.mean <= later.interval(0.9)[1]
    if q.kind == "by_deadline":
        assert f.base_rate_mean > f.what_if(as_of=q.closes).base_rate_mean
    return f


def test_every_question_builds_and_forecasts_across_its_window(pack, fake_sampler):
    learning = []
    for q in pack.questions.values():
        f = forecast_across_the_window(pack, q, draws=400, inference="nuts")
        if f.spec.learns_from_cases:
            learning.append(q.id)
            assert f.diagnostics.sampler.startswith("NUTS") and f.posterior.beta.shape == (400, f.spec.n_indicators)
    assert learning, "no seed-pack question learns from coded cases: the NUTS path is untested here"
    assert fake_sampler, "the NUTS models were built and handed to pm.sample"


def test_joint_model_scenarios_and_backtest_of_the_seed_pack_run(pack, fake_sampler):
    """What scenarios.ipynb and backtest.ipynb compute in the main job, on the seed pack (fake draws)."""
    from foresight.evaluate.backtest import backtest, scorable_questions
    from foresight.model.joint import joint_forecast

    jf = joint_forecast(pack, "2019-02-14", draws=400)  # the scenarios notebook's default date
    assert "joint" in jf.diagnostics.sampler and len(jf.question_ids) > 1
    scenarios = jf.scenario_table()
    assert len(scenarios) == len(pack.links.scenarios) > 0
    forecast_rows = scenarios.dropna(subset=["probability"])
    assert ((forecast_rows.p05 <= forecast_rows.probability) & (forecast_rows.probability <= forecast_rows.p95)).all()
    assert len(jf.conditionals_table()) > 0 or not pack.links.conditionals
    scores = backtest(pack, draws=400)
    assert set(scores["question_id"]) == {q.id for q in scorable_questions(pack)} != set()
    assert scores["brier"].between(0, 1).all()


@pytest.mark.slow
def test_every_question_forecasts_cleanly_across_its_window(pack):
    problems = []
    for q in pack.questions.values():
        f = forecast_across_the_window(pack, q)  # default options: Laplace + PSIS, real NUTS where it falls back
        if not f.diagnostics.converged:
            problems.append(f"{q.id}: {f.diagnostics.plain_words()}")
    assert not problems, "\n".join(problems)


def test_seed_pack_forecasts_are_reproducible(pack):
    """Same seed, same NUTS draws (sampled afresh, not read from the cache); another seed, other draws."""
    q = "th-25pct-by-2019-07-01"
    settings = {"as_of": dt.date(2019, 2, 20), "draws": 200, "tune": 100, "cache": False, "inference": "nuts"}
    a = forecast(pack, q, seed=3, **settings)
    b = forecast(pack, q, seed=3, **settings)
    c = forecast(pack, q, seed=4, **settings)
    assert a.spec.learns_from_cases  # two real NUTS runs, not exact draws
    assert a.mean == b.mean and (a.draws == b.draws).all()
    assert not (a.draws == c.draws).all()
