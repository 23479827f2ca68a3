"""Laplace + PSIS (the default ``inference="auto"``) vs NUTS for one question's new posterior; and agreement.

Times one forecast of a seed-pack question that learns from coded cases, each way
in a fresh process with an empty posterior cache (as a user re-running one
question with a changed option would: the NUTS way also imports PyMC and
compiles the model; the approximation needs neither). Then, in this process, every
seed-pack question that learns from cases is forecast both ways at the default
draws and the largest difference in mean P(yes) is printed beside its Monte Carlo
standard error. Both measured in this one run on this machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "scenarios" / "us-china-korea-2017-2019"

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from foresight import forecast, load_pack
pack = load_pack(sys.argv[1])
t1 = time.perf_counter()
f = forecast(pack, sys.argv[2], inference=sys.argv[3], cache_dir=sys.argv[4])
t2 = time.perf_counter()
assert f.spec.learns_from_cases, f"{sys.argv[2]} does not learn from coded cases: nothing to compare"
print(json.dumps({"forecast_s": t2 - t1, "total_s": t2 - t0, "mean": f.mean, "how": f.diagnostics.plain_words(),
                  "pymc_imported": "pymc" in sys.modules}))
"""


def one_forecast(question: str, inference: str) -> dict:
    """One forecast in a fresh process with an empty posterior cache: seconds and what was done."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "lib"), os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory() as cache:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(PACK), question, inference, cache],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=ROOT,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def agreement() -> tuple[float, float, int]:
    """Largest |mean P(yes) by Laplace + PSIS - by NUTS| over the seed questions that learn from cases, the
    Monte Carlo standard error of that difference, and how many questions fell back to NUTS."""
    from foresight import forecast, load_pack

    pack = load_pack(PACK)
    worst, worst_se, fallbacks = 0.0, 0.0, 0
    with tempfile.TemporaryDirectory() as cache:
        for q in pack.questions.values():
            auto = forecast(pack, q.id, inference="auto", cache_dir=cache)
            if not auto.spec.learns_from_cases:
                continue
            nuts = forecast(pack, q.id, inference="nuts", cache_dir=cache)
            fallbacks += not auto.diagnostics.is_importance
            diff = abs(auto.mean - nuts.mean)
            se = np.hypot(
                auto.draws.std() / np.sqrt(auto.diagnostics.ess_bulk_min),
                nuts.draws.std() / np.sqrt(nuts.diagnostics.ess_bulk_min),
            )
            if diff > worst:
                worst, worst_se = diff, float(se)
    return worst, worst_se, fallbacks


def main(question: str = "su-meet-by-2019-01-01") -> float:
    """``question`` must learn from coded cases (su-hanoi-signed-document, the issue's example, does not in
    this pack: its posterior is drawn exactly either way); the default is the seed pack's largest regression
    (58 cases, 14 indicators)."""
    print(f"{os.cpu_count()} cores; question {question}, default draws, empty posterior cache, fresh process each")
    nuts = one_forecast(question, "nuts")
    auto = one_forecast(question, "auto")
    for name, r in (("NUTS", nuts), ("Laplace + PSIS", auto)):
        print(
            f"  {name:15s} forecast {r['forecast_s']:6.2f} s (process incl. imports {r['total_s']:6.2f} s), "
            f"P(yes) {r['mean']:.4f}, PyMC imported: {r['pymc_imported']}"
        )
    ratio = nuts["forecast_s"] / auto["forecast_s"]
    print(
        f"  speed-up of the forecast call: {ratio:,.0f}x; of the whole process: {nuts['total_s'] / auto['total_s']:.1f}x"
    )
    print(f"  how (auto): {auto['how']}")
    worst, se, fallbacks = agreement()
    print(
        f"agreement over the seed questions that learn from cases: max |mean P(yes) difference| {worst:.4f} "
        f"(Monte Carlo s.e. of that difference {se:.4f}); {fallbacks} fell back to NUTS"
    )
    return ratio


if __name__ == "__main__":
    main()
