"""Run every benchmark in bench/ in one process and print their figures, then one table of them
against issue 16's targets (`make bench`).

Each ``bench/*.py`` (but ``run_all.py`` and helpers named ``_*.py``) has a ``main()`` that prints
its own figures with the machine's core count. ``BENCH_SKIP=main_job,backtest_speed`` leaves some
out, ``BENCH_ROUNDS=1`` makes the repeated ones quick; a benchmark that fails is reported and the
others still run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common  # noqa: E402  (bench/ is on the path only from here on when run_all is imported)


def summary() -> None:
    rows = [(f.what, f.measured, f.target, {True: "yes", False: "NO", None: "-"}[f.met]) for f in _common.FIGURES]
    if not rows:
        return
    head = ("figure", "measured", "target", "met")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    print(f"== summary ({_common.CORES} cores)")
    for r in [head, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


def main() -> int:
    skip = {s.strip() for s in os.environ.get("BENCH_SKIP", "").split(",") if s.strip()}
    failed = []
    for path in sorted(HERE.glob("*.py")):
        if path.name == "run_all.py" or path.name.startswith("_"):
            continue
        if path.stem in skip:
            print(f"== {path.stem}: skipped (BENCH_SKIP)")
            continue
        print(f"== {path.stem}")
        sys.stdout.flush()
        start = time.perf_counter()
        try:
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            module.main()
        except Exception:  # one broken benchmark must not hide the others' figures
            failed.append(path.stem)
            traceback.print_exc()
        print(f"   ({path.stem}: {time.perf_counter() - start:.0f} s)")
        sys.stdout.flush()
    summary()
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
