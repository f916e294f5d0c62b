"""Where values came from: a bounded per-session record of what tool results carried.

Each result the agent saw is kept as its text (capped) with the address-like values in it and, for
each occurrence, whether it stands as a field of the data (a whole JSON string, a `label: value` or
`- value` line) or inside running text (a message body, a document). Whether an occurrence sits in
text that reads as instructions to the model is judged lazily, by the scanner, on a window around
it, only when a decision needs it, and cached.

What the agent itself sent (the arguments of its earlier calls) is kept too, never as a source: a
result that repeats a value the agent had already sent (a search echoing its query) is an echo, and
does not ground that value.

Bounds per session: the newest `MAX_RESULTS` results and `MAX_CHARS` characters of result text
(older ones are forgotten first), `MAX_PER_RESULT` characters of any one result, `MAX_SENT` values
the agent sent. About 2 × MAX_CHARS bytes of memory at most (text and its lower-case copy).
"""

from __future__ import annotations

import bisect
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mcp_guard.intent.values import find_values

MAX_RESULTS = 256
MAX_CHARS = 4 * 1024 * 1024
MAX_PER_RESULT = 2 * 1024 * 1024
MAX_SENT = 10_000
WINDOW = 400  # characters either side of an occurrence that the scanner reads
MAX_OCCURRENCES = 8  # occurrences of one value per result that are checked for injected text
_SEVERE = ("medium", "high")

# A line that is one value: optional indent, list bullet, `label:` and quotes around it.
_LINE_PREFIX = re.compile(r"[ \t]*(?:[-*•][ \t]+)?(?:\[[^\]\n]{1,12}\][ \t]*)?(?:[A-Za-z_][\w .-]{0,40}:[ \t]+)?[\"']?")
_LINE_SUFFIX = re.compile(r"[\"']?,?[ \t]*(?:\r?\n|$)")
# Multi-line quoted scalars (YAML `key: '…'` / `key: "…"`): what is inside is text, whatever it looks like.
_QUOTED = re.compile(r"(?<=[:-] )'(?:[^'\n]|'')*\n(?:[^']|'')*'|(?<=[:-] )\"(?:[^\"\\\n]|\\.)*\n(?:[^\"\\]|\\.)*\"")
_BLOCK = re.compile(r"(?<=: )[|>][+-]?\d*[ \t]*\n((?:[ \t]+[^\n]*\n?|[ \t]*\n)+)")


@dataclass(slots=True)
class Occurrence:
    start: int
    end: int
    is_field: bool


@dataclass(slots=True)
class ResultEntry:
    """One tool result as the agent saw it."""

    seq: int  # how many results the session had seen before this one
    upstream: str
    tool: str
    text: str
    low: str
    json: bool
    values: dict[str, list[Occurrence]] = field(default_factory=dict)
    quoted: list[tuple[int, int]] = field(default_factory=list)  # spans of multi-line quoted text
    injected: dict[int, bool] = field(default_factory=dict)  # window start -> judged instructions?

    @property
    def source(self) -> str:
        return f"{self.upstream}/{self.tool}"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one value was found, for a decision and for the person asked about it."""

    fields: tuple[ResultEntry, ...] = ()  # results carrying it as a field of their data
    text: tuple[ResultEntry, ...] = ()  # results carrying it only inside running text
    injected: tuple[ResultEntry, ...] = ()  # results where it sits in text that reads as instructions

    @property
    def found(self) -> bool:
        return bool(self.fields or self.text or self.injected)


def result_text(result: dict[str, Any]) -> str:
    """The texts of a tools/call result the model reads, joined (content text, resources, structured)."""
    parts: list[str] = []
    for item in result.get("content") or []:
        if isinstance(item, dict):
            if isinstance(item.get("text"), str):
                parts.append(item["text"])
            res = item.get("resource")
            if isinstance(res, dict) and isinstance(res.get("text"), str):
                parts.append(res["text"])
            if item.get("type") == "resource_link" and isinstance(item.get("uri"), str):
                parts.append(item["uri"])
    sc = result.get("structuredContent")
    if sc is not None:
        import orjson

        try:
            parts.append(orjson.dumps(sc).decode())
        except TypeError:
            pass
    return "\n\n".join(parts)


class SessionRecord:
    """The values a session's tool results carried, and the values the agent sent."""

    def __init__(self) -> None:
        self.entries: deque[ResultEntry] = deque()
        self.chars = 0
        self.seen = 0  # results recorded so far (also the next result's seq)
        self.sent: dict[str, int] = {}  # value -> results seen when the agent first sent it

    # -- recording --------------------------------------------------------------------------------
    def note_sent(self, values: list[str]) -> None:
        for v in values:
            if v not in self.sent:
                if len(self.sent) >= MAX_SENT:
                    del self.sent[next(iter(self.sent))]
                self.sent[v] = self.seen

    def add(self, upstream: str, tool: str, text: str) -> ResultEntry:
        text = text[:MAX_PER_RESULT]
        low = text.lower()
        is_json = text[:1] in "{[" and text.rstrip()[-1:] in "}]"
        entry = ResultEntry(self.seen, upstream, tool, text, low, is_json)
        self.seen += 1
        if not is_json:
            entry.quoted = [m.span() for m in _QUOTED.finditer(text)] + [m.span(1) for m in _BLOCK.finditer(text)]
            entry.quoted.sort()
        values = entry.values
        for f in find_values(text):
            occ = values.get(f.value)
            if occ is None:
                occ = values[f.value] = []
            occ.append(Occurrence(f.start, f.end, _is_field(entry, f.start, f.end)))
        self.entries.append(entry)
        self.chars += len(text)
        while self.entries and (self.chars > MAX_CHARS or len(self.entries) > MAX_RESULTS):
            old = self.entries.popleft()
            self.chars -= len(old.text)
        return entry

    # -- looking up -------------------------------------------------------------------------------
    def provenance(self, value: str, address: bool) -> Provenance:
        """Where `value` (normalised) was found. `address`: an address-like value (indexed when its
        result was recorded); otherwise a name, looked for as whole words in the results' text."""
        sent_at = self.sent.get(value)
        fields: list[ResultEntry] = []
        text: list[ResultEntry] = []
        injected: list[ResultEntry] = []
        for e in self.entries:
            if sent_at is not None and e.seq >= sent_at:
                break  # the agent had sent it: from here on a result may only be echoing it
            occ = e.values.get(value) if address else _name_occurrences(e, value)
            if not occ:
                continue
            if any(self._in_instructions(e, o) for o in [o for o in occ if not o.is_field][:MAX_OCCURRENCES]):
                injected.append(e)
            elif any(o.is_field for o in occ):
                fields.append(e)
            else:
                text.append(e)
        return Provenance(tuple(fields), tuple(text), tuple(injected))

    def _in_instructions(self, e: ResultEntry, o: Occurrence) -> bool:
        lo = max(0, o.start - WINDOW)
        hi = min(len(e.text), o.end + WINDOW)
        # Stay within the paragraph: text across a blank line is another part of the data.
        cut = e.text.rfind("\n\n", lo, o.start)
        lo = cut + 2 if cut != -1 else lo
        cut = e.text.find("\n\n", o.end, hi)
        hi = cut if cut != -1 else hi
        hit = e.injected.get(lo)
        if hit is None:
            from mcp_guard.scan import scan_text

            findings = scan_text(e.text[lo:hi], source="result")
            hit = e.injected[lo] = any(f.severity in _SEVERE for f in findings)
        return hit


def _is_field(e: ResultEntry, start: int, end: int) -> bool:
    """Does the occurrence stand alone as a value of the data, rather than inside running text?"""
    text = e.text
    if e.json:
        # A whole JSON string: an unescaped quote right before and right after.
        return (
            start > 0 and text[start - 1] == '"' and (start < 2 or text[start - 2] != "\\")
            and end < len(text) and text[end] == '"'
        )
    if e.quoted:
        i = bisect.bisect_right(e.quoted, (start, len(text))) - 1
        if i >= 0 and e.quoted[i][0] <= start < e.quoted[i][1]:
            return False
    line_start = text.rfind("\n", 0, start) + 1
    m = _LINE_PREFIX.match(text, line_start, start)
    if m is None or m.end() != start:
        return False
    return _LINE_SUFFIX.match(text, end) is not None


def _name_occurrences(e: ResultEntry, value: str) -> list[Occurrence]:
    out: list[Occurrence] = []
    low, n = e.low, len(value)
    i = low.find(value)
    while i != -1 and len(out) < 64:
        before = low[i - 1] if i else " "
        after = low[i + n] if i + n < len(low) else " "
        if not (before.isalnum() or before in "_@") and not (after.isalnum() or after in "_@"):
            out.append(Occurrence(i, i + n, _is_field(e, i, i + n)))
        i = low.find(value, i + 1)
    return out
