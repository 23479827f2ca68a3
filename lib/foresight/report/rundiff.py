"""Compare two runs: which forecasts moved, by how much, and which evidence, parameters or pack changes explain it.

Reads only what a run folder keeps: ``run.json`` (parameters, per-notebook
parameters, versions, pack hash), ``forecasts.csv`` and, when the runner saved
it, the pack snapshot (:mod:`foresight.pack.snapshot`) that lists every record.
A record change is tied to a question when it can move that question's single
forecast: the question itself, its reference class, an indicator whose
likelihood ratios name its id or family, evidence of such an indicator observed
by the forecast date, the documents of that evidence, and pack.yaml's groups.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.base.run_files import FORECASTS_FILE, RUN_FILE
from foresight.pack.snapshot import SNAPSHOT_FILE

MOVE_THRESHOLD = 0.005
"""A forecast moved when its mean changed by at least half a percentage point (or its date changed)."""
IGNORED_NOTEBOOK_PARAMETERS = {"out_dir", "pack"}


@dataclass(frozen=True)
class Change:
    """One difference between the two runs: where (``kind``/``item``), what, and which questions it touches."""

    kind: str
    item: str
    what: str
    questions: tuple[str, ...] | None = None  # None: every question (a run parameter, pack.yaml)

    def __str__(self) -> str:
        return f"{self.kind} {self.item}: {self.what}" if self.item else f"{self.kind}: {self.what}"


@dataclass
class RunDiff:
    """The comparison of run ``a`` (before) with run ``b`` (after)."""

    a: Path
    b: Path
    forecasts: pd.DataFrame  # question_id, as_of_a, as_of_b, mean_a, mean_b, change, moved, explained_by
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def moved(self) -> pd.DataFrame:
        return self.forecasts[self.forecasts["moved"]]


# --- reading runs -----------------------------------------------------------------------------


def _record(folder: Path) -> dict[str, Any]:
    return json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))


def _forecasts(folder: Path) -> pd.DataFrame:
    path = folder / FORECASTS_FILE
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame(columns=["question_id", "as_of", "mean"])
    return pd.read_csv(path, dtype={"question_id": str, "as_of": str})


def _snapshot(folder: Path) -> dict[str, Any] | None:
    path = folder / SNAPSHOT_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def previous_run(runs_dir: Path, current: Path) -> Path | None:
    """The latest finished run of the same pack id under ``runs_dir`` that started before ``current``."""
    rec = _record(current)
    pack_id, started = (rec.get("pack") or {}).get("id"), rec.get("started") or ""
    best: tuple[str, Path] | None = None
    if not Path(runs_dir).is_dir():
        return None
    for folder in Path(runs_dir).iterdir():
        if folder.name.startswith(".") or folder.resolve() == Path(current).resolve():
            continue
        try:
            other = _record(folder)
        except (OSError, ValueError):
            continue
        when = other.get("started") or ""
        if other.get("kind", "run") == "run" and (other.get("pack") or {}).get("id") == pack_id and when <= started:
            if best is None or when > best[0]:
                best = (when, folder)
    return best[1] if best else None


# --- what changed -----------------------------------------------------------------------------


def _short(value: Any, limit: int = 50) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _field_changes(a: Any, b: Any, path: str = "") -> list[str]:
    """``field.path: old -> new`` for each leaf that differs (lists of named items are matched by name)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in dict.fromkeys([*a, *b]):
            sub = f"{path}.{key}" if path else str(key)
            if key not in a:
                out.append(f"{sub} added ({_short(b[key])})")
            elif key not in b:
                out.append(f"{sub} removed (was {_short(a[key])})")
            else:
                out += _field_changes(a[key], b[key], sub)
        return out
    if isinstance(a, list) and isinstance(b, list) and a != b:
        named = all(isinstance(x, dict) and "name" in x for x in [*a, *b])
        if named:
            return _field_changes({x["name"]: x for x in a}, {x["name"]: x for x in b}, path)
    return [] if a == b else [f"{path}: {_short(a)} -> {_short(b)}"]


def _bears_on(indicator: dict[str, Any], question: dict[str, Any]) -> bool:
    keys = set(indicator.get("likelihood_ratios") or {})
    kind = question.get("criterion_kind")
    return bool(keys & {question["id"], question["family"], *([f"kind:{kind}"] if kind else [])})


def _class_serves(rc: dict[str, Any], question: dict[str, Any]) -> bool:
    named = {question.get("reference_class")} | {
        c.get("id") for c in question.get("reference_classes") or [] if isinstance(c, dict)
    }
    return rc["id"] in named or bool(set(rc.get("serves") or []) & {question["id"], question["family"]})


def pack_changes(before: dict[str, Any], after: dict[str, Any], as_of: dict[str, str]) -> list[Change]:
    """Record-level changes between two snapshots, each tied to the questions whose forecast it can move.

    ``as_of`` gives each question's latest forecast date in either run: evidence observed after it
    cannot have moved that forecast.
    """
    ra, rb = before["records"], after["records"]
    questions = {**ra.get("questions", {}), **rb.get("questions", {})}
    indicators_by_id = {**ra.get("indicators", {}), **rb.get("indicators", {})}
    evidence = {**ra.get("evidence", {}), **rb.get("evidence", {})}
    out: list[Change] = []
    for what in _field_changes(ra.get("pack", {}), rb.get("pack", {})):
        out.append(Change("pack.yaml", "", what, None))
    for kind in ("questions", "reference_classes", "indicators", "evidence", "documents"):
        old, new = ra.get(kind, {}), rb.get(kind, {})
        for rid in dict.fromkeys([*old, *new]):
            if rid not in old:
                whats = ["added"]
            elif rid not in new:
                whats = ["removed"]
            else:
                whats = _field_changes(old[rid], new[rid])
            if not whats:
                continue
            rec = new.get(rid) or old[rid]
            touched = _touched(kind, rec, questions, indicators_by_id, evidence, as_of)
            for what in whats:
                out.append(Change(kind.rstrip("s") if kind != "evidence" else kind, rid, what, touched))
    for kind in ("drivers", "conditionals", "scenarios"):
        old, new = ra.get("links", {}).get(kind, {}), rb.get("links", {}).get(kind, {})
        for rid in dict.fromkeys([*old, *new]):
            whats = (
                ["added"] if rid not in old else ["removed"] if rid not in new else _field_changes(old[rid], new[rid])
            )
            out += [Change(f"links {kind[:-1]}", rid, w, ()) for w in whats]  # joint scenarios only
    return out


def _touched(kind, rec, questions, indicators, evidence, as_of) -> tuple[str, ...]:
    """The questions whose single forecast a change to record ``rec`` of ``kind`` can move."""
    if kind == "questions":
        return (rec["id"],)
    if kind == "reference_classes":
        return tuple(q for q, qrec in questions.items() if _class_serves(rec, qrec))
    if kind == "indicators":
        return tuple(q for q, qrec in questions.items() if _bears_on(rec, qrec))
    if kind == "evidence":
        ind = indicators.get(rec["indicator"], {})
        return tuple(
            q
            for q, qrec in questions.items()
            if _bears_on(ind, qrec) and (q not in as_of or str(rec["observed"]) <= as_of[q])
        )
    if kind == "documents":
        cited = [ev for ev in evidence.values() if ev["document"] == rec["id"]]
        return tuple(
            sorted({q for ev in cited for q in _touched("evidence", ev, questions, indicators, evidence, as_of)})
        )
    return ()


def _parameter_changes(ra: dict[str, Any], rb: dict[str, Any]) -> list[Change]:
    out = []
    pa, pb = ra.get("parameters") or {}, rb.get("parameters") or {}
    for what in _field_changes(
        {k: v for k, v in pa.items() if k != "pack_hash"}, {k: v for k, v in pb.items() if k != "pack_hash"}
    ):
        out.append(Change("parameter", "", what, None))
    for what in _field_changes(ra.get("versions") or {}, rb.get("versions") or {}):
        out.append(Change("version", "", what, None))
    nb_a = {nb["name"]: nb.get("parameters") or {} for nb in ra.get("notebooks") or []}
    nb_b = {nb["name"]: nb.get("parameters") or {} for nb in rb.get("notebooks") or []}
    for name in dict.fromkeys([*nb_a, *nb_b]):
        if name in nb_a and name in nb_b:
            a = {k: v for k, v in nb_a[name].items() if k not in IGNORED_NOTEBOOK_PARAMETERS}
            b = {k: v for k, v in nb_b[name].items() if k not in IGNORED_NOTEBOOK_PARAMETERS}
            question = nb_b[name].get("question")
            said = {c.what.split(":")[0].split(".")[-1].split(" ")[0] for c in out if c.kind == "parameter"}
            for what in _field_changes(a, b):
                if what.split(":")[0].split(" ")[0] not in said:  # already said as a run parameter
                    out.append(Change("notebook", name, what, (question,) if question else None))
    return out


STATUSES = ("new", "moved", "unchanged", "gone")
"""What happened to each question's forecast between two runs (:func:`status`), in the order they are counted."""


def status(row: Any, threshold: float = MOVE_THRESHOLD) -> str:
    """``new`` (only in the later run), ``gone`` (only in the earlier), ``moved`` (mean changed by at least
    ``threshold`` or forecast on another date) or ``unchanged``, for a row with mean_a/mean_b/as_of_a/as_of_b."""
    if pd.isna(row.mean_a):
        return "new"
    if pd.isna(row.mean_b):
        return "gone"
    return "moved" if abs(row.change) >= threshold or row.as_of_a != row.as_of_b else "unchanged"


def counts(d: RunDiff) -> dict[str, int]:
    """How many forecasts are new, moved, unchanged and gone (every status, zeros included)."""
    found = d.forecasts["status"].value_counts() if len(d.forecasts) else pd.Series(dtype=int)
    return {s: int(found.get(s, 0)) for s in STATUSES}


def counts_sentence(d: RunDiff) -> str:
    """'3 new, 2 moved, 15 unchanged' (and 'N no longer forecast' when some are gone): plain text."""
    c = counts(d)
    text = f"{c['new']} new, {c['moved']} moved, {c['unchanged']} unchanged"
    return text + (f", {c['gone']} no longer forecast" if c["gone"] else "")


def diff_runs(a: str | Path, b: str | Path, threshold: float = MOVE_THRESHOLD) -> RunDiff:
    """Compare run folder ``a`` (before) with ``b`` (after); see the module docstring."""
    a, b = Path(a), Path(b)
    ra, rb = _record(a), _record(b)
    fa, fb = _forecasts(a), _forecasts(b)
    merged = fa[["question_id", "as_of", "mean"]].merge(
        fb[["question_id", "as_of", "mean"]], on="question_id", how="outer", suffixes=("_a", "_b"), sort=False
    )
    merged["change"] = merged["mean_b"] - merged["mean_a"]
    merged["status"] = [status(row, threshold) for row in merged.itertuples()]
    merged["moved"] = merged["status"] == "moved"
    notes = []
    changes = _parameter_changes(ra, rb)
    ha, hb = (ra.get("pack") or {}).get("content_hash"), (rb.get("pack") or {}).get("content_hash")
    sa, sb = _snapshot(a), _snapshot(b)
    if (ra.get("pack") or {}).get("id") != (rb.get("pack") or {}).get("id"):
        notes.append("the two runs are of different packs")
    if ha != hb:
        if sa is not None and sb is not None:
            as_of = {
                str(row.question_id): max(str(v) for v in (row.as_of_a, row.as_of_b) if isinstance(v, str))
                for row in merged.itertuples()
                if isinstance(row.as_of_a, str) or isinstance(row.as_of_b, str)
            }
            changes += pack_changes(sa, sb, as_of)
        else:
            changes.append(Change("pack", "", f"content hash {ha} -> {hb} (no record snapshot in a run to say what)"))
    explained = []
    for row in merged.itertuples():
        qid = str(row.question_id)
        reasons = []
        if row.status != "new" and row.status != "gone" and row.as_of_a != row.as_of_b:
            reasons.append(f"forecast date {row.as_of_a} -> {row.as_of_b}")
        reasons += [str(c) for c in changes if c.questions is None or qid in c.questions]
        if pd.isna(row.mean_a):
            reasons.insert(0, "new in run B")
        elif pd.isna(row.mean_b):
            reasons.insert(0, "not in run B")
        explained.append(reasons or ["no pack or parameter change: sampling noise or a library change"])
    merged["explained_by"] = explained
    merged = merged.reindex(merged["change"].abs().sort_values(ascending=False, na_position="first").index)
    return RunDiff(a, b, merged.reset_index(drop=True), changes, notes)


# --- showing it -------------------------------------------------------------------------------


def _pct(x: Any) -> str:
    return "-" if pd.isna(x) else f"{100 * x:.1f}%"


def _pts(x: Any) -> str:
    return "-" if pd.isna(x) else f"{100 * x:+.1f} pts"


def diff_text(d: RunDiff) -> str:
    """The comparison as plain text for the terminal."""
    lines = [f"A: {d.a}", f"B: {d.b}", *[f"note: {n}" for n in d.notes]]
    lines.append(f"{len(d.changes)} change(s) between the runs" + (":" if d.changes else ""))
    lines += [f"  {c}" for c in d.changes]
    moved = d.moved
    lines.append(
        f"{counts_sentence(d)} (moved: by {100 * MOVE_THRESHOLD:.1f} points or more, or to another date)"
        + (":" if len(moved) else "")
    )
    for row in moved.itertuples():
        lines.append(f"  {row.question_id}: {_pct(row.mean_a)} -> {_pct(row.mean_b)} ({_pts(row.change)})")
        lines += [f"      {reason}" for reason in row.explained_by]
    return "\n".join(lines)


def diff_html(d: RunDiff, title: str = "Changes since the previous run") -> str:
    """The comparison as an HTML section (for a run's index); every pack text escaped."""
    e = html.escape
    rows = []
    for row in d.moved.itertuples():
        why = "<br>".join(e(r) for r in row.explained_by)
        rows.append(
            f"<tr><td>{e(str(row.question_id))}</td><td>{_pct(row.mean_a)}</td><td>{_pct(row.mean_b)}</td>"
            f"<td>{_pts(row.change)}</td><td style='text-align:left'>{why}</td></tr>"
        )
    table = (
        "<table><tr><th>question</th><th>before</th><th>after</th><th>change</th><th>explained by</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else "<p>No forecast moved.</p>"
    )
    other = [c for c in d.changes if c.questions == ()]
    extra = (
        "<p>Changes that move only the joint scenarios: " + "; ".join(e(str(c)) for c in other) + "</p>"
        if other
        else ""
    )
    notes = "".join(f"<p><b>Note:</b> {e(n)}</p>" for n in d.notes)
    return (
        f"<h2>{e(title)}</h2><p>Compared with run <code>{e(d.a.name)}</code>: {e(counts_sentence(d))}.</p>"
        f"{notes}{table}{extra}"
    )


def index_section(runs_dir: Path, current: Path) -> str:
    """The index's comparison section for run folder ``current``: empty when no earlier run of its pack exists."""
    previous = previous_run(runs_dir, current)
    return diff_html(diff_runs(previous, current)) if previous is not None else ""
