"""Text made safe for a terminal: the one rule for what the command line prints.

A pack is shared, and the CLI echoes pack text (titles, ids in errors, validate's quotes, lint
and diff lines). An ESC in a title (``\\e[2J``) would clear the reader's screen, recolour or hide
lines, or retitle the window; C1 controls (U+0080-U+009F) do the same on many terminals, and
bidirectional overrides (U+202A-U+202E, U+2066-U+2069) make a line read differently from what it
holds. :func:`terminal_text` shows each such character as its escape (``\\x1b``), so the reader sees
that it is there and nothing acts on it; tab, newline and carriage return are kept (the CLI's
own layout and progress bar use them). :func:`safe_terminal` applies the rule to everything a
command writes to stdout and stderr, so no print can forget it. The report layer re-exports the
rule (:mod:`foresight.report.escape`).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 controls but tab, newline and carriage return; DEL; C1 controls; bidirectional overrides."""


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: Any) -> str:
    """``text`` with every control character that a terminal would act on shown as its escape."""
    return CONTROL.sub(_shown, str(text))


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character :func:`terminal_text` would rewrite."""
    return CONTROL.search(text) is not None


class TerminalStream:
    """A text stream that writes through :func:`terminal_text`; everything else goes to the wrapped stream."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_text(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def safe_terminal() -> Iterator[None]:
    """Route ``sys.stdout`` and ``sys.stderr`` through :class:`TerminalStream` for the block."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalStream(out), TerminalStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
