"""Layer 1 - scenario packs: reading YAML safely, the schema of each record, cross-references
between files, links between questions, and problems reported as FILE:LINE: field: message.

May import: foresight.base. A change to what a pack may say (a new field, a new check) goes here.
"""

from foresight.pack.loader import Pack, load_pack
from foresight.pack.problems import PackError, Problem

__all__ = ["Pack", "PackError", "Problem", "load_pack"]
