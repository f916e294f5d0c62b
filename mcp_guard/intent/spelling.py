"""A misspelt verb of a request ("reshedule the dentist"), read as the verb meant.

The rule: a word of four letters or more that is no word of English (WordNet's lemmas of any part of speech and
their irregular forms, `data/words.txt.gz` made by scripts/gen_words.py; nor a regular inflection of one, a
prefix such as "re" or "un" on one, two of three letters or more run together, or a verb the engine knows: "resend",
"unarchive", "signup") and is one edit (a letter added, dropped, changed, or two neighbours swapped) from
exactly one verb WordNet lists is that verb ("reshedule": reschedule). A real word is never changed ("sned" is one),
and two candidates leave it as written ("recieve": receive and relieve). The verb as written still counts too
(`DeclaredIntent._asks`): a word the dictionary lacks may be the tool's own ("upsert").
"""

from __future__ import annotations

import gzip
import re
import string
from array import array
from bisect import bisect_left
from importlib import resources

from mcp_guard.intent.words import ACTION_BASE, _verb_forms, is_verb

_PREFIXES = ("re", "un", "de", "pre", "dis", "auto", "co")
MIN_LENGTH = 4


class _Dictionary:
    """The word list as its one sorted text and where each line starts: about 1 MB in a proxy that lives
    for hours, against 11 MB as a set of 82,000 strings; a look-up is a binary search (17 slices)."""

    def __init__(self, text: str) -> None:
        self.text = text  # sorted, one word per line, each line ended by "\n" (scripts/gen_words.py)
        self.starts = array("I", [0, *(m.end() for m in re.finditer("\n", text))][:-1])

    def _word(self, start: int) -> str:
        return self.text[start : self.text.index("\n", start)]

    def __len__(self) -> int:
        return len(self.starts)

    def __contains__(self, word: str) -> bool:
        i = bisect_left(self.starts, word, key=self._word)
        return i < len(self.starts) and self._word(self.starts[i]) == word


_WORDS: _Dictionary | None = None


def _load() -> _Dictionary:
    global _WORDS
    if _WORDS is None:
        raw = resources.files("mcp_guard").joinpath("data/words.txt.gz").read_bytes()
        _WORDS = _Dictionary(gzip.decompress(raw).decode("ascii"))  # published whole
    return _WORDS


def _listed(word: str) -> bool:
    """A word of the dictionary as written or in a regular inflection ("payments", "categorized")."""
    words = _load()
    return any(f in words for f in _verb_forms(word) if f) or (word.endswith("s") and word[:-1] in words)


def is_word(word: str) -> bool:
    """Is `word` (lower case) a word of English as the rule above takes it?"""
    if is_verb(word) or word in ACTION_BASE:
        return True
    if _listed(word):
        return True
    if any(word.startswith(p) and _listed(word[len(p):]) for p in _PREFIXES):
        return True
    return any(_listed(word[:i]) and _listed(word[i:]) for i in range(3, len(word) - 2))  # three letters each


def _one_edit(word: str) -> set[str]:
    letters = string.ascii_lowercase
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changed = {a + c + b[1:] for a, b in splits if b for c in letters}
    return dropped | swapped | changed | {a + c + b for a, b in splits for c in letters}


def meant_verb(word: str) -> str:
    """The verb a misspelt word means by the rule above, or "" (a word, or none or several verbs one edit away)."""
    w = word.lower()
    if len(w) < MIN_LENGTH or not w.isalpha() or is_word(w):
        return ""
    words = _load()
    found = {c for c in _one_edit(w) - {w} if is_verb(c, base=True) and c in words}
    return found.pop() if len(found) == 1 else ""


def warm() -> None:
    """Load the word list now (the proxy's warm-up thread does, so a first decision does not wait for it)."""
    _load()
