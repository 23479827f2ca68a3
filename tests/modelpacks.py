"""Write small synthetic packs for model tests, so each test states exactly the priors and evidence it needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from foresight import load_pack


def write_pack(
    root: Path,
    *,
    indicators: list[dict[str, Any]] = (),
    evidence: list[dict[str, Any]] = (),
    cases: list[dict[str, Any]] | None = None,
    relevance: float = 1.0,
    exposure_years: float = 1.0,
    kind: str = "by_deadline",
    groups: dict[str, float] | None = None,
    opens: str = "2020-01-01",
    closes: str = "2021-01-01",
):
    """One question 'q' of family 'fam' with one reference class; returns the loaded Pack."""
    root.mkdir(parents=True, exist_ok=True)
    groups = groups or {"g": 0.5}
    meta = {
        "id": "synthetic",
        "title": "Synthetic pack",
        "description": "Written by tests/modelpacks.py.",
        "families": {"fam": "A test family."},
        "correlation_groups": {g: {"description": f"group {g}", "rho": rho} for g, rho in groups.items()},
    }
    docs = [
        {"id": "d1", "title": "Doc 1", "author": "A", "outlet": "O", "published": "2020-01-01"},
        {"id": "d2", "title": "Doc 2", "author": "B", "outlet": "O", "published": "2020-06-01"},
    ]
    question = {
        "id": "q",
        "title": "Test question?",
        "family": "fam",
        "kind": kind,
        "opens": opens,
        "closes": closes,
        "criteria": "Checkable by a third party.",
    }
    if cases is None:
        cases = [
            {"name": f"c{i}", "date": "2000-01-01", "outcome": "yes" if i < 3 else "no", "source": "s"}
            for i in range(10)
        ]
    rc = {"id": "rc", "title": "Class", "serves": ["fam"], "relevance": relevance, "cases": cases}
    if kind == "by_deadline":
        rc["exposure_years"] = exposure_years
    files = {
        "pack.yaml": meta,
        "documents.yaml": {"documents": docs},
        "questions.yaml": {"questions": [question]},
        "reference_classes.yaml": {"reference_classes": [rc]},
        "indicators.yaml": {"indicators": list(indicators)},
        "evidence.yaml": {"evidence": list(evidence)},
    }
    for name, data in files.items():
        (root / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return load_pack(root)


def indicator(ind_id: str, lo: float, hi: float, group: str = "g", absence_weight: float = 1.0) -> dict[str, Any]:
    return {
        "id": ind_id,
        "description": f"indicator {ind_id}",
        "group": group,
        "rationale": "test",
        "likelihood_ratios": {"fam": [lo, hi]},
        "absence_weight": absence_weight,
    }


def observation(
    ev_id: str,
    ind_id: str,
    state: Any = "present",
    credibility: float = 1.0,
    document: str = "d1",
    observed: str = "2020-01-01",
) -> dict[str, Any]:
    return {
        "id": ev_id,
        "indicator": ind_id,
        "document": document,
        "observed": observed,
        "state": state,
        "credibility": credibility,
        "note": "test",
    }


def write_linked_pack(
    root: Path,
    *,
    loadings: dict[str, float] | None = None,
    strength=(0.5, 0.9),
    scenarios: list[dict[str, Any]] = (),
    conditionals: list[dict[str, Any]] = (),
    coded: bool = False,
):
    """Three questions a, b, c (families fa, fb, fc) and, when ``loadings`` is given, one driver linking them."""
    root.mkdir(parents=True, exist_ok=True)
    meta = {
        "id": "linked",
        "title": "Linked pack",
        "description": "Written by tests/modelpacks.py.",
        "families": {"fa": "A", "fb": "B", "fc": "C"},
        "correlation_groups": {"g": {"description": "group", "rho": 0.5}},
    }
    docs = [{"id": "d1", "title": "Doc", "author": "A", "outlet": "O", "published": "2020-01-01"}]
    questions = [
        {
            "id": q,
            "title": f"Question {q}?",
            "family": f"f{q}",
            "kind": "by_deadline",
            "opens": "2020-01-01",
            "closes": "2021-01-01",
            "criteria": "Checkable.",
        }
        for q in "abc"
    ]
    classes = []
    for q, yes in zip("abc", (4, 6, 2)):
        cases = [
            {"name": f"{q}{i}", "date": "2000-01-01", "outcome": "yes" if i < yes else "no", "source": "s"}
            for i in range(10)
        ]
        if coded and q == "a":
            for i, case in enumerate(cases):
                case["indicators"] = {"i": "present" if (i < yes) == (i % 3 != 0) else "absent"}
        classes.append(
            {
                "id": f"rc{q}",
                "title": f"Class {q}",
                "serves": [f"f{q}"],
                "relevance": 1.0,
                "exposure_years": 1.0,
                "cases": cases,
            }
        )
    indicators = [
        {
            "id": "i",
            "description": "sign",
            "group": "g",
            "rationale": "test",
            "likelihood_ratios": {"fa": [1.5, 3.0], "fb": [1.2, 2.0]},
        }
    ]
    evidence = [
        {
            "id": "e",
            "indicator": "i",
            "document": "d1",
            "observed": "2020-01-01",
            "state": "present",
            "credibility": 0.8,
            "note": "test",
        }
    ]
    files = {
        "pack.yaml": meta,
        "documents.yaml": {"documents": docs},
        "questions.yaml": {"questions": questions},
        "reference_classes.yaml": {"reference_classes": classes},
        "indicators.yaml": {"indicators": indicators},
        "evidence.yaml": {"evidence": evidence},
    }
    links: dict[str, Any] = {}
    if loadings:
        links["drivers"] = [
            {
                "id": "drv",
                "description": "shared driver",
                "rationale": "test",
                "strength": list(strength),
                "loadings": loadings,
            }
        ]
    if scenarios:
        links["scenarios"] = list(scenarios)
    if conditionals:
        links["conditionals"] = list(conditionals)
    if links:
        files["links.yaml"] = links
    for name, data in files.items():
        (root / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return load_pack(root)
