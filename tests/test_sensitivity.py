"""Tornado and 'what would change my mind' tables."""

from __future__ import annotations

import pytest

from foresight import forecast
from foresight.evaluate.sensitivity import change_my_mind, tornado
from modelpacks import indicator, observation, write_pack


def _pack(tmp_path, strong=(2.0, 3.0), weak=(1.1, 1.3), unobserved=(1.5, 6.0)):
    inds = [
        indicator("strong", *strong, group="g1"),
        indicator("weak", *weak, group="g2"),
        indicator("latent", *unobserved, group="g3"),
    ]
    evs = [observation("e-strong", "strong"), observation("e-weak", "weak")]
    return write_pack(tmp_path, indicators=inds, evidence=evs, groups={"g1": 0.5, "g2": 0.5, "g3": 0.5})


def test_tornado_ranks_lr_and_evidence_swings(tmp_path):
    f = forecast(_pack(tmp_path), "q", as_of="2020-03-01", draws=2000)
    t = tornado(f)
    assert set(t.kind) == {"lr", "evidence"}
    assert (t.low <= t.high).all() and t.swing.is_monotonic_decreasing
    assert "latent" not in set(t["item"])  # unobserved: moves nothing now
    assert t.iloc[0]["item"] in {"strong", "e-strong"}


def test_widening_an_interval_grows_its_bar_to_the_top(tmp_path):
    narrow = tornado(forecast(_pack(tmp_path / "a"), "q", as_of="2020-03-01", draws=2000))
    wide = tornado(forecast(_pack(tmp_path / "b", weak=(0.5, 12.0)), "q", as_of="2020-03-01", draws=2000))
    assert narrow.iloc[0]["item"] != "weak"
    assert wide.iloc[0]["item"] == "weak" and wide.iloc[0]["kind"] == "lr"

    def swing(t):
        return t.set_index(["kind", "item"]).loc[("lr", "weak"), "swing"]

    assert swing(wide) > swing(narrow)


def test_change_my_mind_lists_unobserved_indicators_with_conserved_expectation(tmp_path):
    f = forecast(_pack(tmp_path), "q", as_of="2020-03-01", draws=2000)
    c = change_my_mind(f)
    assert list(c.indicator) == ["latent"]
    row = c.iloc[0]
    assert row.if_absent < f.mean < row.if_present
    # Conservation of expected evidence: the expected next forecast is today's.
    assert row.p_seen_present * row.if_present + (1 - row.p_seen_present) * row.if_absent == pytest.approx(f.mean)
    assert row.expected_shift > 0
