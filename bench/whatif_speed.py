"""What-if from stored draws vs a full re-forecast that samples again: prints the speed ratios.

Issue target: the what-if is at least 100 times faster than re-sampling with NUTS and gives the
same answer within Monte Carlo error. Since the default inference became Laplace + PSIS (a
re-forecast in milliseconds), the ratio against the default re-forecast is printed too; it is
smaller, and that is the point of the faster inference. All timed in this one run on this machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from foresight import forecast, load_pack

ROOT = Path(__file__).resolve().parents[1]


def main(
    pack_dir: Path = ROOT / "tests" / "fixtures" / "mini",
    question: str = "deal-by-june",
    as_of: str = "2020-03-01",
    override: dict | None = None,
) -> float:
    override = override or {"ev-talks": "absent"}
    pack = load_pack(pack_dir)
    with tempfile.TemporaryDirectory() as cache:
        base = forecast(pack, question, as_of=as_of, draws=2000, seed=1, cache_dir=cache)  # also warms compilation
        forecast(pack, question, as_of=as_of, draws=2000, seed=1, cache_dir=cache, inference="nuts")  # compiles
        t0 = time.perf_counter()
        full = forecast(
            pack, question, as_of=as_of, draws=2000, seed=2, cache=False, overrides=override, inference="nuts"
        )
        full_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        forecast(pack, question, as_of=as_of, draws=2000, seed=2, cache=False, overrides=override)
        default_s = time.perf_counter() - t0
        reps = 50
        t0 = time.perf_counter()
        for _ in range(reps):
            fast = base.what_if(override)
            _ = fast.mean
        fast_s = (time.perf_counter() - t0) / reps
    ratio = full_s / fast_s
    se = np.hypot(fast.draws.std(), full.draws.std()) / np.sqrt(
        min(base.diagnostics.ess_bulk_min, full.diagnostics.ess_bulk_min)
    )
    print(
        f"what-if: NUTS re-forecast {full_s:.2f} s, what-if {fast_s * 1000:.2f} ms, ratio {ratio:,.0f}x (target >= 100x)"
    )
    print(f"what-if: default (Laplace + PSIS) re-forecast {default_s * 1000:.1f} ms, ratio {default_s / fast_s:,.0f}x")
    print(
        f"what-if mean {fast.mean:.4f} vs re-forecast {full.mean:.4f} (difference {abs(fast.mean - full.mean):.4f}, 4 MC s.e. {4 * se:.4f})"
    )
    return ratio


if __name__ == "__main__":
    sys.exit(0 if main() >= 100 else 1)
