#!/usr/bin/env python3
"""Generate mcp_guard/data/verb_exc.txt.gz: the irregular inflections of English verbs that WordNet 3.0 (Princeton;
licence in mcp_guard/data/WORDNET-LICENSE) lists in its verb exception list ("paid pay", "sent send", "shipped
ship", "cancelled cancel"), one form and its first lemma a line, single words only: `words.base_verb` reads them.

Usage: scripts/gen_verb_exc.py [WORDNET_DICT_DIR]   (Debian/Ubuntu: package wordnet-base, /usr/share/wordnet).
The output is committed; re-run only to change the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wordnet_data import wordnet_folder, write_gz  # noqa: E402


def main() -> int:
    folder = wordnet_folder("gen_verb_exc", "verb.exc")
    if folder is None:
        return 2
    pairs: dict[str, str] = {}
    for line in (folder / "verb.exc").read_text("latin-1").splitlines():
        form, *lemmas = line.split()
        if lemmas and form.isalpha() and lemmas[0].isalpha():
            pairs.setdefault(form.lower(), lemmas[0].lower())
    text = "".join(f"{form} {lemma}\n" for form, lemma in sorted(pairs.items()))
    out = write_gz("verb_exc.txt.gz", text)
    print(f"{len(pairs)} forms -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
