"""Run folders: where they go, how they are named, who owns an unfinished one, and the list of past runs.

A run (or sweep) is built in a hidden ``runs/.<id>.incomplete/`` folder and
renamed to ``runs/<id>/`` at the end, so a reader never sees half a run.
``run.json`` in the hidden folder names its owner (pid, host and the process's
start time, so a reused pid is not mistaken for the owner): while the owner
lives the folder is ``running``; once it is gone without finishing (``kill -9``,
a crash, a power cut) the folder is ``abandoned`` and ``foresight runs --prune``
may remove it. One bad folder never hides the others: a run.json that cannot
be read shows as ``unreadable: <reason>``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foresight.base import paths
from foresight.base.processes import is_alive, start_time
from foresight.base.run_files import INCOMPLETE, RUN_FILE

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["run", "kind", "status", "started", "seconds", "pack", "notebooks", "forecasts", "not converged"]


class RunsDirError(ValueError):
    """A runs folder that cannot hold runs (a file, under a file, not writable); the message says which."""


class RunWriteError(RunsDirError):
    """Writing a run failed (a full disk, say); the message names the path, the free space and what
    became of the run folder (closed as failed, or removed)."""


def runs_dir_problem(path: Path) -> str | None:
    """Why ``path`` cannot take new run folders, or None when it can (created later if missing)."""
    path = Path(path).expanduser()
    if path.exists():
        if not path.is_dir():
            return f"{path} is a file, not a folder"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"{path} is not writable"
        return None
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{path} cannot be created: {parent} is a file"
            if not os.access(parent, os.W_OK | os.X_OK):
                return f"{path} cannot be created: {parent} is not writable"
            return None
    return None


def _free_name(runs_dir: Path, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... whichever is not taken yet (by a run or a run in progress)."""
    name, n = stem, 1
    while (runs_dir / name).exists() or (runs_dir / f".{name}{INCOMPLETE}").exists():
        n += 1
        name = f"{stem}-{n}"
    return name


def new_run_folder(runs_dir: Path, label: str) -> tuple[str, Path]:
    """A fresh hidden work folder for run ``<now>-<label>``; returns (run id, work folder).

    Raises :class:`RunsDirError` when the runs folder cannot hold it.
    """
    problem = runs_dir_problem(runs_dir)
    if problem:
        raise RunsDirError(problem)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        while True:
            run_id = _free_name(runs_dir, f"{stamp}-{label}")
            work = runs_dir / f".{run_id}{INCOMPLETE}"
            try:
                work.mkdir()
                return run_id, work
            except FileExistsError:  # another process took the name between the check and the mkdir
                continue
    except OSError as exc:
        raise RunsDirError(f"{runs_dir}: cannot create a run folder ({exc.strerror or exc})") from None


def finish_run_folder(work: Path, runs_dir: Path, run_id: str) -> Path:
    """Rename the work folder to its final name (a new suffix if, against the odds, that name was taken)."""
    target = runs_dir / run_id
    while True:
        try:
            os.rename(work, target)  # atomic; fails if target exists and is not empty
            return target
        except OSError:
            if not target.exists():
                raise
            target = runs_dir / _free_name(runs_dir, run_id)


def owner() -> dict[str, Any]:
    """This process as the owner of a run folder (see the module docstring)."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "process_start": start_time(os.getpid())}


def owner_state(record: Any) -> str:
    """``running`` while the recorded owner lives, ``abandoned`` once it is gone, ``incomplete`` when unknown
    (no owner recorded, or another host: its processes cannot be seen from here)."""
    info = record.get("owner") if isinstance(record, dict) else None
    if not isinstance(info, dict) or info.get("host") != socket.gethostname():
        return "incomplete"
    pid, started = info.get("pid"), info.get("process_start")
    return "running" if is_alive(pid, started if isinstance(started, int) else None) else "abandoned"


def read_record(folder: Path) -> dict[str, Any]:
    """A folder's run.json as a mapping; ValueError saying why it cannot be used, FileNotFoundError if absent."""
    path = folder / RUN_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    shapes = {
        "kind": str,
        "status": str,
        "started": str,
        "seconds": (int, float),
        "pack": dict,
        "notebooks": list,
        "tables": dict,
        "convergence": dict,
    }
    for key, kind in shapes.items():
        value = record.get(key)
        if value is not None and not isinstance(value, kind):
            raise ValueError(f"field '{key}' is {type(value).__name__}")
    return record


def _row(folder: Path) -> dict[str, Any]:
    hidden = folder.name.startswith(".")
    name = folder.name[1 : -len(INCOMPLETE)] if hidden else folder.name
    try:
        rec = read_record(folder)
    except FileNotFoundError:
        return {"run": name, "kind": "?", "status": "incomplete" if hidden else "no run.json"}
    except ValueError as exc:
        return {"run": name, "kind": "?", "status": f"unreadable: {exc}"}
    conv = rec.get("convergence") or {}
    tables = rec.get("tables") or {}
    bad = conv.get("not_converged")
    return {
        "run": name,
        "kind": rec.get("kind", "run"),
        "status": owner_state(rec) if hidden else rec.get("status"),
        "started": (rec.get("started") or "")[:19].replace("T", " "),
        "seconds": rec.get("seconds"),
        "pack": str((rec.get("pack") or {}).get("id", "")),
        "notebooks": len(rec.get("notebooks") or []),
        "forecasts": tables.get("forecasts", tables.get("sweep", "")),
        "not converged": len(bad) if isinstance(bad, list) else "",
    }


def list_runs(runs_dir: Path | None = None) -> pd.DataFrame:
    """Past runs (and sweeps) under ``runs_dir``, oldest first, with unfinished ones (running, abandoned)."""
    import pandas as pd  # here, not at the top: the checks above serve commands that must exit fast

    runs_dir = Path(runs_dir) if runs_dir is not None else paths.runs_dir()
    rows = []
    if runs_dir.is_dir():
        for folder in sorted(runs_dir.iterdir(), key=lambda p: p.name.lstrip(".")):
            hidden = folder.name.startswith(".")
            if folder.is_dir() and (not hidden or folder.name.endswith(INCOMPLETE)):
                rows.append(_row(folder))
    frame = pd.DataFrame(rows, columns=COLUMNS).astype(object)
    return frame.where(frame.notna(), "")


def abandoned(runs_dir: Path) -> list[Path]:
    """Hidden work folders whose owner died on this host without finishing them."""
    out = []
    for folder in sorted(Path(runs_dir).glob(f".*{INCOMPLETE}")):
        try:
            rec = read_record(folder)
        except (FileNotFoundError, ValueError):
            continue
        if folder.is_dir() and owner_state(rec) == "abandoned":
            out.append(folder)
    return out


def remove(folders: list[Path]) -> None:
    """Delete run folders (after the caller confirmed)."""
    for folder in folders:
        shutil.rmtree(folder)
