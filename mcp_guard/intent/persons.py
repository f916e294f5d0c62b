"""The persons a request names, and whether a record of the data is one of them.

A request names a person by a full name ("send the quote to Bill Shaw": two or more capitalised words in a
row) or by a title and a surname ("share it with Ms Patel", "book mrs chen"). A record of a tool's data (a
JSON object) says whose it is in its name fields (`name`, `display_name`, `first_name` + `last_name`, …).
A record is the named person's when one of its names is that person's name whole: every word of the
record's name is among the words of one full name the request writes (at least two of them: a first name
alone, "cc Mark", names no one record), or its last word is the surname after a title. A word of a label
("Legal", "Corvid") never makes a name: a label is one word, or words the request does not write as a
person's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mcp_guard.intent.words import name_tokens

_TITLES = "mr mrs ms miss mx dr prof".split()
# Two or more capitalised words in a row (an initial with its dot counts as a word: "Anna K. Weiss").
_FULL_NAME = re.compile(r"\b[A-Z][a-z'’-]*\.?(?:[ \t]+[A-Z][a-z'’-]*\.?)+")
_TITLED = re.compile(r"\b(?:" + "|".join(_TITLES) + r")\.?[ \t]+([A-Za-z][A-Za-z'’-]+)", re.I)
_WORD = re.compile(r"[^\W\d_]+")
# Name fields of a record: a key that says it holds a name, but not the name of a thing (a file, a host).
_NOT_A_PERSON = frozenset("file filename user username host hostname domain channel project repo repository "
                          "bucket folder doc document event product item sku brand app service".split())
_PARTS = frozenset("first last given family middle sur".split())


# Words before a name that make it whom an action goes to ("email it to Dana Whitfield", "invite Ms Patel",
# "book load 48213 with Ridgeline Transport"), not a party the request mentions ("the invoice from Mesa Freight").
_TOWARD = frozenset("to with cc bcc for email e-mail mail text message invite send ping dm call notify tell remind "
                    "forward pay share add".split())


class NamedPersons:
    """The persons one request names: each full name's words, and each surname written after a title;
    `addressed`: whether one of them is written as whom an action goes to (after a word of `_TOWARD`)."""

    __slots__ = ("addressed", "full", "surnames")

    def __init__(self, text: str) -> None:
        titles = frozenset(_TITLES)
        text = text or ""
        found = [(m, ws) for m in _FULL_NAME.finditer(text)
                 if len(ws := frozenset(w for w in _words(m.group()) if w not in titles)) >= 2]
        self.full = tuple(ws for _m, ws in found)
        titled = list(_TITLED.finditer(text))
        self.surnames = frozenset(m.group(1).lower() for m in titled)
        # (A sentence's first word is capitalised too: "Text Tom Becker …" is matched whole, verb included.)
        self.addressed = any(_toward(text, m.start()) or _words(m.group())[0] in _TOWARD
                             for m, _ws in found) or any(_toward(text, m.start()) for m in titled) or bool(
            (found or titled) and _TO_PRONOUN.search(text))

    def __bool__(self) -> bool:
        return bool(self.full or self.surnames)

    def matched(self, names: Iterable[tuple[str, ...]]) -> frozenset[str]:
        """The words of the record's names that are a named person's name whole (empty when none is)."""
        out: set[str] = set()
        for name in names:
            ws = frozenset(name)
            if len(ws) >= 2 and any(ws <= full for full in self.full):
                out |= ws
            elif name and name[-1] in self.surnames:
                out.add(name[-1])
        return frozenset(out)


# Words that end the phrase a name stands in, looking back from it: the party is where something came from or
# what it is about ("the invoice from Mesa Freight"), not whom the action goes to.
_AWAY = frozenset("from of by about regarding than via at on in".split())
_TO = frozenset("to cc bcc with".split())
_CLAUSE_END = re.compile(r"[.,;:!?\n]")
# "… email them to him": the action goes to a person the request names elsewhere.
_TO_PRONOUN = re.compile(r"\b(?:to|cc|bcc|email|e-mail|mail|text|message|ping|dm|invite|notify|tell|remind|forward)"
                         r"[ \t]+(?:him|her)\b", re.I)


def _toward(text: str, at: int) -> bool:
    """Is the name at position `at` written as whom an action goes to: a word of `_TOWARD` before it in its
    phrase, the name's apposition or brackets between ("to our new hire Tom Becker", "to him (Tom Becker)"),
    up to four words back and not past a clause's end or a word of `_AWAY`?"""
    head = text[max(0, at - 60):at]
    cut = max((m.end() for m in _CLAUSE_END.finditer(head)), default=0)
    for n, w in enumerate(reversed([w.lower() for w in _WORD.findall(head[cut:])][-4:])):
        # (further back, only a preposition: in "send the Mesa Freight invoice" the verb's object is the invoice)
        if w in (_TOWARD if n == 0 else _TO):
            return True
        if w in _AWAY:
            return False
    return False


def record_names(obj: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    """The names a JSON object gives itself: the words of each name field, and its name parts joined
    (`first_name` + `last_name`)."""
    names: list[tuple[str, ...]] = []
    parts: list[str] = []
    for key, value in obj.items():
        if not isinstance(value, str) or len(value) > 80 or "@" in value:
            continue
        ks = [k.lower() for k in name_tokens(str(key))]
        if "name" not in ks or _NOT_A_PERSON.intersection(ks):
            continue
        ws = tuple(_words(value))
        if not ws:
            continue
        if _PARTS.intersection(ks):
            parts += ws
        else:
            names.append(ws)
    if parts:
        names.append(tuple(parts))
    return tuple(names)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if len(w) >= 2]


def display_names(text: str, address: str) -> list[tuple[str, ...]]:
    """The names a text writes right before a mailbox as its display name (`Eve Stone <eve@…>`, a message's
    `from`): whose that address says it is."""
    pattern = r"([^\s\"<>,;:\\][^\"<>,;:\\\n]{0,78})\s*<" + re.escape(address) + ">"
    return [ws for m in re.finditer(pattern, text, re.I) if (ws := tuple(_words(m.group(1))))]
