"""One escaping rule per sink, fast: matplotlib mathtext, MathJax in HTML tables, the terminal."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from foresight import load_pack
from foresight.evaluate import external as ex
from foresight.report import escape, external_views
from foresight.report.plots import ReportFigure
from packtools import copy_pack
from test_external import _scores

MATHTEXT = [r"$\href{javascript:x}$", "Survey 50% $ 20% $", r"a\$b$c", r"$\frac{1}{0}$ and $"]


def rendered(fig) -> None:
    fig.savefig(io.BytesIO(), format="png")  # mathtext is parsed here: an unknown symbol raises


@pytest.mark.parametrize("text", MATHTEXT)
def test_plot_text_renders_every_dollar_and_backslash_literally(text):
    fig = ReportFigure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.set_title(escape.plot_text(text))
    ax.set_yticks([0], escape.plot_labels([text]))
    ax.plot([0], [0], label=escape.plot_text(text))
    ax.legend()
    rendered(fig)
    for artist in (ax.title, ax.get_yticklabels()[0], ax.get_legend().get_texts()[0]):
        shown, is_math = artist._preprocess_math(artist.get_text())
        assert (shown, is_math) == (text, False)


@pytest.mark.parametrize("source", MATHTEXT)
def test_a_hostile_external_source_renders_in_the_backtest_figure(tmp_path, source):
    pack = copy_pack(tmp_path)
    (pack / "external_forecasts.yaml").write_text(
        "external_forecasts:\n"
        f"  - {{question: deal-by-june, source: {json.dumps(source)}, date: 2020-02-01, probability: 0.2, match: same}}\n",
        encoding="utf-8",
    )
    paired = ex.pair_external(load_pack(pack), _scores())
    fig = external_views.external_figure(paired)
    rendered(fig)  # on main: "Unknown symbol: \href" (or a ValueError for the survey) stops the notebook
    label = fig.axes[0].get_yticklabels()[0]
    assert label._preprocess_math(label.get_text()) == (f"deal-by-june · {source}", False)


def test_tables_are_marked_for_mathjax_to_skip():
    frame = pd.DataFrame({"note": ["costs $5 and $6", r"$\href{javascript:x}$"]})
    assert "tex2jax_ignore" in frame.to_html()
    assert "tex2jax_ignore" in frame._repr_html_()
    assert "tex2jax_ignore" in escape.styler(frame).to_html()


def test_hand_built_html_is_marked_too():
    from foresight.report.style import box

    assert 'class="tex2jax_ignore mathjax_ignore"' in box("note", escape.html("costs $5 and $6")).data
    assert escape.no_math("x $y$", "span") == '<span class="tex2jax_ignore mathjax_ignore">x $y$</span>'


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("\x1b[2J\x1b[31mCLEARED\x1b[0m", "\\x1b[2J\\x1b[31mCLEARED\\x1b[0m"),
        ("bell\x07 del\x7f c1\x9b", "bell\\x07 del\\x7f c1\\x9b"),
        ("right\u202eleft", "right\\u202eleft"),
        ("tab\tnew\nline", "tab\tnew\nline"),
    ],
)
def test_the_terminal_rule_shows_control_characters_as_escapes(raw, shown):
    assert escape.terminal(raw) == shown


@pytest.mark.parametrize("file, key", [("pack.yaml", "title"), ("questions.yaml", "family")])
def test_validate_never_prints_a_raw_escape(pack, capsys, file, key):
    """A title is echoed by a valid pack's summary; an unknown family by the error naming it."""
    import re

    from foresight.run.cli import main

    text = (pack / file).read_text(encoding="utf-8")
    hostile = re.sub(rf"^(\s*){key}:.*$", rf'\1{key}: "\\e[2J\\e[31mCLEARED\\e[0m"', text, count=1, flags=re.M)
    assert hostile != text
    (pack / file).write_text(hostile, encoding="utf-8")
    main(["validate", str(pack)])
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err
    assert "\\x1b[2J\\x1b[31mCLEARED" in captured.out + captured.err


def test_new_refuses_a_title_with_control_characters(tmp_path, capsys):
    from foresight.run.cli import main

    assert main(["new", str(tmp_path / "p"), "--title", "\x1b[2Jx"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "control characters" in err and "\x1b" not in err
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    ("text", "span"),
    [("td-signed-by-2019-07-01", "`td-signed-by-2019-07-01`"), ("a`b", "``a`b``"), ("`x", "`` `x ``"), (None, "")],
)
def test_a_code_span_shows_its_text_as_typed(text, span):
    """Markdown reads no backslash escape inside a code span, so :func:`escape.code` fences instead of escaping."""
    assert escape.code(text) == span
