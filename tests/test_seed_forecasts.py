"""Every question of the seed pack can be forecast anywhere in its window, with clean diagnostics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from foresight import forecast, load_pack

PACK = Path(__file__).resolve().parents[1] / "scenarios" / "us-china-korea-2017-2019"


@pytest.fixture(scope="module")
def pack():
    return load_pack(PACK)


def test_every_question_forecasts_cleanly_across_its_window(pack, tmp_path_factory):
    cache = tmp_path_factory.mktemp("seed-cache")
    problems = []
    for q in pack.questions.values():
        f = forecast(pack, q.id, as_of=q.opens, seed=1, cache_dir=cache)  # default draws and chains
        if not f.diagnostics.converged:
            problems.append(f"{q.id}: {f.diagnostics.plain_words()}")
        for when in (q.opens + (q.closes - q.opens) / 2, q.closes):
            later = f.what_if(as_of=when)
            assert 0.0 < later.mean < 1.0 and later.interval(0.9)[0] <= later.mean <= later.interval(0.9)[1]
        if q.kind == "by_deadline":
            assert f.base_rate_mean > f.what_if(as_of=q.closes).base_rate_mean
    assert not problems, "\n".join(problems)


def test_seed_pack_forecasts_are_reproducible(pack, tmp_path_factory):
    q = "th-25pct-by-2019-07-01"
    a = forecast(pack, q, as_of=dt.date(2019, 2, 20), seed=3, draws=1000, cache=False)
    b = forecast(pack, q, as_of=dt.date(2019, 2, 20), seed=3, draws=1000, cache=False)
    assert a.mean == b.mean and (a.draws == b.draws).all()
