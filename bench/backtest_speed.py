"""The seed pack's backtest through the library, cold (empty posterior and compile caches) and warm.

Issue 16 targets: at most 90 s cold and 20 s warm. Each run is a fresh process (as a user's
notebook or `foresight run` would be) that times `foresight.evaluate.backtest.backtest(pack,
options, today=...)`; both share one temporary cache folder, so the second finds what the first
computed. Prints the call's seconds and the whole process's wall seconds (imports included).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

from _common import SEED_PACK, check, cold_env, machine, record, run_timed

COLD_TARGET_S, WARM_TARGET_S = 90.0, 20.0

CHILD = r"""
import json, sys, time
from foresight import load_pack
from foresight.evaluate.backtest import backtest
from foresight.model.options import ModelOptions
pack = load_pack(sys.argv[1])
t = time.perf_counter()
scores = backtest(pack, ModelOptions(), today=sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t, "rows": len(scores),
                  "questions": int(scores["question_id"].nunique()) if len(scores) else 0}))
"""


def _once(folder: Path, today: str) -> tuple[float, float, dict]:
    result = check(run_timed([sys.executable, "-c", CHILD, SEED_PACK, today], env=cold_env(folder)), "backtest")
    row = json.loads(result.output.strip().splitlines()[-1])
    row["cpu"] = result.cpu
    return row["seconds"], result.seconds, row


def main() -> tuple[float, float]:
    today = dt.date.today().isoformat()
    print(f"backtest: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-backtest-") as tmp:
        cold, cold_wall, row = _once(Path(tmp), today)
        warm, warm_wall, warm_row = _once(Path(tmp), today)
    print(f"backtest: {row['questions']} questions, {row['rows']} scored steps of {SEED_PACK} (today={today})")
    print(
        f"backtest: cold {cold:.1f} s (process {cold_wall:.1f} s, CPU {row['cpu']:.1f} s; "
        f"target <= {COLD_TARGET_S:.0f} s)"
    )
    print(
        f"backtest: warm {warm:.1f} s (process {warm_wall:.1f} s, CPU {warm_row['cpu']:.1f} s; "
        f"target <= {WARM_TARGET_S:.0f} s)"
    )
    record("backtest of the seed pack, cold", cold, COLD_TARGET_S)
    record("backtest of the seed pack, warm", warm, WARM_TARGET_S)
    return cold, warm


if __name__ == "__main__":
    c, w = main()
    sys.exit(0 if c <= COLD_TARGET_S and w <= WARM_TARGET_S else 1)
