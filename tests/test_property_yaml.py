"""Property tests: whatever a pack file holds, the loader answers with a Pack or a PackError.

(a) Arbitrary text or bytes as one of the pack's files never raises anything but PackError.
(b) Well-formed YAML with a wrong-typed value in a field gives a PackError whose every
    problem has a line, a field and a message, and one of them names that field.

The pack is copied once per test into a temporary folder (never the repository) and the
edited file is restored after each example.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresight import Pack, PackError, load_pack
from packtools import MINI, PACK_FILES, copy_pack, line_of

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of YAML and of the pack format, so random text often gets past the first character.
TOKENS = [
    "\n",
    "\n  ",
    "  ",
    "    ",
    "\t",
    " ",
    "- ",
    ": ",
    ":",
    ",",
    "-",
    "?",
    "? ",
    "#",
    "|",
    ">",
    "|-",
    "&a ",
    "*a",
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "!tag ",
    "!!str ",
    "!!binary ",
    "!!set ",
    "!!omap ",
    "{",
    "}",
    "[",
    "]",
    "'",
    '"',
    "\\",
    "---",
    "...",
    "%YAML 1.1\n",
    "%TAG ! !x\n",
    "<<: ",
    "~",
    "null",
    "yes",
    "no",
    "true",
    ".inf",
    ".nan",
    "-1",
    "0",
    "1e400",
    "0x1F",
    "0o17",
    "1_000",
    "9" * 40,
    "2020-01-10",
    "2020-13-01",
    "2020-02-30",
    "2020-01-10T10:00:00Z",
    "0.5",
    "1.5",
    "id",
    "questions",
    "questions:",
    "evidence:",
    "documents:",
    "indicators:",
    "reference_classes:",
    "cases:",
    "likelihood_ratios:",
    "state:",
    "credibility:",
    "opens:",
    "closes:",
    "serves:",
    "families:",
    "correlation_groups:",
    "deal",
    "clash",
    "doc-a",
    "talks-held",
    "present",
    "absent",
    "lo",
    "hi",
    "\u00e9",
    "\u2028",
    "\ufeff",
    "\x00",
    "\x07",
    "\x85",
    "\r\n",
    "\r",
]

# Whole values, some well-formed YAML that the constructor or the records must refuse.
VALUE_TOKENS = [
    "2020-13-01",
    "2020-02-30",
    "2020-01-10 10:00:00",
    "0",
    "-1",
    "1.5",
    ".nan",
    ".inf",
    "yes",
    "no",
    "~",
    "''",
    "[]",
    "{}",
    "[1, 2, 3]",
    "{lo: 2, hi: 1}",
    "&a [*a]",
    "&b {x: *b}",
    "*undefined",
    "[" * 400 + "]" * 400,
    "9" * 5000,
    "!!python/object/apply:os.system ['true']",
    "!!binary aGk=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "present",
    "absent",
    "deal",
    "clash",
    "doc-a",
    "doc-b",
    "talks-held",
    " ",
    ", ",
    "[",
    "{",
    "#",
]

yamlish_text = st.lists(st.sampled_from(TOKENS) | st.text(max_size=4), max_size=60).map("".join)


@st.composite
def mutated_fixture(draw) -> tuple[str, str]:
    """A pack file of the mini fixture with a few random edits: a value replaced by YAML-ish
    text (reaching the constructor and the record checks), or characters spliced in or out."""
    file = draw(st.sampled_from(PACK_FILES))
    text = (MINI / file).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            lines = text.split("\n")
            n = draw(st.integers(0, len(lines) - 1))
            key, sep, _ = lines[n].partition(": ")
            lines[n] = key + sep + draw(st.lists(st.sampled_from(VALUE_TOKENS), min_size=1, max_size=4).map("".join))
            text = "\n".join(lines)
        else:
            pos = draw(st.integers(0, len(text)))
            cut = draw(st.integers(0, 8))
            insert = draw(st.sampled_from(TOKENS) | st.text(max_size=3))
            text = text[:pos] + insert + text[pos + cut :]
    return file, text


@contextlib.contextmanager
def file_replaced(pack: Path, file: str, content: str | bytes):
    """Write ``content`` as ``pack/file`` for the duration of one example, then put the original back."""
    path = pack / file
    original = path.read_bytes()
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        yield
    finally:
        path.write_bytes(original)


def load_or_problems(pack: Path) -> Pack | PackError:
    """Load ``pack``; any exception other than PackError fails the test (by propagating)."""
    try:
        return load_pack(pack)
    except PackError as exc:
        assert exc.problems, "a PackError must list at least one problem"
        for problem in exc.problems:
            assert problem.file in PACK_FILES, problem
            assert isinstance(problem.line, int) and problem.line >= 1, problem
            assert problem.field.strip(), problem
            assert problem.message.strip(), problem
        return exc


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return copy_pack(tmp_path_factory.mktemp("property"))


# --- (a) arbitrary text ---------------------------------------------------------------


@SETTINGS
@given(file=st.sampled_from(PACK_FILES), text=st.text(max_size=400) | yamlish_text)
def test_any_text_as_a_pack_file_is_a_pack_or_a_pack_error(scratch, file, text):
    with file_replaced(scratch, file, text):
        load_or_problems(scratch)


@SETTINGS
@given(edit=mutated_fixture())
def test_a_mangled_fixture_file_is_a_pack_or_a_pack_error(scratch, edit):
    file, text = edit
    with file_replaced(scratch, file, text):
        load_or_problems(scratch)


@SETTINGS
@given(file=st.sampled_from(PACK_FILES), data=st.binary(max_size=400), splice=st.booleans())
def test_any_bytes_as_a_pack_file_are_a_pack_or_a_pack_error(scratch, file, data, splice):
    if splice:  # keep the fixture's start, so the non-UTF-8 bytes come mid-file
        data = (MINI / file).read_bytes()[:60] + data
    with file_replaced(scratch, file, data):
        load_or_problems(scratch)


# --- (b) well-formed YAML, wrong types --------------------------------------------------

# (file, text before the value, the value, field path): the value is replaced on its line.
SCALAR_FIELDS = [
    ("pack.yaml", "title: ", "A small pack for tests", "title"),
    ("pack.yaml", "rho: ", "0.8", "correlation_groups.threats.rho"),
    ("documents.yaml", "published: ", "2020-01-10", "documents[0].published"),
    ("questions.yaml", "closes: ", "2020-06-01", "questions[0].closes"),
    ("questions.yaml", "title: ", "Will a strike happen before 1 December 2020?", "questions[1].title"),
    ("questions.yaml", "family: ", "clash", "questions[1].family"),
    ("reference_classes.yaml", "relevance: ", "0.5", "reference_classes[0].relevance"),
    ("reference_classes.yaml", "exposure_years: ", "2.0", "reference_classes[1].exposure_years"),
    (
        "reference_classes.yaml",
        "{name: Case 3, date: 2003-01-01, outcome: ",
        "yes",
        "reference_classes[0].cases[2].outcome",
    ),
    ("indicators.yaml", "group: ", "talks", "indicators[0].group"),
    ("evidence.yaml", "credibility: ", "0.9", "evidence[0].credibility"),
    ("evidence.yaml", "state: ", "0.5", "evidence[2].state"),
    ("evidence.yaml", "  - id: ", "ev-threat", "evidence[1].id"),
]
ALL_FIELDS = [
    *SCALAR_FIELDS,
    ("indicators.yaml", "clash: ", "{lo: 1.2, hi: 2.5}", "indicators[1].likelihood_ratios.clash"),
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.dates(min_value=dt.date(1, 1, 1))
    | st.datetimes()
)
keys = st.text(max_size=8) | st.integers(-5, 5) | st.booleans()
containers = st.recursive(
    st.lists(scalars, max_size=3) | st.dictionaries(keys, scalars, max_size=3),
    lambda inner: st.lists(inner | scalars, max_size=3) | st.dictionaries(keys, inner | scalars, max_size=3),
    max_leaves=12,
)


class _OneLineDumper(yaml.SafeDumper):
    """Writes text double-quoted, so line breaks become \\n escapes and a value stays on one line."""


_OneLineDumper.add_representer(
    str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
)


def flow_yaml(value) -> str:
    """``value`` as one line of flow-style YAML, fit to follow ``field: `` in block or flow context."""
    dumped = yaml.dump(
        {"k": value},
        Dumper=_OneLineDumper,
        default_flow_style=True,
        width=float("inf"),
        sort_keys=False,
        allow_unicode=True,
    ).strip()
    assert dumped.startswith('{"k": ') and dumped.endswith("}") and "\n" not in dumped, dumped
    return dumped[len('{"k": ') : -1]


def substituted(file: str, before: str, old: str, value) -> str:
    text = (MINI / file).read_text(encoding="utf-8")
    assert text.count(before + old) == 1, (file, before + old)
    return text.replace(before + old, before + flow_yaml(value))


def reported_on(outcome: PackError, file: str, line: int, field: str) -> bool:
    """A problem on ``field`` at its line; or, where the dumper had to write a tag (``!!timestamp`` for some
    datetimes), the loader's refusal of that tag on the same line (pack files take no tags at all)."""
    return any(
        (p.file, p.line, p.field) == (file, line, field) or (p.file, p.line) == (file, line) and "tag '!!" in p.message
        for p in outcome.problems
    )


@SETTINGS
@given(target=st.sampled_from(SCALAR_FIELDS), value=containers)
def test_a_list_or_mapping_in_a_scalar_field_is_reported_on_that_field(scratch, target, value):
    file, before, old, field = target
    with file_replaced(scratch, file, substituted(file, before, old, value)):
        outcome = load_or_problems(scratch)
        assert isinstance(outcome, PackError), f"{field} accepted {value!r}"
        line = line_of(MINI, file, before + old)
        assert reported_on(outcome, file, line, field), "\n".join(map(str, outcome.problems))


@SETTINGS
@given(target=st.sampled_from(ALL_FIELDS), value=scalars | containers)
def test_any_value_in_any_field_is_a_pack_or_a_pack_error(scratch, target, value):
    file, before, old, _ = target
    with file_replaced(scratch, file, substituted(file, before, old, value)):
        load_or_problems(scratch)


@SETTINGS
@given(target=st.sampled_from(SCALAR_FIELDS), value=st.booleans() | st.none() | st.datetimes())
def test_values_of_the_wrong_scalar_type_are_refused(scratch, target, value):
    """yes/no, null and times of day are right for none of these fields (nor is None: all are required
    or, for exposure_years, needed by a by_deadline question)."""
    file, before, old, field = target
    if field == "reference_classes[0].cases[2].outcome" and isinstance(value, bool):
        return  # outcome: yes/no is exactly right
    with file_replaced(scratch, file, substituted(file, before, old, value)):
        outcome = load_or_problems(scratch)
        assert isinstance(outcome, PackError), f"{field} accepted {value!r}"
        line = line_of(MINI, file, before + old)
        assert reported_on(outcome, file, line, field), "\n".join(map(str, outcome.problems))
