#!/usr/bin/env python3
"""Generate mcp_guard/data/verb_nouns.json: for each English verb, the nouns WordNet 3.0 (Princeton; licence in
mcp_guard/data/WORDNET-LICENSE) gives as its derivationally related forms ("categorize": category,
categorization; "price": pricing), one-word lemmas only, a noun spelt as the verb itself left out (the engine
finds that one by its spelling). See `intent.derived`.

Usage: scripts/gen_verb_nouns.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base, /usr/share/wordnet).
The output is committed; re-run only to change the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wordnet_data import wordnet_folder, write_json  # noqa: E402


def lemmas(line: str) -> tuple[list[str], list[str]]:
    """A data file line's words and its pointer fields."""
    f = line.partition(" | ")[0].split()
    n = int(f[3], 16)
    words = [f[4 + 2 * i].lower() for i in range(n)]
    i = 4 + 2 * n
    return words, f[i + 1: i + 1 + 4 * int(f[i])]


def main() -> int:
    folder = wordnet_folder("gen_verb_nouns", "data.verb")
    if folder is None:
        return 2
    nouns = {line.split(" ", 1)[0]: lemmas(line)[0]
             for line in (folder / "data.noun").read_text("latin-1").splitlines() if not line.startswith("  ")}
    related: dict[str, set[str]] = {}
    for line in (folder / "data.verb").read_text("latin-1").splitlines():
        if line.startswith("  "):
            continue
        words, ptrs = lemmas(line)
        for j in range(0, len(ptrs), 4):
            symbol, offset, pos, pair = ptrs[j: j + 4]
            if symbol != "+" or pos != "n":
                continue  # a derivationally related form that is a noun
            verb, noun = words[int(pair[:2], 16) - 1], nouns[offset][int(pair[2:], 16) - 1]
            if verb.isalpha() and noun.isalpha() and noun != verb:
                related.setdefault(verb, set()).add(noun)
    doc = {"source": "WordNet 3.0 (Princeton University), see WORDNET-LICENSE",
           "nouns": {v: sorted(ns) for v, ns in sorted(related.items())}}
    out = write_json("verb_nouns.json", doc)
    print(f"{len(related)} verbs with related nouns -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
