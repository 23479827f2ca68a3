"""`foresight validate` of the seed pack as a whole process, as a user types it: median seconds.

Issue 16 target: at most 0.5 s. Validating reads YAML and checks the pack; it must not pay for
PyMC, ArviZ, PreliZ or SciPy imports (tests/test_import_weight.py checks which modules load).
`BENCH_ROUNDS=N` sets the number of timed runs (default 7).
"""

from __future__ import annotations

import sys

from _common import ROOT, SEED_PACK, check, machine, median, record, rounds, run_timed, venv_bin

TARGET_S = 0.5


def main() -> float:
    cmd = [venv_bin("foresight"), "validate", SEED_PACK]
    check(run_timed(cmd), "foresight validate")  # first run: the files into the page cache
    runs = [check(run_timed(cmd), "foresight validate") for _ in range(rounds(7))]
    times = [r.seconds for r in runs]
    value = median(times)
    print(f"validate: {machine()}")
    print(
        f"validate: `foresight validate {SEED_PACK}` median {value:.2f} s of {len(times)} "
        f"(min {min(times):.2f}, max {max(times):.2f}; target <= {TARGET_S} s) from {ROOT}"
    )
    print(
        f"validate: CPU time (user + system) median {median([r.cpu for r in runs]):.2f} s (about the wall time on an idle machine)"
    )
    record("foresight validate, seed pack", value, TARGET_S, fmt="{:.2f}")
    return value


if __name__ == "__main__":
    sys.exit(0 if main() <= TARGET_S else 1)
