"""The generated reference pages' text, from the code itself: the pack format from the schema's
field descriptions, the CLI's options from argparse, the notebook parameters from their one table.

Plain functions returning Markdown (no Sphinx import), so that ``tests/test_docs_reference.py`` checks
in a second that every field, flag and parameter has the entry the site shows; ``foresight_docs``
writes the same text into ``docs/_generated/`` when Sphinx starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import types
import typing
from collections.abc import Iterator

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from foresight.pack import links, loader, schema

PACK_FILES: list[tuple[str, str | None, type[BaseModel]]] = [
    ("pack.yaml", None, schema.PackMeta),
    *((file, key, model) for file, (key, model) in schema.RECORD_FILES.items()),
    (schema.EVENT_LOGS_FILE, "event_logs", schema.EventLog),
    *((file, key, model) for file, (key, model) in schema.OPTIONAL_RECORD_FILES.items()),
    (loader.LINKS_FILE, None, links.Links),
    (schema.FREEZE_FILE, None, schema.Freeze),
    (f"{schema.PROPOSALS_DIR}/<document>.yaml", None, schema.ProposalsFile),
]
"""Each file of a pack, the top-level key holding its list (None: the file is one record), and its record."""

_ALIASES: dict[int, str] = {
    id(schema.Id): "id",
    id(schema.Text): "text",
    id(schema.Date): "date (YYYY-MM-DD)",
    id(schema.YesNo): "yes / no",
    id(schema.Probability): "number in [0, 1]",
    id(schema.Positive): "number > 0",
    id(schema.Share): "number in (0, 1]",
    id(schema.Weight): "number in [0, 1]",
    id(schema.NonNegative): "number ≥ 0",
    id(schema.State): "present / absent / number in [0, 1]",
    id(schema.LRKey): "family id, question id or kind:NAME",
    id(schema.PackPath): "path inside the pack",
    id(schema.Sha256): "sha256 (64 hex digits)",
    id(schema.Count): "whole number ≥ 0",
}


def _hints(model: type[BaseModel]) -> dict[str, object]:
    """The fields' annotations as written, aliases kept (pydantic's own strip ``Annotated`` metadata)."""
    return typing.get_type_hints(model, include_extras=True)


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def pack_models() -> list[tuple[type[BaseModel], str]]:
    """Every record type a pack file can hold, once each, with where it first appears (file order, depth first)."""
    seen: dict[type[BaseModel], str] = {}

    def visit(model: type[BaseModel], where: str) -> None:
        if model in seen:
            return
        seen[model] = where
        hints = _hints(model)
        for name in model.model_fields:
            for inner in _models_in(hints[name]):
                visit(inner, f"`{name}` of {model.__name__}")

    for file, key, model in PACK_FILES:
        visit(model, f"an item of `{key}:` in `{file}`" if key else f"the whole of `{file}`")
    return list(seen.items())


def type_text(annotation: object) -> str:
    """A short reader's name for a field's type: the schema's aliases by name, containers spelled out."""
    if id(annotation) in _ALIASES:
        return _ALIASES[id(annotation)]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return "number" if args[0] is float else type_text(args[0])
    if origin is typing.Literal:
        return " / ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_text(a) for a in args if a is not type(None))
    if origin is list:
        return f"list of {type_text(args[0])}"
    if origin is dict:
        return f"map of {type_text(args[0])} to {type_text(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{anchor(annotation)})"
    names = {bool: "true / false", int: "whole number", float: "number", str: "text", dt.date: "date"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def anchor(model: type[BaseModel]) -> str:
    return f"record-{model.__name__.lower()}"


def _default(info) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        return "optional (empty)"
    if info.default is None or info.default is PydanticUndefined:
        return "optional"
    value = info.default
    shown = str(value).lower() if isinstance(value, bool) else str(value)
    return f"optional, default `{shown}`"


def _markdown(text: str) -> str:
    """A docstring's Sphinx roles (``:mod:`x```) as Markdown code, since the generated pages are Markdown."""
    return re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def undocumented_fields(models: list[type[BaseModel]] | None = None) -> list[str]:
    """``Record.field`` for every field without a description (the reference would show an empty cell)."""
    models = models if models is not None else [m for m, _ in pack_models()]
    return [
        f"{m.__name__}.{name}"
        for m in models
        for name, info in m.model_fields.items()
        if not (info.description or "").strip()
    ]


def pack_format_markdown() -> str:
    """The pack format reference: one section per record type, one table row per field."""
    out = ["## Files\n", "| file | holds |", "|---|---|"]
    for file, key, model in PACK_FILES:
        holds = (
            f"a list `{key}:` of [{model.__name__}](#{anchor(model)})"
            if key
            else f"one [{model.__name__}](#{anchor(model)})"
        )
        out.append(f"| `{file}` | {holds} |")
    out.append("\n## Records\n")
    for model, where in pack_models():
        doc = (model.__doc__ or "").strip()
        out += [
            f"({anchor(model)})=",
            f"### {model.__name__}\n",
            f"{_markdown(' '.join(doc.split()))}\n" if doc else "",
            f"Found as {where}.\n",
            "| field | type | | what it says |",
            "|---|---|---|---|",
        ]
        hints = _hints(model)
        for name, info in model.model_fields.items():
            out.append(
                f"| `{name}` | {_cell(type_text(hints[name]))} | {_default(info)} | {_cell(info.description or '')} |"
            )
        out.append("")
    return "\n".join(out) + "\n"


def cli_options(parser: argparse.ArgumentParser, prefix: str = "foresight") -> Iterator[tuple[str, str, str | None]]:
    """``(command, option or argument, help)`` for every argument of the parser and its subcommands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from cli_options(sub, f"{prefix} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield prefix, "/".join(action.option_strings) or action.dest, action.help


def undocumented_options(parser: argparse.ArgumentParser) -> list[str]:
    """Every CLI argument the generated reference would list without a help text."""
    return [
        f"{command} {option}"
        for command, option, text in cli_options(parser)
        if text is None or text == argparse.SUPPRESS or not text.strip()
    ]


def notebook_parameters_markdown() -> str:
    """The notebook parameters reference: the one table (``foresight.run.parameters``), then per notebook."""
    from foresight.run.parameters import NOTEBOOKS, PARAMETERS, parameters_for

    def yes(flag: bool) -> str:
        return "yes" if flag else ""

    out = [
        "## Every parameter\n",
        "| parameter | type | default | what it does | notebooks | model option | sweepable | set by `foresight run` |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS.values():
        out.append(
            f"| `{p.name}` | `{_cell(p.type)}` | `{_cell(p.default_text)}` | {_cell(p.help)} "
            f"| {', '.join(p.notebooks)} | {yes(p.model_option)} | {yes(p.sweepable)} | {yes(p.run_sets)} |"
        )
    out.append("\n## By notebook\n")
    for notebook in NOTEBOOKS:
        out += [f"### `{notebook}.ipynb`\n", "| parameter | default | in this notebook |", "|---|---|---|"]
        out += [
            f"| `{p.name}` | `{_cell(p.default_text)}` | {_cell(p.help_for(notebook))} |"
            for p in parameters_for(notebook)
        ]
        out.append("")
    return "\n".join(out) + "\n"


def undocumented_parameters() -> list[str]:
    """``notebook: parameter`` for every parameter a notebook has without a help text."""
    from foresight.run.parameters import NOTEBOOKS, parameters_for

    return [f"{nb}: {p.name}" for nb in NOTEBOOKS for p in parameters_for(nb) if not p.help_for(nb).strip()]
