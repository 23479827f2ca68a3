"""Candidate evidence found in a new document, kept in ``proposals/<document-id>.yaml`` for review.

Finding: each indicator's key terms are its ``cues`` when it declares them, else the words of its
id and description, less reporting verbs ("said", "told": who spoke, not what happened) and
negators ("not", "no": which way a sign went, read from context, never which sign it is). Words
are matched by lemma (spaCy's lookup table from spacy-lookups-data)
then Snowball stem, so "took" meets "take" and "negotiations" meets "negotiate". A key term
weighs by how few of the pack's indicators share it (inverse document frequency over the
indicators), so a country or "government" tells little and an indicator's own action tells much.
The words of the indicator's rationale that its description lacks count too, at
:data:`RATIONALE_WEIGHT` of that weight: they support a match written partly in other words, but
are too light to make one alone. A sentence's ``score`` for an indicator is the weight of the key
terms found within one run of :data:`WINDOW` content terms of one clause (a sign's actor and
action stand together), over the weight of the indicator's :data:`TOP_TERMS` heaviest description
terms, capped at 1; a whole cue or counter-cue phrase scores 1. At least :data:`MIN_TERMS` key terms must be found. A name in the description that
few of the pack's indicators share (:data:`ANCHOR_SHARE`; "(Rousseff) The leader's own party ...")
says whom the sign is about: it must stand in the sentence's paragraph, the paragraph before or
the heading above, so one leader's sign is not proposed for another's. A name is a capitalised
word that English writes capitalised more often than not (spacy-lookups-data's word
frequencies), so "Prime Minister" is no name. An indicator is proposed at its
best :data:`PER_INDICATOR` sentences, a sentence proposes its best :data:`PER_SENTENCE`
indicators, and only from ``min_score`` up. A match whose terms another indicator's match in the
same sentence holds and exceeds is dropped ("Chinese coast guard ships entered the islands'
waters" is ship entries, not the resupply of a shoal that also names coast guard ships). Each is
then read in its context (:mod:`foresight.pack.context`):

* a negated mention, or one that failed or was refused ("failed to unite", "was called off"), suggests
  ``absent``, as does a counter-cue phrase, unless the indicator's own description is negated or
  describes a failure the same way ("no defection of senior commanders", "talks collapse");
* a negated mention of an indicator whose description negates other words ("... without outside
  aid") most likely reports that absence: ``present``, but ``direction: uncertain``;
* a hypothetical, planned ("is due to", "plans to") or historical mention is no observation of the day,
  unless the description is itself a plan: it is kept for the analyst
  to judge but marked ``direction: uncertain``, as is a negation beside a counter-cue;
* ``confidence`` that the proposal is right is a logistic model of the match's features (score,
  negation, failure, context, headline, terms, rarity, mentions elsewhere in the document, position, and
  how much of the description the passage and the document hold), learned from the judged proposals of
  the seen benchmark sets (:mod:`foresight.pack.confidence`);
  a candidate is proposed when its confidence reaches the model's threshold.

The constants were chosen on the seen sets (``docs/how-to/ingest.md``); the score floor, the model's
penalty and its threshold were chosen by leave-one-set-out over the six seen sets
(``tools/fit_ingest_confidence.py``, which writes the model's file).

It is a suggestion: the analyst accepts, edits or rejects each one. ``--all-above`` accepts only
proposals whose direction is certain and whose confidence reaches the threshold.

Accepting turns proposals into evidence items holding the location (paragraph, sentence,
characters) and a note for the analyst's paraphrase, never the sentence itself. Every change to
the pack is made on a copy first and validated, then moved into place, so a failed step writes
nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from foresight.base.atomic import write_text_atomic
from foresight.base.locking import LOCK_FILE
from foresight.pack.confidence import ConfidenceFileError, ConfidenceModel, default_model
from foresight.pack.document_text import DocumentText
from foresight.pack.loader import Pack, load_pack, read_proposals_file
from foresight.pack.problems import PackError
from foresight.pack.schema import PROPOSALS_DIR, Id, Indicator, ProposalsFile

PER_INDICATOR = 2  # an indicator is proposed at its best two sentences at most
PER_SENTENCE = 3  # a sentence proposes its best three indicators at most
MIN_TERMS = 2  # key terms a sentence must share with an indicator (one for a one-term indicator)
WINDOW = 12  # key terms count together only within twelve consecutive content terms
RARE_LOG_PROB = -15.0  # English words rarer than this (log-probability) are not loaded: all count as names
# A name in at most this share of the pack's indicators says whom a sign is about (a leader among many
# leaders); one that most indicators share (the pack's country) does not. Chosen on the seen sets.
ANCHOR_SHARE = 0.2
TOP_TERMS = 5  # matching an indicator's five heaviest key terms scores 1.0
# A word of the indicator's rationale, not of its description, weighs this share of what it would as a
# description's word: the rationale says in other words why the sign matters, and often how it reads.
RATIONALE_WEIGHT = 0.15
DEFAULT_ACCEPT_ABOVE = 0.5  # the README's suggested `--all-above`: the model's P(right) at least one half
# Kept out of the stop-word list so that negations stay visible to the context reader.
NEGATORS = {
    "no", "not", "never", "without", "nor", "neither", "none", "nothing", "lack", "lacks", "lacking",
    "absence", "absent", "refused", "refuses", "rejected", "rejects", "denied", "denies", "cannot", "unlikely",
    "failed", "fails", "halted", "suspended", "ruled", "n't",
}  # fmt: skip
# Reporting verbs say who spoke, not what happened: "Israel's prime minister said ..." is no sign of
# an Israeli threat, and a description's "says publicly" is met by any quotation. Not key terms.
REPORTING_VERBS = frozenset({"say", "said", "says", "saying", "tell", "told", "tells", "telling"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
CLAUSE_BREAK = re.compile(r";")  # joins two independent clauses: a sign's words stand in one of them


class IngestError(ValueError):
    """Ingestion refused: the message says which input is wrong and what is allowed."""


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return (frozenset(STOPWORDS_EN_PLUS) - NEGATORS) | REPORTING_VERBS


@lru_cache(maxsize=1)
def _lemmatiser():
    """spaCy's English lemma lookup table (spacy-lookups-data) and the Snowball English stemmer:
    the table undoes inflection ('took' -> 'take'), the stemmer joins a word's family
    ('negotiation', 'negotiate'). Both are data shipped in packages: nothing is downloaded."""
    import snowballstemmer
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup"), snowballstemmer.stemmer("english")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The form under which a word is matched: its dictionary lemma, stemmed."""
    table, stemmer = _lemmatiser()
    word = word.lower()
    return stemmer.stemWord(table.get(word, word))


@lru_cache(maxsize=1)
def _english_log_probs() -> dict[str, float]:
    """Log-probabilities of the English word forms more common than :data:`RARE_LOG_PROB`, case kept
    (spacy-lookups-data's ``en_lexeme_prob``, a word-frequency table shipped in the package, most
    common first): whether English writes a word capitalised more often than not, i.e. as a name."""
    import gzip
    import json

    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    out: dict[str, float] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        next(lines)  # "{"
        for line in lines:
            key, _, value = line.rstrip().rstrip(",").rpartition(":")
            if not key or float(value) < RARE_LOG_PROB:
                break  # most common first: the rest are rarer
            out[json.loads(key)] = float(value)
    return out


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def terms(text: str) -> list[str]:
    """Content terms of ``text``: words without stop words, lemmatised and stemmed."""
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

    def ranking_key(self) -> tuple[float, float, str]:
        """The review's order: expected impact, then confidence, then id."""
        return (-self.expected_impact, -self.confidence, self.id)

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


@dataclass(frozen=True)
class Profile:
    """What the matcher looks for of one indicator: its key terms, weighted."""

    weights: dict[str, float]  # key term -> weight (rarer among the pack's indicators weighs more)
    norm: float  # the weight that scores 1.0: the sum of the TOP_TERMS heaviest description terms
    anchors: frozenset[str] = frozenset()  # names that say whom the sign is about: one must stand nearby
    described: frozenset[str] = frozenset()  # the key terms of the description or cues (not the rationale's)


@lru_cache(maxsize=1)
def _negator_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in NEGATORS)


def _key_terms(indicator: Indicator) -> list[str]:
    """An indicator's key terms: its cues' when it declares them, else its id's and description's.
    Negators are not among them: a negation says which way a sign went, never which sign it is."""
    if indicator.cues:
        found = [t for cue in indicator.cues for t in terms(cue)]
    else:
        found = terms(indicator.id.replace("-", " ").replace("_", " ")) + terms(indicator.description)
    return list(dict.fromkeys(t for t in found if t not in _negator_stems()))


_NAME = re.compile(r"(?<![.!?:)]\s)(?<!^)\b[A-Z][a-z]+(?:['\u2019]s)?\b|\b[A-Z][a-z]+\b(?=\))")


def _anchors(description: str) -> set[str]:
    """Stems of the names in ``description``: capitalised words not opening a sentence ("(Rousseff) The
    leader's own party", "the Senate votes") that English writes capitalised more often than not
    (so "Supreme Leader" and "Prime Minister" are titles, not names)."""
    probs = _english_log_probs()
    out = set()
    for match in _NAME.finditer(description):
        word = re.sub(r"['\u2019]s$", "", match.group(0))
        if probs.get(word, RARE_LOG_PROB) >= probs.get(word.lower(), RARE_LOG_PROB):
            out |= set(terms(word))
    return out


def profiles(indicators: Iterable[Indicator]) -> dict[str, Profile]:
    """Profiles of the indicators read from documents, with inverse-document-frequency weights over them.

    A term that many of the pack's indicators share (a country, "government") tells them apart
    poorly, so it weighs little; one that names a single indicator's action weighs most.
    """
    read = [i for i in indicators if getattr(i, "resolution_of", None) is None]
    keys = {i.id: _key_terms(i) for i in read}
    supporting = {i.id: [t for t in dict.fromkeys(terms(i.rationale)) if t not in _negator_stems()] for i in read}
    anchors = {i.id: _anchors(i.description) & set(keys[i.id]) for i in read}
    df = Counter(t for key in keys.values() for t in key)
    n = len(keys)
    out = {}
    for ind, key in keys.items():
        weights = {t: math.log(1.0 + n / df[t]) for t in key}
        top = sorted(weights.values(), reverse=True)[:TOP_TERMS]
        for t in supporting[ind]:  # the rationale's words support a match, the description's make it
            weights.setdefault(t, RATIONALE_WEIGHT * math.log(1.0 + n / max(1, df[t])))
        named = frozenset(t for t in anchors[ind] if df[t] <= max(1.0, n * ANCHOR_SHARE))
        out[ind] = Profile(weights, sum(top) or 1.0, named, frozenset(key))
    return out


@lru_cache(maxsize=4096)
def _description_context(description: str, matched: frozenset[str], weights: tuple[tuple[str, float], ...]):
    from foresight.pack.context import read_context

    return read_context(description, set(matched), None, stem, dict(weights))


def _description_reads(description: str, matched: set[str], weights: dict[str, float]):
    """How the indicator's own description treats the matched terms: a description that itself negates them
    or describes a failure ("talks collapse") or a plan ("announces it will leave") is matched by a sentence
    that does the same."""
    return _description_context(description, frozenset(matched), tuple(sorted(weights.items())))


@lru_cache(maxsize=4096)
def _absence_in(description: str) -> frozenset[str]:
    """The description's key words that a negation in it covers ("without outside aid": outside, aid)."""
    from foresight.pack.context import negated_terms

    return frozenset(negated_terms(description, set(terms(description)), stem))


def clauses(sentence: str) -> list[str]:
    """A sentence's independent clauses: the parts a semicolon separates (CLAUSE_BREAK)."""
    return [part for part in CLAUSE_BREAK.split(sentence) if part.strip()] or [sentence]


def _best_window(clause_terms: list[list[str]], weights: dict[str, float]) -> set[str]:
    """The key terms found in the heaviest run of WINDOW consecutive content terms of one clause:
    a sign's actor and action stand close together, words scattered over a long sentence, or
    over two clauses that each say something else, do not."""
    best: set[str] = set()
    best_weight = 0.0
    for have in clause_terms:
        for start in range(max(1, len(have) - WINDOW + 1)):
            found = set(have[start : start + WINDOW]) & weights.keys()
            weight = sum(weights[t] for t in found)
            if weight > best_weight:
                best, best_weight = found, weight
    return best


def _phrase_hit(phrases: Sequence[str], sentence: str) -> str | None:
    """The first of ``phrases`` whose terms stand together, in order, in ``sentence``."""
    joined = " " + " ".join(terms(sentence)) + " "
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


def _scopes(doc: DocumentText, sentence_terms: list[list[list[str]]]) -> list[set[str]]:
    """Per sentence, the terms of the passage it stands in: its paragraph, the paragraph before, and
    the nearest heading above (a section's name says whom its bullets are about)."""
    by_paragraph: dict[int, set[str]] = {}
    for s, have in zip(doc.sentences, sentence_terms, strict=True):
        by_paragraph.setdefault(s.paragraph, set()).update(t for clause in have for t in clause)
    heading: dict[int, int] = {}
    last = 0
    for s in doc.sentences:
        if _is_headline(doc, s):
            last = s.paragraph
        heading.setdefault(s.paragraph, last)
    out = []
    for s in doc.sentences:
        here = by_paragraph[s.paragraph] | by_paragraph.get(s.paragraph - 1, set())
        out.append(here | by_paragraph.get(heading[s.paragraph], set()))
    return out


def _undominated(candidates: list) -> list:
    """Candidates less those whose matched terms another indicator's match in the same sentence holds and
    exceeds: the words they share belong to the reading that explains more of the sentence."""
    by_sentence: dict[int, list] = {}
    for c in candidates:
        by_sentence.setdefault(c[2], []).append(c)
    return [
        c
        for c in candidates
        if not c[3] and not c[4] and not any(o[5] > c[5] for o in by_sentence[c[2]] if o[1] != c[1])
    ] + [c for c in candidates if c[3] or c[4]]


def candidates(
    pack: Pack,
    doc: DocumentText,
    min_score: float,
    skip: Iterable[tuple[str, int, int]] = (),
    published: dt.date | None = None,
) -> list[tuple[Proposal, dict[str, float]]]:
    """Every match of an indicator in ``doc`` from ``min_score`` up, read in its context, with the
    features the confidence model weighs (:data:`foresight.pack.confidence.FEATURES`); confidence
    not yet set. ``skip`` holds (indicator, paragraph, sentence) places already accepted or
    rejected; ``published`` dates the document, so a year before it marks a historical mention."""
    from foresight.pack.context import read_context

    skipped = set(skip)
    texts = [doc.sentence_text(s) for s in doc.sentences]
    sentence_terms = [[terms(c) for c in clauses(t)] for t in texts]
    scope = _scopes(doc, sentence_terms)
    indicators = pack.indicators
    found: list[tuple[float, str, int, str | None, str | None, set[str]]] = []
    table = profiles(indicators.values())  # the indicators read from documents
    for ind_id, profile in table.items():
        indicator = indicators[ind_id]
        scored = []
        for i, have in enumerate(sentence_terms):
            s = doc.sentences[i]
            if (ind_id, s.paragraph, s.number) in skipped:
                continue
            hit = _phrase_hit(indicator.cues, texts[i])
            counter = _phrase_hit(indicator.counter_cues, texts[i])
            matched = _best_window(have, profile.weights)
            if profile.anchors and not profile.anchors & scope[i]:
                continue  # about someone or something the passage does not name
            if hit or counter:
                score = 1.0
            elif len(matched) < min(MIN_TERMS, len(profile.weights)):
                continue
            else:
                score = min(1.0, sum(profile.weights[t] for t in matched) / profile.norm)
            if score >= min_score:
                scored.append((score, ind_id, i, hit, counter, matched))
        found.extend(scored)
    found = _undominated(found)
    mentions = Counter(c[1] for c in found)  # sentences matched per indicator, before the caps
    everywhere = set().union(*scope)  # every content term of the document
    by_indicator: dict[str, list] = {}
    for candidate in sorted(found, key=lambda c: (-c[0], c[2])):
        by_indicator.setdefault(candidate[1], []).append(candidate)
    found = [c for group in by_indicator.values() for c in group[:PER_INDICATOR]]
    per_sentence: Counter[int] = Counter()
    kept = []
    for candidate in sorted(found, key=lambda c: (-c[0], c[2], c[1])):
        if per_sentence[candidate[2]] < PER_SENTENCE:
            per_sentence[candidate[2]] += 1
            kept.append(candidate)
    out = []
    weights = {ind_id: profile.weights for ind_id, profile in table.items()}
    largest = math.log(1.0 + len(table))  # the weight of a term only one indicator has
    for score, ind_id, i, hit, counter, matched in kept:
        s = doc.sentences[i]
        phrase = hit or counter
        sign = set(terms(phrase)) if phrase else matched
        context = read_context(texts[i], sign, published, stem, weights[ind_id], phrase=bool(phrase))
        # A description that is itself negated ("no defection of senior commanders") is matched by a
        # negated sentence: only a difference between the two flips the state. When only the description is
        # negated ("two senior commanders defected"), the flip is kept but uncertain: such descriptions are
        # mostly negated in part ("conditions the government has not yet met"), and on the seen sets the flip
        # was right for one such match in ten.
        described_as = _description_reads(indicators[ind_id].description, matched, weights[ind_id])
        desc_negated = not phrase and described_as.denied
        negated = context.denied != desc_negated
        # A step planned or awaited ("is to be lowered tomorrow") is no observation of the day, unless the sign
        # itself is the announcement of a plan.
        planned = context.planned and not (not phrase and described_as.planned)
        # A description that negates words the match lacks ("... without outside aid") is a sign partly made of
        # an absence: a negated sentence ("will not ask the rescue fund for help") most likely reports that
        # absence, but may negate the rest. Proposed present, direction uncertain.
        absence = (
            context.denied and negated and not phrase and bool(_absence_in(indicators[ind_id].description) - matched)
        )
        negated = negated and not absence
        state = "absent" if bool(counter) != negated else "present"
        uncertain = (
            (counter and context.denied)
            or context.hypothetical
            or context.historical
            or planned
            or absence
            or (desc_negated and not context.denied)
        )
        direction = "uncertain" if uncertain else "certain"
        described = table[ind_id].described
        features = {
            "score": score,
            "negated": float(negated and not phrase),
            "failed": float(context.failed and not desc_negated),
            "hypothetical": float(context.hypothetical),
            "planned": float(planned),
            "historical": float(context.historical),
            "headline": float(_is_headline(doc, s)),
            "terms": min(len(sign), TOP_TERMS) / TOP_TERMS,
            "specificity": max((weights[ind_id][t] for t in matched & described), default=largest) / largest,
            "second": float(by_indicator[ind_id].index((score, ind_id, i, hit, counter, matched)) > 0),
            "mentions": min(mentions[ind_id] - 1, 4) / 4,
            "position": (s.paragraph - 1) / max(1, doc.n_paragraphs - 1),
            "coverage_passage": min(1.0, sum(weights[ind_id][t] for t in described & scope[i]) / table[ind_id].norm),
            "coverage_doc": min(1.0, sum(weights[ind_id][t] for t in described & everywhere) / table[ind_id].norm),
        }
        cue = phrase or " ".join(sorted(w for w in words(texts[i]) if stem(w) in matched))
        proposal = Proposal(
            "", ind_id, state, score, cue, s.paragraph, s.number, s.start, s.end,
            context=context.label(), direction=direction,
        )  # fmt: skip
        out.append((proposal, features))
    return out


def with_confidence(
    found: Sequence[tuple[Proposal, dict[str, float]]], model: ConfidenceModel, min_confidence: float | None = None
) -> list[Proposal]:
    """The candidates whose learned confidence reaches ``min_confidence`` (default: the model's
    threshold), most confident first, numbered p01, p02, ..."""
    threshold = model.threshold if min_confidence is None else min_confidence
    rated = [replace(p, confidence=model.probability(f)) for p, f in found]
    kept = sorted(
        (p for p in rated if p.confidence >= threshold),
        key=lambda p: (-p.confidence, p.paragraph, p.sentence, p.indicator),
    )
    return [replace(p, id=f"p{i + 1:02d}") for i, p in enumerate(kept)]


def confidence_model() -> ConfidenceModel:
    """The committed confidence model; IngestError (one line) when its file is missing or malformed."""
    try:
        return default_model()
    except ConfidenceFileError as exc:
        raise IngestError(str(exc)) from None


def find_proposals(
    pack: Pack,
    doc: DocumentText,
    min_score: float | None = None,
    skip: Iterable[tuple[str, int, int]] = (),
    published: dt.date | None = None,
    min_confidence: float | None = None,
) -> list[Proposal]:
    """Candidate evidence for every indicator of ``pack`` in ``doc`` (see the module docstring): the
    matches of :func:`candidates` from ``min_score`` (default: the model's floor) up whose learned
    confidence reaches ``min_confidence`` (default: the model's threshold)."""
    model = confidence_model()
    floor = model.floor if min_score is None else min_score
    return with_confidence(candidates(pack, doc, floor, skip, published), model, min_confidence)


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
