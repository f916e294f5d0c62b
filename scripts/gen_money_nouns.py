#!/usr/bin/env python3
"""Generate mcp_guard/data/money_nouns.txt.gz: every one-word noun that WordNet 3.0 (Princeton; licence in
mcp_guard/data/WORDNET-LICENSE) gives a sense that is a sum of money: a kind of money, of a sum of money, of a
monetary unit, of a cost or payment, or of an economic or monetary value ("fee", "tip", "cent", "salary",
"value"). One a line: the word, a tab, and 1 when that is its most frequent sense and no monetary unit ("fee",
"salary"), else 0 ("tip", "value", "charge"; and "cent", "sent", "at": units, whose names are other words too).
The field names `intent.engine` reads as sums: a word marked 1 in any tool, one marked 0 only in a tool that pays.

Usage: scripts/gen_money_nouns.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base, /usr/share/wordnet).
The output is committed; re-run only to change the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wordnet_data import wordnet_folder, write_gz  # noqa: E402

# money, sum of money, monetary unit, cost, payment, economic value, monetary value (WordNet 3.0 noun offsets)
_MONEY = {"13384557", "13331198", "13604718", "13275847", "13278375", "13413493", "05145118"}
_UNIT = "13604718"  # monetary unit


def main() -> int:
    folder = wordnet_folder("gen_money_nouns", "index.noun")
    if folder is None:
        return 2
    kinds_of: dict[str, list[str]] = {}  # a synset's hypernyms (and instance hypernyms)
    for line in (folder / "data.noun").read_text("latin-1").splitlines():
        if line.startswith("  "):
            continue
        f = line.split("|", 1)[0].split()
        at = 4 + 2 * int(f[3], 16)
        ups = []
        for i in range(int(f[at])):
            symbol, offset, pos = f[at + 1 + 4 * i: at + 4 + 4 * i]
            if symbol in ("@", "@i") and pos == "n":
                ups.append(offset)
        kinds_of[f[0]] = ups

    def is_money(offset: str, roots: set[str] = _MONEY) -> bool:
        seen, todo = set(), [offset]
        while todo:
            o = todo.pop()
            if o in roots:
                return True
            if o not in seen:
                seen.add(o)
                todo += kinds_of.get(o, [])
        return False

    money: dict[str, int] = {}
    for line in (folder / "index.noun").read_text("latin-1").splitlines():
        if line.startswith("  "):
            continue  # the licence's lines
        f = line.split()
        lemma, count, pointers = f[0], int(f[2]), int(f[3])
        synsets = f[4 + pointers + 2: 4 + pointers + 2 + count]  # most frequent sense first
        if lemma.isalpha() and any(map(is_money, synsets)):
            money[lemma.lower()] = int(is_money(synsets[0]) and not is_money(synsets[0], {_UNIT}))
    text = "".join(f"{w}\t{first}\n" for w, first in sorted(money.items()))
    out = write_gz("money_nouns.txt.gz", text)
    print(f"{len(money)} words ({sum(money.values())} by their first sense) -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
