"""Candidate evidence found in a new document, kept in ``proposals/<document-id>.yaml`` for review.

Finding: every sentence is scored against every indicator with BM25 (bm25s), the query being the
indicator's ``cues`` when it declares them, else its description (counted twice) and rationale.
An indicator is proposed at its best sentences (at most :data:`PER_INDICATOR`) whose ``score``,
the share of the indicator's key terms found in the sentence (1.0 for a whole cue or counter-cue
phrase), reaches ``min_score``. Each is then read in its context (:mod:`foresight.pack.context`):

* a negated mention suggests ``absent``, as does a counter-cue phrase;
* a hypothetical or historical mention is no observation of the day: it is kept for the analyst
  to judge but marked ``direction: uncertain``, as is a negation beside a counter-cue;
* ``confidence`` that the proposal is right is the score, halved when the direction is
  uncertain (:data:`UNCERTAIN_WEIGHT`) and halved again for a headline, dateline or caption
  (:data:`HEADLINE_WEIGHT`).

It is a suggestion: the analyst accepts, edits or rejects each one. ``--all-above`` accepts only
proposals whose direction is certain and whose confidence reaches the threshold.

Accepting turns proposals into evidence items holding the location (paragraph, sentence,
characters) and a note for the analyst's paraphrase, never the sentence itself. Every change to
the pack is made on a copy first and validated, then moved into place, so a failed step writes
nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from foresight.base.atomic import write_text_atomic
from foresight.base.locking import LOCK_FILE
from foresight.pack.document_text import DocumentText
from foresight.pack.loader import Pack, load_pack, read_proposals_file
from foresight.pack.problems import PackError
from foresight.pack.schema import PROPOSALS_DIR, Id, Indicator, ProposalsFile

PER_INDICATOR = 2  # an indicator is proposed at its best two sentences at most
HEADLINE_WEIGHT = 0.5  # a headline, dateline or caption counts half
# Chosen on the tuning set (the seed pack's documents, bench/ingest_recall.py --tuning): best F1 of 0.15-0.25.
DEFAULT_MIN_SCORE = 0.2
DEFAULT_ACCEPT_ABOVE = 0.5  # the README's suggested `--all-above`
UNCERTAIN_WEIGHT = 0.5
# Kept out of the stop-word list so that negations stay visible to the context reader.
NEGATORS = {
    "no", "not", "never", "without", "nor", "neither", "none", "nothing", "lack", "lacks", "lacking",
    "absence", "absent", "refused", "refuses", "rejected", "rejects", "denied", "denies", "cannot", "unlikely",
    "failed", "fails", "halted", "suspended", "ruled", "n't",
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


class IngestError(ValueError):
    """Ingestion refused: the message says which input is wrong and what is allowed."""


def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) - NEGATORS


def stem(word: str) -> str:
    """A light suffix stripper, so 'talks'/'talking'/'talked' meet (no stemming model is downloaded)."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def terms(text: str) -> list[str]:
    """Content terms of ``text``: words without stop words, lightly stemmed."""
    stop = _stopwords()
    return [stem(w) for w in words(text) if w not in stop and len(w) > 1 and not w.isdigit()]


@dataclass(frozen=True)
class Proposal:
    """One candidate evidence item: an indicator seen in one sentence of the document."""

    id: str
    indicator: str
    state: str
    score: float
    cue: str
    paragraph: int
    sentence: int
    start: int
    end: int
    status: str = "proposed"
    impact: float = 0.0
    shifts: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    context: str = "reported"
    direction: str = "certain"
    counts_from: dict[str, str] = field(default_factory=dict)  # question -> first date the evidence counts

    @property
    def expected_impact(self) -> float:
        """Confidence times the largest shift: what the analyst should look at first."""
        return self.confidence * self.impact

    def accepted_by_default(self, all_above: float) -> bool:
        """Whether ``--all-above`` takes it: pending, direction certain, confident enough."""
        return self.status == "proposed" and self.direction == "certain" and self.confidence >= all_above

    def as_record(self) -> dict[str, Any]:
        out = asdict(self)
        out["score"] = round(self.score, 3)
        out["confidence"] = round(self.confidence, 3)
        out["impact"] = round(self.impact, 4)
        out["shifts"] = {k: round(v, 4) for k, v in self.shifts.items()}
        return out


def _query(indicator: Indicator) -> tuple[list[str], list[str]]:
    """(BM25 query terms, key terms the score counts) of an indicator."""
    if indicator.cues:
        cue_terms = [t for cue in indicator.cues for t in terms(cue)]
        counter_terms = [t for cue in indicator.counter_cues for t in terms(cue)]
        return cue_terms + counter_terms, list(dict.fromkeys(cue_terms))
    key = terms(indicator.description)
    return key * 2 + terms(indicator.rationale), list(dict.fromkeys(key))


def _phrase_hit(phrases: Sequence[str], sentence_terms: list[str]) -> str | None:
    joined = " " + " ".join(sentence_terms) + " "
    for phrase in phrases:
        pt = terms(phrase)
        if pt and " " + " ".join(pt) + " " in joined:
            return phrase
    return None


def _is_headline(doc: DocumentText, sentence) -> bool:
    """A heading, title, dateline or caption: alone in its paragraph and not ended like a sentence."""
    text = doc.sentence_text(sentence)
    alone = sum(1 for s in doc.sentences if s.paragraph == sentence.paragraph) == 1
    return alone and (text.startswith("#") or text.rstrip()[-1:] not in ".!?\"'\u201d\u2019)")


def find_proposals(
    pack: Pack,
    doc: DocumentText,
    min_score: float = DEFAULT_MIN_SCORE,
    skip: Iterable[tuple[str, int, int]] = (),
    published: dt.date | None = None,
) -> list[Proposal]:
    """Candidate evidence for every indicator of ``pack`` in ``doc`` (see the module docstring).

    ``skip`` holds (indicator, paragraph, sentence) places already accepted or rejected;
    ``published`` dates the document, so a year before it marks a historical mention.
    """
    import bm25s

    from foresight.pack.context import read_context

    skipped = set(skip)
    texts = [doc.sentence_text(s) for s in doc.sentences]
    corpus = [terms(t) or ["_"] for t in texts]
    if not doc.sentences:
        return []
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    found: list[Proposal] = []
    for indicator in pack.indicators.values():
        if getattr(indicator, "resolution_of", None) is not None:
            continue  # observed from a question's resolution, not from documents
        query, key = _query(indicator)
        if not query:
            continue
        scores = retriever.get_scores(query)
        order = sorted(range(len(texts)), key=lambda i: (-float(scores[i]), i))
        kept: list[Proposal] = []
        for i in order[:PER_INDICATOR]:
            if scores[i] <= 0:
                break
            s = doc.sentences[i]
            if (indicator.id, s.paragraph, s.number) in skipped:
                continue
            sentence_terms = corpus[i]
            hit = _phrase_hit(indicator.cues, sentence_terms)
            counter = _phrase_hit(indicator.counter_cues, sentence_terms)
            matched = set(key) & set(sentence_terms)
            score = 1.0 if hit or counter else len(matched) / max(len(key), 1)
            if score < min_score:
                continue
            phrase = hit or counter
            sign = set(terms(phrase)) if phrase else matched
            context = read_context(texts[i], sign, published, stem, phrase=bool(phrase))
            state = "absent" if bool(counter) != context.negated else "present"
            direction = "uncertain" if (counter and context.negated) or not context.reported else "certain"
            confidence = score * (UNCERTAIN_WEIGHT if direction == "uncertain" else 1.0)
            confidence *= HEADLINE_WEIGHT if _is_headline(doc, s) else 1.0
            cue = hit or counter or " ".join(sorted(matched))
            candidate = Proposal(
                "", indicator.id, state, score, cue, s.paragraph, s.number, s.start, s.end,
                confidence=confidence, context=context.label(), direction=direction,
            )  # fmt: skip
            kept.append(candidate)
        found.extend(kept)
    found.sort(key=lambda p: (-p.confidence, p.paragraph, p.sentence, p.indicator))
    return [replace(p, id=f"p{i + 1:02d}") for i, p in enumerate(found)]


# --- the proposals file -------------------------------------------------------------


def check_document_id(value: Any) -> str:
    """``value`` as a document id (the schema's Id rule); IngestError saying what is allowed."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(Id).validate_python(value)
    except ValidationError:
        raise IngestError(
            f"document id {value!r}: use lower-case letters, digits, '-' and '_', starting with a letter or digit"
        ) from None


def proposals_path(pack_dir: Path, document_id: str) -> Path:
    return Path(pack_dir) / PROPOSALS_DIR / f"{document_id}.yaml"


def text_path(pack_dir: Path, document_id: str) -> Path:
    """Where ingest keeps the text it read, inside the pack, so the review reads nothing outside it."""
    return Path(pack_dir) / PROPOSALS_DIR / f"{document_id}.txt"


def write_proposals(
    pack_dir: Path,
    document_id: str,
    file: str,
    published: dt.date,
    proposals: Sequence[Proposal],
    source: str | None = None,
) -> Path:
    """Write ``proposals/<document_id>.yaml``; ``file`` is the pack-relative path of the text read,
    ``source`` the name of the file it was read from (for the evidence notes)."""
    path = proposals_path(pack_dir, document_id)
    data = {
        "document": document_id,
        "file": file,
        **({"source": source} if source else {}),
        "published": published.isoformat(),
        "how": "candidate evidence from `foresight ingest`; accept with `foresight accept`, reject with `foresight reject`",
        "proposals": [p.as_record() for p in proposals],
    }
    write_text_atomic(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
    return path


def read_proposals(pack_dir: Path, document_id: str) -> tuple[ProposalsFile, list[Proposal]]:
    """The checked proposals file of ``document_id`` (see :func:`foresight.pack.loader.read_proposals_file`)
    and its proposals; IngestError naming the first problem."""
    document_id = check_document_id(document_id)  # an id, so the path stays inside proposals/
    path = proposals_path(pack_dir, document_id)
    if not path.exists() and not path.is_symlink():
        raise IngestError(f"{path}: no proposals for document {document_id!r}; run `foresight ingest` first")
    record, problems = read_proposals_file(Path(pack_dir), document_id)
    if record is None:
        first = problems[0]
        raise IngestError(f"{Path(pack_dir) / first.file}:{first.line}: {first.field}: {first.message}")
    return record, [Proposal(**item.model_dump()) for item in record.proposals]


# --- changing the pack safely -------------------------------------------------------


def _indent_of_items(text: str) -> str | None:
    match = re.search(r"^(\s*)- id:", text, flags=re.M)
    return match.group(1) if match else None


def append_records(text: str, key: str, records: Sequence[dict[str, Any]]) -> str:
    """``text`` of a pack file with ``records`` appended to its ``key:`` list, keeping every comment."""
    indent = _indent_of_items(text)
    if indent is None:
        if re.search(rf"^{key}:\s*(\[\s*\])?\s*(#.*)?$", text, flags=re.M) is None:
            raise IngestError(f"cannot find the list `{key}:` to append to")
        text = re.sub(rf"^{key}:\s*(\[\s*\])?", f"{key}:", text, count=1, flags=re.M)
        indent = "  "
    lines = []
    for record in records:
        dumped = yaml.safe_dump([record], sort_keys=False, allow_unicode=True, width=100).splitlines()
        lines += [indent + line for line in dumped]
    if not text.endswith("\n"):
        text += "\n"
    return text + "\n".join(lines) + "\n"


def change_pack(pack_dir: Path, new_texts: dict[str, str]) -> Pack:
    """Write ``new_texts`` (file name -> content) into the pack only if the result validates.

    The change is tried on a copy first; on success each file is replaced atomically. A
    :class:`PackError` (nothing written) otherwise.
    """
    pack_dir = Path(pack_dir)
    with tempfile.TemporaryDirectory(prefix="foresight-change-") as tmp:
        trial = Path(tmp) / pack_dir.name
        shutil.copytree(pack_dir, trial, ignore=shutil.ignore_patterns(PROPOSALS_DIR, LOCK_FILE))
        for name, content in new_texts.items():
            (trial / name).write_text(content, encoding="utf-8")
        try:
            changed = load_pack(trial)
        except PackError as exc:
            raise PackError(pack_dir, exc.problems) from None
    for name, content in new_texts.items():
        write_text_atomic(pack_dir / name, content)
    return replace(changed, dir=pack_dir)  # the same files, so the same pack: no third read


def document_id_for(author: str, title: str, published: dt.date, taken: Iterable[str]) -> str:
    """A readable, unused id: the first author's last name, the year and the first title words."""
    first_author = re.split(r",|;|&|\band\b|\bwith\b", author, maxsplit=1)[0]
    last = (words(first_author) or words(author) or ["doc"])[-1]
    head = [w for w in words(title) if w not in _stopwords()][:3]
    base = re.sub(r"[^a-z0-9-]+", "-", "-".join([last, str(published.year), *head])).strip("-")[:60] or "doc"
    taken = set(taken)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def relative_path(target: Path, start: Path) -> str:
    return os.path.relpath(Path(target).resolve(), Path(start).resolve())


def evidence_records(
    pack: Pack, document_id: str, file_name: str, published: dt.date, chosen: Sequence[Proposal], credibility: float
) -> list[dict[str, Any]]:
    """Evidence items for accepted proposals: where the sign stands, and a note for the paraphrase."""
    taken = {ev.id for ev in pack.evidence}
    out = []
    for p in chosen:
        base = f"ev-{document_id}-{p.indicator}"[:76].rstrip("-_")
        ev_id, n = base, 2
        while ev_id in taken:
            ev_id, n = f"{base}-{n}", n + 1
        taken.add(ev_id)
        out.append(
            {
                "id": ev_id,
                "indicator": p.indicator,
                "document": document_id,
                "observed": published,
                "state": p.state,
                "credibility": credibility,
                "note": (
                    f"Paragraph {p.paragraph}, sentence {p.sentence} (characters {p.start}-{p.end}) of {file_name}; "
                    f"proposed by foresight ingest on the terms '{p.cue}'. Replace this with your paraphrase."
                ),
            }
        )
    return out
