"""The ingestion loop: a new document -> proposals ranked by impact -> accepted evidence.

``ingest`` adds the document's record to the pack and writes ``proposals/<id>.yaml``;
``accept`` turns chosen proposals into evidence items; ``reject`` marks them so they are not
offered again. Each checks its inputs first and changes nothing when one is wrong.

Each holds the pack's lock (:func:`foresight.base.locking.folder_lock`) from reading the pack to
writing it, so concurrent commands queue instead of overwriting each other's changes. ``ingest``
keeps the text it read as ``proposals/<id>.txt``: the review notebook then reads only files inside
the pack (:mod:`foresight.pack.inside`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

from foresight.base.atomic import write_text_atomic
from foresight.base.locking import FolderBusy, folder_lock
from foresight.evaluate.impact import baseline_forecasts, open_questions, with_impact
from foresight.model.options import ModelOptions
from foresight.pack.document_text import DocumentReadError, read_document
from foresight.pack.loader import Pack, load_pack
from foresight.pack.proposals import (
    DEFAULT_MIN_SCORE,
    IngestError,
    Proposal,
    append_records,
    change_pack,
    check_document_id,
    document_id_for,
    evidence_records,
    find_proposals,
    proposals_path,
    read_proposals,
    relative_path,
    text_path,
    write_proposals,
)
from foresight.pack.schema import ProposalsFile


@dataclass(frozen=True)
class Ingested:
    """What `ingest` did: the document id, where the proposals are, and the proposals by impact."""

    pack: Pack
    document_id: str
    proposals_file: Path
    proposals: list[Proposal]


def _first_line(text: str, limit: int = 100) -> str:
    line = next((ln.strip(" #*\t") for ln in text.splitlines() if ln.strip(" #*\t")), "untitled document")
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


def ingest(
    pack_dir: str | Path,
    file: str | Path,
    published: dt.date,
    *,
    title: str | None = None,
    author: str | None = None,
    outlet: str | None = None,
    document_id: str | None = None,
    options: ModelOptions | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
) -> Ingested:
    """Read ``file``, propose evidence ranked by impact, add the document record (see the module docstring).

    The proposals and their impact are worked out first (this may sample); the pack's lock is then
    held only while the pack is read again, the id chosen and the files written, so a concurrent
    ``accept`` is neither lost nor kept waiting for the sampler.
    """
    pack_dir = Path(pack_dir)
    pack = load_pack(pack_dir)
    try:
        doc = read_document(file)
    except DocumentReadError as exc:
        raise IngestError(str(exc)) from None
    if not open_questions(pack, published):
        first = min(q.opens for q in pack.questions.values())
        last = max(q.closes for q in pack.questions.values())
        raise IngestError(
            f"--published {published} is outside every question's window (the pack's questions run from "
            f"{first} to {last}); give the date the document was published"
        )
    if document_id is not None:
        document_id = check_document_id(document_id)
    title = title or _first_line(doc.text)
    author = author or "(not given)"
    proposals = find_proposals(pack, doc, min_score)
    ranked = with_impact(proposals, baseline_forecasts(pack, published, options), pack.meta.default_credibility)
    with _locked(pack_dir):
        pack = load_pack(pack_dir)  # as it is now: another command may have changed it meanwhile
        if document_id is not None:
            if document_id in pack.documents:
                raise IngestError(f"document id {document_id!r} already exists in {pack_dir / 'documents.yaml'}")
        else:
            document_id = document_id_for(author, title, published, pack.documents)
        if proposals_path(pack_dir, document_id).exists():
            raise IngestError(f"{proposals_path(pack_dir, document_id)} exists already; it is not overwritten")
        record = {
            "id": document_id,
            "title": title,
            "author": author,
            "outlet": outlet or "(not given)",
            "published": published,
            "path": relative_path(Path(file), pack_dir),
        }
        kept = text_path(pack_dir, document_id)
        documents_text = (pack_dir / "documents.yaml").read_text(encoding="utf-8")
        write_text_atomic(kept, doc.text)
        try:
            pack = change_pack(pack_dir, {"documents.yaml": append_records(documents_text, "documents", [record])})
            with _undone_on_failure(pack_dir / "documents.yaml", documents_text):
                path = write_proposals(
                    pack_dir, document_id, kept.relative_to(pack_dir).as_posix(), published, ranked, Path(file).name
                )
        except BaseException:
            kept.unlink(missing_ok=True)
            raise
    return Ingested(pack, document_id, path, ranked)


@contextmanager
def _undone_on_failure(path: Path, old_text: str) -> Iterator[None]:
    """Put ``path`` back to ``old_text`` when the block fails, so a pack file and the proposals that go
    with it change together or not at all (a full disk on the second write, say)."""
    try:
        yield
    except BaseException:
        with suppress(OSError):
            write_text_atomic(path, old_text)
        raise


@contextmanager
def _locked(pack_dir: Path) -> Iterator[None]:
    """The pack's write lock (see foresight.base.locking); a busy pack is an IngestError. A missing
    folder is reported as load_pack reports it, before any lock file is created."""
    if not pack_dir.is_dir():
        load_pack(pack_dir)
    try:
        with folder_lock(pack_dir):
            yield
    except FolderBusy as exc:
        raise IngestError(str(exc)) from None


def _pick(proposals: Sequence[Proposal], ids: Sequence[str], path: Path) -> list[Proposal]:
    by_id = {p.id: p for p in proposals}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise IngestError(f"{path}: no proposal(s) {', '.join(unknown)}; proposals: {', '.join(by_id) or 'none'}")
    return [by_id[i] for i in ids]


def accept(
    pack_dir: str | Path, document_id: str, ids: Sequence[str] = (), all_above: float | None = None
) -> list[dict]:
    """Turn the chosen proposals (by id, and/or every pending one scoring at least ``all_above``)
    into evidence items; returns the items written. Holds the pack's lock from reading to writing."""
    pack_dir = Path(pack_dir)
    with _locked(pack_dir):
        return _accept(pack_dir, document_id, ids, all_above)


def _accept(pack_dir: Path, document_id: str, ids: Sequence[str], all_above: float | None) -> list[dict]:
    pack = load_pack(pack_dir)
    data, proposals = read_proposals(pack_dir, document_id)
    path = proposals_path(pack_dir, document_id)
    if not ids and all_above is None:
        raise IngestError("name the proposals to accept (e.g. p01 p03) or give --all-above SCORE")
    chosen = _pick(proposals, ids, path)
    done = [p.id for p in chosen if p.status != "proposed"]
    if done:
        raise IngestError(f"{path}: proposal(s) {', '.join(done)} were already accepted or rejected")
    if all_above is not None:
        chosen += [p for p in proposals if p.status == "proposed" and p.score >= all_above and p not in chosen]
    if not chosen:
        raise IngestError(f"{path}: no pending proposal scores {all_above} or more")
    if document_id not in pack.documents:
        raise IngestError(f"document {document_id!r} is not in {pack_dir / 'documents.yaml'}")
    name = data.source or Path(data.file).name
    records = evidence_records(pack, document_id, name, data.published, chosen, pack.meta.default_credibility)
    evidence_text = (pack_dir / "evidence.yaml").read_text(encoding="utf-8")
    change_pack(pack_dir, {"evidence.yaml": append_records(evidence_text, "evidence", records)})
    with _undone_on_failure(pack_dir / "evidence.yaml", evidence_text):
        _mark(pack_dir, data, proposals, {p.id for p in chosen}, "accepted")
    return records


def reject(pack_dir: str | Path, document_id: str, ids: Sequence[str]) -> list[str]:
    """Mark proposals rejected, so they are not offered again."""
    pack_dir = Path(pack_dir)
    with _locked(pack_dir):
        return _reject(pack_dir, document_id, ids)


def _reject(pack_dir: Path, document_id: str, ids: Sequence[str]) -> list[str]:
    data, proposals = read_proposals(pack_dir, document_id)
    if not ids:
        raise IngestError("name the proposals to reject (e.g. p02 p05)")
    chosen = _pick(proposals, ids, proposals_path(pack_dir, document_id))
    _mark(pack_dir, data, proposals, {p.id for p in chosen}, "rejected")
    return [p.id for p in chosen]


def _mark(pack_dir: Path, data: ProposalsFile, proposals: Sequence[Proposal], ids: set[str], status: str) -> None:
    marked = [replace(p, status=status) if p.id in ids else p for p in proposals]
    write_proposals(pack_dir, data.document, data.file, data.published, marked, data.source)
