"""Where things live: the project root, and relative paths resolved the same way from anywhere.

Notebooks run with whatever working directory their kernel got: the repository
root under ``papermill notebooks/x.ipynb ...``, ``notebooks/`` under JupyterLab
or ``foresight run``. A ``pack`` parameter such as
``scenarios/us-china-korea-2017-2019`` must work from both, so a relative path
is looked up in the working directory first and then under the project root
(the checkout that holds this package, found from ``__file__``, as
cookiecutter-data-science builds every path from one root).

Every default location follows that one root: ``runs/`` and the posterior cache
``.cache/foresight/``, so a second checkout (or ``FORESIGHT_ROOT`` pointing
elsewhere) never writes into the first one's folders. ``FORESIGHT_CACHE_DIR``
moves the cache alone.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "FORESIGHT_ROOT"
"""Set this to point at a project checkout when foresight is installed outside one (not editable)."""

CACHE_ENV = "FORESIGHT_CACHE_DIR"
"""Set this to keep the posterior cache somewhere else than ``.cache/foresight`` in the project root."""


def project_root() -> Path:
    """The repository root: $FORESIGHT_ROOT, else the checkout holding this package, else the working directory."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).expanduser().resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "lib" / "foresight").is_dir():
            return parent
    return Path.cwd().resolve()


def notebooks_dir() -> Path:
    """The folder of the notebook suite (every ``*.ipynb`` in it is part of a run)."""
    return project_root() / "notebooks"


def runs_dir() -> Path:
    """Where run folders go by default: ``runs/`` in the project root (git-ignored)."""
    return project_root() / "runs"


def cache_dir() -> Path:
    """The posterior cache: $FORESIGHT_CACHE_DIR (a relative value is taken under the project root, so
    the command and its notebook kernels, which run in notebooks/, agree), else ``.cache/foresight`` there."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return (project_root() / Path(env).expanduser()).resolve()
    return project_root() / ".cache" / "foresight"


def default_pack() -> Path:
    """The seed pack the notebooks' defaults point at."""
    return project_root() / "scenarios" / "us-china-korea-2017-2019"


def candidates(value: str | os.PathLike) -> list[Path]:
    """The places a path may mean: itself when absolute, else under the working directory, then the root."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return [path]
    out = [Path.cwd() / path, project_root() / path]
    return list(dict.fromkeys(p.resolve() for p in out))


def resolve_existing(value: str | os.PathLike) -> Path:
    """The first of :func:`candidates` that exists; FileNotFoundError naming every place looked at."""
    places = candidates(value)
    for place in places:
        if place.exists():
            return place
    raise FileNotFoundError(f"{os.fspath(value)!r} not found; looked at: {', '.join(map(str, places))}")


def relative_to_root(path: Path) -> str:
    """``path`` written relative to the project root when inside it (for tables and run records), else absolute."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(project_root()))
    except ValueError:
        return str(path)
