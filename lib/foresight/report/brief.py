"""The printable brief: one self-contained HTML page of a run's open questions, the page an analyst hands on.

For each question open on its forecast's date (no resolution yet, or one that came
after the forecast's date, as in a backtest run): its title, the forecast with its 90% interval, its
change since the previous run of the pack, and the three pieces of evidence it
rests on most (the removal rule of :func:`foresight.evaluate.sensitivity.without_evidence`,
which the forecast report's table and tornado use too). Built only from what the
run folder keeps: ``forecasts.csv`` and ``reasons.csv`` (rows each forecast
notebook leaves, :func:`reason_rows`), and the previous run's ``forecasts.csv``.
No scripts, no external files: it prints and mails as one file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from foresight.base.run_files import FORECASTS_FILE
from foresight.evaluate.sensitivity import without_evidence
from foresight.model.forecasting import Forecast
from foresight.pack.loader import Pack
from foresight.report import escape

BRIEF_FILE = "brief.html"
REASONS_TABLE = "reasons"
"""Result table (``reasons.csv``) of each question's top reasons, :data:`REASON_COLUMNS`."""
REASON_COLUMNS = ["question_id", "rank", "evidence", "indicator", "description", "observed", "without", "change"]
TOP_REASONS = 3

_STYLE = """
body{font-family:Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.5em;margin-bottom:.2em} .meta{color:#555;font-size:.9em}
section{border-top:1px solid #ccc;padding:.6em 0;break-inside:avoid}
h2{font-size:1.1em;margin:.2em 0} .num{font-size:1.25em;font-weight:bold}
ol{margin:.3em 0 .2em 1.2em;padding:0} li{margin:.15em 0} .small{color:#555;font-size:.85em}
@media print{body{margin:0;max-width:none}}
"""


def reason_rows(f: Forecast, top: int = TOP_REASONS) -> list[dict[str, Any]]:
    """The ``top`` standing evidence items the forecast rests on most, as rows of :data:`REASONS_TABLE`."""
    removals = without_evidence(f).head(top)
    return [
        {
            "question_id": f.question.id,
            "rank": i + 1,
            "evidence": r["evidence"],
            "indicator": r["indicator"],
            "description": f.pack.indicators[r["indicator"]].description,
            "observed": r["observed"].isoformat(),
            "without": float(r["without"]),
            "change": float(r["change"]),
        }
        for i, (_, r) in enumerate(removals.iterrows())
    ]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path) if path.is_file() and path.stat().st_size else pd.DataFrame()


def _open(frame: pd.DataFrame, pack: Pack | None) -> pd.DataFrame:
    """The rows of questions still open on their forecast's date: no resolution yet or, given the ``pack``,
    resolved only after ``as_of`` (a backtest run forecasts questions whose answer is known today)."""
    if frame.empty or "resolution" not in frame:
        return frame
    unknown = frame["resolution"].isna() | (frame["resolution"].astype(str).str.strip() == "")
    if pack is None:
        return frame[unknown]
    later = [
        qid in pack.questions
        and pack.questions[qid].resolved_on is not None
        and pack.questions[qid].resolved_on.isoformat() > str(as_of)
        for qid, as_of in zip(frame["question_id"], frame["as_of"])
    ]
    return frame[unknown | pd.Series(later, index=frame.index)]


def _since(pack: Pack | None, qid: str) -> str:
    """' It has since resolved yes (date).' for a question resolved after its forecast's date; '' otherwise."""
    q = pack.questions.get(qid) if pack is not None else None
    if q is None or q.resolution is None:
        return ""
    return f" It has since resolved {escape.html(q.resolution)} ({q.resolved_on})."


def change_text(mean: float, before: float | None) -> str:
    """The move since the previous run in words ('new in this run' when the question was not in it)."""
    if before is None or pd.isna(before):
        return "new in this run"
    pts = (mean - before) * 100
    if abs(pts) < 0.05:
        return f"unchanged since the previous run ({before:.1%})"
    return f"{'up' if pts > 0 else 'down'} {abs(pts):.1f} points since the previous run ({before:.1%})"


def brief_html(
    folder: Path,
    previous: Path | None = None,
    title: str | None = None,
    pack: Pack | None = None,
    run_id: str | None = None,
) -> str:
    """The brief of run ``folder`` (its questions open on their forecast's date; see :func:`_open` for ``pack``),
    with changes against run folder ``previous``; ``run_id`` names the run (default: the folder's name)."""
    folder = Path(folder)
    forecasts = _open(_read(folder / FORECASTS_FILE), pack)
    reasons = _read(folder / f"{REASONS_TABLE}.csv")
    before = _read(Path(previous) / FORECASTS_FILE) if previous is not None else pd.DataFrame()
    before_mean = dict(zip(before["question_id"], before["mean"])) if "mean" in before else {}
    sections = []
    for row in forecasts.itertuples():
        mine = reasons[reasons["question_id"] == row.question_id].sort_values("rank") if len(reasons) else reasons
        items = "".join(
            f"<li>{escape.html(r.description)} <span class='small'>({escape.html(r.evidence)}, observed "
            f"{escape.html(r.observed)}; without it {r.without:.1%})</span></li>"
            for r in mine.itertuples()
        )
        why = f"<ol>{items}</ol>" if items else "<p class='small'>No evidence stands yet: the outside view alone.</p>"
        sections.append(
            f"<section><h2>{escape.html(row.title)}</h2>"
            f"<p><span class='num'>{row.mean:.1%}</span> (90% interval {row.p05:.1%} to {row.p95:.1%}) as of "
            f"{escape.html(row.as_of)}; {escape.html(change_text(row.mean, before_mean.get(row.question_id)))}.</p>"
            f"<p class='small'>Question {escape.html(row.question_id)}.{_since(pack, row.question_id)}</p>"
            f"<p class='small'>Rests most on:</p>{why}</section>"
        )
    body = "".join(sections) or "<p>No question of this run was open on its forecast's date.</p>"
    heading = escape.html(title or "Forecast brief")
    compared = f" Changes are against run {escape.html(Path(previous).name)}." if previous is not None else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{heading}</title><style>{_STYLE}</style></head>'
        f"<body><h1>{heading}</h1><p class='meta'>Run {escape.html(run_id or folder.name)}: {len(sections)} open question{'s' * (len(sections) != 1)}. Each forecast "
        "is a probability with its 90% interval; the reasons are the evidence whose removal would move it most."
        f"{compared}</p>{body}</body></html>"
    )


def write_brief(
    folder: Path,
    previous: Path | None = None,
    title: str | None = None,
    pack: Pack | None = None,
    run_id: str | None = None,
) -> Path:
    """Write :func:`brief_html` as ``brief.html`` in ``folder`` and return its path."""
    path = Path(folder) / BRIEF_FILE
    path.write_text(brief_html(folder, previous, title, pack, run_id), encoding="utf-8")
    return path
