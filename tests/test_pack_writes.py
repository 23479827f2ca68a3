"""Pack writes never lose an accepted change: concurrent writers queue on the pack's lock."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from foresight import load_pack
from foresight.base.locking import LOCK_FILE, FolderBusy, folder_lock
from foresight.pack.proposals import Proposal, read_proposals, text_path, write_proposals
from foresight.run.cli import main
from foresight.run.ingest import accept, reject

WRITERS = 8
TEXT = "\n\n".join(f"Paragraph {i} says the talks went on." for i in range(1, WRITERS + 1)) + "\n"


def with_proposals(pack: Path, n: int = WRITERS) -> list[str]:
    """Give document doc-a of the mini pack ``n`` pending proposals (and its text); return their ids."""
    indicators = list(load_pack(pack).indicators)
    kept = text_path(pack, "doc-a")
    kept.parent.mkdir(exist_ok=True)
    kept.write_text(TEXT, encoding="utf-8")
    proposals = [
        Proposal(f"p{i:02d}", indicators[i % len(indicators)], "present", 0.9, "talks", i, 1, 0, 10)
        for i in range(1, n + 1)
    ]
    write_proposals(pack, "doc-a", "proposals/doc-a.txt", dt.date(2020, 4, 1), proposals, "a.md")
    return [p.id for p in proposals]


def _accept_one(pack: str, proposal: str, start, results) -> None:
    start.wait()
    try:
        accept(pack, "doc-a", [proposal])
        results.put((proposal, "ok"))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((proposal, repr(exc)))


def _accept_every_round(packs: list[str], proposal: str, barrier, results) -> None:
    """One writer: in each round, wait for the other seven, then accept its proposal in that round's pack."""
    for pack in packs:
        barrier.wait(timeout=60)
        try:
            accept(pack, "doc-a", [proposal])
            results.put((pack, proposal, "ok"))
        except Exception as exc:  # reported to the test, which fails on it
            results.put((pack, proposal, repr(exc)))


def assert_consistent(pack: Path, ids: list[str], before: int) -> None:
    """Every proposal accepted, one evidence item each (found by its paragraph), nothing lost or doubled."""
    loaded = load_pack(pack)
    _, proposals = read_proposals(pack, "doc-a")
    assert {p.id: p.status for p in proposals} == dict.fromkeys(ids, "accepted")
    added = [ev for ev in loaded.evidence if ev.note and ev.note.startswith("Paragraph ") and "a.md" in ev.note]
    assert len(loaded.evidence) == before + len(ids)
    assert sorted(int(ev.note.split(",")[0].split()[1]) for ev in added) == list(range(1, len(ids) + 1))


def test_eight_concurrent_accepts_all_land_in_twenty_rounds(pack, tmp_path):
    import shutil

    ids = with_proposals(pack)
    before = len(load_pack(pack).evidence)
    rounds = [tmp_path / f"round-{n}" for n in range(20)]
    for target in rounds:
        shutil.copytree(pack, target)
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(WRITERS), ctx.Queue()
    workers = [ctx.Process(target=_accept_every_round, args=(list(map(str, rounds)), i, barrier, results)) for i in ids]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=120) for _ in range(len(rounds) * WRITERS)]
    for w in workers:
        w.join(timeout=60)
    assert [o for o in outcomes if o[2] != "ok"] == []
    for target in rounds:
        assert_consistent(target, ids, before)


@pytest.mark.slow  # eight interpreters start at once: about 10-20 s on two busy cores
def test_eight_concurrent_accept_commands_all_land(pack):
    ids = with_proposals(pack)
    before = len(load_pack(pack).evidence)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "foresight.run.cli", "accept", str(pack), "doc-a", i],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in ids
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "added 1 evidence item" in out
    assert_consistent(pack, ids, before)


def test_reject_and_accept_at_once_keep_both_changes(pack):
    ids = with_proposals(pack, 2)
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()

    def rejecter() -> None:
        start.wait()
        reject(str(pack), "doc-a", [ids[1]])
        results.put("rejected")

    workers = [ctx.Process(target=_accept_one, args=(str(pack), ids[0], start, results)), ctx.Process(target=rejecter)]
    for w in workers:
        w.start()
    start.set()
    got = {results.get(timeout=60) for _ in workers}
    for w in workers:
        w.join(timeout=60)
    assert got == {(ids[0], "ok"), "rejected"}
    _, proposals = read_proposals(pack, "doc-a")
    assert {p.id: p.status for p in proposals} == {ids[0]: "accepted", ids[1]: "rejected"}


def test_a_busy_pack_is_refused_after_the_wait_with_one_line(pack, capsys, monkeypatch):
    from foresight.base import locking

    with_proposals(pack, 1)
    monkeypatch.setattr(locking, "WAIT_SECONDS", 0.2)
    ctx = multiprocessing.get_context("fork")
    held, release = ctx.Event(), ctx.Event()

    def holder() -> None:
        with folder_lock(pack):
            held.set()
            release.wait(30)

    proc = ctx.Process(target=holder)
    proc.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        assert main(["accept", str(pack), "doc-a", "p01"]) == 2
        assert time.monotonic() - started < 5
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "being changed by another foresight command" in err[0]
        with pytest.raises(FolderBusy):
            with folder_lock(pack, wait=0.05):
                pass
    finally:
        release.set()
        proc.join(30)
    with folder_lock(pack, wait=1):  # released when its holder ended
        pass


def test_the_lock_dies_with_its_holder(pack):
    """A writer killed mid-write leaves no stale lock: the kernel drops a flock with its process."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from foresight.base.locking import folder_lock\nwith folder_lock({str(pack)!r}):\n"
            "    print('held', flush=True)\n    import time; time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    proc.kill()
    proc.wait()
    with folder_lock(pack, wait=2):
        pass
    assert (pack / LOCK_FILE).is_file()
    assert yaml.safe_load((pack / LOCK_FILE).read_text() or "null") is None  # the lock file holds no data


def _new_into(folder: str, title: str, start, results) -> None:
    from foresight.pack.scaffold import ScaffoldError, new_pack

    start.wait()
    try:
        new_pack(folder, title=title)
        results.put((title, "created"))
    except ScaffoldError as exc:
        results.put((title, str(exc)))


def test_two_news_into_one_empty_folder_leave_one_whole_pack(tmp_path):
    from foresight import load_pack

    for n in range(5):
        folder = tmp_path / f"empty-{n}"
        folder.mkdir()
        ctx = multiprocessing.get_context("fork")
        start, results = ctx.Event(), ctx.Queue()
        workers = [ctx.Process(target=_new_into, args=(str(folder), t, start, results)) for t in ("first", "second")]
        for w in workers:
            w.start()
        start.set()
        outcomes = dict(results.get(timeout=60) for _ in workers)
        for w in workers:
            w.join(timeout=60)
        created = [t for t, what in outcomes.items() if what == "created"]
        assert len(created) == 1, outcomes
        (loser,) = set(outcomes) - set(created)
        assert "not empty" in outcomes[loser]
        assert load_pack(folder).meta.title == created[0]  # one pack, all from the winner
