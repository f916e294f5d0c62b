"""A count or sum moved by the request's own number: the value a field holds now, plus or minus it.

"We used 2 boxes, update the count": the call sets `quantity` to 4 where a clean result's `quantity` field
read 6. The new value is neither a number the request names nor one a result carries, yet every part of it
is: the field's current value (data read from the very field the call sets) and the request's number (the
change). Only one step is taken (one field of the same name, one number of the request, added or taken
away), so a result's numbers cannot be combined freely into any sum an injection wants.

The request's number must be one it writes as an amount, not one that names something: a number inside an id,
a date, a time or a phone number ("INV-4471", "2026-03-04", "555-0100"), a year ("for 2025") or a record's
number that the session's data holds ("invoice 4471") moves nothing (`changes`): "pay invoice 4471" is no
leave to pay 120 + 4471.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from mcp_guard.intent.record import ResultEntry
from mcp_guard.intent.words import name_tokens, stem

# A member of a JSON object whose value is a plain number: `"quantity": 6`, `"on_hand": 12.5`.
_MEMBER = re.compile(r'"([A-Za-z_][\w.-]{0,60})"\s*:\s*(-?\d+(?:\.\d+)?)(?![\d.])')


def _head(name: str) -> str:
    """The stem of a parameter's or field's last word (`line.qty`, `stock_qty`: qty)."""
    tokens = name_tokens(name)
    return stem(tokens[-1]) if tokens else ""


def current_values(param: str, entries: Iterable[ResultEntry]) -> Iterator[tuple[float, ResultEntry]]:
    """(value, result) of each number a JSON result holds in a field named as the parameter is (same last word)."""
    head = _head(param)
    if not head:
        return
    for e in entries:
        if not e.json:
            continue
        for m in _MEMBER.finditer(e.raw):
            if _head(m.group(1)) == head:
                yield float(m.group(2)), e


_JOINED = re.compile(r"\S*\d\S*")
_DIGITS = re.compile(r"\d+")
_YEAR = re.compile(r"\b(?:in|for|of|since|during|from|until|through|fy|fiscal(?: year)?)\s+((?:19|20)\d\d)\b", re.I)
_NUMBERED = re.compile(r"[A-Za-z]\s+(?:no\.?\s*|number\s+|#\s*)?#?(\d{4,20})\b")


def changes(text: str, numbers: Iterable[float], entries: Iterable[ResultEntry]) -> list[float]:
    """The request's `numbers` that may be a change: not a part of an id, date, time or phone number, not a year,
    not a number written after a word that the session's data holds (the record's own number: "invoice 4471")."""
    names: set[float] = set()
    for m in _JOINED.finditer(text):
        t = m.group().strip(".,;:!?()[]\"'")
        if any(c.isalpha() for c in t) and not t[-1:].isalpha() or re.search(r"\d[-/:]\d", t):
            names.update(float(d) for d in _DIGITS.findall(t))  # "INV-4471", "10:30", "2026-03-04"
        elif any(c.isalpha() for c in t) and t[:1].isalpha():
            names.update(float(d) for d in _DIGITS.findall(t))  # "INV4471", "Q3"
    names.update(float(m.group(1)) for m in _YEAR.finditer(text))
    raws = [e.raw for e in entries]
    for m in _NUMBERED.finditer(text):
        n = m.group(1)
        if any(re.search(r"(?<![\w.])" + n + r"(?![\w.])", raw) for raw in raws):
            names.add(float(n))
    return [n for n in numbers if n not in names]


def moved_by(param: str, x: float, numbers: Iterable[float], entries: Iterable[ResultEntry],
             clean: Callable[[float, ResultEntry], bool]) -> tuple[float, float, ResultEntry] | None:
    """(current value, the request's number, its result) when `x` is a field's current value plus or minus a
    number the request names; the current value must be clean data of that result (`clean`)."""
    asked = [n for n in numbers if n > 0]
    if not asked:
        return None
    for y, e in current_values(param, entries):
        for n in asked:
            if (abs(y + n - x) < 0.005 or abs(y - n - x) < 0.005) and clean(y, e):
                return y, n, e
    return None
