#!/usr/bin/env python3
"""Generate mcp_guard/data/verb_looks.json: the English verbs whose most frequent sense in WordNet 3.0 (Princeton;
licence in mcp_guard/data/WORDNET-LICENSE) is one of perception or cognition (lexicographer files verb.perception
and verb.cognition: "review", "analyze", "inspect"): a clause with such a verb asks the agent to look or to think,
not to change anything (see `intent.steps`).

Usage: scripts/gen_verb_looks.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base, /usr/share/wordnet).
The output is committed; re-run only to change the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wordnet_data import wordnet_folder, write_json  # noqa: E402

LOOKING = {31, 39}  # verb.cognition, verb.perception


def main() -> int:
    folder = wordnet_folder("gen_verb_looks", "data.verb")
    if folder is None:
        return 2
    lexfile: dict[str, int] = {}
    for line in (folder / "data.verb").read_text("latin-1").splitlines():
        if not line.startswith("  "):
            f = line.split()
            lexfile[f[0]] = int(f[1])
    looks = []
    for line in (folder / "index.verb").read_text("latin-1").splitlines():
        if line.startswith("  "):
            continue
        f = line.split()
        first = f[-int(f[2])]  # synsets are listed most frequent first
        if f[0].isalpha() and lexfile.get(first) in LOOKING:
            looks.append(f[0])
    doc = {"source": "WordNet 3.0 (Princeton University), see WORDNET-LICENSE", "looks": sorted(looks)}
    out = write_json("verb_looks.json", doc)
    print(f"{len(looks)} verbs that look or think -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
