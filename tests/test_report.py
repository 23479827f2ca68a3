"""The report layer without a kernel: escaping, one palette, honest figures and tables, the run index table.

Forecasts here use exact draws from the priors (``learn_from_cases=False``,
200 draws): these tests check what the reports say about a forecast, not the
inference behind it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from scipy.special import logit

from foresight import forecast, load_pack
from foresight.evaluate.history import forecast_history, last_step_before_resolution
from foresight.pack.schema import outcome_number
from foresight.report import (
    escape,
    forecast_views,
    history_plots,
    history_views,
    plots,
    results,
    run_index,
    style,
    tables,
    texts,
)
from packtools import MINI, copy_pack, replace

FAST = {"draws": 200, "learn_from_cases": False}
REPORT = Path(__file__).resolve().parents[1] / "lib" / "foresight" / "report"


def _drawn(fig):
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _inside(inner, outer, tol=1.0) -> bool:
    return (
        inner.x0 >= outer.x0 - tol
        and inner.y0 >= outer.y0 - tol
        and inner.x1 <= outer.x1 + tol
        and (inner.y1 <= outer.y1 + tol)
    )


# --- escaping -------------------------------------------------------------------------------------


def test_markdown_escaping_neutralises_html_and_markdown_syntax():
    out = escape.md("<script>x</script> a<b & c *s* _u_ [l](http://e) `c` # h\n\n- item $5")
    wrapper = escape.no_math("", "span")  # a $ puts the text in a span MathJax skips
    assert out.startswith(wrapper[: wrapper.index("</")]) and out.endswith("</span>")
    out = out[wrapper.index("</") : -len("</span>")]
    assert "<" not in out and ">" not in out
    assert "&lt;script&gt;" in out and "&amp;" in out
    for syntax in (r"\*s\*", r"\_u\_", r"\[l\]\(http", r"\`c\`", r"\# h", r"\- item", r"\$5"):
        assert syntax in out
    assert "\n" not in out  # one line: a blank line in a title would end the paragraph


def test_html_and_plot_escaping():
    assert escape.html('<img src=x onerror="a">') == "&lt;img src=x onerror=&quot;a&quot;&gt;"
    assert escape.html(None) == "" and escape.md(None) == ""
    assert escape.plot_text("costs $5 to $6") == r"costs \$5 to \$6"
    wrapped = escape.plot_text("word " * 40, width=30)
    assert max(len(line) for line in wrapped.splitlines()) <= 30


def test_a_styler_escapes_cells_and_labels():
    frame = pd.DataFrame({"<th>": ["<b>x</b>"]}, index=["<i>"])
    page = escape.styler(frame).to_html()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page and "&lt;th&gt;" in page and "&lt;i&gt;" in page


def test_texts_escape_pack_text(tmp_path):
    pack_dir = copy_pack(tmp_path)
    replace(pack_dir, "questions.yaml", "title: Will a strike happen", "title: <b>A*b*</b> Will a strike happen")
    pack = load_pack(pack_dir)
    card = texts.question_card(pack.question("clash-by-december")).data
    assert "<b>" not in card and r"&lt;b&gt;A\*b\*&lt;/b&gt;" in card


# --- small rules in one place -------------------------------------------------------------------


def test_outcome_number_is_the_one_yes_no_rule():
    assert outcome_number("yes") == 1.0 and outcome_number("no") == 0.0
    assert math.isnan(outcome_number(None)) and math.isnan(outcome_number(float("nan")))
    with pytest.raises(ValueError, match="'yes' or 'no'"):
        outcome_number("maybe")


def test_one_palette_no_colour_literal_outside_the_style_module():
    pattern = re.compile(r"['\"]#[0-9a-fA-F]{6}['\"]")
    offenders = [
        f"{path.name}: {m.group(0)}"
        for path in sorted(REPORT.glob("*.py"))
        if path.name != "style.py"
        for m in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert plots.outcome_colour("yes") == style.YES and plots.outcome_colour(None) == style.NEUTRAL


def test_box_kinds():
    assert "Note" in style.box("note", "x", title="Note").data
    with pytest.raises(ValueError, match="ok, note, warning"):
        style.box("loud", "x")


def test_json_rows_and_the_saved_note():
    frame = pd.DataFrame(
        {"d": [pd.Timestamp("2020-01-02"), pd.NaT], "x": [np.float64(0.5), np.nan], "ids": [["a", "b"], []]}
    )
    assert results.json_rows(frame) == [
        {"d": "2020-01-02", "x": 0.5, "ids": "a; b"},
        {"d": None, "x": None, "ids": ""},
    ]
    note = results.saved_note(Path("/tmp/.run.incomplete/results/forecast/forecast-q.json")).data
    assert "forecast-q.json" in note and "incomplete" not in note and "/tmp" not in note


# --- the outside view ---------------------------------------------------------------------------------


def test_outside_view_marks_cases_on_or_after_opens_as_not_used(tmp_path):
    pack_dir = copy_pack(tmp_path)
    replace(pack_dir, "reference_classes.yaml", "{name: Case 4, date: 2004-01-01", "{name: Case 4, date: 2020-02-01")
    pack = load_pack(pack_dir)
    f = forecast(pack, "deal-by-june", **FAST)
    cases = tables.reference_cases(f.reference_class, f).set_index("case")
    assert cases.loc["Case 4", "used"].startswith("not used")
    assert (cases.drop("Case 4")["used"] == "yes").all()
    view = tables.outside_view(f)["value"]
    assert view["cases used (yes / used)"] == "2 / 3"
    assert view["cases not used (dated on or after opens)"] == "1"
    sentence = texts.outside_view_sentence(f).data
    assert "2 of 3 cases" in sentence and "1 more case" in sentence and "is not used" in sentence


# --- figures --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mini():
    return load_pack(MINI)


def test_waterfall_quotes_the_mean_probabilities_it_marks(mini):
    f = forecast(mini, "clash-by-december", as_of="2020-03-05", **FAST)
    fig = plots.waterfall(f)
    ax = fig.axes[0]
    title = ax.get_title()
    assert f"{f.mean:.1%}" in title and f"{f.base_rate_mean:.1%}" in title
    marks = {t.get_text(): t.xy[1] for t in ax.texts if hasattr(t, "xy") and t.get_text().endswith("%")}
    assert marks[f"{f.mean:.1%}"] == pytest.approx(logit(f.mean))
    assert marks[f"{f.base_rate_mean:.1%}"] == pytest.approx(logit(f.base_rate_mean))
    note = " ".join(t.get_text().replace("\n", " ") for t in fig.texts)
    assert "mean log-odds" in note and "diamonds mark the mean probabilities" in note
    renderer = _drawn(fig)
    assert _inside(ax.title.get_window_extent(renderer), fig.bbox)
    assert all(_inside(t.get_window_extent(renderer), fig.bbox) for t in fig.texts)


def test_legends_sit_outside_the_axes_they_explain(mini):
    f = forecast(mini, "clash-by-december", as_of="2020-03-05", **FAST)
    for fig in (plots.probability(f), plots.tornado_chart(f)):
        ax = fig.axes[0]
        assert ax.get_legend() is None and fig.legends
        renderer = _drawn(fig)
        legend = fig.legends[0].get_window_extent(renderer)
        assert not legend.overlaps(ax.get_window_extent(renderer))


def _resolved_clash_pack(tmp_path, documents: list[tuple[str, str]]) -> Path:
    """The mini pack with clash-by-december resolved yes on 2020-05-01 and extra documents."""
    pack_dir = copy_pack(tmp_path)
    replace(
        pack_dir,
        "questions.yaml",
        "    raised_by: [doc-b]\n",
        "    raised_by: [doc-b]\n    resolution: yes\n    resolved_on: 2020-05-01\n    resolution_source: a test\n",
    )
    extra = "".join(
        f"  - id: {doc}\n    title: More news\n    author: C. Writer\n    outlet: The Test Gazette\n"
        f"    published: {day}\n"
        for doc, day in documents
    )
    path = pack_dir / "documents.yaml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return pack_dir


def test_history_stops_at_the_resolution_date(tmp_path):
    pack = load_pack(_resolved_clash_pack(tmp_path, [("doc-late", "2020-07-01")]))
    h = forecast_history(pack, "clash-by-december", **FAST)
    resolved = pd.Timestamp("2020-05-01")
    assert (h["as_of"] <= resolved).all()
    assert all(row["as_of"] <= "2020-05-01" for row in history_views.history_rows(h))
    with pytest.raises(ValueError, match="2020-03-01 to 2020-05-01, when it resolved"):
        forecast_history(pack, "clash-by-december", extra_dates=["2020-08-01"], **FAST)
    fig = history_plots.plot_history(h)
    ax = fig.axes[0]
    ends = [max(line.get_xdata()) for line in ax.get_lines() if len(line.get_xdata()) > 1]
    assert ends and max(pd.Timestamp(mdate_to_ts(x)) for x in ends) <= resolved
    assert last_step_before_resolution(pack, pack.question("clash-by-december")) == dt.date(2020, 3, 2)


def mdate_to_ts(x):

    return x if isinstance(x, (pd.Timestamp, dt.date)) else mdates.num2date(x).replace(tzinfo=None)


def test_document_labels_of_a_busy_week_never_overprint(tmp_path):
    docs = [(f"doc-burst-{i}", f"2020-03-{10 + i:02d}") for i in range(6)]
    pack = load_pack(_resolved_clash_pack(tmp_path, docs))
    h = forecast_history(pack, "clash-by-december", **FAST)
    fig = history_plots.plot_history(h, title="A long title " * 12 + "$x^2$")
    renderer = _drawn(fig)
    ax = fig.axes[0]
    top = ax.child_axes[0]
    labels = [t for t in top.get_xticklabels() if t.get_text()]
    # parallel rotated labels do not overprint when their anchors are further apart than a line of text
    # measured across the slant: height / sin(rotation)
    xs = sorted(ax.transData.transform([(t.get_position()[0], 0) for t in labels])[:, 0])
    height = labels[0].get_fontsize() * fig.dpi / 72
    assert len(xs) >= 2 and min(np.diff(xs)) >= height / math.sin(math.radians(labels[0].get_rotation()))
    assert any("+" in t.get_text() for t in labels), [t.get_text() for t in labels]  # the burst shares labels
    assert _inside(ax.title.get_window_extent(renderer), fig.bbox)
    text, is_math = ax.title._preprocess_math(ax.title.get_text())
    assert not is_math and "$x^2$" in text  # a dollar in pack text is a dollar, not mathtext


# --- a resolved question: opening and last step ------------------------------------------------------


def test_a_resolved_question_is_also_shown_at_its_last_step_before_resolution(mini, tmp_path):
    f = forecast(mini, "deal-by-june", **FAST)  # resolved: reported as of the day it opened
    assert f.as_of == dt.date(2020, 1, 10)
    g = forecast_views.before_resolution(f)
    assert g is not None and g.as_of == dt.date(2020, 3, 1) and g.mean != f.mean
    rows = forecast_views.forecast_rows(f)
    assert list(rows["as_of"]) == ["2020-01-10", "2020-03-01"]
    section = forecast_views.before_resolution_section(f)
    assert len(section) == 5 and "2020-03-01" in section[0].data
    saved = forecast_views.write_results(tmp_path, f)
    assert sorted(p.name for p in saved) == ["forecast-deal-by-june.json", "last_step-deal-by-june.json"]
    open_question = forecast(mini, "clash-by-december", as_of="2020-03-05", **FAST)
    assert forecast_views.before_resolution(open_question) is None
    assert len(forecast_views.before_resolution_section(open_question)) == 1


def test_the_run_index_table_shows_both_forecasts(mini, tmp_path):
    f = forecast(mini, "deal-by-june", **FAST)
    g = forecast_views.before_resolution(f)
    other = forecast(mini, "clash-by-december", as_of="2020-03-05", **FAST)
    pd.DataFrame([f.summary_row(), other.summary_row()]).to_csv(tmp_path / "forecasts.csv", index=False)
    pd.DataFrame([g.summary_row()]).to_csv(tmp_path / "last_step.csv", index=False)
    table = run_index.forecasts_table(tmp_path).set_index("question_id")
    assert table.loc["deal-by-june", "as_of"] == "2020-01-10"
    assert table.loc["deal-by-june", "before resolution: as_of"] == "2020-03-01"
    assert table.loc["deal-by-june", "before resolution: mean"] == pytest.approx(g.mean)
    assert pd.isna(table.loc["clash-by-december", "before resolution: mean"])
    page = run_index.forecasts_html(tmp_path)
    assert "before resolution: mean" in page and "2020-03-01" in page
    assert run_index.forecasts_html(tmp_path / "missing") == ""


# --- date axes and how a figure is shown ------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, step_days, first_labels",
    [
        ("2020-06-12", "2020-06-20", (2, 2), ["12 Jun 2020", "14 Jun"]),  # days
        ("2020-06-12", "2020-07-20", (7, 7), ["12 Jun 2020", "19 Jun"]),  # weeks
        ("2017-01-01", "2017-07-01", (28, 31), ["Jan 2017", "Feb"]),  # months
        ("2017-03-15", "2019-01-01", (90, 92), ["Apr 2017", "Jul"]),  # quarters from the first one inside
        ("2000-01-01", "2030-01-01", (365 * 5, 366 * 5), ["2000", "2005"]),  # years
    ],
)
def test_date_ticks_pick_the_finest_calendar_step_that_fits(start, end, step_days, first_labels):
    start, end = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    ticks, labels = plots.date_ticks(start, end)
    assert 2 <= len(ticks) <= plots.DATE_TICKS and len(labels) == len(ticks)
    assert start <= ticks[0] and ticks[-1] <= end
    assert all(step_days[0] <= (b - a).days <= step_days[1] for a, b in zip(ticks, ticks[1:]))
    assert labels[:2] == first_labels
    years = [label for label in labels if re.search(r"\d{4}$", label)]  # the year is named where it changes
    assert len(years) == len({d.year for d in ticks})


def test_every_date_axis_uses_the_one_tick_rule(tmp_path):
    """Hazard, history and timeline figures: fixed ticks at the dates the rule gives, none from AutoDateLocator."""
    from matplotlib.ticker import FixedLocator

    pack = load_pack(_resolved_clash_pack(tmp_path, []))
    h = forecast_history(pack, "clash-by-december", **FAST)
    figures = {
        "hazard": (plots.hazard_over_window(forecast(pack, "clash-by-december", **FAST)), -1),
        "history": (history_plots.plot_history(h), 0),
        "timeline": (plots.document_timeline(pack), -1),
    }
    for name, (fig, index) in figures.items():
        ax = fig.axes[index]
        assert isinstance(ax.xaxis.get_major_locator(), FixedLocator), name
        lo, hi = (mdates.num2date(x).date() for x in ax.get_xlim())
        ticks, labels = plots.date_ticks(lo, hi)
        assert list(ax.get_xticks()) == list(mdates.date2num(ticks)), name
        assert [t.get_text() for t in ax.get_xticklabels()] == labels, name
        _drawn(fig)  # and it draws


def test_a_report_figure_png_is_drawn_once_and_is_the_image_savefig_gives(monkeypatch):
    """savefig draws a figure with a layout engine twice (once with drawing off, for the layout); the report's PNG
    is drawn once, with the layout run inside that draw, and its bytes are savefig's at the figure's dpi."""
    import io

    import matplotlib

    def build():
        fig = plots.ReportFigure(figsize=(4, 2.5), dpi=100, layout="constrained")
        ax = fig.subplots()
        ax.barh(["a long label on the left", "b"], [0.3, 0.7], label="bars")
        ax.set_title("a title that the layout must fit")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return fig

    draws = []
    real = plots.ReportFigure.draw
    monkeypatch.setattr(plots.ReportFigure, "draw", lambda self, renderer: (draws.append(1), real(self, renderer)))
    with matplotlib.rc_context({"savefig.transparent": True, "savefig.bbox": "tight"}):  # a session's settings
        png = build()._repr_png_()
    assert len(draws) == 1
    buffer = io.BytesIO()
    standard = {"savefig.bbox": "standard", "savefig.transparent": False, "savefig.facecolor": "auto"}
    with matplotlib.rc_context(standard):  # savefig's own defaults, whatever an earlier test left in rcParams
        build().savefig(buffer, format="png", dpi=100)
    assert len(draws) == 3  # savefig: the layout's pass and the pixels'
    assert png == buffer.getvalue()


def test_a_report_figure_is_shown_by_its_own_png_printer_under_the_inline_backend():
    """Once pyplot is imported in a kernel the inline backend prints every Figure with a tight bounding box (a
    second measuring pass over every artist); a ReportFigure keeps its own PNG at its own size, the same kind
    of image in every notebook of a reused kernel."""
    import struct

    import matplotlib
    from IPython.testing.globalipapp import get_ipython
    from matplotlib.figure import Figure
    from matplotlib_inline.backend_inline import configure_inline_support

    shell = get_ipython()
    printer = shell.display_formatter.formatters["image/png"]
    enabled, printer.enabled = printer.enabled, True
    try:
        with matplotlib.rc_context():  # the inline backend's rc stays in this test
            configure_inline_support(shell, "inline")  # what importing pyplot in a kernel does
            fig = plots.ReportFigure(figsize=(3, 2), dpi=100, layout="constrained")
            fig.subplots().plot([0, 1], [0, 1])
            assert printer.lookup(fig) is plots.ReportFigure._repr_png_
            assert printer.lookup(Figure()) is not plots.ReportFigure._repr_png_  # others keep the inline printer
            png = printer(fig)
    finally:
        printer.enabled = enabled
    assert struct.unpack(">II", png[16:24]) == (300, 200)  # the figure's size: not cropped to a tight box
