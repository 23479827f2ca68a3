"""`make forecast` from a clone: wall seconds cold and warm, and the peak memory of the process tree.

A clone-like copy of the repository (its git-tracked files as they are in the working tree) goes
into a temporary folder, reusing the environment that runs this benchmark as its ``.venv`` (so
"cold" means: ``.venv`` exists, the posterior and compile caches are empty). It runs what `make
forecast` runs, ``.venv/bin/foresight run PACK --runs-dir TMP``, with the copy's ``lib`` first on
the path, twice: cold (fresh FORESIGHT_CACHE_DIR, PyTensor compiledir and Numba cache) and warm
(the same folders, now full). While each runs, /proc is sampled every 0.2 s and the resident memory
of the runner and all its descendants (notebook kernels, workers) summed; the peak is printed.

Issue 16 targets: warm <= 45 s, cold <= 150 s, peak <= 2 GB. Takes minutes; `BENCH_SKIP=main_job`
leaves it out of `make bench`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, SEED_PACK, check, cold_env, machine, record, run_timed

WARM_TARGET_S, COLD_TARGET_S, MEMORY_TARGET_GB = 45.0, 150.0, 2.0


def clone_like(dest: Path) -> Path:
    """Copy the repository's tracked files (working-tree contents) to ``dest``; link ``.venv`` to ours."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    (dest / ".venv").symlink_to(Path(sys.prefix))
    return dest


def main() -> dict[str, float]:
    print(f"main job: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-main-job-") as tmp_text:
        tmp = Path(tmp_text)
        repo = clone_like(tmp / "repo")
        caches = tmp / "caches"
        env = cold_env(caches, PYTHONPATH=repo / "lib")
        env.pop("FORESIGHT_ROOT", None)
        cmd = [
            str(repo / ".venv" / "bin" / "foresight"),
            "run",
            SEED_PACK,
            "--runs-dir",
            str(tmp / "runs"),
            "--no-progress",
        ]
        figures = {}
        for kind in ("cold", "warm"):
            result = check(run_timed(cmd, env=env, cwd=repo, memory=True), f"foresight run ({kind})")
            figures[kind] = result.seconds
            figures[f"{kind}_gb"] = result.peak_bytes / 1e9
            figures[f"{kind}_pss_gb"] = result.peak_pss / 1e9
            summary = next((line for line in result.output.splitlines() if "notebooks)" in line), "")
            print(
                f"main job: {kind}: {result.seconds:.0f} s (CPU {result.cpu:.0f} s over all processes), "
                f"peak memory {result.peak_bytes / 1e9:.2f} GB RSS summed, {result.peak_pss / 1e9:.2f} GB PSS  [{summary}]"
            )
    peak = max(figures["cold_gb"], figures["warm_gb"])
    print(
        f"main job: {os.cpu_count()} cores; warm {figures['warm']:.0f} s (target <= {WARM_TARGET_S:.0f} s), "
        f"cold {figures['cold']:.0f} s (target <= {COLD_TARGET_S:.0f} s), "
        f"peak memory {peak:.2f} GB (RSS summed over the process tree; target <= {MEMORY_TARGET_GB:.0f} GB; "
        f"{max(figures['cold_pss_gb'], figures['warm_pss_gb']):.2f} GB counting shared pages once, as PSS)"
    )
    record("make forecast, warm", figures["warm"], WARM_TARGET_S, fmt="{:.0f}")
    record("make forecast, empty caches (.venv built)", figures["cold"], COLD_TARGET_S, fmt="{:.0f}")
    record("peak memory of make forecast", peak, MEMORY_TARGET_GB, unit="GB", fmt="{:.2f}")
    return figures


if __name__ == "__main__":
    f = main()
    ok = f["warm"] <= WARM_TARGET_S and f["cold"] <= COLD_TARGET_S and max(f["cold_gb"], f["warm_gb"]) <= 2.0
    sys.exit(0 if ok else 1)
