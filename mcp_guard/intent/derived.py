"""What WordNet says of a request's verb beyond the kinds of its most frequent senses (`words.verb_kinds`), each
table generated from WordNet 3.0 by a script under scripts/ and loaded on first use:
- whether its main sense is looking or thinking ("review"; scripts/gen_verb_looks.py): see `steps`."""

from __future__ import annotations

import json
from importlib import resources

from mcp_guard.intent.words import _verb_forms

_LOOKS: set[str] = set()


def looks(verb: str) -> bool:
    """Is the verb's most frequent sense in WordNet one of looking or thinking ("review", "analyze")? (The table
    is made by scripts/gen_verb_looks.py; loaded on first use.)"""
    if not _LOOKS:
        doc = json.loads(resources.files("mcp_guard").joinpath("data/verb_looks.json").read_text("utf-8"))
        _LOOKS.update(doc["looks"])
    return any(f in _LOOKS for f in _verb_forms(verb) if f)
