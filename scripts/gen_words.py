#!/usr/bin/env python3
"""Generate mcp_guard/data/words.txt.gz: every one-word lemma of WordNet 3.0 (Princeton; licence in
mcp_guard/data/WORDNET-LICENSE), of any part of speech, and the irregular forms its exception lists give ("went",
"children"), one a line: what `intent.spelling` takes as a word of English.

Usage: scripts/gen_words.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base, /usr/share/wordnet).
The output is committed; re-run only to change the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wordnet_data import wordnet_folder, write_gz  # noqa: E402


def main() -> int:
    folder = wordnet_folder("gen_words", "index.verb")
    if folder is None:
        return 2
    words: set[str] = set()
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (folder / f"index.{pos}").read_text("latin-1").splitlines():
            if not line.startswith("  "):
                words.add(line.split(" ", 1)[0])
        for line in (folder / f"{pos}.exc").read_text("latin-1").splitlines():
            words.add(line.split(" ", 1)[0])
    words = {w for w in words if w.isalpha()}
    out = write_gz("words.txt.gz", ("\n".join(sorted(words)) + "\n"))
    print(f"{len(words)} words -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
