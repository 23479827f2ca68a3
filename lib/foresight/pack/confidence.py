"""How likely a proposal is right, learned from judged proposals: the confidence `foresight ingest` shows.

The matcher's hand-set weights (halve a headline, 0.6 for a negation) were each chosen on one set
and did not rank well on the next. Instead a small logistic model of P(proposal right) on the
matcher's own features (:data:`FEATURES`) is fitted, with an L2 penalty and sign bounds, on every
judged proposal of the seen benchmark sets by ``tools/fit_ingest_confidence.py``, which writes
:data:`MODEL_FILE` with its provenance (sets, commit, penalty and threshold chosen by
leave-one-set-out). This module only reads that file and evaluates the model; it learns nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("ingest_confidence.json")
REFIT = "refit it with `.venv/bin/python tools/fit_ingest_confidence.py`"

# The features, in the model file's order, each in [0, 1] or a small count, with why it may matter.
FEATURES = (
    "score",  # the match score: the share of the indicator's heaviest terms found
    "negated",  # a negation decided the state (flips are wrong more often)
    "failed",  # "failed to", "was called off", "came to nothing": the sign read as absent by a failure or refusal
    "hypothetical",  # "if", "could", "would": no observation of the day
    "planned",  # "will", "is due to", "plans to": a step announced or awaited, not yet taken
    "historical",  # a past year or month, "last year": no observation of the day
    "headline",  # a heading, dateline or caption, not body text
    "terms",  # how many key terms matched, over five (capped at 1)
    "specificity",  # the rarest matched term's weight over the largest possible: a generic match tells little
    "second",  # the indicator's second-best sentence in the document
    "mentions",  # other sentences of the document matching the indicator (capped at 4, over 4): its topic
    "position",  # where in the document: 0 first paragraph, 1 last (reports lead with the news)
    # The weight of the description's terms found anywhere in the sentence's passage (its paragraph, the one
    # before, its heading) and in the whole document, over the indicator's heaviest terms' (capped at 1): a sign
    # the passage is about, not a few of its words met by chance.
    "coverage_passage",
    "coverage_doc",
)


class ConfidenceFileError(ValueError):
    """The model file is missing or malformed; the message names it and says how to refit it."""


@dataclass(frozen=True)
class ConfidenceModel:
    """A fitted logistic model: P(right) = sigmoid(intercept + sum coef * feature)."""

    intercept: float
    coefficients: dict[str, float]
    threshold: float  # the smallest confidence proposed (chosen by leave-one-set-out, see the file)
    provenance: dict
    floor: float = 0.0  # the smallest match score read as a candidate (chosen with the threshold)

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(c * float(features[name]) for name, c in self.coefficients.items())
        return 1.0 / (1.0 + math.exp(-z))


def _number(path: Path, data: dict, key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfidenceFileError(f"{path}: {key!r} must be a finite number, got {value!r}; {REFIT}")
    return float(value)


def read_model(path: Path = MODEL_FILE) -> ConfidenceModel:
    """The model in ``path``; ConfidenceFileError (one line naming the file and the field) otherwise."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfidenceFileError(f"{path}: no such file (the ingest confidence model); {REFIT}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfidenceFileError(f"{path}: not a readable JSON model ({exc}); {REFIT}") from None
    if not isinstance(data, dict) or not isinstance(data.get("coefficients"), dict):
        raise ConfidenceFileError(f"{path}: 'coefficients' must be a mapping of feature to number; {REFIT}")
    given = data["coefficients"]
    if set(given) != set(FEATURES):
        missing, extra = sorted(set(FEATURES) - set(given)), sorted(set(given) - set(FEATURES))
        raise ConfidenceFileError(f"{path}: 'coefficients' missing {missing}, unknown {extra}; {REFIT}")
    coefficients = {name: _number(path, given, name) for name in FEATURES}
    bounded = {key: _number(path, data, key) for key in ("threshold", "floor")}
    for key, value in bounded.items():
        if not 0.0 <= value <= 1.0:
            raise ConfidenceFileError(f"{path}: {key!r} must be between 0 and 1, got {value}; {REFIT}")
    intercept = _number(path, data, "intercept")
    return ConfidenceModel(
        intercept, coefficients, bounded["threshold"], data.get("provenance") or {}, bounded["floor"]
    )


@lru_cache(maxsize=1)
def default_model() -> ConfidenceModel:
    """The committed model (read once per process)."""
    return read_model(MODEL_FILE)
