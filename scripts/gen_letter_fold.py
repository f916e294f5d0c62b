#!/usr/bin/env python3
"""Generate mcp_guard/data/letter_fold.json: characters a model reads as a plain Latin letter that
Unicode's compatibility mapping (NFKC) leaves alone (small capitals "ᴀ", negative squared "🅰" and
negative circled "🅐" letters, regional indicators "🇦", parenthesized letters that NFKC spells
"(a)", modifier and subscript letters), each mapped to its lower-case letter.

The table is read from the character names of the running Python's `unicodedata`: a name made of
style words (below) around "LETTER X" or "CAPITAL X" names the letter X. A name with any other word
("WITH STROKE", "TURNED", "CLOSED", "DOTLESS") is another letter, not a style of X, and is left out,
as is every character NFKC already maps to one plain letter (full-width, mathematical, circled).

Usage: scripts/gen_letter_fold.py   (re-run after a Python upgrade; the output is committed)
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "mcp_guard" / "data" / "letter_fold.json"
# Words that say how a letter is drawn, not which letter it is.
STYLE = frozenset(
    "LATIN LETTER SMALL CAPITAL NEGATIVE SQUARED CIRCLED PARENTHESIZED MODIFIER SUBSCRIPT SUPERSCRIPT "
    "REGIONAL INDICATOR SYMBOL".split()
)
NAME = re.compile(r"(?:.* )?(?:LETTER|CAPITAL|SYMBOL LETTER) ([A-Z])")


def table() -> dict[str, str]:
    out: dict[str, str] = {}
    for cp in range(0x80, sys.maxunicode + 1):
        ch = chr(cp)
        name = unicodedata.name(ch, "")
        m = NAME.fullmatch(name)
        if m is None or not STYLE.issuperset(name.split()[:-1]) or "LATIN" not in name and "REGIONAL" not in name:
            continue
        nfkc = unicodedata.normalize("NFKC", ch)
        if len(nfkc) == 1 and nfkc.isascii() and nfkc.isalpha():
            continue  # NFKC reads it already
        out[ch] = m.group(1).lower()
    return out


def main() -> None:
    data = table()
    OUT.write_text(json.dumps({"unicode": unicodedata.unidata_version, "letters": data}, ensure_ascii=False,
                              sort_keys=True, indent=0) + "\n", encoding="utf-8")
    print(f"{len(data)} characters -> {OUT.name}")


if __name__ == "__main__":
    main()
