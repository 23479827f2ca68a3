"""`foresight lint`: each warning on a crafted copy of the mini pack, acknowledgements, exit codes, date reading."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from foresight import load_pack
from foresight.pack.lint import date_mentions, excluded_kinds, has_absolute_day, kinds_of, late_mentions, lint_pack
from foresight.run import cli
from packtools import copy_pack, line_of, replace

DEAL_CRITERIA = "    criteria: Both governments publish a signed text before the date.\n"
CLASH_CRITERIA = "    criteria: A strike on the other party's territory is reported by two wire services.\n"


@pytest.fixture
def clean(tmp_path):
    """The mini pack with criteria that name a day, so it lints clean; each test breaks one thing."""
    pack = copy_pack(tmp_path)
    replace(
        pack,
        "questions.yaml",
        DEAL_CRITERIA,
        "    criteria: Both governments publish a signed text before 1 June 2020.\n",
    )
    replace(
        pack,
        "questions.yaml",
        CLASH_CRITERIA,
        "    criteria: A strike on the other party's territory before 1 December 2020 is reported by two wire services.\n",
    )
    return pack


def warnings_of(pack):
    return lint_pack(load_pack(pack)).warnings


def only_warning(pack):
    found = warnings_of(pack)
    assert len(found) == 1, "expected one warning, got:\n" + "\n".join(map(str, found))
    return found[0]


def test_the_clean_copy_is_clean(clean):
    assert warnings_of(clean) == []


# --- date mentions -------------------------------------------------------------------------------


def test_date_mentions_take_the_earliest_day_each_can_mean():
    text = "On 12 June 2018 and 2018-06-13, in June 2018, in 2019, over 2016-17, on March 5, 2020, and 27-28 February 2019."
    got = date_mentions(text)
    assert [d for _, d in got] == [
        dt.date(2018, 6, 12),
        dt.date(2018, 6, 13),
        dt.date(2018, 6, 1),
        dt.date(2019, 1, 1),
        dt.date(2017, 1, 1),
        dt.date(2020, 3, 5),
        dt.date(2019, 2, 27),
    ]


def test_numbers_after_resolution_or_section_are_not_years():
    assert date_mentions("UN Security Council Resolution 2087 and section 2301") == []


def test_slash_separated_document_symbols_are_not_year_ranges():
    """GOV/2015/72 once read as the range 2015/72, i.e. the year 2072, after every question."""
    text = (
        "Resolution GOV/2015/72 of 15 December 2015 (GOV/2015/68; IAEA GOV/2004/12), S/RES/2231 (2015), over 2016/17."
    )
    assert [d for _, d in date_mentions(text)] == [dt.date(2015, 12, 15), dt.date(2015, 1, 1), dt.date(2017, 1, 1)]
    assert late_mentions("the Board adopted GOV/2015/72 then", dt.date(2015, 7, 15)) == []
    # a real date next to a symbol is still read
    assert late_mentions("GOV/2015/68 of 2 December 2015", dt.date(2015, 7, 15)) == ["2 December 2015"]


def test_absolute_day_needs_a_day_not_a_month():
    assert has_absolute_day("before 1 January 2019") and has_absolute_day("by 2019-01-01")
    assert not has_absolute_day("before the closing date in January 2019")


def test_kind_words_and_exclusions():
    assert kinds_of("a signed agreement or a truce") == {"sign", "truce"}
    assert excluded_kinds("Yes if they sign a deal. Truces and pauses do not count.") == {"truce"}
    trade = "Yes if both sign a trade agreement (more than a truce or an agreement to keep talking) by 1 July 2019."
    assert excluded_kinds(trade, "Will they sign a trade agreement?") == {"truce"}
    hanoi = "Yes if they sign a joint statement. A summit that is cancelled resolves no."
    assert excluded_kinds(hanoi, "Will the summit end with a signed document?") == set()


# --- each warning ---------------------------------------------------------------------------------


def test_an_lr_rationale_citing_a_year_after_opens(clean):
    replace(
        clean,
        "indicators.yaml",
        "rationale: Threats precede strikes, but most threats are not carried out.",
        "rationale: Threats precede strikes; the 2021 crisis showed it.",
    )
    w = only_warning(clean)
    assert (w.code, w.file, w.field, w.subject) == (
        "late-date",
        "indicators.yaml",
        "indicators[1].rationale",
        "threat-made",
    )
    assert w.line == line_of(clean, "indicators.yaml", "the 2021 crisis")
    assert "'2021'" in w.message and "2020-03-01" in w.message


def test_an_evidence_note_citing_a_later_month(clean):
    replace(
        clean,
        "evidence.yaml",
        "note: Second paragraph quotes the threat.",
        "note: The threat was carried out in May 2020.",
    )
    w = only_warning(clean)
    assert (w.code, w.field, w.subject) == ("late-date", "evidence[1].note", "ev-threat")
    assert "'May 2020'" in w.message and "2020-03-01" in w.message


def test_a_date_before_opens_is_not_late(clean):
    replace(clean, "evidence.yaml", "note: Second paragraph quotes the threat.", "note: As in February 2020, a threat.")
    assert warnings_of(clean) == []


def test_a_class_judged_by_a_criterion_the_question_excludes(clean):
    replace(
        clean,
        "reference_classes.yaml",
        "    exposure_years: 1.0\n",
        "    exposure_years: 1.0\n    outcome_criterion: a signed deal or a truce\n",
    )
    replace(
        clean,
        "questions.yaml",
        "publish a signed text before 1 June 2020.",
        "publish a signed text before 1 June 2020. A truce does not count.",
    )
    w = only_warning(clean)
    assert (w.code, w.field, w.subject) == ("criterion-mismatch", "reference_classes[0].outcome_criterion", "deals")
    assert "truce" in w.message and "deal-by-june" in w.message


def test_a_class_judged_by_another_kind_of_outcome(clean):
    replace(
        clean,
        "reference_classes.yaml",
        "    exposure_years: 2.0\n",
        "    exposure_years: 2.0\n    outcome_criterion: the leaders meet in person\n",
    )
    w = only_warning(clean)
    assert (w.code, w.subject) == ("criterion-mismatch", "clashes") and "strike" in w.message and "meet" in w.message


def test_a_matching_outcome_criterion_is_quiet(clean):
    replace(
        clean,
        "reference_classes.yaml",
        "    exposure_years: 1.0\n",
        "    exposure_years: 1.0\n    outcome_criterion: a signed deal text\n",
    )
    assert warnings_of(clean) == []


def test_censoring_keeps_early_successes_and_drops_failures_of_the_same_years(clean):
    replace(
        clean,
        "reference_classes.yaml",
        "      - {name: Case 4, date: 2004-01-01, outcome: no, source: fixture}\n",
        "      - {name: Case 4, date: 2004-01-01, outcome: no, source: fixture}\n"
        "      - {name: Early ban, date: 2019-06-01, outcome: yes, source: fixture}\n"
        "      - {name: Late no, date: 2020-09-01, outcome: no, source: fixture}\n",
    )
    w = only_warning(clean)
    assert (w.code, w.field, w.subject) == ("censoring", "reference_classes[0].cases", "deals")
    assert "Early ban" in w.message and "Late no" in w.message and "deal-by-june" in w.message


def test_a_late_no_alone_is_not_censoring(clean):
    replace(
        clean,
        "reference_classes.yaml",
        "      - {name: Case 4, date: 2004-01-01, outcome: no, source: fixture}\n",
        "      - {name: Case 4, date: 2004-01-01, outcome: no, source: fixture}\n"
        "      - {name: Late no, date: 2020-09-01, outcome: no, source: fixture}\n",
    )
    assert warnings_of(clean) == []


def test_a_class_without_successes_before_opens(clean):
    replace(
        clean,
        "reference_classes.yaml",
        "{name: Case C, date: 1999-01-01, outcome: yes",
        "{name: Case C, date: 1999-01-01, outcome: no",
    )
    w = only_warning(clean)
    assert (w.code, w.subject) == ("one-sided-class", "clashes") and "no successes" in w.message
    lines = (clean / "reference_classes.yaml").read_text().splitlines()
    start = lines.index("  - id: clashes")
    assert w.line == 1 + next(n for n in range(start, len(lines)) if lines[n].strip() == "cases:")


def test_criteria_without_a_source_or_a_day(tmp_path):
    pack = copy_pack(tmp_path)
    replace(pack, "questions.yaml", DEAL_CRITERIA, "    criteria: The two sides agree.\n")
    found = {(w.code, w.subject) for w in warnings_of(pack)}
    assert found == {
        ("criteria-no-source", "deal-by-june"),
        ("criteria-no-date", "deal-by-june"),
        ("criteria-no-date", "clash-by-december"),
    }
    w = next(w for w in warnings_of(pack) if w.code == "criteria-no-source")
    assert w.line == line_of(pack, "questions.yaml", "The two sides agree.") and w.field == "questions[0].criteria"


# --- acknowledgements -------------------------------------------------------------------------------


def test_an_acknowledged_warning_stops_repeating_and_a_stale_one_warns(tmp_path):
    pack = copy_pack(tmp_path)
    with open(pack / "pack.yaml", "a", encoding="utf-8") as fh:
        fh.write(
            "lint_acknowledged:\n"
            "  - {code: criteria-no-date, where: deal-by-june, answer: the title gives the day}\n"
            "  - {code: criteria-no-date, where: 'questions.yaml:questions[1].criteria', answer: same}\n"
            "  - {code: censoring, where: no-such-class, answer: typo}\n"
        )
    report = lint_pack(load_pack(pack))
    assert [(w.code, w.subject) for w, _ in report.acknowledged] == [
        ("criteria-no-date", "deal-by-june"),
        ("criteria-no-date", "clash-by-december"),
    ]
    assert [w.code for w in report.warnings] == ["stale-acknowledgement"]
    stale = report.warnings[0]
    assert stale.file == "pack.yaml" and stale.field == "lint_acknowledged[2]"
    assert stale.line == line_of(pack, "pack.yaml", "no-such-class")


def test_an_acknowledgement_needs_an_answer(tmp_path):
    from packtools import only_problem

    pack = copy_pack(tmp_path)
    with open(pack / "pack.yaml", "a", encoding="utf-8") as fh:
        fh.write("lint_acknowledged:\n  - {code: censoring, where: deals}\n")
    p = only_problem(pack)
    assert p.field == "lint_acknowledged[0].answer" and "missing" in p.message


# --- the command ------------------------------------------------------------------------------------


def test_exit_codes_clean_warns_invalid(clean, tmp_path, capsys):
    assert cli.main(["lint", str(clean)]) == 0
    assert "lint clean" in capsys.readouterr().err
    replace(clean, "evidence.yaml", "note: Second paragraph quotes the threat.", "note: Carried out in May 2020.")
    assert cli.main(["lint", str(clean)]) == 1
    out = capsys.readouterr()
    line = line_of(clean, "evidence.yaml", "Carried out in May 2020")
    assert f"{clean / 'evidence.yaml'}:{line}: evidence[1].note: cites 'May 2020'" in out.err
    replace(clean, "evidence.yaml", "credibility: 0.8", "credibility: 1.8")
    assert cli.main(["lint", str(clean)]) == 2
    assert "problem(s); the pack is not valid" in capsys.readouterr().err


def test_validate_shows_its_and_lints_warnings_on_one_stream_in_one_format(clean, capsys):
    replace(clean, "evidence.yaml", "note: Second paragraph quotes the threat.", "note: Carried out in May 2020.")
    replace(clean, "pack.yaml", "families:\n", "families:\n  ghost: A family with no question.\n")
    assert cli.main(["validate", str(clean)]) == 0
    out = capsys.readouterr()
    assert "warning" not in out.out  # the counts alone on stdout
    lines = [line for line in out.err.splitlines() if line.startswith(str(clean))]
    assert len(lines) == 2 and all(re.search(r": [^:]+: .* \[[a-z-]+; where: [^]]+\]$", line) for line in lines)
    assert "[late-date; where: ev-threat]" in out.err and "[empty-family; where: ghost]" in out.err
    assert cli.main(["validate", str(clean), "--strict"]) == 2


def test_acknowledged_warnings_are_listed_on_request_and_do_not_fail(tmp_path, capsys):
    pack = copy_pack(tmp_path)
    with open(pack / "pack.yaml", "a", encoding="utf-8") as fh:
        fh.write(
            "lint_acknowledged:\n"
            "  - {code: criteria-no-date, where: deal-by-june, answer: the title gives the day}\n"
            "  - {code: criteria-no-date, where: clash-by-december, answer: the title gives the day}\n"
        )
    assert cli.main(["lint", str(pack), "--acknowledged"]) == 0
    out = capsys.readouterr()
    assert out.out.count("acknowledged: ") == 2 and "answer: the title gives the day" in out.out
    assert "mini: lint clean" in out.err
