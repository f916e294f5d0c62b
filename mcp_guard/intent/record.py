"""Where values came from: a bounded per-session record of what tool results carried.

Each result the agent saw is kept as its text (capped). A value a decision asks about is looked up
in it whole (at label and word boundaries), and each occurrence is classed: a field of the data (a
whole JSON string, a `label: value` or `- value` line outside quoted text) or running text (a
message body, a document). A result is judged as a whole: when any of its text reads as
instructions to the model (the scanner's medium/high findings, or a line that addresses the model
by its role: "AI assistant:", "Note to the agent"), the result is *tainted*: every value it carries,
as a field or as text, is tainted, never data.

Which of its values sit *inside* the instructions is decided by structure, not by distance: the
instructions are the paragraphs that hold flagged text, each within its field (`instruction_regions`).
A field is a JSON string; a `key: value` line with the lines that continue its value (a YAML scalar
folded over several lines, where one blank line is a line break and two are a paragraph break); or
a run of plain text. A marked block that flagged text opens (`<INFORMATION>`, `<!--`) runs on to its
close in the same field, across paragraphs. A value in another field of the same record (the sender
of the injected mail, the id of its event) or in another paragraph is tainted, not injected.

The judgement is made once per result and cached on it (the scanner pass is the one cost that grows
with the result: about 0.5 s for 1 MiB of JSON mail records on the loaded development machine, a few
ms for a typical result): the guard starts it in a worker thread when the result is recorded, and a
decision waits for it only if it is still running; lookups of values are made on demand and cached
per result.

What the agent itself sent (the arguments of its earlier calls) is kept too, never as a source: a
result that repeats a value the agent had already sent (a search echoing its query) is an echo, and
does not ground that value.

Bounds per session: the newest `MAX_RESULTS` results and `MAX_CHARS` characters of result text
(older ones are forgotten first), `MAX_PER_RESULT` characters of any one result (a longer one
counts as tainted), `MAX_SENT` values the agent sent, `MAX_TAINTED` values of tainted results,
`MAX_CACHED` looked-up values per result.
Memory: the kept text and its lower-case copy (2 × MAX_CHARS characters; results being forgotten
are settled before they add another MAX_CHARS), plus those sets; `scripts/bench_intent.py` measures
a record filled to its bound. The bounds fail closed: a result is judged before it is forgotten,
and the address-like values of a tainted one stay in a separate set that is never evicted (past
`MAX_TAINTED` the whole session counts as tainted); once `MAX_SENT` is reached, results after that
point no longer ground values the record does not know the agent sent (they may be echoes).
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mcp_guard.intent import words as _words
from mcp_guard.intent.values import loose_spans
from mcp_guard.result_pass import present

MAX_RESULTS = 256
MAX_CHARS = 4 * 1024 * 1024
MAX_PER_RESULT = 2 * 1024 * 1024
MAX_SENT = 10_000
MAX_TAINTED = 4096
MAX_CACHED = 4096  # looked-up values whose occurrences are cached, per result
MAX_OCCURRENCES = 8  # occurrences of one value per result whose sentence is read
_SEVERE = ("medium", "high")
# The engine's own judgement, beside the scanner's: a line or sentence that addresses the model by its
# role ("AI assistant: …", "note to the AI agent"; a vocative or a name, "Claude, …": `_vocatives`).
# A person writing to a person does not call them "AI" or "agent"; text written for the model does.
_ROLE = r"(?:assistant|agent|model|copilot|chatbot|llm)s?"
_ADDRESSES_MODEL = re.compile(
    # "AI assistant: …", "LLM agents, …"
    rf"\b(?:ai|a\.i\.|llm)[ \t]+{_ROLE}[ \t]*[:,]"
    # (a vocative, "Assistant, please …", is read by `_vocatives`)
    # "Note to the AI agent", "instructions for assistants"
    rf"|\b(?:note|message|instructions?|reminder)[ \t]+(?:to|for)[ \t]+"
    rf"(?:the[ \t]+|any[ \t]+|all[ \t]+)?(?:ai\b|{_ROLE}\b)"
    # the same, the role written before what it heads: "[[assistant instruction: …]]", "AI directives"
    # ("agent" and "model" name people and products too: "agent notes", "model instructions")
    r"|\b(?:ai|a\.i\.|llm|assistant|copilot|chatbot)s?[ \t]+(?:instructions?|directives?)\b",
    re.I | re.M,
)

# A line that is one value: optional indent, list bullet, `label:` and quotes around it.
_LINE_PREFIX = re.compile(r"[ \t]*(?:[-*•][ \t]+)?(?:\[[^\]\n]{1,12}\][ \t]*)?(?:[A-Za-z_][\w .-]{0,40}:[ \t]+)?[\"']?")
_LINE_SUFFIX = re.compile(r",?[ \t]*(?:\r?\n|$)")
# A value that is the key of a YAML mapping entry whose own value is one short token or a nested mapping
# (`shared_with:` then `bob@corp.example: rw`): a field of the data, as a JSON member name is.
_ITEM_MARK = re.compile(r"-[ \t]+")
_MAP_KEY = re.compile(r":(?:[ \t]+[\w.-]{1,40})?[ \t]*(?:\r?\n|$)")
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
    raw: str  # the result's text as it came (capped); `text` and `low` are made from it on first use
    size: int  # len(raw): what the record's bounds count
    json: bool
    pointed: bool = False  # the call that produced it asked for something the request names
    cut: bool = False  # longer than MAX_PER_RESULT: the agent read text nobody judged, so it is tainted
    # the call that produced it carried a value that only instructions to the model wrote (`engine.steered_by`):
    # what it returns (a quote's id, a rate, a label) is that value's child, never clean data
    steered: str = ""
    found: dict[str, list[Occurrence]] = field(default_factory=dict)  # value -> occurrences (a cache)
    spans: list[tuple[int, int]] | None = None  # flagged text: instructions to the model (None: not judged yet)
    regions: list[tuple[int, int]] = field(default_factory=list)  # the instructions: flagged text's paragraphs
    extracted: dict[str, list[Occurrence]] | None = None  # normalised phone/IBAN values -> occurrences (lazy)
    setby: dict[tuple[str, ...], str] = field(default_factory=dict)  # value (and forms) -> `_how` (a cache)
    own: frozenset[str] = frozenset()  # a read of the signed-in account: the account's own values (`own`)
    strings: list[tuple[int, int]] | None = None  # a JSON result's string literals, (start, end) in order (lazy)
    _text: str | None = None
    _low: str | None = None

    # The lower-case copy is made on first use (in the worker thread that judges the result, or a look-up),
    # never while the result is recorded on the call's path: for 1 MiB it is most of the recording's cost.
    @property
    def low(self) -> str:
        """The text in lower case (values are looked up in it); offsets agree with `text`."""
        low = self._low
        return low if low is not None else self._lower()

    @property
    def text(self) -> str:
        return self._text if self._low is not None else (self._lower(), self._text)[1]

    def _lower(self) -> str:
        from mcp_guard.result_pass import lowered

        low = lowered(self.raw)  # the scanner's copy when it read this text first (result_pass.py)
        # A few characters lower-case to two: then the text is its lower-case copy, so offsets agree.
        self._text = low if len(low) != len(self.raw) else self.raw
        self._low = low  # set last: a thread that sees `_low` sees `_text` (two threads may both do this)
        return low

    @property
    def source(self) -> str:
        return f"{self.upstream}/{self.tool}"

    @property
    def tainted(self) -> bool:
        """Does any of its text read as instructions to the model? (judged once, on the whole result)"""
        if self.spans is None:
            from mcp_guard.result_pass import findings  # the scanner's pass, shared with the result scan

            hits = [(f.start, f.end) for f in findings(self.text) if f.severity in _SEVERE]
            hits += addresses(self.text, self.low)
            # Set last: another thread sees either nothing judged yet or the whole judgement.
            self.regions = instruction_regions(self.text, self.low, self.json, sorted(hits)) if hits else []
            # A result cut at MAX_PER_RESULT fails closed: what the agent read past the cut was never judged
            # (judging up to 16 MiB would cost seconds per result; a result that long is rare).
            self.spans = sorted(hits) or ([(self.size, self.size)] if self.cut else [])
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

    def in_instructions(self, o: Occurrence) -> bool:
        """Does the occurrence lie inside the text judged to be instructions to the model?"""
        if not self.tainted:
            return False
        regions = self.regions
        i = bisect.bisect_right(regions, (o.start, len(self.text) + 1)) - 1
        return any(s < o.end and o.start < e for s, e in regions[max(0, i - 1):i + 2])


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one value was found, for a decision and for the person asked about it."""

    fields: tuple[ResultEntry, ...] = ()  # clean results carrying it as a field of their data
    text: tuple[ResultEntry, ...] = ()  # clean results carrying it only inside running text
    pointed: tuple[ResultEntry, ...] = ()  # clean results of a call for what the request names
    injected: tuple[ResultEntry, ...] = ()  # results where it sits inside instructions to the model
    tainted: tuple[ResultEntry, ...] = ()  # results that carry instructions, and it outside them
    forgotten: str = ""  # "injected"/"tainted": a tainted result (maybe since evicted) carried it so
    forgotten_outside: bool = False  # a tainted result carried it outside the instructions too
    # clean results the request pointed at that carry it only where a sentence sets it as a destination
    directed: tuple[ResultEntry, ...] = ()

    @property
    def data(self) -> tuple[ResultEntry, ...]:
        """Clean results that carry it as data: as a field, or in a result the request pointed at."""
        return self.fields + tuple(e for e in self.pointed if e not in self.fields)

    @property
    def found(self) -> bool:
        return bool(self.fields or self.text or self.injected or self.tainted or self.forgotten)

    @property
    def inside(self) -> bool:
        """Found inside text judged to be instructions to the model (now, or in a forgotten result)."""
        return bool(self.injected) or self.forgotten == "injected"

    @property
    def outside(self) -> bool:
        """Found anywhere else: as data or text of a clean result, or elsewhere in a tainted one."""
        return bool(self.fields or self.text or self.tainted) or self.forgotten_outside or self.forgotten == "tainted"


def strings_of(node: Any, skip: tuple[str, ...] = (), names: bool = False) -> str:
    """Every string of a server's message or part of one (member names unless `names`, the `skip` members
    and binary data aside: base64 is no text the model reads as words, and a large image must not taint), joined.
    Past MAX_PER_RESULT the rest is left out, so a text cut here is longer than the bound (and counts
    as cut when recorded)."""
    parts: list[str] = []
    size = -2  # the joined length so far (no separator before the first part)
    stack = [node]
    while stack and size <= MAX_PER_RESULT:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            size += len(item) + 2
        elif isinstance(item, dict):
            # Binary content the client shows as no text: an image's or audio's data, a resource's blob of
            # a non-text type. Any other `blob` is a string like the rest.
            binary = ("blob", "data") if item.get("type") in ("image", "audio") else (
                ("blob",) if "uri" in item and not _text_type(item.get("mimeType")) else ())
            for k, v in reversed(item.items()):
                if k not in (*skip, *binary):
                    stack += [v, k] if names else [v]
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return "\n\n".join(parts)


def _text_type(mime: Any) -> bool:
    """A MIME type whose content a client shows as text."""
    return isinstance(mime, str) and (mime.startswith("text/") or mime.split(";")[0].endswith(("json", "xml")))


def result_text(result: dict[str, Any]) -> str:
    """The texts of a tools/call result the model reads, joined: every string of its content items (text,
    a resource's text and uri, a link's uri, name, title and description, ...) but their type and
    binary data, and the structured content."""
    from mcp_guard.textview import content_extras

    content = strings_of(result.get("content") or [], skip=("type", "mimeType"))
    parts = [content] if content else []
    parts += [t for _f, t in content_extras(result.get("content"))]  # decoded text blobs, block borders
    sc = result.get("structuredContent")
    if sc is not None:
        import orjson

        try:
            parts.append(orjson.dumps(sc).decode())
        except TypeError:  # nested deeper than orjson goes: its strings still reach the model, so read them
            parts.append(strings_of(sc, names=True))
    return "\n\n".join(parts)


class SessionRecord:
    """The values a session's tool results carried, and the values the agent sent."""

    def __init__(self) -> None:
        self.entries: deque[ResultEntry] = deque()
        self.pointed_results = 0  # entries whose call asked for what the request names (asked at every call)
        self.chars = 0
        self.seen = 0  # results recorded so far (also the next result's seq)
        self.sent: dict[str, int] = {}  # value -> results seen when the agent first sent it
        self.sent_full_at: int | None = None  # results seen when `sent` was full (later values unknown)
        self.acted: dict[str, int] = {}  # id a side effect that went ahead acted on -> results seen then
        # Never evicted before the session ends: address-like values of tainted results -> (seq, source,
        # found inside the instructions?, found outside them?), and the first tainted result the session read.
        self.tainted_values: dict[str, tuple[int, str, bool, bool]] = {}
        self.first_taint: tuple[int, str] | None = None
        self.taint_overflow = False
        # Taint that another process or replica of the agent session read (`shared_taint` fills them):
        # its first tainted result, and value -> [(that result, found inside its instructions?, outside?)].
        self.elsewhere: tuple[int, str] | None = None
        self.elsewhere_values: dict[str, list[tuple[ResultEntry, bool, bool]]] = {}
        self._judged = 0  # entries up to this seq have been judged for taint
        self.reached: dict[int, set[str]] = {}  # result seq -> web addresses from it the session reached
        self.offers: dict[int, list[Any]] = {}  # result seq -> its address-like values by role (engine.offers)
        self._lock = threading.RLock()
        self.forgetting: deque[ResultEntry] = deque()  # evicted, not yet settled
        self.forgetting_chars = 0

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

    def note_acted(self, ids: list[str]) -> None:
        """The ids a side-effecting call that went ahead (allowed, or approved by a person) acted on: a record
        read before that holds one is a record the session acted on (`naming.acted_ids`)."""
        for v in ids:
            if v not in self.acted and len(self.acted) < MAX_SENT:
                self.acted[v] = self.seen

    def add(self, upstream: str, tool: str, text: str, pointed: bool = False, steered: str = "") -> ResultEntry:
        cut = len(text) > MAX_PER_RESULT
        text = text[:MAX_PER_RESULT]
        is_json = text[:1] in "{[" and text.rstrip()[-1:] in "}]"
        entry = ResultEntry(self.seen, upstream, tool, text, len(text), is_json, pointed and not steered, cut=cut,
                            steered=steered)
        self.seen += 1
        self.entries.append(entry)
        self.pointed_results += pointed
        self.chars += entry.size
        while self.entries and (self.chars > MAX_CHARS or len(self.entries) > MAX_RESULTS):
            old = self.entries.popleft()
            self.pointed_results -= old.pointed
            self.chars -= old.size
            # Before it is forgotten, its taint and what it carried are kept (`settle`, in the guard's
            # worker thread, or before the next look-up; at once when the backlog grows past MAX_CHARS).
            self.forgetting.append(old)
            self.forgetting_chars += old.size
        if self.forgetting_chars > MAX_CHARS:
            self.settle()
        return entry

    def judge(self, e: ResultEntry) -> bool:
        """Judge one result for instructions to the model (once; cached on it). The guard starts this in
        a worker thread when the result arrives; the lock makes it one step."""
        with self._lock:
            if e.spans is not None:
                return bool(e.spans)
            if not e.tainted:
                return False
            self.note_taint(e)
            return True

    def note_taint(self, e: ResultEntry) -> None:
        """Remember the earliest tainted result (the one a tainted decision names)."""
        if self.first_taint is None or e.seq < self.first_taint[0]:
            self.first_taint = (e.seq, e.source)

    def prepare(self, e: ResultEntry) -> None:
        """The work a recorded result needs before a decision looks at it (the guard runs it in a
        worker thread): judge it, and settle the results its arrival pushed out."""
        self.judge(e)
        self.settle()

    def settle(self) -> None:
        """Judge the results being forgotten and keep the address-like values of tainted ones."""
        if not self.forgetting:
            return
        with self._lock:
            while self.forgetting:
                old = self.forgetting.popleft()
                self.forgetting_chars -= old.size
                if self.judge(old):
                    self._keep(old)

    def _keep(self, e: ResultEntry) -> None:
        from mcp_guard.intent.values import find_values

        for f in find_values(e.text, e.low):
            inside = e.in_instructions(Occurrence(f.start, f.end, False))
            kept = self.tainted_values.get(f.value)
            if kept is None and len(self.tainted_values) >= MAX_TAINTED:
                self.taint_overflow = True
                break
            seq, source, was_in, was_out = kept or (e.seq, e.source, False, False)
            self.tainted_values[f.value] = (seq, source, was_in or inside, was_out or not inside)

    def session_taint(self) -> tuple[int, str] | None:
        """The first result of the session that read as instructions to the model (seq, source)."""
        self.settle()
        new: list[ResultEntry] = []  # the entries added since the last look (at the end), not all 256
        for e in reversed(self.entries):
            if e.seq < self._judged:
                break
            new.append(e)
        for e in reversed(new):
            self.judge(e)
        self._judged = self.seen
        if self.first_taint is None and self.taint_overflow:
            return (0, "(too many tainted values to keep)")
        return self.first_taint or self.elsewhere

    # -- looking up -------------------------------------------------------------------------------
    def provenance(self, value: str, forms: tuple[str, ...] = ()) -> Provenance:
        """Where `value` (normalised) was found; `forms` are other spellings of it to look for (an IBAN
        in groups of four, a phone number as written). Phone numbers and IBANs are also matched however
        a result spaced them."""
        self.settle()
        key = value
        value = value.lower()
        shaped = value[:1] == "+" and value[1:].isdigit() or (
            len(value) >= 15 and value[:2].isalpha() and value[2:4].isdigit() and value.isalnum())
        sent_at = self.sent.get(key, self.sent.get(value))
        number = _SUM.fullmatch(value) is not None
        if sent_at is None:
            sent_at = self.sent_full_at  # None, or: from then on unknown values may be echoes
        fields: list[ResultEntry] = []
        text: list[ResultEntry] = []
        pointed: list[ResultEntry] = []
        injected: list[ResultEntry] = []
        tainted: list[ResultEntry] = []
        directed: list[ResultEntry] = []
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
            if e.steered:
                tainted.append(e)  # made by a call the instructions steered: never data, wherever it stands
                continue
            if self.judge(e):
                # A tainted result is never data, however the value stands in it.
                inside = [e.in_instructions(o) for o in occ]
                if any(inside):
                    injected.append(e)
                if not all(inside):
                    tainted.append(e)
                continue
            # How the clean result carries it (`_how`; once per result and value: the sentences it reads
            # do not change).
            ckey = (value, *forms)
            how = e.setby.get(ckey)
            if how is None:
                how = _how(e, occ, number)
                if len(e.setby) < MAX_CACHED:
                    e.setby[ckey] = how
            if how == "none":
                continue
            (fields if how.startswith("field") else text).append(e)
            if e.pointed and how.endswith(("pointed", "directed")):
                (pointed if how.endswith("pointed") else directed).append(e)
        for f in (key, value, *forms):  # tainted results read elsewhere in the session: named, never data
            for e, inside, out in self.elsewhere_values.get(f, ()):
                for hit, where in ((inside, injected), (out, tainted)):
                    if hit and e not in where:
                        where.append(e)
        forgotten, outside = "", False
        kept = [k for k in (self.tainted_values.get(f) for f in (key, value, *forms)) if k is not None]
        if kept:
            forgotten = "injected" if any(k[2] for k in kept) else "tainted"
            outside = any(k[3] for k in kept)
        return Provenance(tuple(fields), tuple(text), tuple(pointed), tuple(injected), tuple(tainted), forgotten,
                          outside, tuple(directed))


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
    for i, j in loose_spans(value, low):  # spellings that vary more than forms can list (phone numbers)
        if not any(o.start == i for o in out):
            out.append(Occurrence(i, j, _is_field(e, i, j)))
    if len(e.found) < MAX_CACHED:
        e.found[value] = out
    return out


def _is_field(e: ResultEntry, start: int, end: int) -> bool:
    """Does the occurrence stand alone as a value of the data, rather than inside running text?"""
    text = e.text
    if e.json:
        # A whole JSON string: an unescaped quote right before and right after.
        if start > 0 and text[start - 1] == '"':
            return (start < 2 or text[start - 2] != "\\") and end < len(text) and text[end] == '"'
        if start > 0 and text[start - 1] == "<":
            return text.startswith('>"', end) and _MAILBOX_NAME.search(text, max(0, start - 82), start) is not None
        return _json_scalar(e, start, end)
    line_start = text.rfind("\n", 0, start) + 1
    m = _LINE_PREFIX.match(text, line_start, start)
    if m is None or m.end() != start:
        return False
    quote = text[start - 1] if text[start - 1] in "'\"" else ""
    if quote:  # `key: 'value'`: the quote must close right after the value
        if not text.startswith(quote, end) or _LINE_SUFFIX.match(text, end + 1) is None:
            return False
    elif _LINE_SUFFIX.match(text, end) is None and _MAP_KEY.match(text, end) is None:
        return False
    return not _inside_scalar(text, line_start)


# A JSON string that is one mailbox, a display name of capitalised words and its address (`"Linh Nguyen
# <linh@…>"`): the address is the whole value of the field, as a bare one is (the name says whose it is). A
# sentence ("Send it to Linh <…>") is no display name.
_MAILBOX_NAME = re.compile(r'(?<!\\)"(?:[A-Z][\w.\'’-]*[ \t]?){1,4}<$')
_SCALAR_BEFORE = re.compile(r"[:\[,][ \t\r\n]*$")
_SCALAR_AFTER = re.compile(r"[ \t\r\n]*[,}\]]")


def _json_scalar(e: ResultEntry, start: int, end: int) -> bool:
    """Is the occurrence a whole unquoted JSON value (`"receipt_id": 3481120998`)? A number is a field of
    the data as much as a string is; the same digits inside a string literal (a message's text) are not."""
    text = e.text
    if _SCALAR_BEFORE.search(text, max(0, start - 8), start) is None or _SCALAR_AFTER.match(text, end) is None:
        return False
    strings = e.strings
    if strings is None:
        strings = e.strings = [(m.start(), m.end()) for m in _JSON_STRING.finditer(text)]
    i = bisect.bisect_right(strings, (start, len(text) + 1)) - 1
    return i < 0 or strings[i][1] <= start


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
            item = _ITEM_MARK.match(body)
            if item is not None and len(line) - len(body) + item.end() == indent:
                return False  # a key of the mapping a `- key: …` item opens, beside that key: not its text
            return _OPENS.match(line) is not None
        pos = prev_start
    return False


# -- which text is the instructions -------------------------------------------------------------------
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
# A paragraph break: a blank line, or two escaped newlines (`\n\n`, `\n\` + fold + `\n`) in a quoted string.
_PARA_BREAK = re.compile(r"\n[ \t]*\n|\\n(?:[ \t]|\\\n|\n)*\\n")
# In a folded YAML scalar (plain or quoted over several lines) one blank line is a line break of the
# value: its paragraphs are apart by two blank lines (or by escaped newlines).
_FOLDED_BREAK = re.compile(r"\n[ \t]*\n[ \t]*\n|\\n(?:[ \t]|\\\n|\n)*\\n")
_ESCAPED_BREAK = re.compile(r"\\n(?:[ \t]|\\\n|\n)*\\n")
# A `key: value` line (YAML, headers, `Label: text`), maybe a list item; the key is short and has no colon.
_KEY_LINE = re.compile(r"([ \t]*(?:-[ \t]+)?)[^\s:#\-][^:\n]{0,60}:(?=[ \t\r\n]|$)")
_OPEN_MARK = re.compile(r"<!--|<([a-z][\w-]{0,30})(?:\s[^<>]{0,200})?>", re.I)


def instruction_regions(text: str, low: str, is_json: bool, hits: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The text that is instructions to the model, given the flagged spans (`hits`): the paragraphs
    that hold flagged text, each within its field (`_field`: a paragraph never runs past the JSON
    string, the YAML scalar or the run of plain text it is in); a marked block that flagged text opens
    (`<INFORMATION>`, `<!--`) runs on to its close in the same field. Sorted, merged."""
    strings = [(m.start(), m.end()) for m in _JSON_STRING.finditer(text)] if is_json else None
    out: list[tuple[int, int]] = []
    for s, e in hits:
        fs, fe, breaks = _field(text, s, strings)
        start = _paragraph(text, breaks, fs, fe, s)[0]
        end = max(_paragraph(text, breaks, fs, fe, max(s, min(e, fe) - 1))[1], _marked_block_end(low, s, e, fe))
        out.append((start, max(end, e)))
    out.sort()
    merged: list[tuple[int, int]] = []
    for s, e in out:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _field(text: str, pos: int, strings: list[tuple[int, int]] | None) -> tuple[int, int, re.Pattern[str]]:
    """The field of the data that holds `pos`, and how its paragraphs break: the JSON string around it
    (a JSON result); else the `key: value` line that holds it or whose scalar it continues, with its
    continuation lines; else the run of plain text around it."""
    if strings is not None:
        i = bisect.bisect_right(strings, (pos, len(text) + 1)) - 1
        if i >= 0 and strings[i][0] <= pos < strings[i][1]:
            return strings[i][0] + 1, strings[i][1] - 1, _ESCAPED_BREAK
        return pos, pos + 1, _ESCAPED_BREAK
    line = text.rfind("\n", 0, pos) + 1
    eol = text.find("\n", pos)
    eol = len(text) if eol < 0 else eol
    if text.find('":', line, eol) >= 0:
        # JSON that is not the whole result (cut short, JSON lines, a JSON part of a longer text): the
        # string around it on its line.
        for m in _JSON_STRING.finditer(text, line, eol):
            if m.start() <= pos < m.end():
                return m.start() + 1, m.end() - 1, _ESCAPED_BREAK
            if m.start() > pos:
                break
    key = _scalar_key(text, line)
    if key is None:
        return (*_prose_run(text, line), _PARA_BREAK)
    key_line, indent, value = key
    breaks = _PARA_BREAK if value[:1] in "|>" else _FOLDED_BREAK
    end = text.find("\n", key_line)
    end = len(text) if end < 0 else end
    nxt = end
    while nxt < len(text):  # continuation lines: blank, or indented deeper than the key itself
        stop = text.find("\n", nxt + 1)
        stop = len(text) if stop < 0 else stop
        body = text[nxt + 1:stop]
        stripped = body.lstrip(" \t")
        if stripped and len(body) - len(stripped) <= indent:
            break
        if stripped:
            end = stop
        nxt = stop
    return key_line, end, breaks


def _scalar_key(text: str, line: int) -> tuple[int, int, str] | None:
    """(start, key indent, start of its value) of the `key: value` line that holds the line at `line`:
    the less indented key line above whose scalar value this line continues (inside a folded scalar a
    line is never a key of its own), else the line itself when it is a key line; None for plain text."""
    head = text[line:line + 200]
    indent = len(head) - len(head.lstrip(" \t"))
    pos = line
    for _ in range(MAX_LINES_BACK if indent else 0):
        if pos <= 0:
            break
        prev = text.rfind("\n", 0, pos - 1) + 1
        body = text[prev:pos - 1]
        stripped = body.lstrip(" \t")
        if stripped and len(body) - len(stripped) < indent:
            k = _KEY_LINE.match(body)
            # A key with a value on its line (`body: "…`, `note: text`, `content: |`) continues here.
            # (`- a: 1` then `  b: x`: b is a sibling key of a, not a continuation of its value)
            if k is not None and body[k.end():].strip() and indent > len(k.group(1)):
                return prev, len(k.group(1)), body[k.end():].strip()[:2]
            break
        pos = prev
    m = _KEY_LINE.match(text, line)
    if m is None:
        return None
    eol = text.find("\n", m.end())
    return line, len(m.group(1)), text[m.end():eol if eol >= 0 else len(text)].strip()[:2]


def _prose_run(text: str, line: int) -> tuple[int, int]:
    """The run of plain-text lines around `line`, up to the nearest `key: value` lines (or the ends)."""
    start = line
    for _ in range(MAX_LINES_BACK):
        if start <= 0:
            break
        prev = text.rfind("\n", 0, start - 1) + 1
        if _KEY_LINE.match(text, prev) is not None:
            break
        start = prev
    end = line
    for _ in range(MAX_LINES_BACK):
        stop = text.find("\n", end)
        if stop < 0:
            end = len(text)
            break
        if _KEY_LINE.match(text, stop + 1) is not None:
            end = stop
            break
        end = stop + 1
    return start, end


def _paragraph(text: str, breaks: re.Pattern[str], fs: int, fe: int, pos: int) -> tuple[int, int]:
    """The paragraph of the field [fs, fe) that holds `pos`. (A break opens with a line break or a
    backslash: each search starts at the first of them, a large text's flagged spans do not each read
    the text before them when it holds none.)"""
    start = fs
    for m in breaks.finditer(text, _break_from(text, fs, pos), pos):
        start = m.end()
    m = breaks.search(text, _break_from(text, pos, fe), fe)
    return start, m.start() if m is not None else fe


def _break_from(text: str, s: int, e: int) -> int:
    """Where the first paragraph break in [s, e) may open: the first line break or backslash (else e)."""
    i, j = text.find("\n", s, e), text.find("\\", s, e)
    return min(i if i >= 0 else e, j if j >= 0 else e)


def _marked_block_end(low: str, s: int, e: int, fe: int) -> int:
    """Where the marked block that flagged text opens (`<tag …>`, `<!--`) closes, in its field."""
    m = _OPEN_MARK.search(low, s, e)
    if m is None:
        return e
    close = "-->" if m.group(0) == "<!--" else f"</{m.group(1)}>"
    i = low.find(close, m.end(), fe) if fe > m.end() else -1
    return i + len(close) if i >= 0 else e


_ROLE_WORDS = ("assistant", "agent", "model", "copilot", "chatbot", "llm", "a.i.")


def _addressed_to_model(text: str, low: str) -> list[tuple[int, int]]:
    """Spans of `_ADDRESSES_MODEL`, tried only around the words that name the model (found by literal
    search at memchr speed; the full pattern tried at every position costs ~100x more)."""
    near, anywhere = present(low, *_ANCHOR_TABLES)  # one RE2 pass: which words to look for at all
    hits: list[int] = _whole_word(low, "ai") if "ai" in near else []
    for w in [w for w in _ROLE_WORDS if w in anywhere]:
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


def addresses(text: str, low: str) -> list[tuple[int, int]]:
    """Spans of text that addresses the model (by role or by name), read in the text as the model
    reads it (`textview.view`: escapes decoded, look-alikes folded, separators dropped): the RE2
    prefilter and both patterns run on that reading, the spans are mapped back to `text`. The text as
    written is read too: a reading adds spans, never hides one (camelCase split turns a product's name
    such as `ChatGPT` into two words)."""
    from mcp_guard.result_pass import lowered
    from mcp_guard.textview import view

    raw = _read_addresses(text, low)
    v = view(text)
    read: list[tuple[int, int]] = []
    t = text
    if v is not None:
        t = v.text
        lt = lowered(t)  # the scanner read this view too, and made its lower-case copy
        if len(lt) != len(t):  # a few characters lower-case to two: read the lower-case copy itself
            t = lt
        read = [v.span(s, e) for s, e in _read_addresses(t, lt)]
    # Latin letters with accents or strokes folded too ("Nøtē tø thē AI åssįstånt"): a second reading for
    # this judgement only (the shared view keeps them: "für" and "météo" are words of their own languages).
    accented = set(_accented().findall(t)) if not t.isascii() else ()
    if accented:
        plain = t  # one letter for one, none of them accented (str.translate: 60 ms per MiB)
        for ch in accented:
            plain = plain.replace(ch, _accent_table()[ord(ch)])
        lp = plain.lower()
        if len(lp) == len(plain):
            found = _read_addresses(plain, lp)
            read += [v.span(s, e) for s, e in found] if v is not None else found
    return sorted(set(raw) | set(read))


def _read_addresses(t: str, lt: str) -> list[tuple[int, int]]:
    return _addressed_to_model(t, lt) + _vocatives(t, lt) + _forged_turns(lt) + _template_turns(lt) + _labels(lt)


@lru_cache(maxsize=1)
def _accent_table() -> dict[int, str]:
    """Latin letters with a diacritic or a stroke -> the plain letter, as str.translate takes them."""
    from mcp_guard.textview import letter_fold

    return {ord(k): v for k, v in letter_fold()["accents"].items()}


@lru_cache(maxsize=1)
def _accented() -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(map(chr, _accent_table()))) + "]")


def _whole_word(low: str, word: str) -> list[int]:
    """Where `word` starts as a whole word (`\\b…\\b`: no letter, digit or `_` on either side)."""
    out: list[int] = []
    n = len(word)
    i = low.find(word)
    while i != -1:
        j = i + n
        if (i == 0 or not _is_word_char(low[i - 1])) and (j == len(low) or not _is_word_char(low[j])):
            out.append(i)
        i = low.find(word, i + 1)
    return out


_SENTENCE_END = re.compile(r"[.!?;\n](?=[\s\"'<])|<[^>]{0,200}>|\\n")
# The end of a statement: a sentence's, not a clause's (";" joins two parts of one).
_STATEMENT_END = re.compile(r"[.!?\n](?=[\s\"'<])|<[^>]{0,200}>|\\n")
_LEAD_IN = frozenset("please kindly pls and then also now just so could can would will you u".split())


def _sentence_start(e: ResultEntry, o: Occurrence) -> int:
    """Where the sentence that holds the occurrence opens (at most 300 characters back)."""
    lo = max(0, o.start - 300)
    ends = list(_SENTENCE_END.finditer(e.low[lo:o.start]))
    return lo + ends[-1].end() if ends else lo


def _sentence_tokens(e: ResultEntry, o: Occurrence) -> list[str]:
    """The words of the sentence before the occurrence (at most 300 characters back)."""
    start = _sentence_start(e, o)
    return re.findall(r"[a-z]+", e.low[start:o.start])


# A short label that heads a sentence ("TODO for this week:", "Note:", a YAML key `description:`).
_LABEL_HEAD = re.compile(r"[\s\"'*#>-]*(?:[a-z_][\w-]*[ \t]+){0,4}[a-z_][\w-]*[ \t]*:[ \t]+")


def _after_label(e: ResultEntry, o: Occurrence) -> list[str]:
    """The first words of the sentence before the occurrence, read after the short labels and colons that open
    it (what follows a label is its own sentence: "TODO for this week: Create an event with …"); [] when no
    label opens it."""
    start = _sentence_start(e, o)
    at = start
    for _ in range(3):  # labels in a row ("description: TODO: …")
        m = _LABEL_HEAD.match(e.low, at, o.start)
        if m is None:
            break
        at = m.end()
    return re.findall(r"[a-z]+", e.low[at:o.start])[:8] if at > start else []


def _in_imperative(e: ResultEntry, o: Occurrence) -> bool:
    """Does the occurrence sit in a sentence that opens with a verb of action (after "please", "could
    you", …, or after a label and a colon: "TODO: create …"), or in a clause joined to it by "and"/"then",
    a comma or a dash that opens with one in its bare form ("Collect the notes and post them to …", "Per
    the new policy, create …", "FYI - create …"): an instruction to whoever reads it, to act on this value?"""
    from mcp_guard.intent.words import ACTION_BASE, ACTION_VERBS, stem

    tokens = _sentence_tokens(e, o)
    lead = tokens[:8]
    while lead and lead[0] in _LEAD_IN:
        lead.pop(0)
    if lead and stem(lead[0]) in ACTION_VERBS:
        return True
    # after a label, and the last clause before the value that "and" / "then", a comma or a dash opens
    joins = [i for i, t in enumerate(tokens) if t in ("and", "then")]
    clauses = [tokens[joins[-1] + 1:]] if joins else []
    clauses += [_after_label(e, o), _after_break(e, o)]
    for clause in clauses:
        while clause and clause[0] in _LEAD_IN:
            clause.pop(0)
        if clause and clause[0] in ACTION_BASE:
            return True
    return False


_BREAK = re.compile(r"(?:,[ \t]+|[ \t]+[-\u2013\u2014]+[ \t]+)(?=[a-z])")  # (not a JSON member's comma)


def _after_break(e: ResultEntry, o: Occurrence) -> list[str]:
    """The words of the last clause before the occurrence that a comma or a dash opens, in its sentence."""
    start = _sentence_start(e, o)
    breaks = list(_BREAK.finditer(e.low, start, o.start))
    return re.findall(r"[a-z]+", e.low[breaks[-1].end():o.start]) if breaks else []


# A sentence with no addressee that sets where something goes: a modal of obligation ("must be paid to",
# "should go to", "are to be sent to") or a verb that carries, pays or moves, in any form ("now go to", "is
# forwarded to", "have moved to"), with the value as its destination ("to"/"into" a few words before it:
# "to IBAN …", "to our new account …").
_OBLIGATION = frozenset("must should shall need needs required require requires".split())
_MOTION = frozenset("go goes going went gone route routed redirect redirected direct directed remit remitted "
                    "move moved switch switched change changed sent paid".split())
_TOWARD = frozenset("to into toward towards".split())
_CARRY = frozenset({"send", "pay"})


def _sets_destination(tokens: list[str]) -> bool:
    """Do the words of the sentence before a value set where something goes (the rule above)?"""
    from mcp_guard.intent.words import verb_kinds

    near = tokens[-4:]
    if not any(t in _TOWARD for t in near):
        return False
    head = tokens[:len(tokens) - len(near) + max(i for i, t in enumerate(near) if t in _TOWARD)]
    # (a verb that carries or pays, WordNet's send and pay kinds, in any form: "is forwarded to", "wire to")
    return any(t in _OBLIGATION or t in _MOTION or verb_kinds(t) & _CARRY for t in head[-8:])


# A destination set by a sentence apart from the value, in the value's record (its paragraph, or its JSON
# object), is instruction-borne: running text of the result, never data. Such a sentence is
# - a change notice before the value or about it ("Our bank details have changed.⏎IBAN: …", "UPDATED
#   REMITTANCE DETAILS (the old account is closed):", a sibling member "Our bank changed."): as with a
#   sentence that sets the value in its own words (`_sets_destination`), a request that asks for a value of
#   that kind from the data by a noun ("their new phone number") means it (`directed`);
# - a standing rule after it or beside it that sends everything of a kind there by referring back to it
#   ("… – all crew notifications should be copied to this number", {"value": …, "reason": "all mail must be
#   addressed here"}): an order for whoever reads it, never what a request means.
# A one-off sentence about a listed field ("Payment should be made to the following account:", "IBAN: … –
# please pay to this account within 14 days") does not set it apart: honest invoices say so.
_CHANGE = frozenset("changed changes updated moved switched replaced closed revised amended corrected adjusted".split())
_CHANGE_PHRASE = re.compile(r"\bfrom now on\b|\beffective immediately\b|\bwith immediate effect\b|\bno longer\b"
                            r"|\bgoing forward\b|\bhenceforth\b|\bin future\b")
_STANDING = frozenset("all every any always future".split())  # a rule for everything of a kind, not one act
_REFERS = re.compile(
    r"\b(?:to|into|at|via|on)[ \t]+(?:this|that|these|those|it|them)\b|\b(?:here|above)\b"
    r"|\bthere\b(?![ \t]+(?:is|are|was|were|will|would|must|should|may|might|has|have|be)\b)")
_FIELD_LINE = re.compile(r"[ \t]*(?:[-*•][ \t]+)?[A-Za-z_][\w .()/-]{0,40}:[ \t]+(\S.*)")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LINES = re.compile(r"\r?\n|\\n")  # (a JSON string's escaped line breaks too)
_BRACE = re.compile(r"[{}]")
_SUM = re.compile(r"\d[\d,]*(?:\.\d+)?")  # a value that is a number: a sum (`_sets_sum`)
RECORD_SPAN = 600  # characters of a value's record read on either side of it


def _how(e: ResultEntry, occ: list[Occurrence], number: bool) -> str:
    """How a clean result carries a value found at `occ`: "field" or "text" (and "-pointed" where that is
    data the request pointed at, "-directed" where a sentence sets it as where things go), or "none"."""
    # A value a sentence of the result tells its reader to act on ("Please send the figures to x@y") is an
    # instruction, whoever it was for: not what the request pointed at. So is one a sentence with no
    # addressee sets as where things go ("Payments for this account now go to IBAN …"), in its own words
    # or apart from it (`_set_apart`): running text of the result, wherever else it stands in it
    # (`directed` when the request pointed there: the engine takes it as data only where the request asks
    # for such a value), and never that for a standing rule that refers back to it.
    is_field = any(o.is_field for o in occ)
    if number and not is_field and all(_sets_sum(e, o) for o in occ[:MAX_OCCURRENCES]):
        return "none"  # a sum found only where an instruction sets it ("please pay 2500") is no data
    # (only where it would be data: a value in the running text of a result nobody pointed at is text)
    near = occ[:MAX_OCCURRENCES] if e.pointed or is_field else []
    prose = [o for o in near if not o.is_field]
    apart = [_set_apart(e, o) for o in near]
    if "instructed" in apart:
        return "text"
    if any(_in_imperative(e, o) for o in prose):
        return "field" if is_field else "text"
    if "directed" in apart or any(_sets_destination(_sentence_tokens(e, o)) for o in prose):
        return "text-directed"
    return "field-pointed" if is_field else "text-pointed"


def _sentences(text: str) -> list[list[str]]:
    """The words of each sentence of a piece of text (sentences with no words left out)."""
    out = []
    for piece in _SENTENCE_END.split(text):
        tokens = re.findall(r"[a-z]+", piece)
        if tokens:
            out.append(tokens)
    return out


def _changes(tokens: list[str]) -> bool:
    """Is the sentence a change notice ("have changed", "updated", "from now on", "no longer")?"""
    return any(t in _CHANGE for t in tokens) or _CHANGE_PHRASE.search(" ".join(tokens)) is not None


def _opens_with_order(tokens: list[str]) -> bool:
    """Does the sentence open with a verb of action in its bare form ("Please pay …", "Add …"; not
    "Attached is …")?"""
    from mcp_guard.intent.words import ACTION_BASE

    lead = tokens[:8]
    while lead and lead[0] in _LEAD_IN:
        lead.pop(0)
    return bool(lead) and lead[0] in ACTION_BASE


def _directs(tokens: list[str]) -> bool:
    """A modal of obligation or a verb that carries, pays or moves (the words `_sets_destination` reads)."""
    from mcp_guard.intent.words import verb_kinds

    return any(t in _OBLIGATION or t in _MOTION or verb_kinds(t) & _CARRY for t in tokens)


def _refers_back(tokens: list[str]) -> str:
    """Does the sentence set a value it refers back to as where everything of a kind goes ("instructed";
    "" otherwise)?"""
    if _STANDING.isdisjoint(tokens) or _REFERS.search(" ".join(tokens)) is None:
        return ""
    return "instructed" if _directs(tokens) else ""


def _set_apart(e: ResultEntry, o: Occurrence) -> str:
    """Is the occurrence set as where something goes by a sentence of its record apart from its own
    (the rule above)? "instructed" (a standing rule refers back to it), "directed" (a change notice sets
    it) or ""."""
    low = e.low
    found = ""
    if e.json:
        others, before, after = _siblings(low, o)
        if _lead_in_changes(before):  # inside its own string
            return "directed"
        for string in (*others, after):
            for tokens in _sentences(string):
                if _changes(tokens):
                    found = "directed"
                    continue
                said = _refers_back(tokens)
                if said == "instructed":
                    return said
                found = found or said
        return found
    start = max(0, o.start - RECORD_SPAN)
    breaks = list(_BLANK_LINE.finditer(low, start, o.start))
    if _lead_in_changes(low[breaks[-1].end() if breaks else start:o.start]):
        return "directed"
    # the sentence after it, within its paragraph
    after = low[o.end:o.end + RECORD_SPAN // 2]
    cut = _BLANK_LINE.search(after)
    for tokens in _sentences(after[:cut.start()] if cut else after)[:1]:
        if _changes(tokens):
            return "directed"
        return _refers_back(tokens)
    return ""


def _lead_in_changes(before: str) -> bool:
    """Is the lead-in of a value (the last sentence before it in its paragraph, past the other fields of
    its record and its own label) a change notice?"""
    lines = _LINES.split(before)
    own = lines.pop()
    lead = "" if _FIELD_LINE.match(own + "x") and not _is_prose(own) else own
    for line in reversed(lines):
        if _sentences(lead):
            break
        m = _FIELD_LINE.match(line)
        lead = "" if m is not None and not _is_prose(m.group(1)) else line  # a field of the record: past it
    said = _sentences(lead)
    return bool(said) and _changes(said[-1])


def _is_prose(text: str) -> bool:
    """A field's text that is a sentence rather than a value (four words or more)."""
    return len(re.findall(r"[^\W\d_]+", text)) >= 4


def _siblings(low: str, o: Occurrence) -> tuple[list[str], str, str]:
    """The other strings of the JSON object that holds the occurrence (within RECORD_SPAN each side) that
    are sentences, and its own string before and after it (empty when it is a string whole)."""
    lo, hi = max(0, o.start - RECORD_SPAN), min(len(low), o.end + RECORD_SPAN)
    strings = [(m.start(), m.end()) for m in _JSON_STRING.finditer(low, lo, hi)]
    own = next(((s, t) for s, t in strings if s < o.start and o.end < t), None)
    # the object's bounds: the nearest brace outside a string on either side
    first, last = lo, hi
    starts = [s for s, _ in strings]
    for m in _BRACE.finditer(low, lo, hi):
        pos = m.start()
        k = bisect.bisect_right(starts, pos) - 1
        if k >= 0 and pos < strings[k][1]:
            continue  # inside a string
        if pos < o.start:
            first = pos
        elif pos >= o.end:
            last = pos
            break
    out = [low[s + 1:t - 1] for s, t in strings if first < s and t <= last and (s, t) != own
           and _is_prose(low[s + 1:t - 1])]
    if own is None:
        return out, "", ""
    return out, low[own[0] + 1:o.start], low[o.end:own[1] - 1]


def _sets_sum(e: ResultEntry, o: Occurrence) -> bool:
    """Does a sentence of the occurrence's passage (its line, or its JSON string) set this number as what is
    paid or done: an order before it in its own sentence ("P.S. Please pay 2500 EUR", "Please add the late fee;
    amount to pay: 2500"), a change notice, or a verb that sets it ("the amount due has changed to 2500")?"""
    low = e.low
    start = max(0, o.start - RECORD_SPAN // 2)
    start = max(start, low.rfind("\n", start, o.start) + 1, low.rfind('"', start, o.start) + 1 if e.json else 0)
    said = _sentences(low[start:o.start])
    if not said:
        return False
    # An order sets the sum only in the sentence that writes it ("Please add the fee; amount to pay: 2500"):
    # an estimate's "Replace the two units. Total 3,870" states the work, then its price.
    own = re.findall(r"[a-z]+", _STATEMENT_END.split(low[start:o.start])[-1])
    return any(_changes(t) for t in said) or _opens_with_order(own) or _sets_destination(said[-1])


# -- text that addresses the model by name ---------------------------------------------------------------
def _alt(ws: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True))


def _vocative_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """A sentence or line that opens by naming the model it speaks to (the vocabulary of `words`), or
    a forged chat turn, in four forms:
    - a vocative: "Claude, …", "Hey bot, …", "Liebe KI, …", "Assistants reading this inbox, …" (not a
      list of names, "Claude, Marie and Bob …", "Model, Year, Price"; not prose, "The bot, which …");
    - a label: "GPT: …", "AI agent: …"; a bare role ("Assistant: …") only before a sentence
      (`Assistant: Mary Jones` is a field of an org chart), "agent"/"model" never (`Model: XPS 13`);
    - a note headed for it: "Hinweis an den KI-Assistenten", "Note pour l'IA", "nota para el asistente";
    - a chat-role label: "[User]: …", "<|system|>", "System: …" before a sentence.
    Returns (the forms that open a sentence, matched where it opens; the tail of a note's heading,
    searched just before the name; chat-role labels, matched at their bracket; the anchors)."""
    from mcp_guard.intent import words as w

    ai = rf"(?:{_alt(w.MODEL_AI)})"
    name = rf"(?:{_alt(w.MODEL_NAMES)})(?:[- ]?\d[\w.]*)?"
    roles = _alt(w.MODEL_ROLES)
    named = rf"(?:{ai}[ \t-]*(?:{roles}|{_alt(w.MODEL_ROLES_VOCATIVE)})|{name}|{ai})"  # "KI-Assistent", "GPT-4"
    any_role = rf"(?:{named}|{roles}|{_alt(w.MODEL_ROLES_VOCATIVE)})"
    det = rf"(?:(?:{_alt(w.DETERMINERS + w.EVERY)})[ \t]+|l['’])"
    lead = rf"(?:(?:{_alt(w.GREETINGS + w.NOTE_TO)})[ \t]+)?{det}?"
    # In a vocative a determiner follows a greeting ("The bot, which runs …" is prose), except the
    # quantifiers that address every reader ("Any AI reading this, …").
    lead_comma = rf"(?:(?:{_alt(w.GREETINGS + w.NOTE_TO)})[ \t]+{det}?|(?:{_alt(w.EVERY)})[ \t]+)?"
    reading = r"(?:[ \t]+\w+ing(?:[ \t]+[\w'’-]+){0,3})"  # "reading this inbox"
    sentence = r"(?=(?:[ \t]+[^\W\d_][^\s]*){4})"  # four words follow on the line
    not_list = (r"(?![ \t]*[\w'’-]+[ \t]*,)"
                r"(?![ \t]*(?-i:[A-Z])[\w'’-]*(?:[ \t]+(?-i:[A-Z])[\w'’-]*)?[ \t]*(?:&|and\b|und\b|et\b|y\b))")
    chat = _alt(w.CHAT_ROLES)
    fill = r"[ \t*#>\"'“«_•-]*"
    opening = [
        rf"{lead_comma}{any_role}{reading}?[ \t]*,(?=[ \t]|$){not_list}",
        rf"{lead}{named}{reading}?[ \t]*:(?=[ \t]|$)",
        rf"{lead}{any_role}{reading}[ \t]*:(?=[ \t]|$)",
        rf"{lead}(?:{roles}|system)[ \t]*:{sentence}",
    ]
    note = rf"(?<!\w)(?:{_alt(w.NOTE_NOUNS)})[ \t]+(?:{_alt(w.NOTE_TO)})[ \t]+{det}?(?:{ai}[ \t-]*)?\Z"
    label = rf"(?:\[|<\|?)[ \t]*(?:{chat})[ \t]*\|?(?:\]|>)[ \t]*:|<\|(?:{chat}|im_start)\|>"
    anchors = (*w.MODEL_ROLES, *w.MODEL_ROLES_VOCATIVE, *w.MODEL_AI, *w.MODEL_NAMES, "system")
    return (re.compile(fill + "(?:" + "|".join(opening) + ")", re.I), re.compile(note, re.I),
            re.compile(label, re.I), tuple(sorted({a.lower() for a in anchors})))


_VOCATIVE, _NOTE_HEAD, _CHAT_LABEL, _MODEL_WORDS = _vocative_patterns()
# An address to the model then an instruction, whatever punctuation sits between ("**AI assistant**:",
# "[AI assistant]", "AI assistant —", "If you are an AI,", "To whichever AI is reading this:"): after
# the word that names it (and a role word, "… reading this"), one to four marks that are no end of a
# sentence, then a clause whose first word past "please"/"also" is a verb of action.
_ADDRESS_TAIL = re.compile(
    rf"(?:[ \t-]*(?:{_alt([*_words.MODEL_ROLES, *_words.MODEL_ROLES_VOCATIVE])}))?"
    r"(?:[ \t]+(?:(?:is|are)[ \t]+)?\w+ing(?:[ \t]+[\w'’-]+){0,3}?)?"
    r"[ \t]*[^\w\s.!?]{1,4}[ \t]*((?:[^\W\d_]+[ \t]+){1,4})",
    re.I,
)
MAX_ADDRESS_LEAD = 5  # words that may open the sentence before the name ("if you are an", "to whichever")
_CHAT_MARKS = ("[", "<|")  # where a chat-role label opens


def _address_words() -> tuple[list[str], list[str]]:
    """(roles, words for "AI") of languages beyond the hand-written lists: scripts/gen_address_words.py."""
    import json
    from importlib import resources

    data = json.loads(resources.files("mcp_guard").joinpath("data/address_words.json").read_text("utf-8"))
    return list(data["roles"]), list(data["ai"])


_MORE_ROLES, _MORE_AI = _address_words()
_LABEL_AI = tuple(sorted({w.lower() for w in [*_words.MODEL_AI, *_MORE_AI]}))
_LABEL_ROLES = [*_words.MODEL_ROLES, *_words.MODEL_ROLES_VOCATIVE, *_MORE_ROLES]
_TURNS = ("user:", "human:")  # a bare chat turn of the person, at a line's start (`_forged_turns`)
# Where another chat template's turn may open (`_template_turns`).
_TEMPLATE_MARKS = ("<|start_header_id|>", "<start_of_turn>", "###", '"role"', *(f"<{r}>" for r in _words.CHAT_ROLES))
# What both readers of addresses look for, found in one RE2 pass (`result_pass.present`): the words
# that name the model (as whole words); the role words and chat-label brackets (anywhere).
_ANCHOR_TABLES = (tuple(sorted({*_MODEL_WORDS, "ai", *_LABEL_AI})),
                  (*_ROLE_WORDS, *_CHAT_MARKS, *_TURNS, *_TEMPLATE_MARKS))
_NOTE_TO = frozenset(_words.NOTE_TO)
# The words that may stand between where a sentence opens and the name of the model in an address.
_LEAD_WORDS = frozenset([*_words.GREETINGS, *_words.NOTE_TO, *_words.DETERMINERS, *_words.EVERY, *_words.MODEL_AI, "l"])
_OPENERS = "\n.!?>[(\"'“«;"


def _opening(text: str, h: int) -> int:
    """Where the sentence or line that holds `h` opens (after a line break, an end of sentence, a
    quote or a bracket; an escaped "\\n" in a JSON string too), looked for at most 80 characters back."""
    lo = max(0, h - 80)
    p = max(text.rfind(c, lo, h) for c in _OPENERS)
    p = p + 1 if p >= 0 else (0 if lo == 0 else -1)
    for mark in ("\\n", "<!--"):
        i = text.rfind(mark, lo, h)
        if i >= 0:
            p = max(p, i + len(mark))
    return p


def _model_words(low: str) -> list[tuple[int, int]]:
    """(start, end) of each word that names the model, and of each "[" / "<|" (a chat-role label's
    bracket): literal searches at memchr speed, then a word-boundary check."""
    out: list[tuple[int, int]] = []
    near, anywhere = present(low, *_ANCHOR_TABLES)  # one RE2 pass: the words that are there at all
    for word in [w for w in _MODEL_WORDS if w in near]:
        n = len(word)
        i = low.find(word)
        while i != -1:
            j = i + n
            if (i == 0 or not _is_word_char(low[i - 1])) and (
                    j == len(low) or not low[j].isalpha() or _unspaced(low[j])):
                out.append((i, j))
            i = low.find(word, j)
    for mark in [m for m in _CHAT_MARKS if m in anywhere]:
        out += [m.span() for m in _label_mark(mark).finditer(low)]
    out.sort()
    return out


@lru_cache(maxsize=len(_CHAT_MARKS))
def _label_mark(mark: str) -> re.Pattern[str]:
    """A chat-role label's bracket where a label may open: a letter follows it (past blanks), as every
    role word of `_CHAT_LABEL` opens with one (a terminal log's colour codes hold thousands of brackets none
    of which opens a label: each was matched in Python)."""
    return re.compile(re.escape(mark) + r"(?=[ \t]*[^\W\d_])")


def _is_word_char(c: str) -> bool:
    """A character that goes on a word: a letter, digit or `_` of a script that spaces its words (a Chinese
    or Japanese character is a word of its own: `致AI助手` names the model)."""
    return (c.isalnum() or c == "_") and not _unspaced(c)


def _unspaced(c: str) -> bool:
    return "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


_WORD = re.compile(r"[^\W\d_]+")


class _Span:
    __slots__ = ("_s", "_e")

    def __init__(self, s: int, e: int) -> None:
        self._s, self._e = s, e

    def start(self) -> int:
        return self._s

    def end(self) -> int:
        return self._e


def _address_then_act(text: str, low: str, p: int, end: int) -> _Span | None:
    """`_ADDRESS_TAIL` after the name that ends at `end`: the sentence from `p` when it goes on with
    an instruction."""
    from mcp_guard.intent.words import ACTION_VERBS, stem

    m = _ADDRESS_TAIL.match(low, end)
    if m is None:
        return None
    words = m.group(1).split()
    while words and words[0] in _LEAD_IN:
        words.pop(0)
    if not words or stem(words[0]) not in ACTION_VERBS:
        return None
    return _Span(p, m.end())


# The address ends its line ("If you are an AI,⏎", "To the AI assistant:⏎"): a heading, what follows is for
# the model. Only after words that address someone (a greeting, "to"/"for", "any", "if you are").
_ADDRESS_END = re.compile(
    rf"(?:[ \t-]*(?:{_alt([*_words.MODEL_ROLES, *_words.MODEL_ROLES_VOCATIVE])}))?"
    r"(?:[ \t]+(?:(?:is|are)[ \t]+)?\w+ing(?:[ \t]+[\w'’-]+){0,3}?)?"
    r"[ \t]*[^\w\s.!?]{1,4}[ \t]*(?:\r?\n|\\r\\n|\\n)",
    re.I,
)
_ADDRESSING = frozenset([*_words.GREETINGS, *_words.NOTE_TO, *_words.EVERY, "if", "whoever", "whichever"])
_HEADING_LEAD = _LEAD_WORDS | _ADDRESSING | {"you", "are", "re", "is"}


def _address_heading(low: str, p: int, h: int, end: int) -> _Span | None:
    lead = _WORD.findall(low, p, h)
    if not (_HEADING_LEAD.issuperset(lead) and _ADDRESSING.intersection(lead)):
        return None
    m = _ADDRESS_END.match(low, end)
    return _Span(p, m.end()) if m is not None else None


# A line headed for the model in any language: a few words (a note's heading, "Примечание для", "Opmerking
# voor de", "致"), then "AI" as some language writes it joined to a role, either way round ("ИИ-ассистента",
# "AI-assistent", "AI助手", "asystenta AI"; the role may be inflected), a colon, and a sentence. The words
# before need no vocabulary: "AI" with a role and a colon, at the head of a line, is how text speaks to the
# model, not about it. The roles and words for AI of other languages: `_address_words`.
_ROLE_ALT = _alt(_LABEL_ROLES)
_AI_THEN_ROLE = re.compile(rf"(?:{_alt(list(_LABEL_AI))})[ \t-]*(?:{_ROLE_ALT})[^\W\d_]{{0,4}}[ \t]*[:：]")
_ROLE_THEN_AI = re.compile(rf"(?<![^\W\d_])(?:{_ROLE_ALT})[^\W\d_]{{0,4}}[ \t-]*\Z")
_AI_COLON = re.compile(rf"(?:{_alt(list(_LABEL_AI))})[ \t]*[:：]")
MAX_LABEL_LEAD = 3  # words before the label
_SENTENCE_LETTERS = 12  # letters of the line after it: a sentence, not a field (`AI assistant: yes`)


def _other_script(word: str) -> bool:
    """Written in a script other than Latin, Cyrillic or Greek."""
    import unicodedata

    return any(c.isalpha() and not unicodedata.name(c, "").startswith(("LATIN", "CYRILLIC", "GREEK")) for c in word)


# Cyrillic and Greek letters as Latin consonants and vowels, enough to compare consonant skeletons.
_TRANSLIT = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюяіїєґαβγδεζηθικλμνξοπρστυφχψω",
                     ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t",
                      "u", "f", "h", "c", "ch", "sh", "sh", "", "i", "", "e", "u", "a", "i", "i", "e", "g",
                      "a", "b", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p", "r", "s",
                      "t", "i", "f", "ch", "ps", "o"], strict=True))


def skeleton(word: str) -> str:
    """A word's consonants, transliterated to Latin, a run of one consonant as one ("asistenta" -> "stnt")."""
    import unicodedata

    w = "".join(_TRANSLIT.get(c, c) for c in unicodedata.normalize("NFKD", word.lower()) if c.isalpha())
    w = w.replace("y", "i")
    cons = [c for c in w if c not in "aeiou"]
    return "".join(c for i, c in enumerate(cons) if i == 0 or c != cons[i - 1])


def assistant_cognate(word: str) -> bool:
    """A word of another language that is "assistant" inflected or spelt its way ("asisten", "asistanına",
    "асистента", "asystenta"): a vowel then the consonants s-t-n, not the English word's own forms."""
    low = word.lower()
    return (3 < len(low) <= 14 and low[0] in "aeiouаеоі" and not low.startswith("assist")
            and skeleton(low).startswith("stn"))


def _labels(low: str) -> list[tuple[int, int]]:
    """Spans of lines headed for the model in any language (above), found at each word for "AI": the
    label may open its line, and words of another script may stand between it and its colon (a postposition
    or a note's noun after the name: "AIアシスタントへの注意：", "एआई सहायक के लिए नोट:")."""
    near, _anywhere = present(low, *_ANCHOR_TABLES)
    out: list[tuple[int, int]] = []
    for word in [w for w in _LABEL_AI if w in near]:
        for h in _ai_hits(low, word):
            after = h + len(word)
            role_end = _role_after(low, after)
            start = h
            m = _LABEL_TAIL.match(low, role_end) if role_end is not None else None
            if m is None or not _tail_ok(m.group()):
                m = _AI_COLON.match(low, h)
                role = _role_before(low, h) if m is not None else None
                if role is None:
                    continue
                start = role
            p = _opening(low, start)
            lead = _WORD.findall(low, p, start) if p >= 0 else []
            if p < 0 or len(lead) > MAX_LABEL_LEAD or any(len(w) > 16 for w in lead):
                continue
            eol = _TURN_END.search(low, m.end())
            stop = eol.start() if eol is not None else len(low)
            if sum(c.isalpha() for c in low[m.end():min(stop, m.end() + 200)]) >= _SENTENCE_LETTERS:
                out.append((p, m.end()))
    return out


# Words between the label and its colon: up to three, none of them in ASCII letters (an English label's
# words are the vocative forms' to read: "AI model comparison: …" is a heading about models).
_LABEL_TAIL = re.compile(r"(?:[ \t]*[^\W\d_][^\s:：]{0,15}){0,3}?[ \t]*[:：]")
_ROLE_AFTER = re.compile(rf"[ \t-]*(?:{_ROLE_ALT})[^\W\d_]{{0,4}}")
_WORD_AFTER = re.compile(r"[ \t-]*([^\W\d_]+)")
_WORD_BEFORE = re.compile(r"(?<![^\W\d_])([^\W\d_]+)[ \t-]*\Z")
# Roles of scripts that join prefixes to a word or put no space between words (Arabic "لمساعد", Japanese).
_JOINED_ROLES = tuple(r for r in _LABEL_ROLES if _other_script(r))
_JOINED_ROLE_THEN_AI = (re.compile(rf"(?:{_alt(list(_JOINED_ROLES))})[^\W\d_]{{0,4}}[ \t-]*\Z")
                        if _JOINED_ROLES else None)


def _tail_ok(tail: str) -> bool:
    return tail.isascii() and not any(c.isalpha() for c in tail) or not any("a" <= c <= "z" for c in tail)


def _ai_hits(low: str, word: str) -> list[int]:
    if not _other_script(word):
        return _whole_word(low, word)
    out, i = [], low.find(word)
    while i != -1 and len(out) < MAX_OCCURRENCES:
        out.append(i)
        i = low.find(word, i + 1)
    return out


def _role_after(low: str, i: int) -> int | None:
    """Where a role word that follows the name for AI at `i` ends (a listed role, inflected; a cognate of
    "assistant"), else None."""
    m = _ROLE_AFTER.match(low, i)
    if m is not None:
        return m.end()
    w = _WORD_AFTER.match(low, i)
    return w.end() if w is not None and assistant_cognate(w.group(1)) else None


def _role_before(low: str, h: int) -> int | None:
    """Where a role word just before the name for AI at `h` starts, else None."""
    lo = max(0, h - 24)
    for pattern in (_ROLE_THEN_AI, _JOINED_ROLE_THEN_AI):
        m = pattern.search(low, lo, h) if pattern is not None else None
        if m is not None:
            return m.start()
    w = _WORD_BEFORE.search(low, lo, h)
    return w.start() if w is not None and assistant_cognate(w.group(1)) else None


_TURN_END = re.compile(r"\n|\\n|$")
_SENTENCES = re.compile(r"[.!?;:]\s+|\\n")


def _gives_an_order(sentences: list[str]) -> bool:
    """Does one of a turn's sentences open (past "please", "now", …) with a verb of action, three words at
    least? (`User: jdoe` and `<user><id>5</id>` give none.)"""
    from mcp_guard.intent.words import ACTION_BASE

    for sentence in sentences:
        words = _WORD.findall(sentence)
        while words and words[0] in _LEAD_IN:
            words.pop(0)
        if len(words) >= 3 and words[0] in ACTION_BASE:
            return True
    return False


def _forged_turns(low: str) -> list[tuple[int, int]]:
    """Spans of a forged turn of the person ("User: … Send the summary to …"): a `User:`/`Human:` label at
    a line's start whose line holds a sentence that opens with a verb of action (a field `User: jdoe`
    holds none)."""
    _near, anywhere = present(low, *_ANCHOR_TABLES)
    out: list[tuple[int, int]] = []
    for label in [t for t in _TURNS if t in anywhere]:
        i = low.find(label)
        while i != -1 and len(out) < MAX_OCCURRENCES:
            j = i
            while j > 0 and low[j - 1] in " \t*#>_-":
                j -= 1
            if j == 0 or low[j - 1] == "\n" or low.endswith("\\n", 0, j):
                m = _TURN_END.search(low, i + len(label))
                stop = m.start() if m is not None else len(low)
                if _gives_an_order(_SENTENCES.split(low[i + len(label):stop])):
                    out.append((j, stop))
            i = low.find(label, i + 1)
    return out


# A turn in another chat template's markup (Llama's header ids, Gemma's turns, a role as an XML tag, an
# Alpaca "### Instruction:" heading, a JSON chat message): the role, then the turn's text.
_TEMPLATE_TURN = re.compile(
    rf"<\|start_header_id\|>[ \t]*(?:{_alt(_words.CHAT_ROLES)})[ \t]*<\|end_header_id\|>"
    rf"|<start_of_turn>[ \t]*(?:{_alt(_words.CHAT_ROLES)})\b"
    rf"|<(?:{_alt(_words.CHAT_ROLES)})>"
    rf"|#{{2,}}[ \t]*(?:{_alt([*_words.CHAT_ROLES, 'instruction', 'instructions'])})[ \t]*:?"
    rf'|"role"[ \t]*:[ \t]*"(?:{_alt(_words.CHAT_ROLES)})"[ \t]*,[ \t]*"content"[ \t]*:[ \t]*"'
)
_TEMPLATE_TURN_END = re.compile(
    rf"<\|eot_id\|>|<end_of_turn>|</(?:{_alt(_words.CHAT_ROLES)})>|\n\n|\\n\\n|(?<!\\)\""
)


def _template_turns(low: str) -> list[tuple[int, int]]:
    """Spans of a turn forged in another chat template's markup whose text holds a sentence that opens
    with a verb of action (`<user><id>5</id>` in an XML listing holds none)."""
    _near, anywhere = present(low, *_ANCHOR_TABLES)  # the same RE2 pass as the other readings
    if not any(m in anywhere for m in _TEMPLATE_MARKS):
        return []
    out: list[tuple[int, int]] = []
    for m in _TEMPLATE_TURN.finditer(low):
        begin = m.end()
        while begin < len(low) and low[begin] in " \t\r\n":
            begin += 1  # the turn's text starts after the blank line a template puts there
        end = _TEMPLATE_TURN_END.search(low, begin)
        stop = end.start() if end is not None else len(low)
        if _gives_an_order(_SENTENCES.split(low[begin:stop])[:4]):
            out.append((m.start(), stop))
        if len(out) >= MAX_OCCURRENCES:
            break
    return out


def _vocatives(text: str, low: str) -> list[tuple[int, int]]:
    """Spans of text addressed to the model by name (`_vocative_patterns`): each form is tried only at
    a word that names the model, and only when few words stand between it and where its sentence opens
    (a greeting, a determiner) or a note's heading ends just before it."""
    out: list[tuple[int, int]] = []
    last = -1
    for h, end in _model_words(low):
        if h < last:
            continue
        hit = None
        if text[h] in "[<":
            hit = _CHAT_LABEL.match(text, h)
        else:
            p = _opening(text, h)
            if p >= 0 and _LEAD_WORDS.issuperset(_WORD.findall(low, p, h)):
                hit = _VOCATIVE.match(text, p)
                if hit is not None and hit.end() <= h:
                    hit = None
            if hit is None and p >= 0 and len(_WORD.findall(low, p, h)) <= MAX_ADDRESS_LEAD:
                hit = _address_then_act(text, low, p, end) or _address_heading(low, p, h, end)
            if hit is None and _NOTE_TO.intersection(_WORD.findall(low, max(0, h - 24), h)[-3:]):
                hit = _NOTE_HEAD.search(text, max(0, h - 60), h)
        if hit is not None:
            out.append((hit.start(), max(hit.end(), end)))
            last = out[-1][1]
    return out
