"""The ingestion loop: a new document -> proposals ranked by expected impact -> accepted evidence.

``ingest`` adds the document's record to the pack and writes ``proposals/<id>.yaml``; the same
file ingested again is refused with the id it already has, and ``update=True`` re-reads it
without offering rejected proposals again. ``accept`` turns chosen proposals into evidence
items, observed on the event's date when the analyst gives it; ``reject`` marks them so they
are not offered again. Each checks its inputs first and changes nothing when one is wrong.

Each holds the pack's lock (:func:`foresight.base.locking.folder_lock`) from reading the pack to
writing it, so concurrent commands queue instead of overwriting each other's changes; ``ingest``
works out its proposals (which may sample) before it takes the lock. ``ingest`` keeps the text it
read as ``proposals/<id>.txt``: the review notebook then reads only files inside the pack
(:mod:`foresight.pack.inside`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

from foresight.base.atomic import write_text_atomic
from foresight.base.locking import FolderBusy, folder_lock
from foresight.evaluate.impact import open_questions, with_impact
from foresight.model.options import ModelOptions
from foresight.pack.document_text import DocumentReadError, DocumentText, read_document
from foresight.pack.loader import Pack, load_pack
from foresight.pack.proposals import (
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
from foresight.pack.schema import Document, ProposalsFile


@dataclass(frozen=True)
class Ingested:
    """What `ingest` did: the document id, where the proposals are, and the proposals by impact."""

    pack: Pack
    document_id: str
    proposals_file: Path
    proposals: list[Proposal]
    updated: bool = False


def _first_line(text: str, limit: int = 100) -> str:
    line = next((ln.strip(" #*\t") for ln in text.splitlines() if ln.strip(" #*\t")), "untitled document")
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


def rank_proposals(
    pack: Pack,
    doc: DocumentText,
    published: dt.date,
    *,
    document: Document | None = None,
    options: ModelOptions | None = None,
    min_score: float | None = None,
    skip: Sequence[tuple[str, int, int]] = (),
    min_confidence: float | None = None,
) -> list[Proposal]:
    """The document's proposals with what accepting each would do, by expected impact (no pack written).
    ``min_score`` and ``min_confidence`` default to the confidence model's floor and threshold."""
    proposals = find_proposals(pack, doc, min_score, skip=skip, published=published, min_confidence=min_confidence)
    document = document or Document(id="new-document", title="-", author="-", outlet="-", published=published)
    return with_impact(pack, proposals, document, pack.meta.default_credibility, options)


def _already_ingested(pack: Pack, path_in_pack: str) -> str | None:
    return next((d.id for d in pack.documents.values() if d.path == path_in_pack), None)


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
    min_score: float | None = None,
    update: bool = False,
    offer_rejected: bool = False,
    min_confidence: float | None = None,
) -> Ingested:
    """Read ``file``, propose evidence ranked by expected impact, add the document record (module docstring).

    The proposals and their impact are worked out first (this may sample); the pack's lock is then held
    while the pack is read again, checked again and written, so a concurrent ``accept`` is neither lost
    nor kept waiting for the sampler.
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
    path_in_pack = relative_path(Path(file), pack_dir)
    if document_id is not None:
        document_id = check_document_id(document_id)
    document_id = _checked_id(pack, file, path_in_pack, document_id, update)
    if update:
        return _reingest(pack, doc, document_id, options, (min_score, min_confidence), offer_rejected, Path(file).name)
    title = title or _first_line(doc.text)
    author = author or "(not given)"
    if document_id is None:
        document_id = document_id_for(author, title, published, pack.documents)
    record = {
        "id": document_id,
        "title": title,
        "author": author,
        "outlet": outlet or "(not given)",
        "published": published,
        "path": path_in_pack,
    }
    ranked = rank_proposals(
        pack, doc, published, document=Document(**record), options=options, min_score=min_score,
        min_confidence=min_confidence,
    )  # fmt: skip
    with _locked(pack_dir):
        pack = load_pack(pack_dir)  # as it is now: another command may have changed it meanwhile
        _checked_id(pack, file, path_in_pack, None, False)  # not ingested by another command meanwhile
        if document_id in pack.documents:
            raise IngestError(f"document id {document_id!r} was added to {pack_dir / 'documents.yaml'} meanwhile")
        if proposals_path(pack_dir, document_id).exists():
            raise IngestError(f"{proposals_path(pack_dir, document_id)} exists already; it is not overwritten")
        kept = text_path(pack_dir, document_id)
        documents_text = (pack_dir / "documents.yaml").read_text(encoding="utf-8")
        write_text_atomic(kept, doc.text)
        try:
            pack = change_pack(pack_dir, {"documents.yaml": append_records(documents_text, "documents", [record])})
            with _undone_on_failure(pack_dir / "documents.yaml", documents_text):
                path = write_proposals(pack_dir, document_id, _in_pack(kept), published, ranked, Path(file).name)
        except BaseException:
            kept.unlink(missing_ok=True)
            raise
    return Ingested(pack, document_id, path, ranked)


def _checked_id(pack: Pack, file: str | Path, path_in_pack: str, document_id: str | None, update: bool) -> str | None:
    """The id to use, after the checks that depend on the pack as it is (run again under the lock):
    an id taken or a file ingested before needs ``update``; ``update`` needs one or the other."""
    known = _already_ingested(pack, path_in_pack)
    if document_id is not None and document_id in pack.documents and not update:
        raise IngestError(
            f"document id {document_id!r} already exists in {pack.dir / 'documents.yaml'}; "
            "give --update to read it again"
        )
    if known is not None and not update:
        raise IngestError(
            f"{file} was already ingested as document {known!r}; give --update to read it again "
            "(rejected proposals are not offered again unless --offer-rejected)"
        )
    if update:
        document_id = document_id or known
        if document_id is None or document_id not in pack.documents:
            raise IngestError(f"--update: {file} has not been ingested into {pack.dir} yet; ingest it first")
    return document_id


def _in_pack(path: Path) -> str:
    """``proposals/<id>.txt`` as a proposals file names it: relative to the pack folder."""
    return f"{path.parent.name}/{path.name}"


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


def _reingest(
    pack: Pack,
    doc: DocumentText,
    document_id: str,
    options: ModelOptions | None,
    thresholds: tuple[float | None, float | None],
    offer_rejected: bool,
    source: str,
) -> Ingested:
    """Read an ingested document again: reviewed proposals stay as they are; new ones are added after them.
    Ranked first, then written under the pack's lock from the proposals file as it is then."""
    document = pack.documents[document_id]
    min_score, min_confidence = thresholds
    fresh = rank_proposals(
        pack, doc, document.published, document=document, options=options, min_score=min_score,
        min_confidence=min_confidence,
    )  # fmt: skip
    with _locked(Path(pack.dir)):
        path = proposals_path(pack.dir, document_id)
        old = read_proposals(pack.dir, document_id)[1] if path.exists() else []
        kept = [p for p in old if p.status == "accepted" or (p.status == "rejected" and not offer_rejected)]
        skip = {(p.indicator, p.paragraph, p.sentence) for p in kept}
        kept_indicators = {p.indicator for p in kept}
        new = [p for p in fresh if (p.indicator, p.paragraph, p.sentence) not in skip]
        new = [p for p in new if p.indicator not in kept_indicators]
        start = max((int(p.id[1:]) for p in old if p.id[1:].isdigit()), default=0)
        renumbered = [replace(p, id=f"p{start + i + 1:02d}") for i, p in enumerate(new)]
        text = text_path(pack.dir, document_id)
        write_text_atomic(text, doc.text)  # the text the new offsets point into
        written = write_proposals(pack.dir, document_id, _in_pack(text), document.published, kept + renumbered, source)
    return Ingested(pack, document_id, written, renumbered, updated=True)


def _pick(proposals: Sequence[Proposal], ids: Sequence[str], path: Path) -> list[Proposal]:
    by_id = {p.id: p for p in proposals}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise IngestError(f"{path}: no proposal(s) {', '.join(unknown)}; proposals: {', '.join(by_id) or 'none'}")
    return [by_id[i] for i in ids]


def accept(
    pack_dir: str | Path,
    document_id: str,
    ids: Sequence[str] = (),
    all_above: float | None = None,
    *,
    event_date: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> list[dict]:
    """Turn the chosen proposals (by id, and/or every pending one ``--all-above`` takes) into evidence items.

    ``event_date``: when the reported event happened, if before the publication; the item then
    stops counting at that date plus its indicator's shelf life instead of the publication's.
    ``valid_until``: the last day it counts, when the analyst knows it. Returns the items written.
    Holds the pack's lock from reading to writing.
    """
    pack_dir = Path(pack_dir)
    with _locked(pack_dir):
        return _accept(pack_dir, document_id, ids, all_above, event_date, valid_until)


def _accept(
    pack_dir: Path,
    document_id: str,
    ids: Sequence[str],
    all_above: float | None,
    event_date: dt.date | None,
    valid_until: dt.date | None,
) -> list[dict]:
    pack = load_pack(pack_dir)
    data, proposals = read_proposals(pack_dir, document_id)
    path = proposals_path(pack_dir, document_id)
    if not ids and all_above is None:
        raise IngestError("name the proposals to accept (e.g. p01 p03) or give --all-above CONFIDENCE")
    chosen = _pick(proposals, ids, path)
    done = [p.id for p in chosen if p.status != "proposed"]
    if done:
        raise IngestError(f"{path}: proposal(s) {', '.join(done)} were already accepted or rejected")
    if all_above is not None:
        chosen += [p for p in proposals if p.accepted_by_default(all_above) and p not in chosen]
    if not chosen:
        raise IngestError(f"{path}: no pending proposal with a certain direction has confidence {all_above} or more")
    if document_id not in pack.documents:
        raise IngestError(f"document {document_id!r} is not in {pack_dir / 'documents.yaml'}")
    published = data.published
    if event_date is not None and event_date > published:
        raise IngestError(f"--event-date {event_date} is after the document's publication ({published})")
    if valid_until is not None and valid_until < published:
        raise IngestError(f"--valid-until {valid_until} is before the document's publication ({published})")
    name = data.source or Path(data.file).name
    records = evidence_records(pack, document_id, name, published, chosen, pack.meta.default_credibility)
    for record in records:
        _date_record(pack, record, event_date, valid_until)
    evidence_text = (pack_dir / "evidence.yaml").read_text(encoding="utf-8")
    change_pack(pack_dir, {"evidence.yaml": append_records(evidence_text, "evidence", records)})
    with _undone_on_failure(pack_dir / "evidence.yaml", evidence_text):
        _mark(pack_dir, data, proposals, {p.id for p in chosen}, "accepted")
    return records


def _date_record(pack: Pack, record: dict, event_date: dt.date | None, valid_until: dt.date | None) -> None:
    """Give ``record`` the validity the analyst stated (see :func:`accept`)."""
    shelf = pack.indicators[record["indicator"]].shelf_life_days
    if valid_until is None and event_date is not None and shelf is not None:
        valid_until = max(event_date + dt.timedelta(days=shelf), record["observed"])
    if event_date is not None:
        record["note"] += f" The event itself dates from {event_date.isoformat()}."
    if valid_until is not None:
        record["valid_until"] = valid_until


def later_questions(pack: Pack, records: Sequence[dict]) -> list[str]:
    """One line per accepted item whose validity reaches questions that open after its document."""
    from foresight.model.evidence import last_valid_day

    lines = []
    for record in records:
        indicator = pack.indicators[record["indicator"]]
        published = pack.documents[record["document"]].published
        ends = last_valid_day(record.get("valid_until"), record["observed"], indicator)
        reached = [
            q.id
            for q in pack.questions.values()
            if q.opens > published and indicator in pack.indicators_for(q) and (ends is None or ends >= q.opens)
        ]
        if reached:
            until = "with no end" if ends is None else f"until {ends}"
            lines.append(
                f"{record['id']} counts {until}, so it also moves {', '.join(reached)}, which open(s) after the "
                f"document ({published}); give --event-date or --valid-until if the sign is older or goes stale sooner"
            )
    return lines


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
