#!/usr/bin/env python3
"""Generate mcp_guard/data/proper_words.txt.gz: every one-word lemma that WordNet 3.0 (Princeton; licence in
mcp_guard/data/WORDNET-LICENSE) writes only with a capital letter, in every synset of every part of speech that
holds it ("jansen", "sarah"), or with a capital in one when its tagged corpus never met the word in any sense
("tom", "lee"; not "mark" or "grace"), one a line: what `intent.naming` takes as a name though the word list knows it.

Usage: scripts/gen_proper_words.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base, /usr/share/wordnet).
The output is committed; re-run only to change the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wordnet_data import wordnet_folder, write_gz  # noqa: E402


def main() -> int:
    folder = wordnet_folder("gen_proper_words", "data.noun")
    if folder is None:
        return 2
    common: set[str] = set()
    capitalised: set[str] = set()
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (folder / f"data.{pos}").read_text("latin-1").splitlines():
            if line.startswith("  "):
                continue  # the licence's lines
            fields = line.split(" ")
            for i in range(int(fields[3], 16)):  # w_cnt words, each followed by its lex_id
                word = fields[4 + 2 * i].split("(")[0]  # an adjective's marker, "(a)", dropped
                if word.isalpha():
                    (capitalised if word[0].isupper() else common).add(word.lower())
    # A word it writes with a capital in one sense and in lower case in others ("Tom", "tom"; "Lee", "lee") is a
    # name too when no sense of it was ever met in the tagged corpus (SemCor's counts, cntlist.rev):
    # "mark", "grace" and "will" were met.
    met = set()
    for line in (folder / "cntlist.rev").read_text("latin-1").splitlines():
        key, _number, count = line.split(" ")
        if int(count) > 0:
            met.add(key.split("%", 1)[0])
    proper = (capitalised - common) | (capitalised & (common - met))
    out = write_gz("proper_words.txt.gz", ("\n".join(sorted(proper)) + "\n"))
    print(f"{len(proper)} words -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
