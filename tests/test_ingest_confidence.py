"""The learned confidence of `foresight ingest`: the committed model file, its errors, and its fit."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from foresight import load_pack
from foresight.pack import confidence
from foresight.pack.confidence import FEATURES, MODEL_FILE, ConfidenceFileError, read_model
from foresight.pack.document_text import read_document
from foresight.pack.proposals import IngestError, find_proposals
from foresight.run.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAIN = dict.fromkeys(FEATURES, 0.0)


def _fit_script():
    """tools/fit_ingest_confidence.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("fit_ingest_confidence", ROOT / "tools" / "fit_ingest_confidence.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_model_names_every_feature_and_says_where_it_came_from():
    model = read_model()
    assert list(model.coefficients) == list(FEATURES)
    assert 0.0 < model.threshold < 1.0
    assert {"commit", "sets", "penalty", "threshold_chosen_by", "figures"} <= set(model.provenance)
    assert set(model.provenance["figures"]) == set(model.provenance["sets"])
    for figures in model.provenance["figures"].values():
        assert {"held_out", "in_sample"} <= set(figures)


def test_the_committed_model_keeps_the_signs_the_fit_declares():
    signs = _fit_script().SIGNS
    assert set(signs) == set(FEATURES)
    model = read_model()
    for name, sign in signs.items():
        assert model.coefficients[name] * sign >= 0, name
    assert model.coefficients["score"] > 0


def test_confidence_rises_with_the_score_and_is_a_probability():
    model = read_model()
    values = [model.probability(PLAIN | {"score": s}) for s in np.linspace(0.0, 1.0, 21)]
    assert all(0.0 < v < 1.0 for v in values)
    assert all(b > a for a, b in zip(values, values[1:], strict=False))


@pytest.mark.parametrize("flag", ["negated", "hypothetical", "historical", "headline"])
def test_a_context_that_makes_a_match_doubtful_never_raises_its_confidence(flag):
    model = read_model()
    base = PLAIN | {"score": 0.6, "terms": 0.6}
    assert model.probability(base | {flag: 1.0}) <= model.probability(base)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("{not json", "not a readable JSON model"),
        ('{"intercept": 0, "threshold": 0.3}', "'coefficients' must be a mapping"),
        ('{"intercept": 0, "threshold": 0.3, "coefficients": {"score": 1}}', "'coefficients' missing"),
        ("BAD_NUMBER", "'score' must be a finite number"),
        ("BAD_THRESHOLD", "'threshold' must be between 0 and 1"),
    ],
)
def test_a_missing_or_malformed_model_file_gives_one_line(tmp_path, content, message):
    path = tmp_path / "model.json"
    good = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    if content == "BAD_NUMBER":
        content = json.dumps(good | {"coefficients": good["coefficients"] | {"score": "high"}})
    elif content == "BAD_THRESHOLD":
        content = json.dumps(good | {"threshold": 1.5})
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfidenceFileError) as caught:
        read_model(path)
    text = str(caught.value)
    assert message in text and str(path) in text and "tools/fit_ingest_confidence.py" in text
    assert "\n" not in text


def test_ingest_without_its_model_exits_2_with_one_line(pack, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(confidence, "MODEL_FILE", tmp_path / "gone.json")
    confidence.default_model.cache_clear()
    try:
        doc = tmp_path / "a.md"
        doc.write_text("Senior officials met for talks in Geneva on Monday.", encoding="utf-8")
        with pytest.raises(IngestError, match="gone.json: no such file"):
            find_proposals(load_pack(pack), read_document(doc))
        assert main(["ingest", str(pack), str(doc), "--published", "2020-04-01"]) == 2
        err = capsys.readouterr().err.strip()
        assert "gone.json: no such file" in err and len(err.splitlines()) == 1
        assert not (pack / "proposals").exists() or not any((pack / "proposals").iterdir())
    finally:
        confidence.default_model.cache_clear()


def test_the_same_document_gets_the_same_confidences(pack, tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text(
        "Senior officials met for talks in Geneva on Monday.\n\nLarge military drills began near the border.\n",
        encoding="utf-8",
    )
    first = find_proposals(load_pack(pack), read_document(doc), published=dt.date(2020, 4, 1))
    again = find_proposals(load_pack(pack), read_document(doc), published=dt.date(2020, 4, 1))
    assert first and [(p.indicator, p.confidence) for p in first] == [(p.indicator, p.confidence) for p in again]


def test_the_fit_recovers_a_known_model_within_its_bounds():
    fit = _fit_script().fit
    rng = np.random.default_rng(7)
    x = rng.uniform(0.0, 1.0, size=(4000, len(FEATURES)))
    truth = np.zeros(len(FEATURES))
    truth[FEATURES.index("score")] = 4.0
    truth[FEATURES.index("negated")] = -2.0
    truth[FEATURES.index("position")] = 1.0  # a free sign: either way is allowed
    y = (rng.uniform(size=len(x)) < 1.0 / (1.0 + np.exp(-(-1.5 + x @ truth)))).astype(float)
    intercept, coefficients = fit(x, y, penalty=0.3)
    assert intercept == pytest.approx(-1.5, abs=0.4)
    assert coefficients[FEATURES.index("score")] == pytest.approx(4.0, abs=0.6)
    assert coefficients[FEATURES.index("negated")] == pytest.approx(-2.0, abs=0.5)
    assert coefficients[FEATURES.index("position")] == pytest.approx(1.0, abs=0.5)
    flipped = fit(x, 1.0 - y, penalty=0.3)[1]  # the data now say a higher score is worse: the bound holds at 0
    assert flipped[FEATURES.index("score")] == 0.0


def test_the_threshold_criterion_is_the_worst_of_three_targets():
    criterion = _fit_script().criterion
    assert criterion({"precision": 0.6, "recall": 0.8, "top10_precision": 0.7}) == pytest.approx(1.0)
    assert criterion({"precision": 0.3, "recall": 0.8, "top10_precision": 0.7}) == pytest.approx(0.5)
    assert criterion({"precision": 0.9, "recall": 0.4, "top10_precision": 0.9}) == pytest.approx(0.5)
    assert criterion({"precision": 0.9, "recall": 0.9, "top10_precision": 0.35}) == pytest.approx(0.5)
