#!/usr/bin/env python3
"""Generate mcp_guard/data/letter_fold.json: characters a model reads as a plain Latin letter that
Unicode's compatibility mapping (NFKC) leaves alone, in three tables:

- "letters": small capitals "ᴀ", negative squared "🅰" and negative circled "🅐" letters, regional
  indicators "🇦", parenthesized letters that NFKC spells "(a)", modifier and subscript letters, each mapped
  to its lower-case letter. Read from the character names of the running Python's `unicodedata`: a name
  made of style words (below) around "LETTER X" or "CAPITAL X" names the letter X. A name with any other
  word ("WITH STROKE", "TURNED", "CLOSED", "DOTLESS") is another letter, not a style of X, and is left out,
  as is every character NFKC already maps to one plain letter (full-width, mathematical, circled).
- "lookalikes": letters of other scripts drawn like one Latin letter (Cherokee "Ꭺ", Lisu "ꓮ", Canadian
  syllabics "ᗅ"), from Unicode's confusables data (UTS #39 `confusables.txt`, as the confusable_homoglyphs
  package ships it): each letter whose confusable is one ASCII letter (combining marks aside), unless the
  scanner's own fold (`scan._fold_char`) already reads it as a Latin letter. `textview` folds them inside a
  word that has Latin letters (a Cherokee word stays Cherokee).
- "accents": Latin letters with a diacritic or a stroke ("ē", "å", "į", "ø", "ł"), mapped to the plain letter
  (the canonical decomposition with its marks dropped, else the confusables data's letter with its marks
  dropped). The intent record reads text with them folded as a second reading (`record.addresses`).

Usage: scripts/gen_letter_fold.py   (needs the confusable_homoglyphs package, a dev tool only; re-run after a
Python upgrade; the output is committed)
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


def _plain(s: str) -> str | None:
    """The one ASCII letter `s` is, combining marks aside (lower case), else None."""
    base = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.category(c).startswith("M"))
    return base.lower() if len(base) == 1 and base.isascii() and base.isalpha() else None


def _confusables() -> dict[str, list[str]]:
    """Unicode's confusables as the confusable_homoglyphs package ships them: character -> look-alikes."""
    try:
        import confusable_homoglyphs
    except ImportError:
        sys.exit("gen_letter_fold: needs the confusable_homoglyphs package (pip install confusable-homoglyphs)")
    path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    data = json.loads(path.read_text("utf-8"))
    return {k: [e["c"] for e in v] for k, v in data.items()}


def lookalikes(conf: dict[str, list[str]], letters: dict[str, str]) -> dict[str, str]:
    sys.path.insert(0, str(OUT.parents[2]))
    from mcp_guard.scan import _fold_char

    out: dict[str, str] = {}
    for ch, alikes in conf.items():
        if len(ch) != 1 or ch.isascii() or ch in letters or not unicodedata.category(ch).startswith("L"):
            continue
        if unicodedata.name(ch, "").startswith("LATIN") or _plain(_fold_char(ch)) is not None:
            continue  # (Latin letters: "accents"; the scanner's fold reads it already)
        targets = {p for a in alikes if (p := _plain(a)) is not None and a[:1].isascii()}
        if len(targets) == 1:
            out[ch] = targets.pop()
    return out


def accents(conf: dict[str, list[str]], letters: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for cp in range(0x80, sys.maxunicode + 1):
        ch = chr(cp)
        if ch in letters or not unicodedata.name(ch, "").startswith("LATIN") or not ch.isalpha():
            continue
        plain = _plain(ch)
        if plain is None:
            targets = {p for a in conf.get(ch, ()) if (p := _plain(a)) is not None and a[:1].isascii()}
            plain = targets.pop() if len(targets) == 1 else None
        if plain is not None:
            out[ch] = plain
    return out


def main() -> None:
    data = table()
    conf = _confusables()
    more = lookalikes(conf, data)
    acc = accents(conf, data)
    OUT.write_text(json.dumps({"unicode": unicodedata.unidata_version, "letters": data, "lookalikes": more,
                               "accents": acc}, ensure_ascii=False, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    print(f"{len(data)} letters, {len(more)} look-alikes, {len(acc)} accented letters -> {OUT.name}")


if __name__ == "__main__":
    main()
