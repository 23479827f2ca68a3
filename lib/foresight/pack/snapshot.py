"""A pack's records as plain data, saved with a run, so a later run can say which records changed.

A run keeps the pack's content hash, which says *that* the pack changed; the
snapshot says *what*: every record (documents, questions, classes with their
cases, indicators, evidence, links, pack.yaml) as JSON, keyed by id, plus one
sha256 per file. It is a few kilobytes for a pack of dozens of records.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from foresight.base.atomic import write_text_atomic
from foresight.pack.loader import LINKS_FILE, PACK_FILE, Pack
from foresight.pack.schema import RECORD_FILES

SNAPSHOT_FILE = "pack-records.json"


def file_hashes(pack: Pack) -> dict[str, str]:
    """sha256 of each pack file present (links.yaml and the newer optional files only when they exist)."""
    out = {}
    names = [PACK_FILE, *RECORD_FILES, LINKS_FILE, *sorted(p.name for p in Path(pack.dir).glob("*.yaml"))]
    for name in dict.fromkeys(names):
        path = Path(pack.dir) / name
        if path.is_file():
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def pack_records(pack: Pack) -> dict[str, Any]:
    """Every record of ``pack`` as JSON-ready data: ``{kind: {id: fields}}``, links by kind and id."""
    records: dict[str, Any] = {"pack": pack.meta.model_dump(mode="json")}
    for key, items in (
        ("documents", pack.documents),
        ("questions", {**pack.questions, **pack.typed_questions}),
        ("reference_classes", pack.reference_classes),
        ("indicators", pack.indicators),
    ):
        records[key] = {rid: _without_unused_outcome_fields(rec.model_dump(mode="json")) for rid, rec in items.items()}
    records["evidence"] = {ev.id: ev.model_dump(mode="json") for ev in pack.evidence}
    records["event_logs"] = {lid: log.model_dump(mode="json") for lid, log in pack.event_logs.items()}
    records["timeline"] = {tid: t.model_dump(mode="json") for tid, t in (pack.timeline or {}).items()}
    records["external_forecasts"] = {
        f"{ef.question} | {ef.source} | {ef.date}" + (f" | by {ef.by}" if ef.by else ""): {
            k: v for k, v in ef.model_dump(mode="json").items() if v is not None or k not in TYPED_EXTERNAL_FIELDS
        }
        for ef in pack.external_forecasts
    }
    links = pack.links.model_dump(mode="json")
    records["links"] = {kind: {_link_key(item): item for item in items} for kind, items in links.items()}
    return records


TYPED_EXTERNAL_FIELDS = ("probabilities", "by", "probability")
"""Fields of an external forecast left out of a snapshot while empty (a yes/no one's snapshot stays as it was)."""

OUTCOME_DEFAULTS = {
    "type": "binary",
    "options": None,
    "ordered": False,
    "bins": None,
    "options_prior": None,
    "resolved_option": None,
    "point_of": None,
    "option": None,
    "option_ratios": {},
}
"""Fields of the outcome types (issue 25) at the values a record written before them has: left out of the
snapshot, so a run's snapshot of an older pack compares equal to one taken before the fields existed."""


def _without_unused_outcome_fields(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if not (k in OUTCOME_DEFAULTS and v == OUTCOME_DEFAULTS[k])}
    if isinstance(out.get("cases"), list):
        out["cases"] = [_without_unused_outcome_fields(c) if isinstance(c, dict) else c for c in out["cases"]]
    return out


def _link_key(item: dict[str, Any]) -> str:
    """A link's id; a hinge has none and is named by its two questions."""
    return str(item.get("id") or f"{item.get('question')} hinges on {item.get('on')}")


def write_snapshot(pack: Pack, folder: Path) -> dict[str, str]:
    """Write :data:`SNAPSHOT_FILE` into ``folder`` and return the per-file hashes (for run.json)."""
    hashes = file_hashes(pack)
    data = {"pack_id": pack.meta.id, "content_hash": pack.content_hash, "files": hashes, "records": pack_records(pack)}
    write_text_atomic(Path(folder) / SNAPSHOT_FILE, json.dumps(data, indent=1, sort_keys=True, default=str))
    return hashes


PACK_FILES_LIMIT = 50_000_000
"""Bytes of pack files a task may carry to a cluster worker (the seed packs take about 200 kB)."""


def pack_files(folder: Path) -> dict[str, bytes]:
    """Every file of the pack folder (relative POSIX path -> bytes), to rebuild the pack where it has no
    shared file system (a cluster worker). Hidden files and anything reached through a link out of the
    folder are left out: nothing outside a pack is read. ValueError when the pack exceeds
    :data:`PACK_FILES_LIMIT`."""
    root = Path(folder).resolve()
    out: dict[str, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if not path.resolve().is_relative_to(root):
            continue
        data = path.read_bytes()
        total += len(data)
        if total > PACK_FILES_LIMIT:
            raise ValueError(f"{root}: more than {PACK_FILES_LIMIT // 1_000_000} MB of files; too big to ship")
        out[relative.as_posix()] = data
    return out


def write_pack_files(files: dict[str, bytes], folder: Path) -> Path:
    """Write :func:`pack_files`' output under ``folder`` (a pack again, loadable as the original)."""
    root = Path(folder)
    for name, data in files.items():
        target = (root / name).resolve()
        if not target.is_relative_to(root.resolve()):
            raise ValueError(f"pack file {name!r} would land outside {root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root
