"""Every shipped pack under scenarios/ validates with no warning and lints clean.

The pack-specific tests (test_seed_pack.py, test_iran_pack.py) keep what only
those packs promise (their size, their sources, their reference classes); the
rules every pack must meet are checked here, by the library's own checks, so a
rule lives once: in the schema, in ``foresight validate``'s warnings or in
``foresight lint``, never copied into a test.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest

from foresight import load_pack
from foresight.model.outside import extreme_base_rates, outside_view_warnings
from foresight.pack.lint import _record_ids, format_warnings, late_mentions, lint_pack
from packtools import copy_pack, replace

ROOT = Path(__file__).resolve().parents[1]
PACKS = sorted(p for p in (ROOT / "scenarios").iterdir() if (p / "pack.yaml").is_file())


@pytest.fixture(scope="module", params=PACKS, ids=lambda p: p.name)
def shipped(request):
    """One shipped pack, loaded with every Python warning recorded (a pack must load without one)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pack = load_pack(request.param)
    return pack, [str(w.message) for w in caught]


def test_the_shipped_packs_are_found():
    assert len(PACKS) >= 6 and ROOT / "scenarios" / "us-china-korea-2017-2019" in PACKS


def test_each_shipped_pack_validates_with_no_warning_and_lints_clean(shipped):
    """What `foresight validate` and `foresight lint` report: nothing open. Lint reports an answer in
    lint_acknowledged that no longer matches a warning, so a stale answer fails here too."""
    pack, caught = shipped
    assert caught == []
    report = lint_pack(pack, extra=[extreme_base_rates, outside_view_warnings])
    assert report.warnings == [], "\n".join(format_warnings(report.warnings, pack.dir))


def late_rationales(pack) -> list[str]:
    """Each likelihood-ratio rationale that cites a year after the one it is written in: the year the first
    question its ratios reach opened (for an indicator observed from a question's resolution, the year of that
    resolution), read by lint's own date rule.

    Lint holds rationales to the opening day and lets the pack answer a warning (a rationale may say when a
    March observation stops counting, in October); no answer may cite a later year than that."""
    late = []
    for ind in pack.indicators.values():
        reached = [q for q in pack.questions.values() if pack.lr_interval(ind, q) is not None]
        if not reached:
            continue
        first = min(q.opens for q in reached)
        if ind.resolution_of is not None:
            first = max(first, pack.questions[ind.resolution_of.question].resolved_on)
        found = late_mentions(ind.rationale, dt.date(first.year, 12, 31), ids=_record_ids(pack))
        if found:
            late.append(f"{ind.id}: rationale cites {found} but serves a question opening {first}")
    return late


def test_each_rationale_cites_no_year_after_the_questions_it_serves_opened(shipped):
    pack, _ = shipped
    assert late_rationales(pack) == []


def test_a_rationale_citing_a_later_year_is_caught(tmp_path):
    pack = copy_pack(tmp_path)
    assert late_rationales(load_pack(pack)) == []
    replace(pack, "indicators.yaml", "when a deal is near.", "when a deal is near, as in 2031.")
    (hit,) = late_rationales(load_pack(pack))
    assert "['2031']" in hit
