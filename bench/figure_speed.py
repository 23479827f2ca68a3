"""Seconds to build and show the report figures of the seed pack's 20 questions, before and after issue 16's
rendering work, timed in this one process.

"Before" is the figure code of commit ``BEFORE`` (the base of that work) read from git and loaded beside the
current one; "after" is the library as it is. A figure is timed as a notebook pays for it: built, then turned
into the PNG a warm kernel shows. Kernels are reused across notebooks, so once a notebook has imported pyplot
the inline backend renders every Figure with ``bbox_inches="tight"`` (one more pass measuring every artist); the current
:class:`foresight.report.plots.ReportFigure` registers its own plain PNG with IPython, which "after" times. That PNG is
Agg's printer (one draw, the layout run inside it); "savefig" times the same image through ``savefig``, which draws a
figure with a layout engine twice (a pass with drawing off for the layout, then the pixels): 12% more CPU, measured
interleaved on the forecast and history figures (16.9 s against 14.8 s for 100 figures, 7 Dec 2026).
Forecasts and histories come from the posterior cache (the first run of a cold cache samples them once, untimed).
"""

from __future__ import annotations

import importlib.util
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common  # noqa: E402

BEFORE = "cfa167d"
"""The commit whose figure code is "before" (the last one before the date-axis and display changes)."""


def _old_module(name: str, path: str):
    """``path`` as it was at :data:`BEFORE`, loaded under a new ``name`` (None when git cannot show it)."""
    try:
        source = subprocess.run(
            ["git", "show", f"{BEFORE}:{path}"], cwd=_common.ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{BEFORE}:{path}", "exec"), module.__dict__)
    return module


def _png_tight(fig) -> bytes:
    """What the inline backend shows for a Figure (matplotlib_inline's default print_figure_kwargs)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _png_savefig(fig) -> bytes:
    """The same image through savefig (standard bounding box): the layout's pass with drawing off, then the pixels."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches=None)
    return buf.getvalue()


def _png_shown(fig) -> bytes:
    """What the current ReportFigure shows in any kernel."""
    return fig._repr_png_()


def _time(build: Callable[[], object], show: Callable[[object], bytes], repeats: int) -> float:
    """Median seconds over ``repeats`` of building a figure and making its PNG."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        show(build())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(repeats: int | None = None) -> dict[str, tuple[float, float]]:
    import matplotlib

    matplotlib.use("agg")
    from foresight import forecast, load_pack
    from foresight.evaluate.history import forecast_history
    from foresight.evaluate.sensitivity import tornado
    from foresight.report import forecast_views, history_plots, plots

    repeats = repeats or _common.rounds(3)
    old_plots = _old_module("bench_old_plots", "lib/foresight/report/plots.py")
    old_history = _old_module("bench_old_history_plots", "lib/foresight/report/history_plots.py")
    pack = load_pack(_common.ROOT / _common.SEED_PACK)
    forecasts = [forecast(pack, q) for q in pack.questions]
    steps = [forecast_views.before_resolution(f) for f in forecasts]
    histories = [forecast_history(pack, q) for q in pack.questions]
    tornadoes = {id(f): tornado(f) for f in forecasts + [g for g in steps if g is not None]}  # computed, not drawn

    def figures(p, h):
        """(name, builder) of every figure the forecast and history notebooks draw, for all questions."""
        out = []
        for f, g, hist in zip(forecasts, steps, histories):
            q = pack.questions[f.question.id]
            out += [
                ("hazard_over_window", lambda f=f: p.hazard_over_window(f)),
                ("waterfall", lambda f=f: p.waterfall(f)),
                ("probability", lambda f=f: p.probability(f)),
                ("tornado_chart", lambda f=f: p.tornado_figure(tornadoes[id(f)], "tornado")),
                (
                    "history_figure",
                    lambda hist=hist, q=q: h.plot_history(hist, title=f"{q.id}: {q.title}", timeline=pack.timeline),
                ),
            ]
            if g is not None:  # the "before resolution" section draws a second waterfall and tornado
                out += [
                    ("waterfall (before resolution)", lambda g=g: p.waterfall(g)),
                    ("tornado (before resolution)", lambda g=g: p.tornado_figure(tornadoes[id(g)], "tornado")),
                ]
        out.append(("document_timeline", lambda: p.document_timeline(pack)))
        return out

    after = figures(plots, history_plots)
    before = figures(old_plots, old_history) if old_plots is not None and old_history is not None else None
    for _, build in after[:5]:  # fonts, caches and lazy imports, off the clock
        _png_shown(build())
    totals: dict[str, list[float]] = {}
    for i, (name, build) in enumerate(after):
        old = _time(before[i][1], _png_tight, repeats) if before else float("nan")
        tight = _time(build, _png_tight, repeats)  # the new figure code, shown as before
        saved = _time(build, _png_savefig, repeats)
        new = _time(build, _png_shown, repeats)
        row = totals.setdefault(name, [0.0, 0.0, 0.0, 0.0, 0])
        row[0] += old
        row[1] += tight
        row[2] += saved
        row[3] += new
        row[4] += 1
    print(f"figure seconds (build + PNG as a warm kernel shows it), median of {repeats}, {_common.machine()}")
    print("  before: figure code of the base commit, tight PNG; new code: the current figures, still tight;")
    print("  savefig: the current figures through savefig; after: as a ReportFigure now shows them (one draw)")
    print(f"  {'figure':32} {'n':>3} {'before':>8} {'new code':>8} {'savefig':>8} {'after':>8} {'ratio':>6}")
    sums = [0.0, 0.0, 0.0, 0.0]
    for name, (old, tight, saved, new, n) in totals.items():
        sums = [sums[0] + old, sums[1] + tight, sums[2] + saved, sums[3] + new]
        print(f"  {name:32} {int(n):3d} {old:8.2f} {tight:8.2f} {saved:8.2f} {new:8.2f} {old / new:6.2f}")
    old, tight, saved, new = sums
    print(f"  {'total over the seed pack':32} {'':3} {old:8.2f} {tight:8.2f} {saved:8.2f} {new:8.2f} {old / new:6.2f}")
    _common.record("figures of the seed pack, build + PNG (after)", new, old if before else float("inf"))
    return {name: (old, new) for name, (old, _, _, new, _) in totals.items()}


if __name__ == "__main__":
    main()
