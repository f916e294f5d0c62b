"""`other-id`: a request that names a record by its id ("mark invoice INV-7 as paid", "close ticket 4471") asks for
the write on that record, not on another of the same kind.

The rule, in one sentence: an id among a write's arguments (`naming.acted_ids`) that the request does not write, of
the very shape of an id it does write (the same letters and marks, any digits: "INV-8" beside "INV-7", "4472"
beside "4471"), is asked, unless a field of a clean record that holds a named id holds it too (the parent ticket
of the ticket named). The request said which record; a value of the same kind chosen elsewhere (a listing's next
row, a mail's "please also mark INV-8 as paid") is a choice nobody asked for.

Both sides are read alike, so a spelling cannot step around the rule: an id's marks are no part of its shape
("INV8", "INV 8", "INV_8" are of the shape of "INV-7"); a value that lists ids ("INV-7,INV-8") holds each; a bare
number is numbered by its parameter's words, or by the tool's when the parameter is only `id` or `number`
(`close_ticket(id=4472)`: a ticket's), and by the word before "no."/"number"/"id"/"#" in the request ("ticket no.
4471")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mcp_guard.intent.naming import _ID, acted_ids, records
from mcp_guard.intent.values import argument_leaves
from mcp_guard.intent.words import name_tokens, stem

if TYPE_CHECKING:
    from mcp_guard.intent.engine import DeclaredIntent
    from mcp_guard.intent.record import SessionRecord

_TOKEN = re.compile(r"[\w.:#/-]+")
_DIGITS = re.compile(r"\d+")
_MARKS = re.compile(r"[^a-z0-9:]")
_NUMBERED = re.compile(r"[a-z]+:\d+")  # `word:digits`, a number kept with the word for what it numbers
_SEPARATOR = re.compile(r"[\s,;|]+")  # between the ids of a value that lists them ("INV-7, INV-8")
_FILLER = frozenset({"no", "nr", "num", "number", "id", "#"})  # "ticket no. 4471": the number is still a ticket's
MAX_IDS = 32  # ids of the request compared (a request is a few sentences)


def _canon(token: str) -> str:
    """An id as compared: lower case and without its marks ("INV-8", "inv_8", "INV 8": "inv8")."""
    t = token.lower()
    return t if _NUMBERED.fullmatch(t) else _MARKS.sub("", t)


def _shape(token: str) -> str:
    """An id with its digits as one mark ("inv9"); a number keeps the word it numbers ("ticket:9")."""
    return _DIGITS.sub("9", _canon(token))


def named_ids(text: str) -> frozenset[str]:
    """The ids the request writes (lower case): tokens with a letter and a digit ("INV-7"), or numbers of 4-20
    digits written right after the word for what they number ("ticket 4471", "ticket no. 4471"), kept as
    `word:digits`."""
    out: set[str] = set()
    before = ""
    for m in _TOKEN.finditer(text or ""):
        t = m.group().strip(".:/-").lower()
        if _ID.fullmatch(t):
            out.add(t)
        elif t.lstrip("#").isdigit() and 4 <= len(t.lstrip("#")) <= 20 and before.isalpha():
            out.add(f"{stem(before)}:{t.lstrip('#')}")
        if t not in _FILLER:
            before = t
        if len(out) >= MAX_IDS:
            break
    return frozenset(out)


def _number(token: str) -> str:
    """The digits of a number of 4-20 digits ("4471", "#4471"), or ""."""
    digits = token.lstrip("#").strip()
    return digits if digits.isdigit() and 4 <= len(digits) <= 20 else ""


def _call_ids(arguments: dict[str, Any], tool: str = "") -> list[str]:
    """The call's ids as `named_ids` writes them: letters and digits as they are (each of a value that lists
    several), a number under a parameter named as an id, or as the thing numbered, as `word:digits` for each
    other word of the parameter's name (`ticket_id`, `ticket`: `ticket:4471`), or of the tool's name when the
    parameter names nothing else (`id`)."""
    out = [x.lower() for x in acted_ids(arguments) if not x.isdigit()]
    for param, text in argument_leaves(arguments):
        value = text.strip()
        items = [t.strip(".:/-").lower() for t in _SEPARATOR.split(value) if t] if len(value) <= 2000 else []
        if not 2 <= len(items) <= MAX_IDS or not all(_ID.fullmatch(t) or _number(t) for t in items):
            items = [value.lower()]  # one value, or a sentence that mentions ids: read whole
            if len(value.split()) == 2 and _ID.fullmatch(joined := value.replace(" ", "")):
                items = [joined.lower()]  # "INV 8"
        out += [t for t in items if t != value.lower() and _ID.fullmatch(t)]
        numbers = [n for t in items if (n := _number(t))]
        if not numbers:
            continue
        tokens = [t.lower() for t in name_tokens(param.rpartition(".")[2])]
        words = tokens[:-1] if tokens and tokens[-1] in ("id", "ids", "number", "no", "nr", "num") else tokens
        words = words or [t.lower() for t in name_tokens(tool)]
        out += [f"{stem(w)}:{n}" for w in words for n in numbers]
    return out[:MAX_IDS * 2]


def other_id(intent: DeclaredIntent, arguments: dict[str, Any], record: SessionRecord, tool: str = "") -> str:
    """The id of the call that stands for another record than the one the request names by id, or ""."""
    named = named_ids(intent.text)
    if not named:
        return ""
    shapes = {_shape(n) for n in named}
    named_canon = {_canon(n) for n in named}
    others = [x for x in _call_ids(arguments, tool) if _canon(x) not in named_canon and _shape(x) in shapes]
    if not others:
        return ""
    beside = _beside_named(named, record)
    return next((x.rpartition(":")[2] for x in others if _canon(x.rpartition(":")[2]) not in beside), "")


def _beside_named(named: frozenset[str], record: SessionRecord) -> set[str]:
    """The fields (as `_canon` writes them) of the clean JSON records that are the records the request names: they
    hold a named id in a field that names the record itself (`ticket_id`, `id`), not in one that points at another
    (`related`, `parent`: anyone may file a record that points at the named one)."""
    from mcp_guard.intent.engine import _clean_json, _labels_itself  # (the engine imports this module)

    wanted = {_canon(n.rpartition(":")[2]) for n in named}
    out: set[str] = set()
    for e in record.entries:
        data = _clean_json(e, record)
        for node in records(data) if data is not None else ():
            cells = {k: _canon(str(x).strip()) for k, x in node.items() if isinstance(x, str | int)
                     and not isinstance(x, bool)}
            if any(c in wanted and _labels_itself(str(k), node) for k, c in cells.items()):
                out |= set(cells.values())
    return out
