"""Pack freezes: written with hashes and a log, checked by validate, and a changed file is named."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from foresight import load_pack
from foresight.pack.freeze import FIRST_REASON, FreezeError, freeze, freeze_status
from foresight.run.cli import main
from packtools import copy_pack, problems_of, replace


def test_first_freeze_records_hashes_and_is_intact(pack):
    record = freeze(load_pack(pack), today=dt.date(2026, 12, 1))
    data = yaml.safe_load((pack / "freeze.yaml").read_text())
    assert data["frozen_on"] == "2026-12-01"
    assert set(data["files"]) >= {"pack.yaml", "questions.yaml", "evidence.yaml"}
    assert "freeze.yaml" not in data["files"]
    assert [r["reason"] for r in data["revisions"]] == [FIRST_REASON]
    status = freeze_status(load_pack(pack))
    assert status.intact and record.frozen_on == status.frozen_on
    assert status.sentence() == "scores from frozen content (frozen on 2026-12-01)"


def test_changed_file_is_named(pack):
    freeze(load_pack(pack), today=dt.date(2026, 12, 1))
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: 0.8")
    status = freeze_status(load_pack(pack))
    assert not status.intact and status.changed == ("evidence.yaml",)
    assert "pack changed since its freeze on 2026-12-01: files evidence.yaml" in status.sentence()


def test_refreeze_needs_a_reason_and_appends(pack):
    freeze(load_pack(pack), today=dt.date(2026, 12, 1))
    replace(pack, "evidence.yaml", "credibility: 0.9", "credibility: 0.8")
    with pytest.raises(FreezeError, match="--reason"):
        freeze(load_pack(pack))
    record = freeze(load_pack(pack), "re-elicited blind", today=dt.date(2026, 12, 2))
    assert [r.reason for r in record.revisions] == [FIRST_REASON, "re-elicited blind"]
    assert record.revisions[-1].changed == ["evidence.yaml"]
    assert freeze_status(load_pack(pack)).intact


def test_unfrozen_pack_says_so(pack):
    status = freeze_status(load_pack(pack))
    assert not status.frozen and "not frozen" in status.sentence()


def test_validate_checks_freeze_file(tmp_path):
    pack = copy_pack(tmp_path)
    freeze(load_pack(pack))
    replace(pack, "freeze.yaml", "frozen_on:", "frozen_at:")
    problems = problems_of(pack)
    assert any(p.file == "freeze.yaml" and "frozen_at" in p.field for p in problems), problems


def test_cli_freeze(pack, capsys):
    assert main(["freeze", str(pack)]) == 0
    assert "frozen on" in capsys.readouterr().out
    assert main(["freeze", str(pack)]) == 2
    assert "--reason" in capsys.readouterr().err
    assert main(["freeze", str(pack), "--reason", "typo fixed"]) == 0
