"""The check of a library against the crowd of its time: it flags packs whose parts know the outcome, and
stays quiet when the crowd tells more than the packs' parts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from foresight.evaluate.crowd_check import crowd_check, crowd_check_table
from foresight.evaluate.library import crowd_check_lines
from test_pooling import pairs_frame


def pairs(n: int, hindsight: bool, seed: int = 0) -> pd.DataFrame:
    """One crowd forecast per question. The world's signal z is what a forecaster of the time could know and the
    crowd reads it, too timidly; an honest pack's outside view is a weak reading of z and its evidence a noisy one; a pack
    written with hindsight has an outside view that holds what the crowd knew and leans on the outcome itself."""
    rng = np.random.default_rng(seed)
    z = rng.normal(-0.8, 1.5, n)
    y = (rng.random(n) < expit(z)).astype(int)
    crowd = expit(0.55 * z + rng.normal(0, 0.4, n))  # underconfident, as crowds of the time were (d near 2)
    outside = 0.3 * z + rng.normal(-0.5, 0.5, n)
    if hindsight:  # the writer knew what the crowd knew, and the outcome
        outside = 0.55 * z + 1.5 * (2 * y - 1) + rng.normal(-0.5, 0.8, n)
    evidence = 0.4 * z + rng.normal(0, 0.8, n)
    return pairs_frame(y, expit(outside + evidence), crowd, base_rate_forecast=expit(outside))


def test_packs_that_know_the_outcome_are_flagged():
    check = crowd_check(pairs(300, hindsight=True))
    assert check.brier_base_rate < check.brier_crowd and check.b_crowd_high < 1.0
    assert check.hindsight_suspected and "HINDSIGHT SUSPECTED" in check.lines()[1]


def test_honest_packs_beside_a_better_informed_crowd_are_not():
    check = crowd_check(pairs(300, hindsight=False))
    assert check.b_crowd_low > 0.5 and check.brier_crowd < check.brier_base_rate
    assert not check.hindsight_suspected and "no sign of hindsight" in check.lines()[1]


def test_an_outside_view_beating_a_crowd_that_still_counts_is_reported_apart():
    """A weak crowd: the packs' classes beat it, but it still tells what their parts do not."""
    weak = pairs(300, hindsight=False).assign(base_rate_forecast=lambda f: np.where(f["outcome"] == 1, 0.6, 0.2))
    weak["forecast"] = weak["base_rate_forecast"]
    check = crowd_check(weak)
    assert check.outside_view_beats_crowd and not check.hindsight_suspected
    assert "or a weak crowd" in check.lines()[1]


def test_too_few_series_are_not_judged_and_no_pairs_give_no_check():
    check = crowd_check(pairs(6, hindsight=True))
    assert check.n_series == 6 and not check.hindsight_suspected and "too few series" in check.lines()[1]
    assert crowd_check(pairs(0, hindsight=True)) is None
    assert crowd_check_table(pairs(0, hindsight=True), "(all)").empty


def test_the_table_and_the_report_cover_all_pairs_then_each_pack():
    both = pd.concat([pairs(200, hindsight=False, seed=1), pairs(200, hindsight=True, seed=2).assign(pack="late")])
    table = crowd_check_table(both, "(all packs)")
    assert list(table["pack"]) == ["(all packs)", "late", "p0", "p1"]
    assert table.set_index("pack").loc["late", "hindsight_suspected"]
    assert not table.set_index("pack").loc["p0", "hindsight_suspected"]
    text = "\n".join(crowd_check_lines(both))
    assert text.count("HINDSIGHT SUSPECTED") >= 1 and "  late:" in text and "  p1:" in text
