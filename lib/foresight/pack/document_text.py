"""A source document read from disk into paragraphs and sentences with character offsets.

Ingestion points the analyst at *where* a sign stands (paragraph, sentence, characters), and the
pack stores only that location and the analyst's paraphrase, never the document's words. So the
text is read the same way every time (the same offsets for the same file), from plain text,
Markdown, HTML (main text by trafilatura, so menus and footers do not become evidence) or PDF
(pypdf), and split into sentences by sentencex (rule-based: nothing is downloaded at run time).
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from foresight.base.reading import FileRefused, read_regular

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
ALLOWED = "plain text (.txt), Markdown (.md), HTML (.html/.htm) or PDF (.pdf)"
MAX_BYTES = 5_000_000
"""Largest document read (5 MB): a news article is well under 1 MB, and a 50 MB text took 73 s and
1.3 GB to segment. A file without one of the suffixes above is refused, so a key file such as
``~/.ssh/id_rsa`` is never read as text."""


class DocumentReadError(ValueError):
    """A document that cannot be read as text; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Sentence:
    """One sentence: its 1-based paragraph and sentence numbers and its span in :attr:`DocumentText.text`."""

    paragraph: int
    number: int
    start: int
    end: int


@dataclass(frozen=True)
class DocumentText:
    """The text of one document and its sentences (numbers count from 1 within each paragraph)."""

    path: Path
    text: str
    sentences: tuple[Sentence, ...]

    def sentence_text(self, sentence: Sentence) -> str:
        return self.text[sentence.start : sentence.end].strip()

    def find(self, paragraph: int, number: int) -> Sentence:
        for s in self.sentences:
            if s.paragraph == paragraph and s.number == number:
                return s
        raise KeyError(f"{self.path.name} has no sentence {number} in paragraph {paragraph}")

    @property
    def n_paragraphs(self) -> int:
        return max((s.paragraph for s in self.sentences), default=0)


def _decode(path: Path, data: bytes) -> str:
    if b"\x00" in data:
        raise DocumentReadError(f"{path}: looks binary (it holds NUL bytes); give {ALLOWED}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentReadError(
            f"{path}: not UTF-8 text (byte {exc.start} is {data[exc.start : exc.start + 1]!r}); "
            "save it as UTF-8 and try again"
        ) from None


def _html_text(path: Path, data: bytes) -> str:
    import trafilatura

    html = _decode(path, data)
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    if not text:
        raise DocumentReadError(f"{path}: no article text found in the HTML")
    # trafilatura puts one paragraph per line: make paragraphs blank-line separated like plain text.
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


@contextmanager
def _quiet(logger: str):
    """Silence a library's log lines for the block: its warnings about a broken file would come
    before, and repeat, the one line that says what is wrong."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        log.setLevel(level)


def _pdf_text(path: Path, data: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with _quiet("pypdf"):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise DocumentReadError(f"{path}: the PDF is encrypted; save an unencrypted copy")
            pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        if isinstance(exc, DocumentReadError):
            raise
        raise DocumentReadError(f"{path}: not a readable PDF ({exc})") from None
    return "\n\n".join(p.strip() for p in pages if p.strip())


def _read_bytes(path: Path) -> bytes:
    """The document's bytes (:func:`foresight.base.reading.read_regular`: no symlink, no device or FIFO,
    at most :data:`MAX_BYTES`); DocumentReadError saying why not."""
    try:
        return read_regular(path, MAX_BYTES, follow_symlinks=False)
    except FileRefused as exc:
        advice = (
            "give the article itself (or the part of it that matters)"
            if "limit" in exc.reason
            else f"give the document file itself ({ALLOWED})"
        )
        raise DocumentReadError(f"{path}: {exc.reason} for a document; {advice}") from None
    except FileNotFoundError:
        raise DocumentReadError(f"{path}: no such file; give a document file ({ALLOWED})") from None
    except OSError as exc:
        raise DocumentReadError(f"{path}: cannot be read ({exc.strerror})") from None


def read_text(path: str | Path) -> str:
    """The document's text (see the module docstring); DocumentReadError for anything unreadable."""
    path = Path(path)
    suffix = path.suffix.lower()
    data = _read_bytes(path)
    if suffix not in PDF_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES:
        raise DocumentReadError(f"{path}: unsupported file type {suffix or '(no suffix)'!r}; give {ALLOWED}")
    if not data.strip():
        raise DocumentReadError(f"{path}: the file is empty")
    if suffix in PDF_SUFFIXES:
        if not data.startswith(b"%PDF"):
            raise DocumentReadError(f"{path}: named .pdf but is not a PDF file")
        text = _pdf_text(path, data)
    elif suffix in HTML_SUFFIXES:
        text = _html_text(path, data)
    else:
        text = _decode(path, data)
    if not text.strip():
        raise DocumentReadError(f"{path}: no text in the document")
    return text


# Titles before a name whose full stop the segmenter takes for a sentence's end.
TITLE_END = re.compile(r"\b(?:Mr|Mrs|Ms|Messrs|Dr|Prof|Gen|Lt|Col|Maj|Capt|Sgt|Adm|Sen|Rep|Gov|Rev|St)\.$")
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def segment(text: str, path: Path | None = None) -> DocumentText:
    """Split ``text`` into paragraphs (blank-line separated) and sentences, keeping exact offsets."""
    from sentencex import segment as sentences_of

    out: list[Sentence] = []
    start = 0
    paragraph = 0
    bounds = [m.start() for m in PARAGRAPH_BREAK.finditer(text)] + [len(text)]
    for end in bounds:
        block = text[start:end]
        if block.strip():
            paragraph += 1
            cursor = start
            number = 0
            for piece in sentences_of("en", block):
                if not piece.strip():
                    continue
                at = text.find(piece.strip(), cursor, end)
                if at < 0:  # the segmenter normalised something: fall back to the running cursor
                    at = cursor
                stop = at + len(piece.strip())
                if number and TITLE_END.search(text, out[-1].start, out[-1].end):  # "removed Ms." ends nothing
                    out[-1] = Sentence(paragraph, number, out[-1].start, stop)
                else:
                    number += 1
                    out.append(Sentence(paragraph, number, at, stop))
                cursor = stop
        match = PARAGRAPH_BREAK.match(text, end)
        start = match.end() if match else end
    return DocumentText(Path(path) if path else Path("<text>"), text, tuple(out))


def read_document(path: str | Path) -> DocumentText:
    """Read and segment ``path`` (see :func:`read_text`)."""
    return segment(read_text(path), Path(path))
