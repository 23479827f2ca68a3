"""Hostile pack text in every notebook's HTML report: shown literally, never run, never mangled.

A copy of the mini pack (with a links.yaml) gets markup appended to EVERY
free-text field, found from the schema itself (each ``Text`` field of each
record, the families' and correlation groups' descriptions, and the links'
titles and descriptions), so a field added later is covered without editing
this test. Each notebook then runs once through papermill and is exported to
HTML the way ``foresight run`` does (``foresight.run.notebooks.export_html``).
The reports must show the text (escaped) and contain none of it as markup.

The same run checks two things every report must never print: a ``PosixPath``
and the hidden ``.incomplete`` folder a run works in (the results are written
under such a folder here, as in a real run).
"""

from __future__ import annotations

import re
import types
import typing
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from foresight.pack import links as links_schema
from foresight.pack import schema
from foresight.run.notebooks import export_html
from nbhelpers import DRAWS, execute, notebook_env, outputs_of, png_count
from packtools import copy_pack
from test_external import EXTERNAL, TIMELINE
from test_scenario_notebooks import LINKS

pytestmark = pytest.mark.slow  # every notebook on a hostile pack: minutes; run by make test-all and CI

__all__ = ["notebook_env"]

MATH = r"$\href{javascript:x}$ Survey 50% $ 20% $"
ANSI = "\x1b[2J\x1b[31mCLEARED\x1b[0m"
PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)> 1<2 & 3>2 *star* _under_ #hash " + MATH + " " + ANSI
SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
NOT_FREE_TEXT = {"expression"}  # a scenario's expression is syntax the pack parses, not prose


def _is_text(annotation: typing.Any) -> bool:
    """A ``Text`` annotation (a str without an id pattern), optionally ``| None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_text(a) for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        return base is str and not any(getattr(m, "pattern", None) for m in meta)
    return False


def text_fields(model: type[BaseModel]) -> set[str]:
    out = set()
    for name, info in model.model_fields.items():
        annotation = typing.Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        if name not in NOT_FREE_TEXT and _is_text(annotation):
            out.add(name)
    return out


def _inject(record: dict, model: type[BaseModel], touched: set[str]) -> None:
    for name in text_fields(model):
        if name == "resolution_source" and record.get("resolution") is None:
            continue  # only a resolved question may have one (a resolved question in the pack has it)
        # optional fields are filled too: any of them may be shown somewhere
        record[name] = f"{record.get(name) or 'optional ' + name} {PAYLOAD}"
        touched.add(f"{model.__name__}.{name}")


def hostile_pack(dest: Path) -> tuple[Path, set[str]]:
    """A copy of the mini pack plus links, with PAYLOAD in every free-text field; returns the fields touched."""
    pack = copy_pack(dest)
    (pack / "links.yaml").write_text(LINKS, encoding="utf-8")
    (pack / "external_forecasts.yaml").write_text(EXTERNAL, encoding="utf-8")  # sources reach the backtest's figure
    (pack / "timeline.yaml").write_text(TIMELINE, encoding="utf-8")
    touched: set[str] = set()

    def edit(file: str, change) -> None:
        data = yaml.safe_load((pack / file).read_text(encoding="utf-8"))
        change(data)
        (pack / file).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    def meta(data: dict) -> None:
        _inject(data, schema.PackMeta, touched)
        data["families"] = {k: f"{v} {PAYLOAD}" for k, v in data["families"].items()}
        for key, group in data["correlation_groups"].items():
            group = group if isinstance(group, dict) else {"description": group}
            _inject(group, schema.CorrelationGroup, touched)
            data["correlation_groups"][key] = group
        touched.update({"PackMeta.families", "CorrelationGroup.description"})

    edit("pack.yaml", meta)
    for file, (key, model) in {**schema.RECORD_FILES, **schema.OPTIONAL_RECORD_FILES}.items():

        def records(data: dict, key=key, model=model) -> None:
            for record in data[key]:
                _inject(record, model, touched)
                for case in record.get("cases", []) if model is schema.ReferenceClass else []:
                    _inject(case, schema.Case, touched)

        edit(file, records)

    def linked(data: dict) -> None:
        for key, model in (
            ("drivers", links_schema.Driver),
            ("conditionals", links_schema.Conditional),
            ("scenarios", links_schema.Scenario),
        ):
            for record in data[key]:
                _inject(record, model, touched)

    edit("links.yaml", linked)
    return pack, touched


def test_the_injection_reaches_every_free_text_field_of_the_schema(tmp_path):
    _, touched = hostile_pack(tmp_path)
    files = {**schema.RECORD_FILES, **schema.OPTIONAL_RECORD_FILES}
    models = [schema.PackMeta, schema.CorrelationGroup, *(m for _, m in files.values()), schema.Case]
    models += [links_schema.Driver, links_schema.Conditional, links_schema.Scenario]
    expected = {f"{m.__name__}.{name}" for m in models for name in text_fields(m)}
    assert expected - touched == set(), "free-text fields the test did not inject into"
    assert {"Question.title", "Question.criteria", "Document.author", "Evidence.note", "Case.name"} <= expected
    assert "ExternalForecast.source" in expected


@pytest.fixture(scope="module")
def reports(notebook_env, tmp_path_factory):
    """Every notebook run once on the hostile pack, results under a hidden .incomplete folder, exported to HTML."""
    from foresight import load_pack

    base = tmp_path_factory.mktemp("hostile")
    pack, _ = hostile_pack(base)
    load_pack(pack)  # the hostile pack is still a valid pack
    work = base / ".20260101-000000-abc.incomplete"
    work.mkdir()
    results = work / "results"
    common = {"pack": str(pack), "draws": DRAWS}
    runs = {
        "evidence": {"as_of": "2020-03-15"},
        "forecast": {"question": "deal-by-june", "learn_from_cases": False},
        "history": {"question": "deal-by-june"},
        "backtest": {"today": "2020-12-31"},
        "scenarios": {
            "as_of": "2020-03-15",
            "scenario_questions": "clash-by-december, deal-by-june",
            "interactive": False,
            "learn_from_cases": False,
        },
    }
    out = {}
    for name, params in runs.items():
        notebook = execute(name, work, **common, **params, out_dir=str(results / name))
        out[name] = (notebook, export_html(notebook).read_text(encoding="utf-8"))
    return out


NAMES = ["evidence", "forecast", "history", "backtest", "scenarios"]


@pytest.mark.parametrize("name", NAMES)
def test_no_report_contains_pack_markup_unescaped(reports, name):
    notebook, page = reports[name]
    assert "<script>alert" not in page.lower()
    assert not re.search(r"<img[^>]*onerror", page, re.IGNORECASE)
    assert "<em>star</em>" not in page and "<em>under</em>" not in page
    for out in outputs_of(notebook):  # what JupyterLab renders from the .ipynb itself
        for mime in ("text/html", "text/markdown"):
            text = "".join(out.get("data", {}).get(mime, ""))
            assert "<script>alert" not in text and "<img src=x" not in text, (mime, text[:300])


class _MathJaxView(HTMLParser):
    """The text of a page that MathJax would typeset: outside script, style, pre, code and textarea, and
    outside every element with the class MathJax 2 and 3 skip (tex2jax_ignore)."""

    SKIPPED = {"script", "style", "pre", "code", "textarea"}
    VOID = {"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "source", "wbr", "embed"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append(tag in self.SKIPPED or "tex2jax_ignore" in classes)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not any(self.stack):
            self.parts.append(data)


def typeset_text(page: str) -> str:
    view = _MathJaxView()
    view.feed(page)
    return "\n".join(view.parts)


@pytest.mark.parametrize("name", NAMES)
def test_no_report_gives_pack_text_to_mathjax(reports, name):
    _, page = reports[name]
    text = typeset_text(page)
    for math in (r"$\href", "$ 20% $"):  # unescaped, MathJax would typeset these (processEscapes skips \$)
        at = [m.start() for m in re.finditer(re.escape(math), text) if text[max(0, m.start() - 1)] != "\\"]
        assert not at, f"{math!r} typeset: ...{text[max(0, at[0] - 200) : at[0] + 80]}..."


@pytest.mark.parametrize("name", NAMES)
def test_no_printed_output_carries_a_terminal_escape(reports, name):
    """nbconvert turns ANSI codes in printed (stream and plain-text) outputs into colours; pack text must not."""
    notebook, _ = reports[name]
    for out in outputs_of(notebook):
        data = out.get("data", {})
        printed = "".join(out.get("text", "")) if "text" in out else ""
        if data and "text/html" not in data and "text/markdown" not in data:
            printed += "".join(data.get("text/plain", ""))
        assert "\x1b" not in printed, printed[:300]


def test_the_backtest_with_hostile_sources_writes_its_tables(reports):
    notebook, page = reports["backtest"]
    assert "Unknown symbol" not in page
    results = Path(notebook).parent / "results" / "backtest"  # out_dir of the fixture's backtest run
    for table in ("scores", "scores_by_family", "external_scores"):  # the rows `foresight run` makes CSVs of
        assert (results / f"{table}.json").is_file(), table


@pytest.mark.parametrize("name", NAMES)
def test_every_report_still_shows_the_text_literally(reports, name):
    _, page = reports[name]
    if name == "backtest":
        # the backtest names questions by id only; its pack text is the page's pack id
        assert "deal-by-june" in page
        return
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, _around(page, "alert(1)")
    if name != "scenarios":  # the scenarios page shows pack text only in tables, which cut long cells
        assert SHOWN + " 1&lt;2 &amp; 3&gt;2 *star* _under_ #hash" in page, _around(page, "alert(1)")


def _displayed(out: dict) -> str:
    """What a notebook frontend shows of one output: its richest text form (a stream's text, else HTML, else
    Markdown, else plain text), as nbconvert and JupyterLab choose it."""
    if "text" in out:
        return "".join(out["text"])
    data = out.get("data", {})
    for mime in ("text/html", "text/markdown", "text/plain"):
        if mime in data:
            return "".join(data[mime])
    return ""


def _around(page: str, needle: str) -> str:
    at = page.find(needle)
    return page[max(0, at - 300) : at + 200] if at >= 0 else f"{needle!r} not in the page"


def test_pack_titles_and_criteria_are_shown_where_expected(reports):
    _, forecast = reports["forecast"]
    assert "Will the parties announce a deal before 1 June 2020? " + SHOWN in forecast
    assert "Both governments publish a signed text before the date. " + SHOWN in forecast
    _, evidence = reports["evidence"]
    assert "A small pack for tests " + SHOWN in evidence
    assert "B. Writer " + SHOWN in evidence


@pytest.mark.parametrize("name", NAMES)
def test_no_report_prints_a_path_object_or_the_hidden_run_folder(reports, name):
    notebook, page = reports[name]
    shown = [page] + [_displayed(out) for out in outputs_of(notebook)]
    for text in shown:
        for bad in ("PosixPath", ".incomplete"):
            at = text.find(bad)
            assert at < 0, f"{bad!r} shown: ...{text[max(0, at - 200) : at + 80]}..."


def test_the_forecast_report_of_a_resolved_question_shows_opening_and_last_step(reports):
    notebook, page = reports["forecast"]
    # deal-by-june opens 2020-01-10 and resolves 2020-06-01; doc-b on 2020-03-01 is its last step before
    assert "Forecast as of 2020-01-10" in page and "Forecast as of 2020-03-01" in page
    assert "Just before resolution" in page
    # outside view, waterfall, distribution, tornado; then waterfall and tornado at 2020-03-01
    assert png_count(notebook) == 6
