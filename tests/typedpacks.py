"""A small pack with one question of each outcome type, for tests of options, date and ladder questions."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

DOCS = [
    {"id": "d1", "title": "Doc 1", "author": "A", "outlet": "O", "published": "2020-01-01"},
    {"id": "d2", "title": "Doc 2", "author": "B", "outlet": "O", "published": "2020-03-01"},
]

OPTIONS = [
    {"id": "signed", "label": "A signed agreement"},
    {"id": "statement", "label": "A joint statement, nothing signed"},
    {"id": "walkout", "label": "No statement (a walkout)"},
]

QUESTIONS = [
    {
        "id": "meet-by-2020-12-31",
        "title": "Meet by the end of 2020?",
        "family": "meet",
        "kind": "by_deadline",
        "opens": "2020-01-01",
        "closes": "2020-12-31",
        "criteria": "Checkable by a third party.",
    },
    {
        "id": "summit-outcome",
        "title": "How does the summit end?",
        "family": "outcome",
        "kind": "one_shot",
        "opens": "2020-01-01",
        "closes": "2020-06-30",
        "criteria": "Checkable by a third party.",
        "type": "options",
        "options": OPTIONS,
    },
    {
        "id": "tariff-rate",
        "title": "Tariff rate on 30 June 2020?",
        "family": "rate",
        "kind": "one_shot",
        "opens": "2020-01-01",
        "closes": "2020-06-30",
        "criteria": "Checkable by a third party.",
        "type": "options",
        "ordered": True,
        "options": [
            {"id": "below-10", "label": "below 10%"},
            {"id": "10-to-25", "label": "10% up to 25%"},
            {"id": "25-up", "label": "25% or more"},
        ],
        "bins": [0, 10, 25, 100],
        "options_prior": {"quantiles": {0.05: 5, 0.5: 15, 0.95: 30}, "rationale": "test", "strength": 20},
    },
    {
        "id": "first-meeting",
        "title": "When do the leaders first meet?",
        "family": "meet",
        "kind": "by_deadline",
        "opens": "2020-01-01",
        "closes": "2020-12-31",
        "criteria": "Checkable by a third party.",
        "type": "date",
        "hazard": {"decision_points": [{"date": "2020-06-12", "share": 0.4, "note": "the planned summit"}]},
    },
    {
        "id": "meet-by-2020-06-30",
        "title": "Meet by 30 June 2020?",
        "family": "meet",
        "kind": "by_deadline",
        "opens": "2020-01-01",
        "closes": "2020-06-30",
        "criteria": "Checkable by a third party.",
        "point_of": "first-meeting",
    },
    {
        "id": "meet-by-2020-09-30",
        "title": "Meet by 30 September 2020?",
        "family": "meet",
        "kind": "by_deadline",
        "opens": "2020-02-01",
        "closes": "2020-09-30",
        "criteria": "Checkable by a third party.",
        "point_of": "first-meeting",
    },
]

CLASSES = [
    {
        "id": "meetings",
        "title": "Meetings",
        "serves": ["meet"],
        "relevance": 1.0,
        "exposure_years": 1.0,
        "cases": [
            {"name": f"m{i}", "date": "2000-01-01", "outcome": "yes" if i < 4 else "no", "source": "s"}
            for i in range(10)
        ],
    },
    {
        "id": "summits",
        "title": "Summits",
        "serves": ["outcome"],
        "relevance": 0.5,
        "cases": [
            {"name": "s1", "date": "2001-01-01", "option": "signed", "source": "s"},
            {"name": "s2", "date": "2002-01-01", "option": "signed", "source": "s"},
            {"name": "s3", "date": "2003-01-01", "option": "statement", "source": "s"},
            {"name": "s4", "date": "2004-01-01", "option": "walkout", "source": "s"},
            {"name": "late", "date": "2020-02-01", "option": "walkout", "source": "after opens: never counted"},
        ],
    },
]

INDICATORS = [
    {
        "id": "envoys",
        "description": "Envoys meet",
        "group": "g",
        "rationale": "test",
        "likelihood_ratios": {"meet": [2.0, 2.0000001]},
        "option_ratios": {"outcome": {"reference": "walkout", "ratios": {"signed": [3.0, 3.0000001]}}},
    },
]

EVIDENCE = [
    {
        "id": "ev1",
        "indicator": "envoys",
        "document": "d2",
        "observed": "2020-03-01",
        "state": "present",
        "credibility": 1.0,
        "note": "test",
    }
]


def write_typed_pack(root: Path, edit=None) -> Path:
    """Write the pack into ``root``; ``edit(files)`` may change the file contents (dicts) first."""
    root.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {
        "pack.yaml": {
            "id": "typed",
            "title": "Typed pack",
            "description": "Written by tests/typedpacks.py.",
            "families": {"meet": "meet", "outcome": "summit outcome", "rate": "a tariff rate"},
            "correlation_groups": {"g": {"description": "g", "rho": 0.5}},
        },
        "documents.yaml": {"documents": copy.deepcopy(DOCS)},
        "questions.yaml": {"questions": copy.deepcopy(QUESTIONS)},
        "reference_classes.yaml": {"reference_classes": copy.deepcopy(CLASSES)},
        "indicators.yaml": {"indicators": copy.deepcopy(INDICATORS)},
        "evidence.yaml": {"evidence": copy.deepcopy(EVIDENCE)},
    }
    if edit is not None:
        edit(files)
    for name, data in files.items():
        (root / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return root
