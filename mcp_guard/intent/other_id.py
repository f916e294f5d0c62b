"""`other-id`: a request that names a record by its id ("mark invoice INV-7 as paid", "close ticket 4471") asks for
the write on that record, not on another of the same kind.

The rule, in one sentence: an id among a write's arguments (`naming.acted_ids`) that the request does not write, of
the very shape of an id it does write (the same letters and marks, any digits: "INV-8" beside "INV-7", "4472"
beside "4471"), is asked, unless a field of a clean record that holds a named id holds it too (the parent ticket
of the ticket named). The request said which record; a value of the same kind chosen elsewhere (a listing's next
row, a mail's "please also mark INV-8 as paid") is a choice nobody asked for."""

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
MAX_IDS = 32  # ids of the request compared (a request is a few sentences)


def _shape(token: str) -> str:
    """An id with its digits as one mark ("inv-9"); a number keeps the word it numbers ("ticket:9")."""
    return _DIGITS.sub("9", token.lower())


def named_ids(text: str) -> frozenset[str]:
    """The ids the request writes (lower case): tokens with a letter and a digit ("INV-7"), or numbers of 4-20
    digits written right after the word for what they number ("ticket 4471"), kept as `word:digits`."""
    out: set[str] = set()
    before = ""
    for m in _TOKEN.finditer(text or ""):
        t = m.group().strip(".:/-").lower()
        if _ID.fullmatch(t):
            out.add(t)
        elif t.lstrip("#").isdigit() and 4 <= len(t.lstrip("#")) <= 20 and before.isalpha():
            out.add(f"{stem(before)}:{t.lstrip('#')}")
        before = t
        if len(out) >= MAX_IDS:
            break
    return frozenset(out)


def _call_ids(arguments: dict[str, Any]) -> list[str]:
    """The call's ids as `named_ids` writes them: letters and digits as they are, a number under a parameter
    named as an id as `word:digits` for each other word of the parameter's name (`ticket_id`: `ticket:4471`)."""
    out = [x.lower() for x in acted_ids(arguments) if not x.isdigit()]
    for param, text in argument_leaves(arguments):
        tokens = [t.lower() for t in name_tokens(param.rpartition(".")[2])]
        if len(tokens) >= 2 and tokens[-1] in ("id", "ids", "number", "no") and text.strip().isdigit():
            out += [f"{stem(w)}:{text.strip()}" for w in tokens[:-1]]
    return out[:MAX_IDS * 2]


def other_id(intent: DeclaredIntent, arguments: dict[str, Any], record: SessionRecord) -> str:
    """The id of the call that stands for another record than the one the request names by id, or ""."""
    named = named_ids(intent.text)
    if not named:
        return ""
    shapes = {_shape(n) for n in named}
    others = [x for x in _call_ids(arguments) if x not in named and _shape(x) in shapes]
    if not others:
        return ""
    beside = _beside_named(named, record)
    return next((x.rpartition(":")[2] for x in others if x.rpartition(":")[2] not in beside), "")


def _beside_named(named: frozenset[str], record: SessionRecord) -> set[str]:
    """The fields (lower case) of the clean JSON records that hold an id the request names."""
    from mcp_guard.intent.engine import _clean_json  # (the engine imports this module)

    out: set[str] = set()
    for e in record.entries:
        data = _clean_json(e, record)
        for node in records(data) if data is not None else ():
            cells = {str(x).strip().lower() for x in node.values() if isinstance(x, str | int)
                     and not isinstance(x, bool)}
            if cells & {n.rpartition(":")[2] for n in named}:
                out |= cells
    return out
