#!/usr/bin/env python3
"""Generate mcp_guard/data/address_words.json: how languages other than English write "AI" and the model's
role (assistant, agent, model, bot), for the intent record's reading of a line headed for the model in any
language ("Uwaga dla asystenta SI: …", `record._labelled`).

The source is the FreeDict English-to-X dictionaries (Debian packages dict-freedict-eng-*, installed in
/usr/share/dictd). Two rules, no hand-picked words:
- a role: a one-word translation of "assistant", "agent", "model", "bot" or "chatbot" that is a cognate of
  the English word (its consonant skeleton, transliterated to Latin, begins as the English one does:
  "asystent", "asistentas", "agente", "модель") and no other English headword; the dictionaries also
  give unrelated senses ("note" as a banknote, "model" as a mould), which a cognate never is;
- "AI": each translation of "artificial intelligence", as its initials when it has two words
  ("sztuczna inteligencja" -> "si", "umjetna inteligencija" -> "ui"), whole when it has one ("tekoäly").

Usage: scripts/gen_address_words.py [DICT_DIR]   (default /usr/share/dictd; re-run to add dictionaries;
the output is committed)
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "mcp_guard" / "data" / "address_words.json"
ROLES = ("assistant", "agent", "model", "bot", "chatbot")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Cyrillic and Greek letters as Latin consonants and vowels, enough to compare skeletons.
_TRANSLIT = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюяαβγδεζηθικλμνξοπρστυφχψω",
                     ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t",
                      "u", "f", "h", "c", "ch", "sh", "sh", "", "i", "", "e", "u", "a",
                      "a", "b", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p", "r", "s",
                      "t", "i", "f", "ch", "ps", "o"], strict=True))


def _num(s: str) -> int:
    n = 0
    for c in s:
        n = n * 64 + _B64.index(c)
    return n


def _entries(path: Path) -> dict[str, list[str]]:
    data = gzip.open(path.with_suffix(".dict.dz")).read()
    out: dict[str, list[str]] = {}
    for line in path.read_text("utf-8").splitlines():
        word, off, size = line.split("\t")
        out.setdefault(word.lower(), []).append(data[_num(off):_num(off) + _num(size)].decode("utf-8", "replace"))
    return out


def _translations(body: str) -> list[str]:
    """The translations of a FreeDict entry: its numbered or plain lines after the headword, split at , and ;
    (English glosses, notes and cross-references left out)."""
    out = []
    for line in body.splitlines()[1:]:
        line = re.sub(r"^\s*(?:[IVX]+\.\s*)?(?:<\w+>\s*)?(?:\d+\.\s*)?", "", line.strip())
        for t in re.split(r"[,;]", line):
            t = re.sub(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|\{[^}]*\}", "", t).strip(" .-")
            if t and not re.search(r"[A-Za-z]{3,}\s+[a-z]{3,}\s+[a-z]{3,}", t):  # (a gloss in English)
                out.append(t)
    return out


def _skeleton(word: str) -> str:
    w = "".join(_TRANSLIT.get(c, c) for c in unicodedata.normalize("NFKD", word.lower()) if c.isalpha())
    w = w.replace("y", "i")
    cons = [c for c in w if c not in "aeiou"]
    return "".join(c for i, c in enumerate(cons) if i == 0 or c != cons[i - 1])


def _cognate(english: str, word: str) -> bool:
    a, b = _skeleton(english), _skeleton(word)
    return len(a) >= 2 and b.startswith(a[:3]) and len(word) <= len(english) + 4


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/dictd")
    roles: set[str] = set()
    ai: set[str] = set()
    sources = []
    for index in sorted(folder.glob("freedict-eng-*.index")):
        entries = _entries(index)
        sources.append(index.stem)
        for english in ROLES:
            for body in entries.get(english, []):
                for t in _translations(body):
                    # (a translation that is another English headword is a glitch of the entry: "bot" -> "bottle")
                    english_word = t.lower() != english and t.lower() in entries
                    if " " not in t and t.replace("-", "").isalpha() and _cognate(english, t) and not english_word:
                        roles.add(t.lower())
        for body in entries.get("artificial intelligence", []):
            for t in _translations(body):
                words = t.split()
                if len(words) == 2 and all(w.isalpha() for w in words):
                    ai.add("".join(w[0] for w in words).lower())
                elif len(words) == 1 and t.isalpha() and len(t) > 3:
                    ai.add(t.lower())
    OUT.write_text(json.dumps({"source": "FreeDict " + " ".join(sources), "roles": sorted(roles), "ai": sorted(ai)},
                              ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(roles)} roles, {len(ai)} words for AI from {len(sources)} dictionaries -> {OUT.name}")


if __name__ == "__main__":
    main()
