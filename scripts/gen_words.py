#!/usr/bin/env python3
"""Generate mcp_guard/data/words.txt.gz: every one-word lemma of WordNet 3.0 (Princeton; licence in
mcp_guard/data/WORDNET-LICENSE), of any part of speech, and the irregular forms its exception lists give ("went",
"children"), one a line: what `intent.spelling` takes as a word of English.

Usage: scripts/gen_words.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base, /usr/share/wordnet).
The output is committed; re-run only to change the rule.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet")
    if not (folder / "index.verb").exists():
        print(f"gen_words: no WordNet index.verb in {folder}", file=sys.stderr)
        return 2
    words: set[str] = set()
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (folder / f"index.{pos}").read_text("latin-1").splitlines():
            if not line.startswith("  "):
                words.add(line.split(" ", 1)[0])
        for line in (folder / f"{pos}.exc").read_text("latin-1").splitlines():
            words.add(line.split(" ", 1)[0])
    words = {w for w in words if w.isalpha()}
    out = Path(__file__).resolve().parent.parent / "mcp_guard" / "data" / "words.txt.gz"
    # mtime 0: the same input makes the same bytes
    out.write_bytes(gzip.compress(("\n".join(sorted(words)) + "\n").encode("ascii"), 9, mtime=0))
    print(f"{len(words)} words -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
