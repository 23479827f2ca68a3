"""Layer 1 - scenario packs: reading YAML safely, the schema of each record, cross-references
between files, links between questions, and problems reported as FILE:LINE: field: message.

May import: foresight.base. A change to what a pack may say (a new field, a new check) goes here.

``Pack`` and ``load_pack`` load on first use (PEP 562): the schema imports pydantic, which a command
that stops at a missing folder (:func:`foresight.pack.problems.check_pack_folder`) need not pay for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from foresight.pack.problems import PackError, Problem

if TYPE_CHECKING:
    from foresight.pack.loader import Pack, load_pack

__all__ = ["Pack", "PackError", "Problem", "load_pack"]


def __getattr__(name: str) -> Any:
    if name in ("Pack", "load_pack"):
        from foresight.pack import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'foresight.pack' has no attribute {name!r}")
