"""Invariants of the second scenario pack, scenarios/iran-nuclear-talks-2013-2015.

The held-out pack of issue 15: another theatre, written as of each question's opening
day. These tests pin its size (12+ resolved questions in 3+ families, 3+ classes with
sourced cases, 15+ indicators, 6+ documents), that every closed question is resolved
with a source, that dates agree, and that no rationale cites a year after the
questions it serves opened.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from foresight import load_pack

PACK_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "iran-nuclear-talks-2013-2015"
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@pytest.fixture(scope="module")
def pack():
    return load_pack(PACK_DIR)


def test_size(pack):
    assert len(pack.questions) >= 12
    families = Counter(q.family for q in pack.questions.values())
    assert len(families) >= 3 and all(n >= 3 for n in families.values()), families
    assert len(pack.reference_classes) >= 3
    assert len(pack.indicators) >= 15
    assert len(pack.documents) >= 6


def test_every_question_is_resolved_with_a_date_and_source(pack):
    for q in pack.questions.values():
        assert q.resolution in ("yes", "no"), q.id
        assert q.resolved_on is not None and q.resolution_source.strip(), q.id
        if q.resolution == "yes":
            assert q.opens <= q.resolved_on <= q.closes, q.id
        else:
            assert q.resolved_on >= q.closes, q.id
    assert {q.resolution for q in pack.questions.values()} == {"yes", "no"}


def test_classes_have_sourced_cases_of_both_outcomes_known_at_opens(pack):
    for q in pack.questions.values():
        rc = pack.reference_class_for(q)
        known = [c for c in rc.cases if c.date < q.opens]
        assert len(known) >= 8, f"{q.id}: {rc.id} has {len(known)} cases known at opens"
        assert {c.outcome for c in known} == {"yes", "no"}, f"{q.id}: {rc.id}"
    for rc in pack.reference_classes.values():
        assert all(c.source.strip() for c in rc.cases), rc.id


def test_questions_open_after_the_documents_that_raise_them(pack):
    for q in pack.questions.values():
        assert q.raised_by, q.id
        for doc_id in q.raised_by:
            assert q.opens >= pack.documents[doc_id].published, q.id


def test_every_indicator_is_observed_or_coded_in_a_class(pack):
    observed = {ev.indicator for ev in pack.evidence}
    coded = {k for rc in pack.reference_classes.values() for c in rc.cases for k in (c.indicators or {})}
    # an indicator observed from a question's resolution needs a question that resolved
    from_resolutions = {ind.id for ind in pack.indicators.values() if ind.resolution_of is not None}
    for ind_id in from_resolutions:
        assert pack.questions[pack.indicators[ind_id].resolution_of.question].resolved_on is not None, ind_id
    coded |= from_resolutions
    for ind in pack.indicators.values():
        assert ind.id in observed | coded or ind.unobserved_reason, ind.id
    assert len(observed) >= 15


def test_every_document_is_cited_by_evidence_or_raises_a_question(pack):
    """A document is evidence, or the question text itself (GJP question 1431 raises the options question)."""
    questions = [*pack.questions.values(), *pack.typed_questions.values()]
    cited = {ev.document for ev in pack.evidence}
    assert set(pack.documents) - cited == {"gjp-1431"}
    assert all(doc in cited or any(doc in (q.raised_by or []) for q in questions) for doc in pack.documents)


def test_rationales_cite_no_year_after_the_questions_they_serve_opened(pack):
    for ind in pack.indicators.values():
        reached = []
        for key in ind.likelihood_ratios:
            if key in pack.questions:
                reached.append(pack.questions[key])
            else:
                reached += [q for q in pack.questions.values() if q.family == key]
        assert reached, f"{ind.id}: ratios reach no question"
        first = min(q.opens for q in reached)
        if ind.resolution_of is not None:
            # observed from that resolution and never before: written as of that day
            first = max(first, pack.questions[ind.resolution_of.question].resolved_on)
        later = [y for y in YEAR.findall(ind.rationale) if int(y) > first.year]
        assert not later, f"{ind.id}: rationale cites {later} but serves a question opening {first}"


def test_pack_keeps_no_document_text():
    assert not list(PACK_DIR.rglob("*.txt"))


# ---------------------------------------------------------------- evidence over time (issue 13)


def test_stale_signs_expire_and_later_reports_replace_what_they_ended(pack):
    import datetime as dt

    from foresight.model.evidence import observations_as_of

    # the lapsed S.1881 stops counting with the 113th Congress
    assert "sanctions-bill-momentum" in observations_as_of(pack, dt.date(2015, 1, 2))
    assert observations_as_of(pack, dt.date(2015, 1, 3)).get("sanctions-bill-momentum") is None
    # the Supreme Leader's red lines count for the indicator's 180-day shelf life, not until a later event
    assert observations_as_of(pack, dt.date(2015, 10, 5))["leader-red-lines"].evidence_id == "ev-kh15-redlines"
    assert "leader-red-lines" not in observations_as_of(pack, dt.date(2015, 10, 7))
    # the agreed parameters close the enrichment gap although the report is less credible
    assert observations_as_of(pack, dt.date(2015, 4, 2))["enrichment-gap"].state == "absent"


def test_resolutions_inform_open_questions(pack):
    import datetime as dt

    from foresight.model.evidence import observations_as_of

    missed = pack.indicators["framework-deadline-missed"]
    assert missed.resolution_of.question == "ag-framework-by-2015-04-01"
    assert "framework-deadline-missed" not in observations_as_of(pack, dt.date(2015, 3, 31))
    assert "framework-deadline-missed" in observations_as_of(pack, dt.date(2015, 4, 1))
    for question in ("im-implementation-day-by-2016-01-01", "im-implementation-day-by-2016-07-01"):
        hinge = pack.links.hinge_for(question)
        assert hinge is not None and hinge.on == "im-majlis-approves-by-2015-11-01"
        assert hinge.p_if_yes.lo > hinge.p_if_no.lo and hinge.p_if_yes.hi > hinge.p_if_no.hi
    assert pack.meta.correlation_discount == "by_direction"
