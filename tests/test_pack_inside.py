"""Nothing outside a pack is read on the pack's say-so, and refusals never quote what they refused."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import pytest

from foresight.pack.document_text import MAX_BYTES, DocumentReadError, read_document
from foresight.pack.inside import OutsidePack, pack_file
from foresight.pack.proposals import IngestError, read_proposals
from foresight.run.cli import main
from nbhelpers import notebook_env  # noqa: F401  (fixture)
from test_pack_writes import with_proposals

SECRET = "root:SECRET-LINE-1:0:0\nSECRET-LINE-2\n"


def cli(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A local file no pack may show (a stand-in for /etc/shadow)."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET, encoding="utf-8")
    return path


def hostile_proposals(pack: Path, file: str) -> None:
    with_proposals(pack, 1)
    path = pack / "proposals" / "doc-a.yaml"
    text = path.read_text(encoding="utf-8").replace("file: proposals/doc-a.txt", f"file: {file}")
    path.write_text(text.replace("end: 10", "end: 400"), encoding="utf-8")


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlink", "etc-shadow"])
def test_a_proposals_file_pointing_outside_is_refused_by_validate_and_the_review(pack, secret, capsys, kind):
    from foresight import load_pack
    from foresight.report.ingest_views import load_review

    if kind == "symlink":
        (pack / "proposals").mkdir(exist_ok=True)
        os.symlink(secret, pack / "proposals" / "innocent.txt")
    file = {
        "absolute": str(secret),
        "dotdot": os.path.relpath(secret, pack),
        "symlink": "proposals/innocent.txt",
        "etc-shadow": "/etc/shadow",
    }[kind]
    hostile_proposals(pack, file)
    assert cli(["validate", str(pack)]) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "proposals/doc-a.yaml" in ln]
    assert len(lines) == 1 and ": file: " in lines[0] and "inside" in lines[0], err
    assert "SECRET" not in err
    with pytest.raises(IngestError, match="doc-a.yaml:.*file") as refused:
        read_proposals(pack, "doc-a")
    assert "SECRET" not in str(refused.value)
    # the review notebook's loader refuses too, without reading the file (the pack itself loads
    # only once the proposals file is removed: validate already refused it)
    (pack / "proposals" / "doc-a.yaml").rename(pack / "doc-a.yaml.bak")
    loaded = load_pack(pack)
    (pack / "doc-a.yaml.bak").rename(pack / "proposals" / "doc-a.yaml")
    with pytest.raises(IngestError):
        load_review(loaded, "doc-a")


def test_a_review_of_a_document_id_that_climbs_out_is_refused(pack):
    with pytest.raises(IngestError, match="document id"):
        read_proposals(pack, "../../etc/passwd")


def test_pack_file_refuses_every_way_out(tmp_path, secret):
    pack = tmp_path / "p"
    (pack / "sub").mkdir(parents=True)
    (pack / "sub" / "ok.txt").write_text("fine", encoding="utf-8")
    os.symlink(secret.parent, pack / "linkdir")
    assert pack_file(pack, "sub/ok.txt", "f: file") == pack / "sub" / "ok.txt"
    for value, why in [
        ("/etc/passwd", "absolute"),
        ("~/.ssh/id_rsa", "absolute"),
        ("../outside/secret.txt", "'..'"),
        ("sub/../../outside/secret.txt", "'..'"),
        ("linkdir/secret.txt", "symlink"),
        ("sub", "not a regular file"),
        (".", "names no file"),
    ]:
        with pytest.raises(OutsidePack, match=why) as refused:
            pack_file(pack, value, "proposals/x.yaml: file")
        assert str(refused.value).startswith("proposals/x.yaml: file: ")


def test_ingest_refuses_a_symlinked_document_and_writes_nothing(pack, tmp_path, capsys):
    link = tmp_path / "article.txt"
    os.symlink("/etc/passwd", link)
    before = (pack / "documents.yaml").read_bytes()
    assert cli(["ingest", str(pack), str(link), "--published", "2020-04-01"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "symbolic link" in err[0], err
    assert "root:x:" not in err[0]
    assert (pack / "documents.yaml").read_bytes() == before


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_is_not_a_regular_file(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe.txt"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    with pytest.raises(DocumentReadError, match="not a regular file"):
        read_document(path)


def test_documents_over_the_size_limit_and_without_a_known_suffix_are_refused(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: no time spent writing it
    with pytest.raises(DocumentReadError, match="over the 5 MB limit"):
        read_document(big)
    key = tmp_path / "id_rsa"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n", encoding="utf-8")
    with pytest.raises(DocumentReadError, match="unsupported file type") as refused:
        read_document(key)
    assert "PRIVATE" not in str(refused.value)


def test_a_broken_pdf_gives_one_line_and_no_pypdf_log_lines(tmp_path, caplog, capsys):
    from test_ingest import tiny_pdf

    path = tmp_path / "broken.pdf"  # a wrong startxref and no catalog: pypdf logs its repair attempts, then fails
    data = tiny_pdf(["hello"]).replace(b"startxref\n", b"startxref\n9").replace(b"/Root 1 0 R", b"/Root 7 0 R")
    path.write_bytes(data.replace(b"/Type /Catalog", b"/Type /Xatalog"))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(DocumentReadError, match="broken.pdf: not a readable PDF"):
            read_document(path)
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", ["pack.yaml", "questions.yaml"])
def test_a_symlinked_pack_file_is_refused_without_quoting_its_target(pack, secret, capsys, name):
    (pack / name).unlink()
    os.symlink(secret, pack / name)
    assert cli(["validate", str(pack)]) == 2
    err = capsys.readouterr().err
    assert "SECRET" not in err
    line = next(ln for ln in err.splitlines() if f"{name}:" in ln)
    assert "symlink" in line


def test_ingest_keeps_the_text_it_read_inside_the_pack(pack, tmp_path):
    from foresight.model.options import ModelOptions
    from foresight.report.ingest_views import load_review
    from foresight.run.ingest import ingest

    doc = tmp_path / "elsewhere" / "a.md"
    doc.parent.mkdir()
    doc.write_text("# Talks\n\nSenior officials met for talks in Geneva.\n", encoding="utf-8")
    done = ingest(pack, doc, dt.date(2020, 4, 1), options=ModelOptions(draws=400, learn_from_cases=False))
    data, _ = read_proposals(pack, done.document_id)
    assert data.file == f"proposals/{done.document_id}.txt" and data.source == "a.md"
    doc.unlink()  # the review no longer needs the original
    from foresight import load_pack

    review = load_review(load_pack(pack), done.document_id)
    assert review.note is None and "Senior officials" in review.text.text


@pytest.mark.slow  # one notebook through papermill
@pytest.mark.usefixtures("notebook_env")
def test_the_ingest_notebook_cannot_be_made_to_print_a_local_file(pack, secret, tmp_path):
    import papermill as pm

    from nbhelpers import execute, outputs_of

    hostile_proposals(pack, str(secret))
    with pytest.raises(pm.PapermillExecutionError) as failed:
        execute("ingest", tmp_path, pack=str(pack), document="doc-a", draws=400)
    assert "proposals/doc-a.yaml" in failed.value.evalue and "SECRET" not in failed.value.evalue
    shown = "".join(str(o) for o in outputs_of(tmp_path / "ingest.ipynb"))
    assert "SECRET" not in shown
