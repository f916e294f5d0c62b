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
- a language written in a script other than Latin, Cyrillic or Greek (Arabic, Devanagari, Japanese), where a
  cognate cannot be told by its letters: the first translation of each role and of "artificial intelligence"
  (or "AI"), the main sense a dictionary lists first, whole ("المساعد" less its article "ال", "सहायक", "人工知能");
  and from an X-to-English dictionary (jpn-eng) the headwords whose sense is exactly one of those words
  ("アシスタント"). The record matches words of these scripts inside longer words (no spaces between
  Japanese words; Arabic and Hebrew join prefixes to a word).

Usage: scripts/gen_address_words.py [DICT_DIR]   (default /usr/share/dictd; re-run to add dictionaries;
the output is committed)
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mcp_guard.intent.record import _other_script, skeleton  # noqa: E402 (the record reads words the same way)

OUT = Path(__file__).resolve().parents[1] / "mcp_guard" / "data" / "address_words.json"
ROLES = ("assistant", "agent", "model", "bot", "chatbot")
REVERSE_ROLES = ("assistant", "bot", "chatbot")  # (an X-to-English dictionary's "agent" and "model" are many words)
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


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


def _plain_word(t: str) -> str:
    t = re.sub(r"[\u064b-\u0652]", "", t)  # (Arabic short-vowel marks a dictionary writes)
    return t[2:] if t.startswith("ال") and len(t) > 4 else t  # (the Arabic article)


def _kana(word: str) -> bool:
    return all("\u3040" <= c <= "\u309f" for c in word)


def _from_english(folder: Path) -> tuple[set[str], set[str]]:
    """Headwords of X-to-English dictionaries of other scripts whose sense is exactly a role or "artificial
    intelligence" (an entry: the headwords on its first line, the part of speech, then its senses)."""
    roles: set[str] = set()
    ai: set[str] = set()
    for index in sorted(folder.glob("freedict-*-eng.index")):
        data = gzip.open(index.with_suffix(".dict.dz")).read()
        for line in index.read_text("utf-8").splitlines():
            _word, off, size = line.split("\t")
            lines = data[_num(off):_num(off) + _num(size)].decode("utf-8", "replace").splitlines()
            senses = {g.strip().lower() for ln in lines[1:] if not ln.startswith("(") for g in ln.split(",")}
            heads = [re.sub(r"\[[^\]]*\]|/[^/]*/", "", h).strip() for h in lines[0].split(",")] if lines else []
            # (headwords of two characters or more, not a reading in kana alone: a single kanji is many words)
            heads = [h for h in heads if len(h) > 1 and " " not in h and _other_script(h) and not _kana(h)]
            if senses & set(REVERSE_ROLES):
                roles.update(heads)
            if "artificial intelligence" in senses:
                ai.update(heads)
    return roles, ai


def _cognate(english: str, word: str) -> bool:
    a, b = skeleton(english), skeleton(word)
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
                first = (_translations(body) or [""])[0]
                if " " not in first and _other_script(first):
                    roles.add(_plain_word(first))  # (another script: the main sense, `_other_script`)
                for t in _translations(body):
                    # (a translation that is another English headword is a glitch of the entry: "bot" -> "bottle")
                    english_word = t.lower() != english and t.lower() in entries
                    if " " not in t and t.replace("-", "").isalpha() and _cognate(english, t) and not english_word:
                        roles.add(t.lower())
        for body in entries.get("artificial intelligence", []) + entries.get("ai", []):
            first = (_translations(body) or [""])[0]
            if _other_script(first):  # ("ai" as a headword is the abbreviation there; in Latin ones, the sloth)
                ai.add(" ".join(_plain_word(w) for w in first.split()))
        for body in entries.get("artificial intelligence", []):
            for t in _translations(body):
                if _other_script(t):
                    continue
                words = t.split()
                if len(words) == 2 and all(w.isalpha() for w in words):
                    ai.add("".join(w[0] for w in words).lower())
                elif len(words) == 1 and t.isalpha() and len(t) > 3:
                    ai.add(t.lower())
    more_roles, more_ai = _from_english(folder)
    roles |= more_roles
    ai |= more_ai
    sources += [i.stem for i in sorted(folder.glob("freedict-*-eng.index"))]
    OUT.write_text(json.dumps({"source": "FreeDict " + " ".join(sources), "roles": sorted(roles), "ai": sorted(ai)},
                              ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(roles)} roles, {len(ai)} words for AI from {len(sources)} dictionaries -> {OUT.name}")


if __name__ == "__main__":
    main()
