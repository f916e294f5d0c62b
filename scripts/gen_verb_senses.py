#!/usr/bin/env python3
"""Generate mcp_guard/data/verb_senses.json: the kinds of action (as scripts/gen_verb_kinds.py defines them, same
anchors) that an English verb names in any of its WordNet 3.0 senses beyond the most frequent ones that
verb_kinds.json reads ("drop": modify, as in "drop the price"), only where those add a kind. See `intent.derived`.
WordNet is Princeton's; licence in mcp_guard/data/WORDNET-LICENSE.

Usage: scripts/gen_verb_senses.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base, /usr/share/wordnet).
The output is committed; re-run only to change the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_verb_kinds  # noqa: E402  (the same anchors and hypernym walk)
from wordnet_data import wordnet_folder, write_json  # noqa: E402


def main() -> int:
    folder = wordnet_folder("gen_verb_senses", "data.verb")
    if folder is None:
        return 2
    hypernyms, _, senses = gen_verb_kinds.load(folder)
    anchor = gen_verb_kinds.anchors(senses)
    kinds_of = gen_verb_kinds.sense_kinds(hypernyms, anchor)

    table: dict[str, list[str]] = {}
    for lemma, offs in sorted(senses.items()):
        if not lemma.isalpha():
            continue
        first = set().union(*(kinds_of(o) for o in offs[:gen_verb_kinds.SENSES]))
        more = set().union(*(kinds_of(o) for o in offs[gen_verb_kinds.SENSES:])) - first
        if more:
            table[lemma] = sorted(more)
    doc = {"source": "WordNet 3.0 (Princeton University), see WORDNET-LICENSE", "more": table}
    out = write_json("verb_senses.json", doc, sort_keys=True)
    print(f"{len(table)} verbs with more kinds in their rarer senses -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
