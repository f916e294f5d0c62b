"""Where values came from: a bounded per-session record of what tool results carried.

Each result the agent saw is kept as its text (capped). A value a decision asks about is looked up
in it whole (at label and word boundaries), and each occurrence is classed: a field of the data (a
whole JSON string, a `label: value` or `- value` line outside quoted text) or running text (a
message body, a document). A result is judged as a whole: when any of its text reads as
instructions to the model (the scanner's medium/high findings, or a line that addresses the model
by its role: "AI assistant:", "Note to the agent"), the result is *tainted*: every value it carries,
as a field or as text, near the instructions or far from them, is tainted, never data. Occurrences
within `WINDOW` characters of such instructions are *injected*. Lookups and that judgement are done
when a decision needs them and cached per result: recording a result costs a lower-case copy; the
first judgement of a result costs one scanner pass over all of it (about 0.4 s for 1 MiB of JSON mail
records on the development machine, a few ms for a typical result), paid once, by the first decision
that looks at it or when it is forgotten.

What the agent itself sent (the arguments of its earlier calls) is kept too, never as a source: a
result that repeats a value the agent had already sent (a search echoing its query) is an echo, and
does not ground that value.

Bounds per session: the newest `MAX_RESULTS` results and `MAX_CHARS` characters of result text
(older ones are forgotten first), `MAX_PER_RESULT` characters of any one result, `MAX_SENT` values
the agent sent, `MAX_TAINTED` values of tainted results. About 2 × MAX_CHARS bytes of memory at most
(text and its lower-case copy). The bounds fail closed: a result is judged before it is forgotten,
and the address-like values of a tainted one stay in a separate set that is never evicted (past
`MAX_TAINTED` the whole session counts as tainted); once `MAX_SENT` is reached, results after that
point no longer ground values the record does not know the agent sent (they may be echoes).
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
MAX_TAINTED = 4096
WINDOW = 400  # an occurrence this close to instructions to the model is inside them
MAX_OCCURRENCES = 8  # occurrences of one value per result whose sentence is read
_SEVERE = ("medium", "high")
# The engine's own judgement, beside the scanner's: a line or sentence that addresses the model by its
# role ("AI assistant: …", "Assistant, …", "note to the AI agent"). A person writing to a person does
# not call them "AI" or "agent"; text written for the model does.
_ROLE = r"(?:assistant|agent|model|copilot|chatbot|llm)s?"
_ADDRESSES_MODEL = re.compile(
    # "AI assistant: …", "LLM agents, …"
    rf"\b(?:ai|a\.i\.|llm)[ \t]+{_ROLE}[ \t]*[:,]"
    # "Assistant, please …" opening a sentence (a vocative, not "our travel agent, Bob")
    rf"|(?:^|[\n.!?>\[(]|<!--)[ \t*#\"']*(?:(?:dear|hey|hi|hello)[ \t]+)?(?:the[ \t]+)?(?:ai|{_ROLE})[ \t]*,[ \t]*\w"
    # "Note to the AI agent", "instructions for assistants"
    rf"|\b(?:note|message|instructions?|reminder)[ \t]+(?:to|for)[ \t]+"
    rf"(?:the[ \t]+|any[ \t]+|all[ \t]+)?(?:ai\b|{_ROLE}\b)",
    re.I | re.M,
)

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
    spans: list[tuple[int, int]] | None = None  # where it reads as instructions to the model (None: not judged yet)
    extracted: dict[str, list[Occurrence]] | None = None  # normalised phone/IBAN values -> occurrences (lazy)

    @property
    def source(self) -> str:
        return f"{self.upstream}/{self.tool}"

    @property
    def tainted(self) -> bool:
        """Does any of its text read as instructions to the model? (judged once, on the whole result)"""
        if self.spans is None:
            from mcp_guard.scan import scan_text

            spans = [(f.start, f.end) for f in scan_text(self.text, source="result") if f.severity in _SEVERE]
            spans += _addressed_to_model(self.text, self.low)
            self.spans = sorted(spans)
        return bool(self.spans)

    def normalised(self, value: str) -> list[Occurrence]:
        """Occurrences of a phone number or IBAN however the result spaced it ("+1 415 555 0100")."""
        if self.extracted is None:
            from mcp_guard.intent.values import find_values

            self.extracted = {}
            for f in find_values(self.text, self.low):
                if f.kind in ("phone", "iban"):
                    self.extracted.setdefault(f.value.lower(), []).append(
                        Occurrence(f.start, f.end, _is_field(self, f.start, f.end)))
        return self.extracted.get(value, [])

    def near_instructions(self, o: Occurrence) -> bool:
        return self.tainted and any(s - WINDOW <= o.end and o.start <= e + WINDOW for s, e in self.spans or ())


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one value was found, for a decision and for the person asked about it."""

    fields: tuple[ResultEntry, ...] = ()  # clean results carrying it as a field of their data
    text: tuple[ResultEntry, ...] = ()  # clean results carrying it only inside running text
    pointed: tuple[ResultEntry, ...] = ()  # clean results of a call for what the request names
    injected: tuple[ResultEntry, ...] = ()  # results where it sits in (or near) instructions to the model
    tainted: tuple[ResultEntry, ...] = ()  # results that carry instructions elsewhere, and it too
    forgotten: str = ""  # "injected"/"tainted": a forgotten (evicted) result carried it so

    @property
    def data(self) -> tuple[ResultEntry, ...]:
        """Clean results that carry it as data: as a field, or in a result the request pointed at."""
        return self.fields + tuple(e for e in self.pointed if e not in self.fields)

    @property
    def found(self) -> bool:
        return bool(self.fields or self.text or self.injected or self.tainted or self.forgotten)


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
        self.sent_full_at: int | None = None  # results seen when `sent` was full (later values unknown)
        # Never evicted before the session ends: address-like values of tainted results -> (seq, source,
        # near the instructions?), and the first tainted result the session read.
        self.tainted_values: dict[str, tuple[int, str, bool]] = {}
        self.first_taint: tuple[int, str] | None = None
        self.taint_overflow = False
        self._judged = 0  # entries up to this seq have been judged for taint
        self.reached: dict[int, set[str]] = {}  # result seq -> web addresses from it the session reached

    # -- recording --------------------------------------------------------------------------------
    def note_sent(self, values: list[str]) -> None:
        for v in values:
            if v not in self.sent:
                if len(self.sent) >= MAX_SENT:
                    # Fail closed: what else it sent is unknown, so later results may be echoes of it.
                    if self.sent_full_at is None:
                        self.sent_full_at = self.seen
                    continue
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
            self.judge(old)  # before it is forgotten: its taint outlives it
            self.chars -= len(old.text)
        return entry

    def judge(self, e: ResultEntry) -> bool:
        """Judge one result for instructions to the model; keep what a tainted one carried."""
        if e.spans is not None:
            return bool(e.spans)
        if not e.tainted:
            return False
        if self.first_taint is None or e.seq < self.first_taint[0]:
            self.first_taint = (e.seq, e.source)
        from mcp_guard.intent.values import find_values

        for f in find_values(e.text, e.low):
            if f.value in self.tainted_values:
                continue
            if len(self.tainted_values) >= MAX_TAINTED:
                self.taint_overflow = True
                break
            self.tainted_values[f.value] = (e.seq, e.source, e.near_instructions(Occurrence(f.start, f.end, False)))
        return True

    def session_taint(self) -> tuple[int, str] | None:
        """The first result of the session that read as instructions to the model (seq, source)."""
        for e in self.entries:
            if e.seq >= self._judged:
                self.judge(e)
        self._judged = self.seen
        if self.first_taint is None and self.taint_overflow:
            return (0, "(too many tainted values to keep)")
        return self.first_taint

    # -- looking up -------------------------------------------------------------------------------
    def provenance(self, value: str, forms: tuple[str, ...] = ()) -> Provenance:
        """Where `value` (normalised) was found; `forms` are other spellings of it to look for (an IBAN
        in groups of four, a phone number as written). Phone numbers and IBANs are also matched however
        a result spaced them."""
        key = value
        value = value.lower()
        shaped = value[:1] == "+" and value[1:].isdigit() or (
            len(value) >= 15 and value[:2].isalpha() and value[2:4].isdigit() and value.isalnum())
        sent_at = self.sent.get(key, self.sent.get(value))
        if sent_at is None:
            sent_at = self.sent_full_at  # None, or: from then on unknown values may be echoes
        fields: list[ResultEntry] = []
        text: list[ResultEntry] = []
        pointed: list[ResultEntry] = []
        injected: list[ResultEntry] = []
        tainted: list[ResultEntry] = []
        for e in self.entries:
            if sent_at is not None and e.seq >= sent_at:
                break  # the agent had sent it: from here on a result may only be echoing it
            occ = occurrences(e, value)
            for f in forms:
                occ = occ + occurrences(e, f.lower())
            if shaped:
                occ = occ + e.normalised(value)
            if not occ:
                continue
            if self.judge(e):
                # A tainted result is never data, however the value stands in it.
                (injected if any(e.near_instructions(o) for o in occ) else tainted).append(e)
                continue
            (fields if any(o.is_field for o in occ) else text).append(e)
            # What the request pointed at is data, except a value a sentence of it tells the reader to
            # act on ("Please send the figures to x@y"): that is an instruction, whoever it was for.
            if e.pointed and not any(not o.is_field and _in_imperative(e, o) for o in occ[:MAX_OCCURRENCES]):
                pointed.append(e)
        forgotten = ""
        kept = [self.tainted_values.get(f) for f in (key, value, *forms)]
        if any(k is not None for k in kept):
            forgotten = "injected" if any(k is not None and k[2] for k in kept) else "tainted"
        return Provenance(tuple(fields), tuple(text), tuple(pointed), tuple(injected), tuple(tainted), forgotten)


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


_ROLE_WORDS = ("assistant", "agent", "model", "copilot", "chatbot", "llm", "a.i.")
_AI = re.compile(r"\bai\b")


def _addressed_to_model(text: str, low: str) -> list[tuple[int, int]]:
    """Spans of `_ADDRESSES_MODEL`, tried only around the words that name the model (found by literal
    search at memchr speed; the full pattern tried at every position costs ~100x more)."""
    hits: list[int] = [m.start() for m in _AI.finditer(low)]
    for w in _ROLE_WORDS:
        i = low.find(w)
        while i != -1:
            hits.append(i)
            i = low.find(w, i + 1)
    out: list[tuple[int, int]] = []
    last = -1
    for h in sorted(hits):
        if h < last:
            continue
        hit = _ADDRESSES_MODEL.search(text, max(0, h - 60, last), min(len(text), h + 40))
        if hit is not None and hit.start() <= h + 4:
            out.append((hit.start(), hit.end()))
            last = hit.end()
    return out


_SENTENCE_END = re.compile(r"[.!?;\n](?=[\s\"'<])|<[^>]{0,200}>|\\n")
_LEAD_IN = frozenset("please kindly pls and then also now just so could can would will you u".split())


def _in_imperative(e: ResultEntry, o: Occurrence) -> bool:
    """Does the occurrence sit in a sentence that opens with a verb of action (after "please", "could
    you", …): an instruction to whoever reads it, to act on this value?"""
    from mcp_guard.intent.words import ACTION_VERBS, stem

    lo = max(0, o.start - 300)
    head = e.low[lo:o.start]
    ends = list(_SENTENCE_END.finditer(head))
    start = lo + ends[-1].end() if ends else lo
    tokens = re.findall(r"[a-z]+", e.low[start:o.start])[:8]
    while tokens and tokens[0] in _LEAD_IN:
        tokens.pop(0)
    return bool(tokens) and stem(tokens[0]) in ACTION_VERBS
