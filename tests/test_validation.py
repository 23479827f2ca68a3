"""Every validation rule of the scenario pack format, one broken copy of the mini pack at a time.

Each test breaks exactly one thing in a copy of tests/fixtures/mini and checks the
problem the loader reports: its file, its exact line, its field path and the part
of the message that says what is allowed.
"""

from __future__ import annotations

import pytest

from foresight import Pack, PackError, Problem, load_pack
from packtools import (
    MINI,
    MINI_COUNTS,
    PACK_FILES,
    copy_pack,
    find_problem,
    line_of,
    only_problem,
    problems_of,
    replace,
)

# (name, file, old text, new text, field path, snippet on the reported line, message part)
# The snippet locates the expected line in the *edited* file, so the line number is exact
# without hard-coding the fixture's layout.
ONE_PROBLEM_CASES = [
    # --- questions.yaml: dates against each other ---
    (
        "closes before opens",
        "questions.yaml",
        "closes: 2020-12-01",
        "closes: 2020-02-01",
        "questions[1].closes",
        "closes: 2020-02-01",
        "must be after opens (2020-03-01)",
    ),
    (
        "closes equals opens",
        "questions.yaml",
        "closes: 2020-12-01",
        "closes: 2020-03-01",
        "questions[1].closes",
        "closes: 2020-03-01",
        "must be after opens",
    ),
    (
        "resolved_on before opens",
        "questions.yaml",
        "resolved_on: 2020-06-01",
        "resolved_on: 2020-01-01",
        "questions[0].resolved_on",
        "resolved_on: 2020-01-01",
        "is before opens (2020-01-10)",
    ),
    (
        "by_deadline yes resolved after closes",
        "questions.yaml",
        "resolution: no\n    resolved_on: 2020-06-01",
        "resolution: yes\n    resolved_on: 2020-06-02",
        "questions[0].resolved_on",
        "resolved_on: 2020-06-02",
        "must resolve on or before closes (2020-06-01)",
    ),
    (
        "by_deadline no resolved before closes",
        "questions.yaml",
        "resolved_on: 2020-06-01",
        "resolved_on: 2020-05-01",
        "questions[0].resolved_on",
        "resolved_on: 2020-05-01",
        "only resolve 'no' on or after closes",
    ),
    (
        "resolution without its source",
        "questions.yaml",
        "    resolution_source: No text was published (test fixture).\n",
        "",
        "questions[0].resolution_source",
        "- id: deal-by-june",
        "needs all three of resolution",
    ),
    (
        "opens before the raising document",
        "questions.yaml",
        "opens: 2020-03-01",
        "opens: 2020-02-01",
        "questions[1].opens",
        "opens: 2020-02-01",
        "a question opens on or after that date",
    ),
    # --- questions.yaml: values ---
    (
        "date not YYYY-MM-DD",
        "questions.yaml",
        "closes: 2020-06-01",
        "closes: June 2020",
        "questions[0].closes",
        "closes: June 2020",
        "must be a date written YYYY-MM-DD (got 'June 2020')",
    ),
    (
        "impossible date",
        "questions.yaml",
        "closes: 2020-06-01",
        "closes: 2020-13-01",
        "questions[0].closes",
        "closes: 2020-13-01",
        "real calendar date written YYYY-MM-DD",
    ),
    (
        "a number is not a date",
        "questions.yaml",
        "opens: 2020-03-01",
        "opens: 0",
        "questions[1].opens",
        "opens: 0",
        "must be a date written YYYY-MM-DD (got 0)",
    ),
    (
        "date with a time of day",
        "questions.yaml",
        "opens: 2020-03-01",
        "opens: 2020-03-01 10:00:00",
        "questions[1].opens",
        "opens: 2020-03-01 10:00:00",
        "without a time of day",
    ),
    (
        "kind not allowed",
        "questions.yaml",
        "kind: by_deadline\n    opens: 2020-03-01",
        "kind: someday\n    opens: 2020-03-01",
        "questions[1].kind",
        "kind: someday",
        "must be 'by_deadline' or 'one_shot'",
    ),
    (
        "resolution not yes/no",
        "questions.yaml",
        "resolution: no",
        "resolution: maybe",
        "questions[0].resolution",
        "resolution: maybe",
        "must be 'yes' or 'no'",
    ),
    (
        "id not an id",
        "questions.yaml",
        "id: deal-by-june",
        "id: Deal By June",
        "questions[0].id",
        "id: Deal By June",
        "must be an id: lower-case letters",
    ),
    (
        "text field given a list",
        "questions.yaml",
        "family: clash",
        "family: [clash]",
        "questions[1].family",
        "family: [clash]",
        "must be text (got ['clash'])",
    ),
    (
        "raised_by not a list",
        "questions.yaml",
        "raised_by: [doc-b]",
        "raised_by: {doc: doc-b}",
        "questions[1].raised_by",
        "raised_by: {doc: doc-b}",
        "must be a list",
    ),
    (
        "required field missing",
        "questions.yaml",
        "    criteria: Both governments publish a signed text before the date.\n",
        "",
        "questions[0].criteria",
        "- id: deal-by-june",
        "required field is missing",
    ),
    # --- questions.yaml: references ---
    (
        "unknown family",
        "questions.yaml",
        "family: deal",
        "family: dael",
        "questions[0].family",
        "family: dael",
        "unknown family 'dael'; families declared in pack.yaml: clash, deal",
    ),
    (
        "unknown raising document",
        "questions.yaml",
        "raised_by: [doc-b]",
        "raised_by: [doc-c]",
        "questions[1].raised_by[0]",
        "raised_by: [doc-c]",
        "unknown document 'doc-c'; documents: doc-a, doc-b",
    ),
    (
        "unknown reference class",
        "questions.yaml",
        "raised_by: [doc-b]",
        "raised_by: [doc-b]\n    reference_class: clashs",
        "questions[1].reference_class",
        "reference_class: clashs",
        "unknown reference class 'clashs'; reference classes: clashes, deals",
    ),
    # --- reference_classes.yaml ---
    (
        "no reference class for a question",
        "reference_classes.yaml",
        (MINI / "reference_classes.yaml").read_text(encoding="utf-8").split("  - id: clashes")[0],
        "reference_classes:\n",
        "questions[0].family",
        "family: deal",
        "no reference class serves question 'deal-by-june'",
    ),
    (
        "several reference classes for a question",
        "reference_classes.yaml",
        "serves: [deal]",
        "serves: [deal, clash]",
        "questions[1].reference_class",
        "- id: clash-by-december",
        "several reference classes serve 'clash-by-december' (clashes, deals)",
    ),
    (
        "relevance zero",
        "reference_classes.yaml",
        "relevance: 0.5",
        "relevance: 0",
        "reference_classes[0].relevance",
        "relevance: 0",
        "must be a number greater than 0 and at most 1 (got 0)",
    ),
    (
        "relevance above one",
        "reference_classes.yaml",
        "relevance: 0.5",
        "relevance: 1.5",
        "reference_classes[0].relevance",
        "relevance: 1.5",
        "greater than 0 and at most 1 (got 1.5)",
    ),
    (
        "relevance not a number",
        "reference_classes.yaml",
        "relevance: 1.0",
        "relevance: .nan",
        "reference_classes[1].relevance",
        "relevance: .nan",
        "greater than 0 and at most 1 (got nan)",
    ),
    (
        "exposure_years zero",
        "reference_classes.yaml",
        "exposure_years: 1.0",
        "exposure_years: 0",
        "reference_classes[0].exposure_years",
        "exposure_years: 0",
        "must be a number greater than 0 (got 0)",
    ),
    (
        "exposure_years infinite",
        "reference_classes.yaml",
        "exposure_years: 2.0",
        "exposure_years: .inf",
        "reference_classes[1].exposure_years",
        "exposure_years: .inf",
        "must be a number greater than 0 (got inf)",
    ),
    (
        "by_deadline class without exposure_years",
        "reference_classes.yaml",
        "    exposure_years: 1.0\n",
        "",
        "reference_classes[0].exposure_years",
        "- id: deals",
        "required (a number of years > 0)",
    ),
    (
        "case without outcome",
        "reference_classes.yaml",
        "{name: Case 3, date: 2003-01-01, outcome: yes, source: fixture}",
        "{name: Case 3, date: 2003-01-01, source: fixture}",
        "reference_classes[0].cases[2].outcome",
        "Case 3",
        "required field is missing",
    ),
    (
        "case outcome not yes/no",
        "reference_classes.yaml",
        "{name: Case B, date: 1995-01-01, outcome: no,",
        "{name: Case B, date: 1995-01-01, outcome: maybe,",
        "reference_classes[1].cases[1].outcome",
        "Case B",
        "must be 'yes' or 'no' (got 'maybe')",
    ),
    (
        "case codes an unknown indicator",
        "reference_classes.yaml",
        "{talks-held: present}",
        "{talks-hold: present}",
        "reference_classes[0].cases[0].indicators.talks-hold",
        "Case 1",
        "unknown indicator 'talks-hold'; indicators: drills, talks-held, threat-made",
    ),
    (
        "case indicator state out of range",
        "reference_classes.yaml",
        "{talks-held: absent}",
        "{talks-held: 2}",
        "reference_classes[0].cases[1].indicators.talks-held",
        "Case 2",
        "'present', 'absent' or a strength from 0 to 1",
    ),
    (
        "case indicator key not an id",
        "reference_classes.yaml",
        "{talks-held: absent}",
        "{Talks Held: absent}",
        "reference_classes[0].cases[1].indicators.Talks Held",
        "Case 2",
        "this key must be an id",
    ),
    (
        "class serves an unknown target",
        "reference_classes.yaml",
        "serves: [clash]",
        "serves: [clash, clsh]",
        "reference_classes[1].serves[1]",
        "serves: [clash, clsh]",
        "'clsh' is neither a family nor a question id",
    ),
    (
        "class without cases",
        "reference_classes.yaml",
        "    cases:\n" + (MINI / "reference_classes.yaml").read_text(encoding="utf-8").split("    cases:\n")[2],
        "    cases: []\n",
        "reference_classes[1].cases",
        "cases: []",
        "must not be empty",
    ),
    (
        "unknown field in a class",
        "reference_classes.yaml",
        "    relevance: 1.0",
        "    relevance: 1.0\n    relevence: 1.0",
        "reference_classes[1].relevence",
        "relevence",
        "unknown field 'relevence'; allowed fields: id, title, serves, relevance",
    ),
    # --- indicators.yaml ---
    (
        "LR lo zero",
        "indicators.yaml",
        "deal: [1.5, 3.0]",
        "deal: [0, 3.0]",
        "indicators[0].likelihood_ratios.deal.lo",
        "deal: [0, 3.0]",
        "must be a number greater than 0 (got 0)",
    ),
    (
        "LR hi negative",
        "indicators.yaml",
        "{lo: 1.2, hi: 2.5}",
        "{lo: 1.2, hi: -2.5}",
        "indicators[1].likelihood_ratios.clash.hi",
        "hi: -2.5",
        "must be a number greater than 0 (got -2.5)",
    ),
    (
        "LR lo not below hi",
        "indicators.yaml",
        "{lo: 1.2, hi: 2.5}",
        "{lo: 2.5, hi: 1.2}",
        "indicators[1].likelihood_ratios.clash",
        "lo: 2.5",
        "must have lo < hi; got lo=2.5, hi=1.2",
    ),
    (
        "LR equal bounds",
        "indicators.yaml",
        "clash: [1.1, 2.0]",
        "clash: [2.0, 2.0]",
        "indicators[2].likelihood_ratios.clash",
        "clash: [2.0, 2.0]",
        "must have lo < hi",
    ),
    (
        "LR interval of three numbers",
        "indicators.yaml",
        "deal: [1.5, 3.0]",
        "deal: [1.5, 3.0, 4.0]",
        "indicators[0].likelihood_ratios.deal",
        "deal: [1.5, 3.0, 4.0]",
        "[lo, hi] or {lo: ..., hi: ...}",
    ),
    (
        "LR interval a single number",
        "indicators.yaml",
        "deal: [1.5, 3.0]",
        "deal: 2",
        "indicators[0].likelihood_ratios.deal",
        "deal: 2",
        "[lo, hi] or {lo: ..., hi: ...} with 0 < lo < hi (got 2)",
    ),
    (
        "LR for an unknown target",
        "indicators.yaml",
        "deal: [1.5, 3.0]",
        "dael: [1.5, 3.0]",
        "indicators[0].likelihood_ratios.dael",
        "dael: [1.5, 3.0]",
        "'dael' is neither a family nor a question id; families: clash, deal",
    ),
    (
        "unknown correlation group",
        "indicators.yaml",
        "group: talks",
        "group: talk",
        "indicators[0].group",
        "group: talk",
        "unknown correlation group 'talk'; groups declared in pack.yaml: talks, threats",
    ),
    (
        "unknown field in an LR interval",
        "indicators.yaml",
        "{lo: 1.2, hi: 2.5}",
        "{lo: 1.2, hi: 2.5, mid: 2}",
        "indicators[1].likelihood_ratios.clash.mid",
        "mid: 2",
        "unknown field 'mid'; allowed fields: lo, hi",
    ),
    # --- evidence.yaml ---
    (
        "credibility above one",
        "evidence.yaml",
        "credibility: 0.9",
        "credibility: 1.5",
        "evidence[0].credibility",
        "credibility: 1.5",
        "must be a number at least 0 and at most 1 (got 1.5)",
    ),
    (
        "credibility negative",
        "evidence.yaml",
        "credibility: 0.9",
        "credibility: -0.1",
        "evidence[0].credibility",
        "credibility: -0.1",
        "at least 0 and at most 1 (got -0.1)",
    ),
    (
        "credibility yes is not a number",
        "evidence.yaml",
        "credibility: 0.8",
        "credibility: yes",
        "evidence[1].credibility",
        "credibility: yes",
        "must be a number at least 0 and at most 1 (got True)",
    ),
    (
        "credibility as text",
        "evidence.yaml",
        "credibility: 0.6",
        "credibility: high",
        "evidence[2].credibility",
        "credibility: high",
        "must be a number at least 0 and at most 1 (got 'high')",
    ),
    (
        "state strength above one",
        "evidence.yaml",
        "state: 0.5",
        "state: 1.5",
        "evidence[2].state",
        "state: 1.5",
        "must be 'present', 'absent' or a strength from 0 to 1",
    ),
    (
        "state strength negative",
        "evidence.yaml",
        "state: 0.5",
        "state: -0.5",
        "evidence[2].state",
        "state: -0.5",
        "'present', 'absent' or a strength from 0 to 1",
    ),
    ("state yes/no", "evidence.yaml", "state: 0.5", "state: yes", "evidence[2].state", "state: yes", "not yes/no"),
    (
        "state word",
        "evidence.yaml",
        "state: 0.5",
        "state: seen",
        "evidence[2].state",
        "state: seen",
        "'present', 'absent' or a strength",
    ),
    (
        "evidence cites an unknown indicator",
        "evidence.yaml",
        "indicator: drills",
        "indicator: drils",
        "evidence[2].indicator",
        "indicator: drils",
        "unknown indicator 'drils'; indicators: drills, talks-held, threat-made",
    ),
    (
        "evidence cites an unknown document",
        "evidence.yaml",
        "document: doc-a",
        "document: doc-z",
        "evidence[0].document",
        "document: doc-z",
        "unknown document 'doc-z'; documents: doc-a, doc-b",
    ),
    (
        "evidence observed before its document was published",
        "evidence.yaml",
        "observed: 2020-01-10",
        "observed: 2020-01-09",
        "evidence[0].observed",
        "observed: 2020-01-09",
        "before document 'doc-a' was published (2020-01-10)",
    ),
    (
        "evidence observed after every relevant question closed",
        "evidence.yaml",
        "observed: 2020-03-02",
        "observed: 2020-12-02",
        "evidence[2].observed",
        "observed: 2020-12-02",
        "after every question indicator 'drills' bears on has closed",
    ),
    (
        "evidence without a note",
        "evidence.yaml",
        "    note: Second paragraph quotes the threat.\n",
        "",
        "evidence[1].note",
        "- id: ev-threat",
        "required field is missing",
    ),
    # --- documents.yaml ---
    (
        "published not a date",
        "documents.yaml",
        "published: 2020-01-10",
        "published: 10/01/2020",
        "documents[0].published",
        "published: 10/01/2020",
        "must be a date written YYYY-MM-DD",
    ),
    (
        "document title empty",
        "documents.yaml",
        "title: Talks resume",
        "title: ' '",
        "documents[0].title",
        "title: ' '",
        "must not be empty",
    ),
    # --- pack.yaml ---
    (
        "rho above one",
        "pack.yaml",
        "rho: 0.8",
        "rho: 1.8",
        "correlation_groups.threats.rho",
        "rho: 1.8",
        "must be a number at least 0 and at most 1 (got 1.8)",
    ),
    (
        "unknown field in a correlation group",
        "pack.yaml",
        "rho: 0.8",
        "rho: 0.8\n    weight: 2",
        "correlation_groups.threats.weight",
        "weight: 2",
        "unknown field 'weight'; allowed fields: description, rho",
    ),
    (
        "family key not an id",
        "pack.yaml",
        "  deal: A negotiated",
        "  deal: A negotiated\n  Big War: A war",
        "families.Big War",
        "Big War",
        "this key must be an id",
    ),
]


@pytest.mark.parametrize(
    "file, old, new, field, line_snippet, message",
    [case[1:] for case in ONE_PROBLEM_CASES],
    ids=[case[0] for case in ONE_PROBLEM_CASES],
)
def test_one_break_one_problem(pack, file, old, new, field, line_snippet, message):
    replace(pack, file, old, new)
    problem = only_problem(pack)
    where = "questions.yaml" if field.startswith("questions[") else file
    assert (problem.file, problem.field) == (where, field), str(problem)
    assert problem.line == line_of(pack, where, line_snippet), str(problem)
    assert message in problem.message, str(problem)


# --- problems that come in pairs by nature ------------------------------------------


def test_duplicate_ids_are_reported_on_both_records(pack):
    replace(pack, "questions.yaml", "id: clash-by-december", "id: deal-by-june")
    problems = problems_of(pack)
    assert [(p.file, p.line, p.field) for p in problems] == [
        ("questions.yaml", 2, "questions[0].id"),
        ("questions.yaml", 13, "questions[1].id"),
    ]
    assert all("duplicate id 'deal-by-june'" in p.message and "unique" in p.message for p in problems)


@pytest.mark.parametrize(
    "file, key",
    [
        ("documents.yaml", "documents"),
        ("indicators.yaml", "indicators"),
        ("evidence.yaml", "evidence"),
        ("reference_classes.yaml", "reference_classes"),
    ],
)
def test_duplicate_ids_in_every_file(pack, file, key):
    text = (pack / file).read_text(encoding="utf-8")
    first, second = [line for line in text.splitlines() if line.startswith("  - id: ")][:2]
    replace(pack, file, second, first)
    problems = problems_of(pack)
    dups = [p for p in problems if "duplicate id" in p.message]
    assert [p.field for p in dups] == [f"{key}[0].id", f"{key}[1].id"], "\n".join(map(str, problems))


def test_misspelt_field_names_the_allowed_fields(pack):
    replace(pack, "questions.yaml", "criteria: Both", "critera: Both")
    problems = problems_of(pack)
    typo = find_problem(problems, "questions.yaml", "questions[0].critera")
    assert typo.line == line_of(pack, "questions.yaml", "critera:")
    assert "unknown field 'critera'; allowed fields: id, title, family, kind, opens, closes, criteria" in typo.message
    missing = find_problem(problems, "questions.yaml", "questions[0].criteria")
    assert missing.message == "required field is missing"
    assert len(problems) == 2


def test_misspelt_field_in_a_case_names_the_case_fields(pack):
    replace(
        pack,
        "reference_classes.yaml",
        "{name: Case A, date: 1990-01-01, outcome: no, source: fixture}",
        "{name: Case A, date: 1990-01-01, outcome: no, sorce: fixture}",
    )
    problems = problems_of(pack)
    typo = find_problem(problems, "reference_classes.yaml", "reference_classes[1].cases[0].sorce")
    assert typo.line == line_of(pack, "reference_classes.yaml", "Case A")
    assert (
        typo.message
        == "unknown field 'sorce'; allowed fields: name, date, outcome, source, indicators, tags, outcome_known, option"
    )


def test_misspelt_top_level_field_of_pack_yaml(pack):
    replace(pack, "pack.yaml", "title: A small", "tittle: A small")
    problems = problems_of(pack)
    typo = find_problem(problems, "pack.yaml", "tittle")
    assert typo.line == 2
    assert "allowed fields: id, title, description, families, correlation_groups" in typo.message
    assert find_problem(problems, "pack.yaml", "title").message == "required field is missing"


def test_a_broken_record_is_not_reported_again_as_unknown_where_it_is_used(pack):
    """The indicator talks-held is cited by evidence and coded in cases; breaking it must not
    make those references 'unknown' - the one real problem is in indicators.yaml."""
    replace(pack, "indicators.yaml", "deal: [1.5, 3.0]", "deal: [3.0, 1.5]")
    problem = only_problem(pack)
    assert (problem.file, problem.field) == ("indicators.yaml", "indicators[0].likelihood_ratios.deal")


# --- whole files -----------------------------------------------------------------------


@pytest.mark.parametrize("file", PACK_FILES)
def test_missing_file(pack, file):
    (pack / file).unlink()
    problem = only_problem(pack)
    assert (problem.file, problem.line, problem.field) == (file, 1, "(file)")
    assert "is missing" in problem.message and "pack.yaml, documents.yaml" in problem.message


def test_a_folder_where_a_file_should_be(pack):
    (pack / "evidence.yaml").unlink()
    (pack / "evidence.yaml").mkdir()
    problem = only_problem(pack)
    assert (problem.file, problem.field) == ("evidence.yaml", "(file)")
    assert "is a folder, not a file" in problem.message


@pytest.mark.parametrize("file", PACK_FILES)
@pytest.mark.parametrize(
    "content, found",
    [
        ("- a\n- b\n", "found a list"),
        ("just some text\n", "found the single value 'just some text'"),
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
    ],
)
def test_file_that_is_not_a_mapping(pack, file, content, found):
    (pack / file).write_text(content, encoding="utf-8")
    problem = only_problem(pack)
    assert (problem.file, problem.line, problem.field) == (file, 1, "(file)")
    assert problem.message.startswith("must be a mapping with ")
    assert found in problem.message


def test_record_file_with_the_wrong_top_key(pack):
    replace(pack, "documents.yaml", "documents:", "document:")
    problem = only_problem(pack)
    assert (problem.file, problem.line, problem.field) == ("documents.yaml", 1, "(file)")
    assert "single key 'documents:' holding a list; found the keys document" in problem.message


def test_record_file_whose_list_is_not_a_list(pack):
    (pack / "evidence.yaml").write_text("# no evidence yet\nevidence: none so far\n", encoding="utf-8")
    problem = only_problem(pack)
    assert (problem.file, problem.line, problem.field) == ("evidence.yaml", 2, "evidence")
    assert "must be a list" in problem.message


def test_list_item_that_is_not_a_mapping(pack):
    replace(pack, "evidence.yaml", "evidence:\n", "evidence:\n  - just a sentence\n")
    problem = only_problem(pack)
    assert (problem.file, problem.line, problem.field) == ("evidence.yaml", 2, "evidence[0]")
    assert "must be a mapping of field: value lines" in problem.message


def test_empty_record_list_is_allowed(pack):
    """A pack may hold no evidence yet: `evidence:` with nothing under it is an empty list."""
    (pack / "evidence.yaml").write_text("evidence:\n", encoding="utf-8")
    assert load_pack(pack).counts()["evidence"] == 0


# --- YAML itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "file, old, new, snippet, message",
    [
        (
            "evidence.yaml",
            "state: present\n    credibility: 0.9",
            "state: [present\n    credibility: 0.9",
            "credibility: 0.9",
            "invalid YAML",
        ),
        ("evidence.yaml", "    credibility: 0.8", "\tcredibility: 0.8", "\tcredibility", "'\\t'"),
        (
            "questions.yaml",
            "title: Will a strike",
            "title: 'Will a strike",
            "party's territory",
            "invalid YAML: expected <block end>, but found '<scalar>' (while parsing a block mapping on line 13)",
        ),
        (
            "documents.yaml",
            "    published: 2020-03-01",
            "    published: 2020-03-01\n    published: 2020-03-02",
            "published: 2020-03-02",
            "duplicate key 'published'; each key may appear only once",
        ),
        (
            "indicators.yaml",
            "deal: [1.5, 3.0]",
            "deal: &iv [1.5, 3.0]\n      other: *iv",
            "*iv",
            "alias '*iv' is not allowed",
        ),
        ("pack.yaml", "id: mini", "id: mini\n---\nid: second", "---", "invalid YAML"),
    ],
)
def test_bad_yaml_is_one_file_problem_with_its_line(pack, file, old, new, snippet, message):
    replace(pack, file, old, new)
    problem = only_problem(pack)
    assert (problem.file, problem.field) == (file, "(file)")
    assert problem.line == line_of(pack, file, snippet), str(problem)
    assert message in problem.message, str(problem)


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/object:builtins.dict {{}}",
        "!custom 1",
    ],
)
def test_python_tags_are_refused_and_never_run(pack, tmp_path, tag):
    marker = tmp_path / "pwned"
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: " + tag.format(marker=marker))
    problem = only_problem(pack)
    assert (problem.file, problem.line, problem.field) == ("evidence.yaml", 7, "(file)")
    assert "is not allowed: pack files hold plain data only" in problem.message
    assert not marker.exists()


def test_file_that_is_not_utf8(pack):
    (pack / "documents.yaml").write_bytes(b"documents:\n  - id: doc-a\n    title: caf\xe9\n")
    problem = only_problem(pack)
    assert (problem.file, problem.line, problem.field) == ("documents.yaml", 3, "(file)")
    assert "not UTF-8" in problem.message


def test_control_character(pack):
    replace(pack, "documents.yaml", "title: Threats escalate", "title: Threats\x07escalate")
    problem = only_problem(pack)
    assert (problem.file, problem.line, problem.field) == ("documents.yaml", 8, "(file)")
    assert "#x0007 is not allowed" in problem.message


def test_very_deep_nesting_is_a_problem_not_a_crash(pack):
    replace(pack, "evidence.yaml", "state: 0.5", "state: " + "[" * 3000 + "]" * 3000)
    problem = only_problem(pack)
    assert (problem.file, problem.field) == ("evidence.yaml", "(file)")
    assert "nested too deeply" in problem.message


def test_huge_integer_is_a_problem_not_a_crash(pack):
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: " + "9" * 5000)
    problem = only_problem(pack)
    assert (problem.file, problem.line) == ("evidence.yaml", 7)


# --- everything at once, and the valid pack ---------------------------------------------


def test_all_problems_in_all_files_are_reported_at_once(pack):
    replace(pack, "pack.yaml", "rho: 0.8", "rho: 2")
    replace(pack, "questions.yaml", "closes: 2020-12-01", "closes: 2019-12-01")
    replace(pack, "reference_classes.yaml", "relevance: 0.5", "relevance: -1")
    replace(pack, "indicators.yaml", "group: talks", "group: talk")
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: 9")
    replace(pack, "evidence.yaml", "indicator: drills", "indicator: drils")
    replace(pack, "documents.yaml", "published: 2020-03-01", "published: March")
    with pytest.raises(PackError) as info:
        load_pack(pack)
    got = [(p.file, p.line, p.field) for p in info.value.problems]
    assert got == [
        ("documents.yaml", 11, "documents[1].published"),
        ("evidence.yaml", 7, "evidence[0].credibility"),
        ("evidence.yaml", 17, "evidence[2].indicator"),
        ("indicators.yaml", 4, "indicators[0].group"),
        ("pack.yaml", 11, "correlation_groups.threats.rho"),
        ("questions.yaml", 18, "questions[1].closes"),
        ("reference_classes.yaml", 5, "reference_classes[0].relevance"),
    ]
    text = str(info.value)
    assert text.startswith(f"7 problem(s) in scenario pack {pack}:")
    for problem in info.value.problems:
        assert str(problem) in text


def test_problem_prints_as_file_line_field_message():
    assert str(Problem("evidence.yaml", 7, "evidence[0].credibility", "must be ...")) == (
        "evidence.yaml:7: evidence[0].credibility: must be ..."
    )


def test_not_a_folder(tmp_path):
    with pytest.raises(PackError) as info:
        load_pack(tmp_path / "nowhere")
    [problem] = info.value.problems
    assert problem.field == "(folder)" and "no such folder" in problem.message


def test_valid_pack_loads_with_its_counts():
    pack = load_pack(MINI)
    assert isinstance(pack, Pack)
    assert pack.counts() == MINI_COUNTS
    assert pack.meta.id == "mini"
    assert list(pack.questions) == ["deal-by-june", "clash-by-december"]
    assert pack.meta.correlation_groups["talks"].rho == 0.5  # written as a bare description
    assert pack.indicators["talks-held"].likelihood_ratios["deal"].hi == 3.0  # written as [lo, hi]
    assert pack.questions["deal-by-june"].resolution == "no"  # YAML's bare `no` is False; read back as 'no'
    assert [ev.signed_strength for ev in pack.evidence] == [1.0, 1.0, 0.5]
    deal = pack.question("deal-by-june")
    assert pack.reference_class_for(deal).id == "deals"
    assert [ind.id for ind in pack.indicators_for(pack.question("clash-by-december"))] == [
        "talks-held",
        "threat-made",
        "drills",
    ]
    assert len(pack.content_hash) == 16


def test_the_copy_helper_makes_an_identical_valid_pack(tmp_path):
    copy = copy_pack(tmp_path)
    assert load_pack(copy).counts() == MINI_COUNTS
    assert load_pack(copy).content_hash == load_pack(MINI).content_hash


def test_quoted_dates_and_numbers_as_written_by_hand_are_fine(pack):
    replace(pack, "questions.yaml", "opens: 2020-03-01", "opens: '2020-03-01'")
    replace(pack, "evidence.yaml", "credibility: 0.6", "credibility: 1")
    assert load_pack(pack).counts() == MINI_COUNTS


def test_zero_credibility_and_zero_strength_are_allowed(pack):
    """Credibility 0 switches an item of evidence off while keeping it on record (the model relies on it)."""
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: 0")
    replace(pack, "evidence.yaml", "state: 0.5", "state: 0.0")
    loaded = load_pack(pack)
    assert loaded.evidence[0].credibility == 0.0 and loaded.evidence[2].signed_strength == 0.0


def test_exposure_years_needed_by_a_question_that_names_its_class(pack):
    """A class serving only one_shot questions needs no exposure_years - until a by_deadline
    question names it in reference_class."""
    replace(pack, "questions.yaml", "kind: by_deadline\n    opens: 2020-01-10", "kind: one_shot\n    opens: 2020-01-10")
    replace(pack, "reference_classes.yaml", "    exposure_years: 1.0\n", "")
    assert load_pack(pack).counts() == MINI_COUNTS
    replace(pack, "questions.yaml", "raised_by: [doc-b]", "raised_by: [doc-b]\n    reference_class: deals")
    problem = only_problem(pack)
    assert (problem.file, problem.line, problem.field) == (
        "reference_classes.yaml",
        2,
        "reference_classes[0].exposure_years",
    )
    assert "required (a number of years > 0) because this class serves by_deadline questions" in problem.message
