"""Write the seed pack's forecasts (every history step of every question, small draws) to a JSON file.

Run on main before a model change, then `tests/test_evidence_time.py` checks that a pack using none of
the new fields keeps exactly these numbers:
    PYTHONPATH=lib python tools/seed_baseline.py tests/fixtures/seed_baseline.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from foresight import load_pack
from foresight.evaluate.history import forecast_history
from foresight.model.options import ModelOptions

PACK = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seed-main"  # the seed pack as on main
OPTIONS = {"seed": 1, "draws": 400, "tune": 300, "chains": 2}


def baseline() -> dict:
    pack = load_pack(PACK)
    opts = ModelOptions(**OPTIONS)
    out: dict = {"options": OPTIONS, "pack_hash": pack.content_hash, "questions": {}}
    for qid in pack.questions:
        h = forecast_history(pack, qid, options=opts)
        out["questions"][qid] = {
            "as_of": [d.date().isoformat() for d in h["as_of"]],
            "mean": [float(v) for v in h["mean"]],
            "base_rate_mean": [float(v) for v in h["base_rate_mean"]],
        }
    return out


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(baseline(), indent=1) + "\n", encoding="utf-8")
