#!/usr/bin/env python3
"""Generate mcp_guard/data/party_nouns.txt.gz: every one-word noun whose most frequent sense in WordNet 3.0
(Princeton; licence in mcp_guard/data/WORDNET-LICENSE) is a person or a group of people (its lexicographer file
noun.person or noun.group: "client", "payee", "passenger", "company"; not "subject" or "title"), one a line: the
field names `intent.naming` reads as saying whose a record is.

Usage: scripts/gen_party_nouns.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base, /usr/share/wordnet).
The output is committed; re-run only to change the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wordnet_data import wordnet_folder, write_gz  # noqa: E402

_PARTY_FILES = {14, 18}  # noun.group, noun.person


def main() -> int:
    folder = wordnet_folder("gen_party_nouns", "index.noun")
    if folder is None:
        return 2
    lexfile: dict[str, int] = {}
    for line in (folder / "data.noun").read_text("latin-1").splitlines():
        if not line.startswith("  "):
            offset, lex_filenum, _rest = line.split(" ", 2)
            lexfile[offset] = int(lex_filenum)
    party: set[str] = set()
    for line in (folder / "index.noun").read_text("latin-1").splitlines():
        if line.startswith("  "):
            continue  # the licence's lines
        fields = line.split()
        lemma, pointers = fields[0], int(fields[3])
        first = fields[4 + pointers + 2]  # the synsets follow, most frequent sense first
        if lemma.isalpha() and lexfile.get(first) in _PARTY_FILES:
            party.add(lemma.lower())
    out = write_gz("party_nouns.txt.gz", ("\n".join(sorted(party)) + "\n"))
    print(f"{len(party)} words -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
