"""`foresight backtest scenarios/*/`: every pack of the repository backtested, calibrated and pooled held out.

Cold (empty posterior and compile caches) and warm (the same cache folder again), each in a fresh
process as a user would run it. Targets for the library of six packs: warm at most 60 s (about
three times the seed pack's warm backtest target per pack is left for the held-out fits and the
tables), cold at most 480 s. Prints the wall seconds of the whole command.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import ROOT, check, cold_env, machine, record, run_timed, venv_bin

COLD_TARGET_S, WARM_TARGET_S = 480.0, 60.0


def _once(cache: Path, out: Path) -> float:
    packs = sorted(str(p) for p in (ROOT / "scenarios").iterdir() if (p / "pack.yaml").is_file())
    cmd = [venv_bin("foresight"), "backtest", *packs, "--out", str(out)]
    return check(run_timed(cmd, env=cold_env(cache)), "foresight backtest").seconds


def main() -> tuple[float, float]:
    print(f"library backtest: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        cold = _once(Path(tmp) / "cache", Path(tmp) / "cold")
        warm = _once(Path(tmp) / "cache", Path(tmp) / "warm")
    print(f"library backtest: cold {cold:.1f} s (target <= {COLD_TARGET_S:.0f} s)")
    print(f"library backtest: warm {warm:.1f} s (target <= {WARM_TARGET_S:.0f} s)")
    record("backtest of every pack (foresight backtest), cold", cold, COLD_TARGET_S)
    record("backtest of every pack (foresight backtest), warm", warm, WARM_TARGET_S)
    return cold, warm


if __name__ == "__main__":
    c, w = main()
    sys.exit(0 if c <= COLD_TARGET_S and w <= WARM_TARGET_S else 1)
