"""What the benchmarks share: the repository root, the machine's core count, timed child processes
with the peak memory of their whole process tree, and the figures `run_all.py` lists at the end.

Not a benchmark itself (`run_all.py` skips files whose name starts with ``_``). Every figure is
measured in the run that prints it, on this machine, never asserted by a test.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_PACK = "scenarios/us-china-korea-2017-2019"
CORES = os.cpu_count() or 1
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass
class Figure:
    """One line of the closing table: what, the measured value as text, the target, and whether it is met."""

    what: str
    measured: str
    target: str
    met: bool | None


FIGURES: list[Figure] = []


def record(what: str, value: float | None, target: float, unit: str = "s", fmt: str = "{:.1f}") -> None:
    """Keep a figure for the summary (lower is better; None: not measured)."""
    measured = "not measured" if value is None else fmt.format(value) + (f" {unit}" if unit else "")
    target_text = f"<= {fmt.format(target)}" + (f" {unit}" if unit else "")
    FIGURES.append(Figure(what, measured, target_text, None if value is None else value <= target))


def rounds(default: int) -> int:
    """How many timed rounds: ``BENCH_ROUNDS`` (e.g. 1 for a quick look), else ``default``."""
    value = os.environ.get("BENCH_ROUNDS")
    return max(1, int(value)) if value else default


def venv_bin(name: str) -> str:
    """A console script of the environment running the benchmark (``.venv/bin/NAME`` under `make bench`)."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else name


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{CORES} cores, load average {load:.1f} at start"


def child_env(**extra: str | os.PathLike) -> dict[str, str]:
    """The benchmark's environment with ``extra`` set (paths as text)."""
    env = dict(os.environ)
    env.update({k: os.fspath(v) for k, v in extra.items()})
    return env


def cold_env(folder: Path, **extra: str | os.PathLike) -> dict[str, str]:
    """Empty posterior and compile caches under ``folder``: FORESIGHT_CACHE_DIR, PyTensor's compiledir
    and Numba's cache; a second call with the same ``folder`` finds them full (the warm run)."""
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    flags = ",".join(f for f in [flags, f"compiledir={folder / 'pytensor'}"] if f)
    return child_env(
        FORESIGHT_CACHE_DIR=folder / "posterior",
        PYTENSOR_FLAGS=flags,
        NUMBA_CACHE_DIR=folder / "numba",
        **extra,
    )


def _tree(root: int) -> list[int]:
    """``root`` and every descendant, from /proc (a process that ends meanwhile is just missed)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])  # the command may hold spaces and parentheses
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_rss(root: int) -> tuple[int, int]:
    """Bytes resident in ``root`` and all its descendants: RSS summed (pages shared between processes,
    such as NumPy's libraries, count once per process) and PSS summed (shared pages split between their
    users, so nothing counts twice; 0 where /proc/PID/smaps_rollup is missing)."""
    rss = pss = 0
    for pid in _tree(root):
        try:
            with open(f"/proc/{pid}/statm") as fh:
                rss += int(fh.read().split()[1]) * PAGE
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                pss += next((int(line.split()[1]) * 1024 for line in fh if line.startswith("Pss:")), 0)
        except (OSError, IndexError, ValueError):
            continue
    return rss, pss


@dataclass
class Timed:
    """Wall seconds, CPU seconds (user + system of the command and every child it waited for: on a busy
    shared machine the wall time grows with the load, the CPU time much less), peak tree RSS, exit code."""

    seconds: float
    peak_bytes: int
    returncode: int
    output: str
    cpu: float = 0.0
    peak_pss: int = 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(cmd: list[str], env: dict | None = None, cwd: Path = ROOT, memory: bool = False) -> Timed:
    """Run ``cmd`` to the end: wall seconds, and with ``memory`` the peak summed RSS (and PSS) of its process
    tree sampled every 0.2 s from /proc (Linux only; 0 elsewhere). Output (stdout and stderr) is kept for errors."""
    peak = [0, 0]
    cpu_before = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            rss, pss = tree_rss(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory and Path("/proc/self/statm").exists():
        sampler.start()
    output, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    if sampler.is_alive():
        sampler.join()
    return Timed(seconds, peak[0], proc.returncode, output, _children_cpu() - cpu_before, peak[1])


def check(result: Timed, what: str) -> Timed:
    """``result`` when its command succeeded; else RuntimeError with the end of its output."""
    if result.returncode != 0:
        tail = "\n".join(result.output.strip().splitlines()[-15:])
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)
