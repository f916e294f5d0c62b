"""Where values came from: a bounded per-session record of what tool results carried.

Each result the agent saw is kept as its text (capped). A value a decision asks about is looked up
in it whole (at label and word boundaries), and each occurrence is classed: a field of the data (a
whole JSON string, a `label: value` or `- value` line outside quoted text) or running text (a
message body, a document); whether a text occurrence sits in text that reads as instructions to the
model is judged by the scanner on a window around it. Lookups are done when a decision needs them
and cached per result: recording a result costs a lower-case copy, and exact search is cheaper than
extracting every value of every result up front (see scripts/bench_intent.py).

What the agent itself sent (the arguments of its earlier calls) is kept too, never as a source: a
result that repeats a value the agent had already sent (a search echoing its query) is an echo, and
does not ground that value.

Bounds per session: the newest `MAX_RESULTS` results and `MAX_CHARS` characters of result text
(older ones are forgotten first), `MAX_PER_RESULT` characters of any one result, `MAX_SENT` values
the agent sent. About 2 × MAX_CHARS bytes of memory at most (text and its lower-case copy).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

MAX_RESULTS = 256
MAX_CHARS = 4 * 1024 * 1024
MAX_PER_RESULT = 2 * 1024 * 1024
MAX_SENT = 10_000
WINDOW = 400  # characters either side of an occurrence that the scanner reads
MAX_OCCURRENCES = 8  # occurrences of one value per result that are checked for injected text
_SEVERE = ("medium", "high")

# A line that is one value: optional indent, list bullet, `label:` and quotes around it.
_LINE_PREFIX = re.compile(r"[ \t]*(?:[-*•][ \t]+)?(?:\[[^\]\n]{1,12}\][ \t]*)?(?:[A-Za-z_][\w .-]{0,40}:[ \t]+)?[\"']?")
_LINE_SUFFIX = re.compile(r",?[ \t]*(?:\r?\n|$)")
# A line that opens a scalar going on over the next, more indented lines: `key: 'text…`, `key: "…`,
# `key: |` / `key: >` (YAML), whatever those lines look like, they are text.
_OPENS = re.compile(r"""^[ \t]*(?:-[ \t]+)?[^:\n]{1,60}:[ \t]+(?:'(?:[^']|'')*|"(?:[^"\\]|\\.)*|[|>][+-]?\d*[ \t]*)$""")
MAX_LINES_BACK = 400  # how far up a line's parent is looked for


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
    pointed: bool = False  # the call that produced it asked for something the request names
    found: dict[str, list[Occurrence]] = field(default_factory=dict)  # value -> occurrences (a cache)
    injected: dict[int, bool] = field(default_factory=dict)  # window start -> judged instructions?

    @property
    def source(self) -> str:
        return f"{self.upstream}/{self.tool}"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one value was found, for a decision and for the person asked about it."""

    fields: tuple[ResultEntry, ...] = ()  # results carrying it as a field of their data
    text: tuple[ResultEntry, ...] = ()  # results carrying it only inside running text
    pointed: tuple[ResultEntry, ...] = ()  # of `text`: results of a call for what the request names
    injected: tuple[ResultEntry, ...] = ()  # results where it sits in text that reads as instructions

    @property
    def data(self) -> tuple[ResultEntry, ...]:
        """Results that carry it as data: as a field, or in the text of what the request pointed at."""
        return self.fields + self.pointed

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

    def add(self, upstream: str, tool: str, text: str, pointed: bool = False) -> ResultEntry:
        text = text[:MAX_PER_RESULT]
        low = text.lower()
        if len(low) != len(text):  # a few characters lower-case to two: keep offsets in one text
            text = low
        is_json = text[:1] in "{[" and text.rstrip()[-1:] in "}]"
        entry = ResultEntry(self.seen, upstream, tool, text, low, is_json, pointed)
        self.seen += 1
        self.entries.append(entry)
        self.chars += len(text)
        while self.entries and (self.chars > MAX_CHARS or len(self.entries) > MAX_RESULTS):
            old = self.entries.popleft()
            self.chars -= len(old.text)
        return entry

    # -- looking up -------------------------------------------------------------------------------
    def provenance(self, value: str, forms: tuple[str, ...] = ()) -> Provenance:
        """Where `value` (normalised, lower-case) was found; `forms` are other spellings of it to look
        for (an IBAN in groups of four, a phone number as written)."""
        sent_at = self.sent.get(value)
        fields: list[ResultEntry] = []
        text: list[ResultEntry] = []
        injected: list[ResultEntry] = []
        for e in self.entries:
            if sent_at is not None and e.seq >= sent_at:
                break  # the agent had sent it: from here on a result may only be echoing it
            occ = occurrences(e, value)
            for f in forms:
                occ = occ + occurrences(e, f)
            if not occ:
                continue
            if any(self._in_instructions(e, o) for o in [o for o in occ if not o.is_field][:MAX_OCCURRENCES]):
                injected.append(e)
            elif any(o.is_field for o in occ):
                fields.append(e)
            else:
                text.append(e)
        return Provenance(tuple(fields), tuple(text), tuple(e for e in text if e.pointed), tuple(injected))

    def _in_instructions(self, e: ResultEntry, o: Occurrence) -> bool:
        # A fixed window, not the paragraph: injected text often spans paragraphs of its own.
        lo = max(0, o.start - WINDOW)
        hi = min(len(e.text), o.end + WINDOW)
        hit = e.injected.get(lo)
        if hit is None:
            from mcp_guard.scan import scan_text

            findings = scan_text(e.text[lo:hi], source="result")
            hit = e.injected[lo] = any(f.severity in _SEVERE for f in findings)
        return hit


def occurrences(e: ResultEntry, value: str) -> list[Occurrence]:
    """Where `value` stands whole in the result: not inside a longer word or address (`acme.co` is
    not in `acme.co.uk`), except after `www.` or `scheme://`."""
    if not value:
        return []
    hit = e.found.get(value)
    if hit is not None:
        return hit
    out: list[Occurrence] = []
    low, n = e.low, len(value)
    i = low.find(value)
    while i != -1 and len(out) < 64:
        j = i + n
        before = low[i - 1] if i else " "
        after = low[j] if j < len(low) else " "
        ok_before = not (before.isalnum() or before in "_@.%+-") or low.endswith(("www.", "://"), 0, i)
        ok_after = not (after.isalnum() or after in "_@-") and not (
            after == "." and j + 1 < len(low) and low[j + 1].isalnum()
        )
        if ok_before and ok_after:
            out.append(Occurrence(i, j, _is_field(e, i, j)))
        i = low.find(value, i + 1)
    if len(e.found) < 4096:
        e.found[value] = out
    return out


def _is_field(e: ResultEntry, start: int, end: int) -> bool:
    """Does the occurrence stand alone as a value of the data, rather than inside running text?"""
    text = e.text
    if e.json:
        # A whole JSON string: an unescaped quote right before and right after.
        return (
            start > 0 and text[start - 1] == '"' and (start < 2 or text[start - 2] != "\\")
            and end < len(text) and text[end] == '"'
        )
    line_start = text.rfind("\n", 0, start) + 1
    m = _LINE_PREFIX.match(text, line_start, start)
    if m is None or m.end() != start:
        return False
    quote = text[start - 1] if text[start - 1] in "'\"" else ""
    if quote:  # `key: 'value'`: the quote must close right after the value
        if not text.startswith(quote, end) or _LINE_SUFFIX.match(text, end + 1) is None:
            return False
    elif _LINE_SUFFIX.match(text, end) is None:
        return False
    return not _inside_scalar(text, line_start)


def _inside_scalar(text: str, line_start: int) -> bool:
    """Is this line a continuation of a multi-line scalar opened by its parent line (the nearest line
    above that is less indented)?"""
    head = text[line_start:line_start + 200]
    indent = len(head) - len(head.lstrip(" \t"))
    pos = line_start
    for _ in range(MAX_LINES_BACK):
        if pos <= 0:
            return False
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev_start:pos - 1]
        body = line.lstrip(" \t")
        if body and len(line) - len(body) < indent:
            return _OPENS.match(line) is not None
        pos = prev_start
    return False
