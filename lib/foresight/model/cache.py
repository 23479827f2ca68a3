"""The posterior cache on disk: posterior draws stored under a hash of everything that determines them.

NUTS takes seconds to minutes per model (the Laplace + PSIS approximation
milliseconds, but its NUTS fallback does not), and the same priors, cases,
sampler settings and inference method always give the same draws, so a result is sampled once and
read back afterwards (by later forecasts, what-ifs, histories, backtests and
runs). Single-question posteriors and joint draws are both stored here, one
``.npz`` file per entry: the arrays plus a JSON ``meta`` string holding the
format version, the entry's key and whatever the caller records (diagnostics).

The cache is an optimisation, never a source of truth or of failure:

- where it lives is :func:`foresight.base.paths.cache_dir` (``.cache/foresight``
  in the project root, or ``$FORESIGHT_CACHE_DIR``);
- entries are written through a temporary file and a rename, so a reader never
  sees half an entry;
- an entry that cannot be read (truncated, empty, garbage, written by an older
  format, of the wrong shape) is a miss: a :class:`CacheWarning` names the file,
  the caller samples again and the entry is replaced;
- a cache that cannot be written (the folder is a file, read-only, the disk is
  full) gives a :class:`CacheWarning` and the draws are returned all the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from foresight.base import paths
from foresight.base.atomic import atomic_path

FORMAT = 2
"""Version of the entry layout; bump it when the stored arrays change meaning (older entries become misses)."""

KINDS = ("posteriors", "joint")
"""One sub-folder per kind of entry: single-question posteriors and joint draws."""

ANALYST_PRIOR_MEMO = "analyst-priors.json"
"""PreliZ's fits of analyst intervals (:func:`foresight.model.priors.analyst_beta`), kept beside the
entries so that `foresight cache info|clear` account for it too."""


class CacheWarning(UserWarning):
    """Something is wrong with the posterior cache; the forecast itself is unaffected."""


def entry_key(kind: str, parts: dict[str, Any]) -> str:
    """A short hash of the entry kind, the format version and ``parts`` (JSON-able inputs of the draws)."""
    text = json.dumps({"format": FORMAT, "kind": kind, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def entry_path(kind: str, key: str, cache_dir: str | Path | None = None) -> Path:
    """The file of one entry: ``<cache>/<kind>/<key>.npz``."""
    if kind not in KINDS:
        raise ValueError(f"unknown cache entry kind {kind!r}; kinds: {', '.join(KINDS)}")
    return Path(cache_dir or paths.cache_dir()) / kind / f"{key}.npz"


def _warn(message: str) -> None:
    # stacklevel 4: read_entry/write_entry -> cached_draws -> sample_posterior/sample_joint -> its caller
    warnings.warn(message, CacheWarning, stacklevel=4)


def read_entry(
    path: Path, key: str, shapes: dict[str, tuple[int, ...]]
) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The arrays named in ``shapes`` (each with exactly that shape) and the entry's meta, or None on a miss.

    A missing file is a quiet miss. Any other failure to read the entry is a miss
    with a :class:`CacheWarning` naming the file: the caller samples again and
    :func:`write_entry` replaces it.
    """
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"][()]))
            arrays = {name: np.array(data[name], dtype=float) for name in shapes}
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("key") != key:
            raise ValueError(f"written for another key or format ({str(meta)[:80]})")
        for name, shape in shapes.items():
            if arrays[name].shape != tuple(shape):
                raise ValueError(f"array {name!r} has shape {arrays[name].shape}, expected {tuple(shape)}")
    except Exception as exc:  # noqa: BLE001 - any unreadable entry is a miss: zip, npy, JSON or shape errors alike
        _warn(
            f"posterior cache entry {path} is unreadable ({type(exc).__name__}: {exc}); sampling again and replacing it"
        )
        return None
    return arrays, meta


def write_entry(path: Path, key: str, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> bool:
    """Store ``arrays`` and ``meta`` as the entry at ``path``, atomically; False (and a warning) when it cannot."""
    text = json.dumps({**meta, "format": FORMAT, "key": key})
    try:
        with atomic_path(path, suffix=".tmp.npz") as tmp:
            np.savez(tmp, meta=np.array(text), **arrays)
    except OSError as exc:
        _warn(
            f"posterior cache: could not write {path} ({type(exc).__name__}: {exc}); the result is returned "
            f"but will be sampled again next time. Point {paths.CACHE_ENV} at a writable folder to keep it."
        )
        return False
    return True


@dataclass(frozen=True)
class CacheInfo:
    """What `foresight cache info` prints: where the cache is, why there, how many entries, their size."""

    folder: Path
    source: str
    entries: int
    bytes: int
    files: tuple[Path, ...]

    @property
    def problem(self) -> str | None:
        """Why the cache cannot live at :attr:`folder` (a file is there, or where a parent folder should be)."""
        for place in [self.folder, *self.folder.absolute().parents]:
            if place.exists():
                if not place.is_dir():
                    where = "it" if place == self.folder else str(place)
                    return f"{self.folder} is not a folder ({where} is a file); point {self.source} at a folder"
                return None
        return None

    def lines(self) -> list[str]:
        size = f"{self.bytes / 1e6:.1f} MB" if self.bytes >= 1e5 else f"{self.bytes / 1e3:.1f} kB"
        state = "" if self.folder.is_dir() else " (not created yet)"
        return [
            f"posterior cache: {self.folder}{state}",
            f"  chosen by: {self.source}",
            f"  entries:   {self.entries} ({size})",
        ]


def _files(folder: Path) -> list[Path]:
    """Every file the cache made under ``folder``: entries and temporary files left by a killed writer."""
    out: list[Path] = []
    for kind in KINDS:
        sub = folder / kind
        if sub.is_dir():
            out.extend(p for p in sorted(sub.iterdir()) if p.is_file() and p.name.endswith(".npz"))
    memo = folder / ANALYST_PRIOR_MEMO
    return [*out, memo] if memo.is_file() else out


def is_entry(path: Path) -> bool:
    """An entry (``<key>.npz``), not a writer's temporary file (``.<key>.npz.XXXX.tmp.npz``)."""
    return not path.name.startswith(".") and not path.name.endswith(".tmp.npz")


def info(cache_dir: str | Path | None = None) -> CacheInfo:
    """Where the cache is (and which rule chose it), how many entries it holds and their size on disk."""
    if cache_dir is not None:
        folder, source = Path(cache_dir), "given folder"
    elif os.environ.get(paths.CACHE_ENV):
        folder, source = paths.cache_dir(), f"${paths.CACHE_ENV}"
    else:
        folder, source = paths.cache_dir(), f"the project root ({paths.project_root()})"
    files = _files(folder) if folder.is_dir() else []
    entries = [p for p in files if p.suffix == ".npz" and is_entry(p)]
    return CacheInfo(folder, source, len(entries), sum(p.stat().st_size for p in files), tuple(files))


def clear(cache_dir: str | Path | None = None) -> int:
    """Remove every cache file (entries and leftover temporary files), nothing else; the number of entries removed.

    Only ``<kind>/*.npz`` files and the analyst-prior memo are deleted, so a cache
    folder pointed at a folder that holds other things loses nothing but the cache.
    """
    found = info(cache_dir)
    for p in found.files:
        p.unlink(missing_ok=True)
    for kind in KINDS:
        sub = found.folder / kind
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()
    return found.entries
