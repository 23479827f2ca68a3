"""Traps new analysts hit (issue 28), validate and lint side: each check builds the shape it looks for on the
mini pack (whose `clean` copy lints clean) and shows the honest shape next to it stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from foresight import load_pack
from foresight.model.outside import extreme_base_rates, outside_view_warnings
from foresight.pack.lint import CODES, lint_pack
from foresight.run import cli
from packtools import find_problem, line_of, problems_of, replace
from test_lint import clean  # noqa: F401  (the fixture: the mini pack with dated criteria, lint clean)
from test_outside_view import add_class, use_classes

EXTRA = [extreme_base_rates, outside_view_warnings]
CLASH = "clash-by-december"


def codes(pack: Path, code: str) -> list:
    return [w for w in lint_pack(load_pack(pack), extra=EXTRA).warnings if w.code == code]


def append(pack: Path, file: str, text: str) -> None:
    with open(pack / file, "a", encoding="utf-8") as fh:
        fh.write(text)


def add_to_clash(pack: Path, text: str) -> None:
    replace(pack, "questions.yaml", "    raised_by: [doc-b]", "    raised_by: [doc-b]\n" + text.rstrip("\n"))


# --- 5. old observations with no validity ---------------------------------------------------------


def test_an_observation_without_validity_counting_a_year_later_is_flagged(clean):  # noqa: F811
    replace(clean, "documents.yaml", "published: 2020-01-10", "published: 2018-12-01")
    replace(clean, "evidence.yaml", "observed: 2020-01-10", "observed: 2018-12-01")
    (hit,) = codes(clean, "stale-observation")
    assert hit.subject == "ev-talks" and "'deal-by-june'" in hit.message and "also for clash-by-december" in hit.message
    replace(clean, "indicators.yaml", "    group: talks\n", "    group: talks\n    shelf_life_days: 180\n")
    assert codes(clean, "stale-observation") == []


# --- 6. packs written for the old replacement rule ------------------------------------------------


LATER_WEAKER = """  - id: ev-threat-denied
    indicator: threat-made
    document: doc-b
    observed: 2020-03-05
    state: absent
    credibility: 0.5
    note: A spokesman denies the threat.
"""


def test_a_later_weaker_report_without_supersedes_says_how_to_keep_the_old_meaning(clean):  # noqa: F811
    append(clean, "evidence.yaml", LATER_WEAKER)
    (hit,) = codes(clean, "weaker-later-report")
    assert hit.subject == "ev-threat-denied" and hit.field == "evidence[3].credibility"
    assert "supersedes: true" in hit.message and "'ev-threat'" in hit.message
    append(clean, "evidence.yaml", "    supersedes: true\n")
    assert codes(clean, "weaker-later-report") == []


# --- 7. one ratio across opposite sponsors --------------------------------------------------------


SECOND_CLASH = """  - id: clash-by-december-b
    title: Will the other party strike before 1 December 2020?
    family: clash
    kind: by_deadline
    opens: 2020-03-01
    closes: 2020-12-01
    criteria: A strike by party B before 1 December 2020 is reported by two wire services.
    sponsor: party-b
"""


def test_one_ratio_serving_questions_of_different_sponsors_is_flagged(clean):  # noqa: F811
    add_to_clash(clean, "    sponsor: party-a")
    append(clean, "questions.yaml", SECOND_CLASH)
    hits = codes(clean, "ratio-sponsor")
    assert {w.subject for w in hits} == {"threat-made", "drills", "talks-held"}
    assert all("party-a: clash-by-december; party-b: clash-by-december-b" in w.message for w in hits)
    replace(clean, "questions.yaml", "    sponsor: party-a\n", "")  # one sponsor named: nothing to compare
    assert codes(clean, "ratio-sponsor") == []


# --- 8. a question trigger makes the base rate 0 by design -----------------------------------------


def test_no_extreme_base_rate_warning_for_a_question_trigger(clean):  # noqa: F811
    add_to_clash(clean, "    hazard:\n      starts: {question: deal-by-june}")
    assert codes(clean, "extreme-base-rate") == []


# --- 9. every warning can be answered ------------------------------------------------------------


def test_an_honest_disagreement_between_sources_can_be_acknowledged_and_strict_passes(clean, capsys):  # noqa: F811
    add_class(clean, "sure", ["yes"] * 29 + ["no"], exposure=1.0)
    use_classes(clean, ("clashes", 0.5), ("sure", 0.5))
    assert cli.main(["validate", str(clean), "--strict"]) == 2
    assert "[classes-disagree; where: clash-by-december]" in capsys.readouterr().err
    append(
        clean,
        "pack.yaml",
        "lint_acknowledged:\n"
        "  - {code: classes-disagree, where: clash-by-december, answer: the two lists disagree and both are kept}\n"
        "  - {code: empty-family, where: zz-unused, answer: the extra class's family has no question by design}\n",
    )
    assert cli.main(["validate", str(clean), "--strict"]) == 0


# --- 10, 12, 24: dates that are not late ------------------------------------------------------------


def test_the_date_inside_a_question_id_is_not_a_late_date(clean):  # noqa: F811
    replace(clean, "questions.yaml", "  - id: deal-by-june", "  - id: deal-by-2020-06-30")
    replace(
        clean,
        "indicators.yaml",
        "rationale: Talks are more common when a deal is near.",
        "rationale: Talks are more common when a deal is near (see deal-by-2020-06-30).",
    )
    assert lint_pack(load_pack(clean)).warnings == []


def test_character_offsets_written_by_accept_are_not_years(clean):  # noqa: F811
    replace(
        clean,
        "evidence.yaml",
        "note: Second paragraph quotes the threat.",
        "note: Paragraph 2, sentence 1 (characters 2063-2100) of threats.txt.",
    )
    assert lint_pack(load_pack(clean)).warnings == []


def test_a_questions_own_deadline_in_its_notes_is_not_late(clean):  # noqa: F811
    add_to_clash(clean, "    notes: The deadline, 1 December 2020, was set when the question opened.")
    assert lint_pack(load_pack(clean)).warnings == []
    replace(clean, "questions.yaml", "1 December 2020, was set", "1 December 2020, and the strike of 9 May 2020")
    (hit,) = lint_pack(load_pack(clean)).warnings
    assert hit.code == "late-date" and "'9 May 2020'" in hit.message and "December" not in hit.message


TIMELINE = """timeline:
  - id: tl-2020-02-01-talks
    date: 2020-02-01
    fact: Talks resume in a third country.
    source: Reuters, 2 February 2020
"""


def test_a_timeline_source_of_the_next_morning_is_not_late_but_a_later_one_is(clean):  # noqa: F811
    (clean / "timeline.yaml").write_text(TIMELINE, encoding="utf-8")
    assert lint_pack(load_pack(clean)).warnings == []
    replace(clean, "timeline.yaml", "Reuters, 2 February 2020", "Reuters, 9 February 2020")
    (hit,) = lint_pack(load_pack(clean)).warnings
    assert (hit.code, hit.field) == ("late-date", "timeline[0].source")


# --- 11. a class's tag filter ------------------------------------------------------------------------


def test_a_case_the_questions_tag_filter_excludes_is_not_linted_for_it(clean):  # noqa: F811
    replace(
        clean,
        "reference_classes.yaml",
        "{name: Case A, date: 1990-01-01, outcome: no, source: fixture}",
        "{name: Case A, date: 1990-01-01, outcome: no, source: fixture, tags: [kept]}",
    )
    replace(
        clean,
        "reference_classes.yaml",
        "{name: Case C, date: 1999-01-01, outcome: yes, source: fixture}",
        "{name: Case C, date: 1999-01-01, outcome: yes, source: Reported in June 2021}",
    )
    assert [w.subject for w in lint_pack(load_pack(clean)).warnings] == ["clashes/Case C"]
    add_to_clash(clean, "    reference_classes:\n      - {id: clashes, where: {tags: [kept]}, rationale: fixture}")
    assert [w.code for w in lint_pack(load_pack(clean)).warnings] == ["one-sided-class"]  # only Case A kept


# --- 13, 14: validation messages ---------------------------------------------------------------------


def test_a_thousands_separator_in_an_inline_case_name_gets_the_comma_hint(pack):
    replace(pack, "reference_classes.yaml", "{name: Case B,", "{name: Case B lost 25,000 (Midway announcement),")
    problem = find_problem(
        problems_of(pack), "reference_classes.yaml", "reference_classes[1].cases[1].000 (Midway announcement)"
    )
    assert "Hint: a comma inside an inline" in problem.message


def test_raised_by_accepts_a_timeline_id_and_checks_its_date(pack):
    (pack / "timeline.yaml").write_text(TIMELINE, encoding="utf-8")
    replace(pack, "questions.yaml", "    raised_by: [doc-b]", "    raised_by: [doc-b, tl-2020-02-01-talks]")
    load_pack(pack)
    replace(pack, "timeline.yaml", "date: 2020-02-01", "date: 2020-03-02")
    problem = find_problem(problems_of(pack), "questions.yaml", "questions[1].opens")
    assert "tl-2020-02-01-talks" in problem.message


# --- 18-23: what lint missed ------------------------------------------------------------------------------


def test_an_expiry_the_day_before_a_resolution_it_bears_on_is_flagged(clean):  # noqa: F811
    replace(
        clean,
        "evidence.yaml",
        "note: The article's opening paragraph reports the talks.",
        "note: The article's opening paragraph reports the talks.\n    valid_until: 2020-05-31",
    )
    (hit,) = codes(clean, "keyed-to-event")
    assert hit.field == "evidence[0].valid_until" and "'deal-by-june' resolved (2020-06-01)" in hit.message
    replace(clean, "evidence.yaml", "valid_until: 2020-05-31", "valid_until: 2020-04-30")
    assert codes(clean, "keyed-to-event") == []


HINGE = """hinges:
  - question: clash-by-december
    on: deal-by-june
    p_if_yes: [0.05, 0.3]
    p_if_no: [0.4, 0.8]
    rationale: A deal removes most reasons to strike, as the September 2020 raid showed.
"""


def test_hinge_rationales_and_hazard_notes_are_scanned_for_late_dates(clean):  # noqa: F811
    (clean / "links.yaml").write_text(HINGE, encoding="utf-8")
    add_to_clash(
        clean,
        "    hazard:\n      decision_points:\n        - {date: 2020-06-01, share: 0.3, note: 'the talks end, after the raid of August 2020'}",
    )
    late = sorted((w.file, w.field) for w in codes(clean, "late-date"))
    assert late == [
        ("links.yaml", "hinges[0].rationale"),
        ("questions.yaml", "questions[1].hazard.decision_points[0].note"),
    ]
    line = line_of(clean, "links.yaml", "September 2020 raid")
    assert [w.line for w in codes(clean, "late-date") if w.file == "links.yaml"] == [line]


def test_a_deadline_just_after_a_yes_is_flagged(clean):  # noqa: F811
    add_to_clash(clean, "    resolution: yes\n    resolved_on: 2020-11-25\n    resolution_source: fixture")
    (hit,) = codes(clean, "deadline-after-resolution")
    assert hit.subject == CLASH and "6 day(s)" in hit.message
    replace(clean, "questions.yaml", "resolved_on: 2020-11-25", "resolved_on: 2020-07-25")
    assert codes(clean, "deadline-after-resolution") == []


SINGLE = """  - id: ultimatum
    description: A public ultimatum with a date.
    group: threats
    rationale: An ultimatum binds the leader who issues it.
    likelihood_ratios:
      clash-by-december: [1.5, 4.0]
"""


def test_an_indicator_for_one_question_first_seen_after_it_opened_pointing_to_its_outcome_is_flagged(clean):  # noqa: F811
    append(clean, "indicators.yaml", SINGLE)
    ultimatum = LATER_WEAKER.replace("ev-threat-denied", "ev-ultimatum").replace(
        "indicator: threat-made", "indicator: ultimatum"
    )
    append(clean, "evidence.yaml", ultimatum.replace("state: absent", "state: present"))
    add_to_clash(clean, "    resolution: yes\n    resolved_on: 2020-09-01\n    resolution_source: fixture")
    (hit,) = codes(clean, "late-single-indicator")
    assert hit.subject == "ultimatum" and "2020-03-05" in hit.message and "'yes'" in hit.message
    replace(clean, "evidence.yaml", "observed: 2020-03-05", "observed: 2020-03-01")  # seen on the opening day
    assert codes(clean, "late-single-indicator") == []
    replace(
        clean,
        "evidence.yaml",
        "indicator: ultimatum\n    document: doc-b\n    observed: 2020-03-01\n    state: present",
        "indicator: ultimatum\n    document: doc-b\n    observed: 2020-03-05\n    state: absent",
    )
    assert codes(clean, "late-single-indicator") == []  # it pointed away from the outcome: not fitted to it


def test_excluded_cases_all_on_one_side_are_flagged(clean):  # noqa: F811
    replace(
        clean,
        "reference_classes.yaml",
        "    exposure_years: 2.0\n",
        "    exposure_years: 2.0\n    excluded:\n"
        "      - {name: Case X, outcome: no, reason: a different process}\n"
        "      - {name: Case Y, outcome: no, reason: hard to date}\n",
    )
    (hit,) = codes(clean, "one-sided-exclusions")
    assert hit.subject == "clashes" and "failures" in hit.message
    replace(clean, "reference_classes.yaml", "{name: Case Y, outcome: no,", "{name: Case Y, outcome: yes,")
    assert codes(clean, "one-sided-exclusions") == []


LOG = """event_logs:
  - id: strikes
    title: Strikes
    serves: [clash]
    since: 2010-01-01
    events:
      - {date: 2015-05-01, source: fixture}
      - {date: 2020-05-01, source: fixture}
"""


def test_an_event_log_holding_the_questions_resolving_event_is_flagged(clean):  # noqa: F811
    (clean / "event_logs.yaml").write_text(LOG, encoding="utf-8")
    add_to_clash(
        clean,
        "    event_log: strikes\n    resolution: yes\n    resolved_on: 2020-06-15\n    resolution_source: fixture",
    )
    (hit,) = codes(clean, "log-holds-resolution")
    assert hit.subject == CLASH and "2020-05-01" in hit.message
    replace(clean, "event_logs.yaml", "{date: 2020-05-01", "{date: 2020-06-15")  # dated on the resolution: fine
    assert codes(clean, "log-holds-resolution") == []


@pytest.mark.parametrize("code", CODES)
def test_every_lint_code_is_explained_in_the_lint_docstring(code):
    from foresight.pack import lint

    assert f"``{code}``" in lint.__doc__


# --- 15. the scaffold, replaced file by file ------------------------------------------------------


def test_the_scaffold_stays_valid_when_families_and_groups_are_added_beside_the_examples(tmp_path):
    """docs/tutorial/first-pack.md "Writing a pack, step by step", step 2: add yours beside the examples, delete theirs last."""
    from foresight.pack.scaffold import new_pack

    folder = new_pack(tmp_path / "my-pack", title="Water talks")
    replace(folder, "pack.yaml", "families:                    #", "families:\n  mine: My own family.  #")
    replace(folder, "pack.yaml", "  negotiation:\n", "  mine-signals:\n    description: My signs.\n  negotiation:\n")
    pack = load_pack(folder)  # valid: only warnings that the new family and group are not used yet
    assert {w.code for w in lint_pack(pack).warnings} == {"empty-family", "empty-group"}
    replace(folder, "pack.yaml", "  treaty: A water-sharing", "  gone: A water-sharing")  # an example family deleted
    problems = problems_of(folder)
    assert {p.file for p in problems} <= {"questions.yaml", "reference_classes.yaml", "indicators.yaml", "links.yaml"}
    assert all("treaty" in p.message for p in problems)
