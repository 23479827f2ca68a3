"""Safe YAML reading that remembers where every value stands in its file.

Pack errors must point at a line, so each file is composed into a node tree
(which keeps the parser's marks), a map from field path to line is built from
the nodes, and the data is then constructed from the same tree. The loader is
PyYAML's safe loader, tightened for hand-written data files (parsed by libyaml when PyYAML has
it, a few times faster; anything it refuses or might parse differently goes through the pure-Python
parser, so errors and results are the pure parser's):

* no tags at all (``!!python/object``, but also ``!!binary`` and ``!!str``) - nothing can construct
  code, and a value is always what it looks like;
* no aliases (``*name``) - they allow self-referencing and exponentially large
  values ("billion laughs"), and a pack never needs them;
* no duplicate keys - YAML would silently keep the last, hiding a typo;
* a value the constructor cannot build (a 5000-digit number) is a YAML error
  with a line, never a bare ``ValueError``; an impossible date such as
  ``2020-13-01`` is kept as text for the field's own check to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from foresight.base.reading import FileRefused, read_regular
from foresight.pack.problems import shown

PathKey = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """The data of one YAML file plus the line of every mapping key and list item."""

    path: Path
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, loc: PathKey) -> int:
        """Line of the deepest known prefix of ``loc`` (1-based; 1 when nothing is known)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1


class YamlSyntaxError(Exception):
    """The file is not well-formed YAML; carries the line the parser stopped at."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class _Strict:
    """The constructor rules both loaders share: no duplicate keys, no unmarked constructor errors, no tags."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else ():
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise ConstructorError(
                        None,
                        None,
                        f"duplicate key '{key_node.value}'; each key may appear only once in a mapping",
                        key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node):
        """A date-shaped but impossible value (2020-13-01) stays text, so the record's own check
        reports it on its field instead of the whole file failing to parse."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return node.value

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # e.g. an int of 5000 digits (Python's limit is 4300)
            reason = str(exc).split(";")[0]
            raise ConstructorError(None, None, f"cannot read {shown(node.value)}: {reason}", node.start_mark) from exc

    def construct_undefined(self, node):
        raise ConstructorError(
            None,
            None,
            f"tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed: pack files hold plain data only "
            "(text, numbers, dates, yes/no, lists and mappings)",
            node.start_mark,
        )


class PackLoader(_Strict, yaml.SafeLoader):
    """The safe loader minus aliases, duplicate keys and unmarked constructor errors."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            raise ComposerError(
                None,
                None,
                f"alias '*{event.anchor}' is not allowed in a scenario pack; write the value out in full",
                event.start_mark,
            )
        event = self.peek_event()
        tag = getattr(event, "tag", None)
        if tag is not None:  # written in the file: even !!str and !!binary, which the safe loader would build
            raise ComposerError(
                None,
                None,
                f"tag '{tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed: pack files hold plain data only "
                "(text, numbers, dates, yes/no, lists and mappings); put text in quotes instead",
                event.start_mark,
            )
        return super().compose_node(parent, index)


LOADERS: list[type] = [PackLoader]
if getattr(yaml, "__with_libyaml__", False):

    class FastPackLoader(_Strict, yaml.CSafeLoader):
        """The same rules over libyaml's parser; aliases show as shared nodes (see :func:`_walk`)."""

    LOADERS.append(FastPackLoader)
for _loader in LOADERS:
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _loader.construct_yaml_timestamp)
    _loader.add_constructor(None, _loader.construct_undefined)


class _NotFast(Exception):
    """The libyaml pass saw something only the pure-Python parser reports exactly (an alias)."""


def _key(node: yaml.Node) -> str | int:
    """A mapping key as it appears in an error path: its text, or the number for a bare integer key."""
    if not isinstance(node, yaml.ScalarNode):
        return str(node.start_mark)
    if node.tag.endswith(":int"):
        try:
            return int(node.value)
        except ValueError:
            pass
    return node.value


MAX_DEPTH = 100
"""Deeper nesting is refused outright: no pack needs it, and how deep Python's recursion
can go depends on what else is loaded (PyTensor raises the limit), so relying on
RecursionError alone would make the same file pass in one process and fail in another."""


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


def _walk(node: yaml.Node, loc: PathKey, lines: dict[PathKey, int], seen: set[int] | None = None) -> None:
    """Fill ``lines``; with ``seen`` (the libyaml pass) a node met twice is an alias: :class:`_NotFast`."""
    if len(loc) > MAX_DEPTH:
        raise _TooDeep(node.start_mark.line + 1)
    if seen is not None:
        if id(node) in seen:
            raise _NotFast
        seen.add(id(node))
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = _key(key_node)
            child = (*loc, key)
            lines[child] = key_node.start_mark.line + 1
            if seen is not None:
                _walk(key_node, (*loc, "(key)"), {}, seen)  # a key may be an alias too
            _walk(value_node, child, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), lines, seen)


FAST_MAX_NESTING = 1000
"""libyaml composes nodes recursively in C, without Python's recursion limit: text that could nest
deeper than this (counting every bracket and every indent or dash at a line's start) goes to the
pure-Python parser, which refuses it cleanly."""
_LINE_START = re.compile(r"^[ \t-]*", re.MULTILINE)
_TAG = re.compile(r"(?:^|[\s\[{,:-])!")
"""Where a tag may start: such text goes to the pure parser, whose composer refuses every tag."""


def _parse_fast(text: str) -> tuple[Any, dict[PathKey, int]] | None:
    """(data, lines) from libyaml, or None whenever the pure-Python parser must decide (any error,
    an alias, text that might nest deeply): the answer is then exactly the pure parser's."""
    if len(LOADERS) < 2 or text.count("[") + text.count("{") > FAST_MAX_NESTING or _TAG.search(text):
        return None
    if max(map(len, _LINE_START.findall(text)), default=0) > FAST_MAX_NESTING:
        return None
    loader = None
    try:
        loader = LOADERS[1](text)
        node = loader.get_single_node()
        lines: dict[PathKey, int] = {}
        if node is None:
            return None, lines
        _walk(node, (), lines, set())
        return loader.construct_document(node), lines
    except (yaml.YAMLError, _NotFast, _TooDeep, RecursionError, ValueError):
        return None
    finally:
        if loader is not None:
            loader.dispose()


def _parse(path: Path, text: str) -> tuple[Any, dict[PathKey, int]]:
    fast = _parse_fast(text)
    if fast is not None:
        return fast
    loader = None
    try:
        loader = PackLoader(text)  # checks every character at once: may raise ReaderError
        node = loader.get_single_node()
        lines: dict[PathKey, int] = {}
        if node is None:
            return None, lines
        _walk(node, (), lines)
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"  # where the broken part began
        raise YamlSyntaxError(path, line, f"invalid YAML: {problem}") from exc
    except yaml.reader.ReaderError as exc:  # a control character; only the offset is known
        line = text.count("\n", 0, exc.position) + 1
        raise YamlSyntaxError(path, line, f"invalid YAML: character #x{exc.character:04x} is not allowed") from exc
    except yaml.YAMLError as exc:  # errors without a mark (rare)
        raise YamlSyntaxError(path, 1, f"invalid YAML: {exc}") from exc
    except RecursionError as exc:
        line = loader.line + 1 if loader is not None else 1
        raise YamlSyntaxError(path, line, "invalid YAML: lists or mappings nested too deeply") from exc
    except _TooDeep as exc:
        raise YamlSyntaxError(
            path, exc.line, f"invalid YAML: lists or mappings nested too deeply (more than {MAX_DEPTH} levels)"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


MAX_FILE_BYTES = 4_000_000
"""Largest YAML file read (4 MB): the seed pack's largest file is 60 kB, a 400-question pack about 1 MB."""
MAX_LINE = 100_000
"""Longest line read: a hand-written value on one line is far shorter, and a 20 MB key took 28 s to refuse."""
_LONG_LINE = re.compile(f"[^\n]{{{MAX_LINE + 1}}}")

_LINES: dict[tuple[Path, int, int], dict[PathKey, int]] = {}
"""Field lines of the files read so far, by (resolved path, mtime_ns, size): warnings look lines up
after the loader read the pack, and parsing a file again would cost as much as loading it."""
_LINES_KEPT = 64


def _stamp(path: Path) -> tuple[Path, int, int] | None:
    try:
        resolved = Path(path).resolve()
        stat = resolved.stat()
    except OSError:
        return None
    return resolved, stat.st_mtime_ns, stat.st_size


def lines_of(path: Path) -> dict[PathKey, int] | None:
    """The line of every field of ``path`` as it is now on disk (from the last read when the file has
    not changed since, else read again); None when it cannot be read or parsed."""
    key = _stamp(path)
    if key is None:
        return None
    if key not in _LINES:
        try:
            read_yaml(key[0])
        except YamlSyntaxError:
            return None
    return _LINES.get(key)


def read_yaml(path: Path) -> YamlDoc:
    """Parse ``path`` safely; raise :class:`YamlSyntaxError` with a line on bad YAML."""
    key = _stamp(path)  # before reading: a change while reading gets a newer stamp, so a stale entry is never found
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileRefused as exc:
        raise YamlSyntaxError(
            path, 1, f"{exc.reason}; a pack file is a regular YAML file of at most {MAX_FILE_BYTES / 1e6:g} MB"
        ) from None
    except OSError as exc:
        raise YamlSyntaxError(path, 1, f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x}: {exc.reason}); save it as UTF-8"
        raise YamlSyntaxError(path, line, message) from exc
    long_line = _LONG_LINE.search(text)
    if long_line is not None:  # refused before parsing: the pure parser takes about 1 s per MB of one key
        line = text.count("\n", 0, long_line.start()) + 1
        raise YamlSyntaxError(path, line, f"a line longer than {MAX_LINE:,} characters; break long text over lines")
    data, lines = _parse(path, text)
    if key is not None:
        if len(_LINES) >= _LINES_KEPT:
            _LINES.pop(next(iter(_LINES)))
        _LINES[key] = lines
    return YamlDoc(path=path, data=data, lines=lines)


def format_loc(loc: PathKey) -> str:
    """``('questions', 3, 'closes')`` -> ``questions[3].closes``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(file)"
