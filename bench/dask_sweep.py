"""The same 16-run sweep on a local Dask cluster of 1 and of 2 single-threaded workers: the throughput ratio.

`foresight sweep GRID --scheduler local --jobs N` runs the forecast notebook
over 16 combinations (4 dates x 4 prior widths) of the mini pack, sampling with
NUTS (a notebook of a few seconds, so the workers' one-off start, about ten
seconds of kernel start and imports, does not dominate), once with N = 1 and
once with N = 2. Each configuration starts from empty caches (its own
posterior cache, worker slots and so PyTensor compile directories), so both pay
the same cold start. Throughput is read from the sweep's run.json
(``execute_seconds``: the notebooks' part of the run, without the command's imports,
the cluster's start and the table and plot made at the end); the wall time of
the whole command is printed beside it.

Issue 26's target: 2 workers give at least 1.7x the throughput of 1 on a
2-core machine. On a machine shared with other work the ratio falls with the load.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from _common import CORES, ROOT, check, cold_env, machine, record, run_timed, venv_bin

TARGET_RATIO = 1.7
GRID = f"""\
notebook: forecast
parameters:
  pack: {ROOT / "tests" / "fixtures" / "mini"}
  question: deal-by-june
  draws: 2000
  learn_from_cases: true   # NUTS, as the sensitivity sweeps that outgrow one machine use
grid:
  as_of: [2020-02-01, 2020-03-01, 2020-04-01, 2020-05-01]
  lr_width_scale: [0.5, 1.0, 2.0, 4.0]
"""


def sweep_seconds(tmp: Path, workers: int) -> tuple[float, float]:
    """(seconds executing the notebooks, wall seconds of the command) on a fresh local cluster of ``workers``."""
    folder = tmp / f"{workers}-workers"
    grid = tmp / "grid.yaml"
    grid.write_text(GRID, encoding="utf-8")
    runs = folder / "runs"
    cmd = [venv_bin("foresight"), "sweep", str(grid), "--runs-dir", str(runs), "--no-progress"]
    cmd += ["--scheduler", "local", "--jobs", str(workers)]
    env = cold_env(folder / "caches", FORESIGHT_WORKER_DIR=folder / "slots")
    result = check(run_timed(cmd, env=env), f"sweep on {workers} worker(s)")
    (run,) = [p for p in runs.iterdir() if not p.name.startswith(".")]
    record_ = json.loads((run / "run.json").read_text(encoding="utf-8"))
    if record_["status"] != "complete" or record_["workers"] != workers:
        raise RuntimeError(f"sweep on {workers} worker(s): {record_['status']} with {record_['workers']} workers")
    return float(record_["execute_seconds"]), result.seconds


def main() -> dict[str, float]:
    print(f"dask sweep: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-dask-sweep-") as tmp_text:
        tmp = Path(tmp_text)
        one, one_wall = sweep_seconds(tmp, 1)
        two, two_wall = sweep_seconds(tmp, 2)
    ratio = one / two
    print(f"dask sweep: 16 runs on 1 worker: {one:.1f} s (command {one_wall:.1f} s)")
    print(f"dask sweep: 16 runs on 2 workers: {two:.1f} s (command {two_wall:.1f} s)")
    print(
        f"dask sweep: throughput 2 workers / 1 worker = {ratio:.2f}x on {CORES} cores "
        f"(target >= {TARGET_RATIO}x on 2 cores); whole command {one_wall / two_wall:.2f}x"
    )
    record("dask sweep: time on 2 workers / on 1 (16 runs)", two / one, 1 / TARGET_RATIO, unit="", fmt="{:.2f}")
    return {"one": one, "two": two, "ratio": ratio}


if __name__ == "__main__":
    main()
