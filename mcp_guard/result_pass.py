"""One judgement pass per server text: what the result scan and the intent record both read.

A text a server sends toward the model is judged twice: the result scan records (or acts on) the
scanner's findings, and the intent record asks of the same text "does it carry instructions aimed at
the model?" (the scanner's medium and high findings, plus its own reading of text that addresses the
model). Where a session's taint is shared, that judgement runs before the result is forwarded, so its
cost is on the call's path, and the result scan used to read the whole text again afterwards.

- `findings(text, field)`: the scanner's findings for a result text (`scan.scan_text(text, field,
  source="result")`), computed once per text: the intent record asks first (the guard chain puts intent
  before the result scan), the result scan then gets the same findings, with its field name.
- `present(low, bounded, plain)`: which of two tables's literal words occur in a lower-cased text, found in one
  pass of RE2's set matcher (a DFA: linear time, every word at once). The intent record's own
  judgement looks for each word that names the model with `str.find` over the whole text; asking
  this first proves most large texts hold none of them, so those searches run only for words that
  are there. It is a superset test (a word's neighbours are checked again by the caller), so it
  never changes what the caller finds, only how much it searches.
- `lowered(text)` and `encoded(low)`: a text's lower-case copy and that copy's UTF-8 bytes, made once
  for all who read one text (the scanner's signals, its sentence windows and its RE2 word set, the
  intent record and its word set): each was a whole pass over the text, made up to three times.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp_guard.scan import Finding

SHORT_TEXT = 64  # texts this short (keys, enum values, "ok") repeat in every result: remembered by value
KEEP_TEXTS = 16  # longer texts remembered by identity: the two readers ask within one call
KEEP_CHARS = 8 * 1024 * 1024  # and at most this much text held alive by the memo
_SCHEMA = ("inputSchema", "outputSchema")  # fields the scanner reads as a schema's (scan.scan_text)

_lock = threading.Lock()
_recent: OrderedDict[int, tuple[str, tuple[Finding, ...]]] = OrderedDict()  # id(text) -> (text, findings)
_recent_chars = 0


def findings(text: str, field: str = "") -> list[Finding]:
    """`scan.scan_text(text, field, source="result")`, computed once for a text both readers see.

    The scanner's verdict does not depend on the field's name (only on whether it is a schema's,
    which no result field is), so findings made for one reader are the other's with its field."""
    if field.startswith(_SCHEMA):
        from mcp_guard.scan import scan_text

        return scan_text(text, field, source="result")
    found = _short(text) if len(text) <= SHORT_TEXT else _remembered(text)
    if not found:
        return []
    return [f if f.field == field else dataclasses.replace(f, field=field) for f in found]


@lru_cache(maxsize=4096)
def _short(text: str) -> tuple[Finding, ...]:
    from mcp_guard.scan import scan_text

    return tuple(scan_text(text, "", source="result"))


def _remembered(text: str) -> tuple[Finding, ...]:
    global _recent_chars
    key = id(text)
    with _lock:
        kept = _recent.get(key)
        if kept is not None and kept[0] is text:
            _recent.move_to_end(key)
            return kept[1]
    from mcp_guard.scan import scan_text

    found = tuple(scan_text(text, "", source="result"))  # outside the lock: another text may be judged meanwhile
    with _lock:
        old = _recent.pop(key, None)
        if old is not None:
            _recent_chars -= len(old[0])
        _recent[key] = (text, found)
        _recent_chars += len(text)
        while len(_recent) > KEEP_TEXTS or (_recent_chars > KEEP_CHARS and len(_recent) > 1):
            _, (dropped, _f) = _recent.popitem(last=False)
            _recent_chars -= len(dropped)
    return found


_KEEP_COPIES = 2  # the copies of the last texts, by identity: one text's readers ask one after another
_lowered: list[tuple[str, str]] = []
_encoded: list[tuple[str, bytes]] = []


def lowered(text: str) -> str:
    """`text.lower()`, made once for the readers of one text (found by identity, never by value)."""
    global _lowered
    for t, low in _lowered:  # the list is replaced whole, never changed in place: threads read it
        if t is text:
            return low
    low = text.lower()
    _lowered = [(text, low), *_lowered[:_KEEP_COPIES - 1]]
    return low


def encoded(low: str) -> bytes:
    """`low.encode("utf-8", "replace")`, what an RE2 set reads, made once for the sets that read one text."""
    global _encoded
    for t, data in _encoded:
        if t is low:
            return data
    data = low.encode("utf-8", "replace")
    _encoded = [(low, data), *_encoded[:_KEEP_COPIES - 1]]
    return data


_last_present: tuple[str, Any, tuple[frozenset[str], frozenset[str]]] = ("", None, (frozenset(), frozenset()))


def present(low: str, bounded: tuple[str, ...] = (),
            plain: tuple[str, ...] = ()) -> tuple[frozenset[str], frozenset[str]]:
    """Which words of two tables (lower-case literals) occur in the lower-cased text `low`, in one
    pass: `bounded` ones with no letter, digit or `_` just before them and no letter a-z just after (a
    superset of where a caller's own word-boundary test can succeed: RE2 reads `[^0-9a-z_]`, a caller
    may reject more neighbours, any letter), `plain` ones anywhere. The last answer is kept: a text is
    asked about from two places."""
    global _last_present
    last = _last_present
    if last[0] is low and last[1] == (bounded, plain):
        return last[2]
    found: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    if low:
        hits = _word_set(bounded, plain).Match(encoded(low)) or ()
        n = len(bounded)
        found = frozenset(bounded[i] for i in hits if i < n), frozenset(plain[i - n] for i in hits if i >= n)
    _last_present = (low, (bounded, plain), found)
    return found


@lru_cache(maxsize=8)
def _word_set(bounded: tuple[str, ...], plain: tuple[str, ...]) -> Any:
    import re2  # compiled once per pair of tables, on first use

    options = re2.Options()
    options.max_mem = 64 << 20  # the DFA's cache, as the scanner's: enough that a large text never exhausts it
    found = re2.Set.SearchSet(options)
    for w in bounded:
        found.Add(r"(?:^|[^0-9a-z_])" + re2.escape(w) + r"(?:[^a-z]|$)")
    for w in plain:
        found.Add(re2.escape(w))
    found.Compile()
    return found
