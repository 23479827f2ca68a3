"""Safe YAML reading that remembers where every value stands in its file.

Pack errors must point at a line, so each file is parsed twice from the same
text: once into a node tree (which keeps the parser's marks) to build a map
from field path to line number, and once with ``yaml.safe_load`` for the data.
Only the safe loader is used: nothing in a pack can construct Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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


def _walk(node: yaml.Node, loc: PathKey, lines: dict[PathKey, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            child = (*loc, key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), lines)


def read_yaml(path: Path) -> YamlDoc:
    """Parse ``path`` safely; raise :class:`YamlSyntaxError` with a line on bad YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(path, 1, f"file is not UTF-8 text ({exc.reason})") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(path, line, f"invalid YAML: {problem}") from exc
    except yaml.YAMLError as exc:  # errors without a mark (rare)
        raise YamlSyntaxError(path, 1, f"invalid YAML: {exc}") from exc
    lines: dict[PathKey, int] = {}
    if node is not None:
        _walk(node, (), lines)
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
