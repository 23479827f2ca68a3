"""`foresight new`: a new pack that validates at once (warnings too) and runs; existing folders are refused."""

from __future__ import annotations

import json
import re

import pytest

from foresight import load_pack
from foresight.model.outside import extreme_base_rates
from foresight.pack import schema
from foresight.pack.links import Links
from foresight.pack.notices import pack_warnings
from foresight.pack.scaffold import PACK_FILES, ScaffoldError, new_pack, pack_id_for
from nbhelpers import foresight_cli, notebook_env

__all__ = ["notebook_env"]


def _commented(folder, file) -> set[str]:
    """Fields shown as a commented-out example line (``# path: ...``), for values that cannot be real here."""
    return set(re.findall(r"^\s*# (\w+): ", (folder / file).read_text(), flags=re.M))


def test_new_pack_validates_without_warnings_and_shows_every_optional_field(tmp_path):
    folder = new_pack(tmp_path / "My Pack", title='Water talks: "2025" # draft')
    assert sorted(p.name for p in folder.iterdir()) == sorted(PACK_FILES)
    pack = load_pack(folder)
    assert pack.meta.id == "my-pack" and pack.meta.title == 'Water talks: "2025" # draft'
    assert pack_warnings(pack, extra=[extreme_base_rates]) == []
    # one worked example of every field the schema allows, optional ones included
    import yaml

    def used(file):
        return yaml.safe_load((folder / file).read_text())

    meta = used("pack.yaml")
    assert set(meta) | _commented(folder, "pack.yaml") == set(schema.PackMeta.model_fields)
    for file, (key, model) in {
        **schema.OPTIONAL_RECORD_FILES,
        schema.EVENT_LOGS_FILE: ("event_logs", schema.EventLog),
    }.items():
        items = used(file)[key]
        assert set().union(*(set(item) for item in items)) == set(model.model_fields), file
    for file, (key, model) in schema.RECORD_FILES.items():
        items = used(file)[key]
        fields = set().union(*(set(item) for item in items)) | _commented(folder, file)
        assert fields == set(model.model_fields), (file, set(model.model_fields) - fields)
    cases = [case for rc in used("reference_classes.yaml")["reference_classes"] for case in rc["cases"]]
    assert set().union(*(set(c) for c in cases)) == set(schema.Case.model_fields)
    links = used("links.yaml")
    assert set(links) == set(Links.model_fields)
    for kind in links:
        model = Links.model_fields[kind].annotation.__args__[0]
        # YAML 1.1 reads a bare `on:` key as True; the loader maps it back to `on` (see Hinge)
        keys = {("on" if k is True else k) for item in links[kind] for k in item}
        assert keys == set(model.model_fields), kind
    assert "Checklist" in (folder / "README.md").read_text()
    # the discount the library's backtest favours (none); a pack without the field keeps the older rule
    assert pack.meta.correlation_discount == "none"
    assert schema.PackMeta.model_fields["correlation_discount"].default == "whole_group"


def test_existing_non_empty_folder_is_refused_and_left_alone(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "notes.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match="not empty"):
        new_pack(tmp_path / "p")
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert load_pack(new_pack(tmp_path / "empty")).meta.id == "empty"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left behind
    assert pack_id_for(tmp_path / "__") == "my-pack"


@pytest.mark.slow  # a whole run and a second one: a minute; run by make test-all and CI
def test_new_validate_run_from_the_command_line(tmp_path, notebook_env):
    folder = tmp_path / "p"
    made = foresight_cli("new", str(folder))
    assert made.returncode == 0, made.stderr
    again = foresight_cli("new", str(folder))
    assert again.returncode == 2 and "not empty" in again.stderr
    checked = foresight_cli("validate", str(folder), "--strict")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    runs = tmp_path / "runs"
    ran = foresight_cli("run", str(folder), "--draws", "200", "--runs-dir", str(runs), "--no-progress", "--jobs", "2")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (run,) = [p for p in runs.iterdir() if not p.name.startswith(".")]
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "complete"
    # the joint scenarios were forecast as of the pack's own date, with no parameter given
    side = (run / "side_by_side.csv").read_text()
    assert "2025-02-01" in side
    assert "Changes since the previous run" not in (run / "index.html").read_text()

    # a second run after one piece of evidence changed: the index and `foresight diff` say what moved and why
    text = (folder / "evidence.yaml").read_text()
    (folder / "evidence.yaml").write_text(text.replace("credibility: 0.8 ", "credibility: 0.2 ", 1))
    question = "treaty-signed-by-2025-06-30"
    ran = foresight_cli(
        "run", str(folder), "--draws", "200", "--runs-dir", str(runs), "--no-progress", "--question", question
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (second,) = [p for p in runs.iterdir() if not p.name.startswith(".") and p != run]
    index = (second / "index.html").read_text()
    assert "Changes since the previous run" in index and "ev-draft-text" in index
    diff = foresight_cli("diff", run.name, second.name, "--runs-dir", str(runs))
    assert diff.returncode == 0, diff.stderr
    assert f"{question}: " in diff.stdout
    assert "evidence ev-draft-text: credibility: 0.8 -> 0.2" in diff.stdout
    assert "parameter: questions" in diff.stdout  # the second run asked for one question only
    bad = foresight_cli("diff", run.name, "no-such-run", "--runs-dir", str(runs))
    assert bad.returncode == 2 and "no run folder" in bad.stderr
