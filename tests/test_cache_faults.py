"""Fault injection on the posterior cache: damaged entries, unwritable folders, where the cache lives, and
`foresight cache info|clear`.

The cache is an optimisation: whatever happens to it, a forecast comes back with
the same numbers, and a warning names the file when something was wrong. These
tests check the cache's plumbing, so they sample with the fake sampler
(tests/fakesampler.py) into their own cache folder, never the session's.
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

from foresight import forecast, load_pack
from foresight.base import paths
from foresight.model.joint import joint_forecast
from foresight.run.cli import main as cli

MINI = Path(__file__).parent / "fixtures" / "mini"
QUESTION = "deal-by-june"  # its family learns from coded cases: NUTS, so cached
AS_OF = "2020-03-01"
DRAWS = 200


@pytest.fixture
def cache(tmp_path, monkeypatch, fake_sampler):
    """A private, empty cache folder for this test (the default location, through FORESIGHT_CACHE_DIR)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("FORESIGHT_CACHE_DIR", str(folder))
    return folder


def single(**kwargs):
    return forecast(load_pack(MINI), QUESTION, as_of=AS_OF, draws=DRAWS, seed=3, **kwargs)


def joint(**kwargs):
    return joint_forecast(load_pack(MINI), AS_OF, draws=DRAWS, seed=3, **kwargs)


def entries(folder: Path, kind: str) -> list[Path]:
    return sorted((folder / kind).glob("*.npz")) if (folder / kind).is_dir() else []


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def garbage(path: Path) -> None:
    path.write_bytes(b"\x00not a numpy archive\xff" * 50)


def wrong_shape(path: Path) -> None:
    """A readable archive that is not what the key promises (another writer's bug, a renamed file)."""
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    np.savez(path, **{name: (a[:-1] if a.ndim else a) for name, a in arrays.items()})


def no_diagnostics(path: Path) -> None:
    """Arrays intact, but the record of how they were sampled is gone."""
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files if name != "meta"}
    np.savez(path, meta=np.array(json.dumps({"format": 2, "key": path.stem})), **arrays)


DAMAGE = [truncate, empty, garbage, wrong_shape, no_diagnostics]


def warned_about(record, path: Path) -> bool:
    return any(re.search(re.escape(str(path)), str(w.message)) for w in record)


# --- damaged entries are re-sampled, with a warning naming the file, and replaced -------------


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_damaged_single_entry_is_resampled_and_replaced(cache, damage):
    first = single()
    (entry,) = entries(cache, "posteriors")
    damage(entry)
    with pytest.warns(UserWarning) as record:
        again = single()
    assert warned_about(record, entry), [str(w.message) for w in record]
    assert not again.diagnostics.cached
    np.testing.assert_array_equal(again.draws, first.draws)  # same seed, same numbers
    assert any(w.category.__name__ == "CacheWarning" and issubclass(w.category, UserWarning) for w in record)
    # replaced whole, through a temporary file renamed into place: nothing else is left in the folder
    assert [p.name for p in cache.rglob("*") if p.is_file()] == [entry.name]
    # and the next forecast reads it back without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        third = single()
    assert third.diagnostics.cached
    np.testing.assert_array_equal(third.draws, first.draws)


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_damaged_joint_entry_is_resampled_and_replaced(cache, damage):
    first = joint()
    (entry,) = entries(cache, "joint")
    damage(entry)
    with pytest.warns(UserWarning) as record:
        again = joint()
    assert warned_about(record, entry), [str(w.message) for w in record]
    assert not again.diagnostics.cached
    np.testing.assert_array_equal(again.probabilities.to_numpy(), first.probabilities.to_numpy())
    third = joint()
    assert third.diagnostics.cached and entries(cache, "joint") == [entry]


def test_any_flipped_byte_gives_the_same_numbers(cache):
    """Wherever an entry is corrupted, the forecast is either read intact or re-sampled: never wrong numbers."""
    first = single()
    (entry,) = entries(cache, "posteriors")
    good = entry.read_bytes()
    rng = np.random.default_rng(0)
    for position in sorted(rng.choice(len(good), size=6, replace=False)):
        bad = bytearray(good)
        bad[position] ^= 0xFF
        entry.write_bytes(bytes(bad))
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            again = single()
        np.testing.assert_array_equal(again.draws, first.draws, err_msg=f"byte {position} flipped")
        # either the flip hit bytes nobody reads (zip timestamps, padding) or the entry was re-sampled with a warning
        assert again.diagnostics.cached or warned_about(record, entry), position
        entry.write_bytes(good)


# --- a cache that cannot be written warns and still returns the forecast ------------------------


def test_cache_dir_that_is_a_file_warns_and_forecasts(tmp_path, monkeypatch, fake_sampler):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("I am a file")
    monkeypatch.setenv("FORESIGHT_CACHE_DIR", str(blocker))
    with pytest.warns(UserWarning, match="could not write"):
        f = single()
    with pytest.warns(UserWarning, match="could not write"):
        jf = joint()
    assert 0 < f.mean < 1 and 0 < jf.forecasts[QUESTION].mean < 1
    assert blocker.read_text() == "I am a file"


def test_read_only_cache_warns_and_forecasts(cache, monkeypatch):
    cache.mkdir()
    cache.chmod(0o555)
    try:
        if os.access(cache, os.W_OK):  # root ignores permissions: fail creating files there as a read-only mount does
            real_mkstemp = tempfile.mkstemp

            def read_only_mount(*args, dir=None, **kwargs):
                if dir is not None and Path(dir).is_relative_to(cache):
                    raise OSError(errno.EROFS, "Read-only file system", str(dir))
                return real_mkstemp(*args, dir=dir, **kwargs)

            monkeypatch.setattr(tempfile, "mkstemp", read_only_mount)
        with pytest.warns(UserWarning, match=re.escape(str(cache))):
            f = single()
        with pytest.warns(UserWarning, match="could not write"):
            joint()
    finally:
        cache.chmod(0o755)
    assert 0 < f.mean < 1 and not any(cache.rglob("*.npz"))


def test_full_disk_warns_forecasts_and_leaves_no_partial_entry(cache, monkeypatch):
    real_savez = np.savez

    def savez_until_the_disk_is_full(file, *args, **kwargs):
        real_savez(file, *args, **kwargs)
        Path(file).write_bytes(Path(file).read_bytes()[:100])  # half written...
        raise OSError(errno.ENOSPC, "No space left on device")  # ...when the disk fills up

    monkeypatch.setattr(np, "savez", savez_until_the_disk_is_full)
    with pytest.warns(UserWarning, match="No space left on device"):
        f = single()
    with pytest.warns(UserWarning, match="No space left on device"):
        joint()
    assert 0 < f.mean < 1
    assert not [p for p in cache.rglob("*") if p.is_file()]  # neither an entry nor a temporary file
    monkeypatch.setattr(np, "savez", real_savez)
    assert not single().diagnostics.cached and single().diagnostics.cached  # the disk has room again


def test_failed_rewrite_leaves_the_old_file_and_no_temporary_file(cache, monkeypatch):
    """Replacing an entry is all or nothing: a write that fails half-way leaves the old file as it was."""
    single()
    (entry,) = entries(cache, "posteriors")
    truncate(entry)
    before = entry.read_bytes()

    def failing_savez(file, *args, **kwargs):
        Path(file).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.warns(UserWarning) as record:
        f = single()
    messages = " ".join(str(w.message) for w in record)
    assert "unreadable" in messages and "No space left on device" in messages
    assert 0 < f.mean < 1
    assert entry.read_bytes() == before
    assert [p for p in cache.rglob("*") if p.is_file()] == [entry]


# --- one rule for where the cache lives -------------------------------------------------------


def test_cache_follows_the_project_root(tmp_path, monkeypatch, fake_sampler):
    """A second checkout (FORESIGHT_ROOT) caches in its own .cache/foresight, next to its own runs/."""
    other = tmp_path / "second-checkout"
    other.mkdir()
    monkeypatch.delenv("FORESIGHT_CACHE_DIR", raising=False)
    monkeypatch.setenv("FORESIGHT_ROOT", str(other))
    single()
    joint()
    assert len(entries(other / ".cache" / "foresight", "posteriors")) == 1
    assert len(entries(other / ".cache" / "foresight", "joint")) == 1
    assert paths.cache_dir() == other.resolve() / ".cache" / "foresight"
    assert paths.runs_dir().parent == paths.cache_dir().parents[1]  # runs and cache under one root


def test_cache_dir_variable_overrides_and_a_relative_one_is_under_the_root(tmp_path, monkeypatch, fake_sampler):
    """$FORESIGHT_CACHE_DIR wins; a relative value means the same folder from any working directory."""
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    monkeypatch.setenv("FORESIGHT_ROOT", str(root))
    monkeypatch.setenv("FORESIGHT_CACHE_DIR", "scratch/cache")
    monkeypatch.chdir(elsewhere)  # a kernel runs in notebooks/, the command in the root: both must agree
    single()
    assert len(entries(root / "scratch" / "cache", "posteriors")) == 1
    assert not any(elsewhere.rglob("*.npz"))
    monkeypatch.setenv("FORESIGHT_CACHE_DIR", str(tmp_path / "absolute"))
    joint()
    assert len(entries(tmp_path / "absolute", "joint")) == 1


# --- foresight cache info | clear ------------------------------------------------------------


def test_cache_info_says_where_how_many_and_how_big(cache, capsys):
    assert cli(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(cache) in out and "not created yet" in out and "entries:   0" in out
    single()
    joint()
    assert cli(["cache", "info"]) == 0
    out = capsys.readouterr().out
    size = sum(p.stat().st_size for p in cache.rglob("*.npz"))
    assert "$FORESIGHT_CACHE_DIR" in out and "entries:   2" in out
    assert f"({size / 1e3:.1f} kB)" in out or f"({size / 1e6:.1f} MB)" in out


def test_cache_clear_asks_and_removes_only_cache_files(cache, capsys, monkeypatch):
    single()
    joint()
    keep = cache / "notes.txt"
    keep.write_text("mine")
    (cache / "posteriors" / ".leftover.npz.abc.tmp.npz").write_bytes(b"half")  # a killed writer's temp file
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli(["cache", "clear"]) == 1
    assert "nothing removed" in capsys.readouterr().out
    assert len(list(cache.rglob("*.npz"))) == 3
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")
    assert cli(["cache", "clear"]) == 0
    assert "2 entries" in asked[0] and str(cache) in asked[0]
    assert "removed 2 entries" in capsys.readouterr().out
    assert not list(cache.rglob("*.npz")) and keep.read_text() == "mine"
    assert not single().diagnostics.cached  # cleared: sampled again


def test_cache_clear_removes_the_analyst_prior_memo_without_counting_it_as_an_entry(cache, capsys):
    from foresight.model import priors

    priors.analyst_beta.cache_clear()
    fitted = priors.analyst_beta(0.2, 0.5)
    memo = cache / priors.MAXENT_MEMO
    assert memo.is_file()
    single()
    assert cli(["cache", "info"]) == 0
    assert "entries:   1" in capsys.readouterr().out
    assert cli(["cache", "clear", "--yes"]) == 0
    assert not memo.exists() and not list(cache.rglob("*.npz"))
    priors.analyst_beta.cache_clear()
    assert priors.analyst_beta(0.2, 0.5) == fitted  # fitted again by PreliZ, the same numbers
    priors.analyst_beta.cache_clear()


def test_cache_clear_yes_does_not_ask(cache, capsys, monkeypatch):
    single()

    def no_questions(prompt):
        raise AssertionError("--yes must not ask")

    monkeypatch.setattr("builtins.input", no_questions)
    assert cli(["cache", "clear", "--yes"]) == 0
    assert not list(cache.rglob("*.npz"))
    assert cli(["cache", "clear", "--yes"]) == 0  # an empty or missing cache is fine
    assert "cache is empty" in capsys.readouterr().out


def test_cache_clear_without_a_terminal_answer_removes_nothing(cache, capsys, monkeypatch):
    single()

    def end_of_input(prompt):
        raise EOFError

    monkeypatch.setattr("builtins.input", end_of_input)
    assert cli(["cache", "clear"]) == 1
    assert len(list(cache.rglob("*.npz"))) == 1
    assert "--yes" in capsys.readouterr().out
