"""``make lab``: JupyterLab on a scratch copy of the notebooks, so a session never dirties the tracked ones.

JupyterLab autosaves an open notebook with its outputs within minutes. Opened
on ``notebooks/`` it would write executed notebooks into the repository (they
are committed without outputs, and a check fails on any output). So each
session copies ``notebooks/*.ipynb`` into a fresh folder under
``.cache/lab/`` (git-ignored) and serves that folder; the ``pack`` parameters
still work there because a relative pack path falls back to the project root
(:mod:`foresight.base.paths`). As root (CI, containers) Jupyter refuses to
start without ``--allow-root``, which is added then.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from foresight.base import paths


def scratch_root() -> Path:
    """Where the sessions' copies go: ``.cache/lab/`` in the project root."""
    return paths.project_root() / ".cache" / "lab"


def prepare(dest: Path | None = None, source: Path | None = None) -> Path:
    """Copy every notebook of ``source`` (default ``notebooks/``) into ``dest`` (default a new
    ``.cache/lab/<UTC time>`` folder) and return that folder."""
    source = Path(source) if source is not None else paths.notebooks_dir()
    if dest is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
        dest = scratch_root() / stamp
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for nb in sorted(source.glob("*.ipynb")):
        shutil.copy2(nb, dest / nb.name)
    return dest


def command(folder: Path, extra: Sequence[str] = ()) -> list[str]:
    """The ``jupyter lab`` command serving ``folder`` (``--allow-root`` when running as root)."""
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}", *root, *extra]


def main(argv: Sequence[str] | None = None) -> int:
    """Copy the notebooks, say where, and become JupyterLab there (extra arguments go to ``jupyter lab``).

    The process is replaced by Jupyter (``os.execv``) rather than starting it as a child, so Ctrl-C or a
    stop signal reaches the server itself and never leaves it running behind a finished wrapper.
    """
    folder = prepare()
    print(
        f"foresight: JupyterLab serves a copy of notebooks/ in {folder}\n"
        "foresight: the tracked notebooks are not touched; copy a notebook back by hand to keep a change.\n"
        "foresight: open the http://... URL Jupyter prints below.",
        flush=True,
    )
    cmd = command(folder, list(sys.argv[1:] if argv is None else argv))
    os.chdir(folder)
    os.execv(cmd[0], cmd)  # does not return
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
