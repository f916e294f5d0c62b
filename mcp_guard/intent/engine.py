"""The default engine: judges a call from what the session declared and what the server says of its tools.

One rule per decision, each explainable in a sentence:
- `read`: a tool that only reads is allowed.
- `destructive`: a destructive tool is asked unless the request itself asks for that action on that
  kind of object ("delete the largest file").
- `destination`: every destination of a side effect (recipient, channel, account, URL, path, a link in
  a message) must be grounded: named in the request or a trusted list; a person, channel or account may
  also be one the request points at by role ("each participant", "the client", "send them") or by a
  name it uses ("invite Ana" → ana.k@…), when the request asks for this kind of action. Web
  addresses, paths and credentials have to be named outright. A request that hands its steps to a
  document ("do the tasks on my TODO list") may reach people and channels, never new addresses.
- `dates`: when the request names dates, a side effect dated otherwise is asked.
Nothing here reads tool results: injected text arrives in results, so nothing in them can widen scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mcp_guard.intent.tools import ToolInfo, classify
from mcp_guard.intent.words import (
    DELEGATION,
    FAMILIES,
    FREE_TEXT,
    PARAM_KINDS,
    PRONOUNS,
    ROLES,
    TIME_PARAMS,
    name_tokens,
    stem,
    words,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Plain data on the hot path; the guard turns it into a `Decision`."""

    action: str  # allow | deny | ask
    rule: str
    reason: str
    question: str = ""


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_SCHEME_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)\S+$", re.I)
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://[^\s<>\"'()\[\]]+|www\.[^\s<>\"'()\[\]]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|ly|co|me|info|biz|xyz|app|dev|ai|gg|to|link|site|"
    r"online|click|top|ru|cn|tk)(?:/[^\s<>\"'()\[\]]*)?)",
    re.I,
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august")
        + ("sep sept september", "oct october", "nov november", "dec december")
    )
    for m in names.split()
}
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b", re.I)
_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b", re.I)
_PATHS = re.compile(r"(?<![\w.])(?:~|/)[^\s'\"`,;()]*")
_HASHTAG = re.compile(r"(?<![\w&])#[A-Za-z][\w.-]*")
_HANDLE = re.compile(r"(?<![\w.])@[A-Za-z][\w.-]*(?![\w.-]*@)")
_REPLY_VERBS = frozenset(stem(w) for w in ("reply", "replies", "respond", "answer"))
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|\"|')([A-Z][a-zA-Z]+)")
_PROPER = re.compile(r"\b([A-Z][a-zA-Z]{2,})\b")


def norm_url(value: str) -> str:
    v = value.strip().lower()
    v = re.sub(r"^[a-z][a-z0-9+.-]*://", "", v)
    v = v.removeprefix("www.")
    return v.rstrip("/.,;:!?)")


class DeclaredIntent:
    """The request as the session declared it, pre-digested once for fast checks."""

    def __init__(self, text: str, trusted: Iterable[str] = ()) -> None:
        self.text = text or ""
        self.lower = self.text.lower()
        self.url_lower = re.sub(r"[a-z][a-z0-9+.-]*://", "", self.lower).replace("www.", "")
        ws = words(self.text)
        self.word_line = " " + " ".join(ws) + " "
        self.stems = frozenset(stem(w) for w in ws)
        starts = {m.group(1) for m in _SENTENCE_START.finditer(self.text)}
        self.proper = frozenset(p.lower() for p in _PROPER.findall(self.text) if p not in starts) | frozenset(
            p.lower() for p in starts if p.lower() not in _COMMON_STARTS
        )
        # Verbs whose object is a pronoun ("send them", "add her"): the request points at someone.
        self.pronoun_verbs = frozenset(stem(a) for a, b in zip(ws, ws[1:], strict=False) if b in PRONOUNS)
        self.dates = _dates(self.text)
        # "#general" names a channel and "@sam" a person by handle; "reply" addresses whoever wrote.
        self.mentions = frozenset(
            ({"channel"} if _HASHTAG.search(self.text) else set())
            | ({"person"} if _HANDLE.search(self.text) else set())
            | ({"person", "email", "channel"} if self.stems & _REPLY_VERBS else set())
        )
        self.delegated = bool(DELEGATION.search(self.text))
        self.trusted = frozenset(trusted_key(t) for t in trusted if t.strip())

    def names(self, value: str) -> bool:
        """Is `value` named in the request (or trusted), verbatim up to case and URL scheme?"""
        v = value.strip().lower()
        if not v:
            return True
        if v in self.trusted or norm_url(v) in self.trusted:
            return True
        if len(v) >= 4 and (any(c in v for c in "@./:") or any(c.isdigit() for c in v)):
            # Address-like: whole, not as a piece of a longer address ("example.com" is not named
            # by "not-example.com").
            return _within(v, self.lower) or _within(norm_url(v), self.url_lower)
        ws = words(v)
        return bool(ws) and (" " + " ".join(ws) + " ") in self.word_line

    def covers_path(self, value: str) -> bool:
        """A relative path stays inside the server's own root; any other path must lie under a folder
        the request names or a trusted entry ending in '/'."""
        v = value.strip()
        parts = re.split(r"[\\/]+", v)
        if v and not v.startswith(("/", "~", "\\")) and ".." not in parts and not re.match(r"^[a-zA-Z]:", v):
            return True
        low = v.lower()
        prefixes = [t for t in self.trusted if t.endswith("/")]
        prefixes += [p.rstrip("/") + "/" for p in _PATHS.findall(self.lower)]
        return any(low.startswith(p) for p in prefixes)

    def asks_for(self, info: ToolInfo, among: frozenset[str] | None = None) -> bool:
        """Does the request use a verb of one of the tool's action families (`among` them, if given)?"""
        families = info.families if among is None else info.families & among
        if families:
            return any(self.stems & FAMILIES[f] for f in families)
        if among is not None:
            return False
        return bool(self.stems & {stem(t) for t in name_tokens(info.name)})

    def points_at(self, kind: str, info: ToolInfo) -> bool:
        """Does the request point at a destination of this kind by role, or by a pronoun object?"""
        if self.stems & ROLES.get(kind, frozenset()):
            return True
        if kind in self.mentions:
            return True
        if kind in ("person", "email", "account") and self.pronoun_verbs:
            return any(self.pronoun_verbs & FAMILIES[f] for f in info.families & _ADDRESSING_FAMILIES)
        return False

    def uses_name_of(self, value: str) -> bool:
        """Is the leading name in `value` (ana.k@…, External_x, 'Ana Kovacs') a proper name the request uses?"""
        local = value.split("@", 1)[0].lower()
        parts = [p for p in re.split(r"[^a-z]+", local) if len(p) >= 3]
        return bool(parts) and parts[0] in self.proper


_DESTRUCTIVE_FAMILIES = frozenset({"delete", "cancel"})
# Actions whose pronoun object is a party ("send them", "invite her"), unlike "add them to the file".
_ADDRESSING_FAMILIES = frozenset({"communicate", "pay", "invite", "share"})

# Capitalised sentence openers that are not names.
_COMMON_STARTS = frozenset(
    "please can could would will the a an and but or if i my our we you your this that these those what when "
    "where which who how why is are am do does did find get send make create add also then first hey hi hello "
    "read write show tell give let invite check book reserve pay there here it its note perform summarize "
    "summarise post visit sort reply remind delete remove cancel update change schedule share".split()
)


def _within(needle: str, hay: str) -> bool:
    start = hay.find(needle)
    while start != -1:
        end = start + len(needle)
        before = hay[start - 1] if start else " "
        after = hay[end] if end < len(hay) else " "
        if not (before.isalnum() or before in "._+-@/") and not (after.isalnum() or after in "_-@"):
            return True
        start = hay.find(needle, start + 1)
    return False


def trusted_key(value: str) -> str:
    v = value.strip().lower()
    if v.startswith(("/", "~")):
        return v  # a path (a trailing '/' makes it a folder prefix)
    return norm_url(v) if ("/" in v or v.startswith("www.")) else v


def _dates(text: str) -> frozenset[tuple[int, int]]:
    found = {(int(m), int(d)) for _, m, d in _ISO_DATE.findall(text)}
    for mon, day in _MONTH_DAY.findall(text):
        found.add((_MONTHS[mon.lower()], int(day)))
    for day, mon in _DAY_MONTH.findall(text):
        found.add((_MONTHS[mon.lower()], int(day)))
    return frozenset((m, d) for m, d in found if 1 <= m <= 12 and 1 <= d <= 31)


@dataclass(slots=True)
class Destination:
    param: str
    value: str
    kind: str  # person | email | channel | url | account | path | credential | link


def destinations(arguments: dict[str, Any]) -> Iterator[Destination]:
    """Destination-like values in a call's arguments, by parameter name and by value shape."""
    for param, value in _leaves(arguments, ""):
        pstems = [stem(t) for t in name_tokens(param)] or [""]
        if pstems[-1] in FREE_TEXT or pstems[0] in FREE_TEXT:
            for link in _LINK.findall(value):
                yield Destination(param, link, "link")
            continue
        if pstems[-1] in ("id", "ids"):
            # An object's id names the user's own data (file_id, event_id), unless it is the id of a
            # party or a place messages go (user_id, channel_id, account_id).
            kind = _param_kind(pstems[:-1]) if len(pstems) > 1 else None
            if kind in ("person", "channel", "account"):
                yield Destination(param, value.strip(), kind)
            continue
        by_name = _param_kind(pstems)
        v = value.strip()
        if _EMAIL.match(v):
            yield Destination(param, v, "email")
        elif _SCHEME_URL.match(v) or by_name == "url":
            yield Destination(param, v, "url")
        elif _IBAN.match(v.replace(" ", "").upper()) and (by_name in (None, "account", "person") or v.isupper()):
            yield Destination(param, v, "account")
        elif by_name is not None and by_name != "email":
            yield Destination(param, v, by_name)


def _param_kind(pstems: list[str]) -> str | None:
    """The destination kind a parameter's name says: its last word first ('user_email'), then the others
    ('channel_name'), never a leading 'to' of a longer name ('to_currency')."""
    if pstems[-1] in PARAM_KINDS:
        return PARAM_KINDS[pstems[-1]]
    rest = [s for s in pstems[:-1] if s != "to"]
    return next((PARAM_KINDS[s] for s in rest if s in PARAM_KINDS), None)


def _leaves(value: Any, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if key:
            yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v, key)


def _time_values(arguments: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Start dates of a call: an end date may follow from a duration the request gives ("for 3 nights")."""
    for param, value in _leaves(arguments, ""):
        stems = {stem(t) for t in name_tokens(param)}
        if stems & TIME_PARAMS and not stems & _END_PARAMS:
            yield param, value


_END_PARAMS = {"end", "until"}


@dataclass(slots=True)
class History:
    """The calls the session made so far (allowed ones), as the engine needs them."""

    calls: int = 0
    links: set[str] = field(default_factory=set)  # web addresses in earlier calls' arguments, normalised

    def add(self, tool: str, arguments: dict[str, Any]) -> None:
        self.calls += 1
        for _, v in _leaves(arguments, "_"):
            if _SCHEME_URL.match(v.strip()):
                self.links.add(norm_url(v))
            for link in _LINK.findall(v):
                self.links.add(norm_url(link))

    def saw(self, link: str) -> bool:
        """Did an earlier call's arguments carry this web address (a page already visited, say)?"""
        return norm_url(link) in self.links


class DefaultEngine:
    """Decides calls for a session without a profile."""

    def __init__(self, intent: DeclaredIntent, tools: dict[str, ToolInfo] | None = None) -> None:
        self.intent = intent
        self.tools = tools if tools is not None else {}

    def info(self, tool: str) -> ToolInfo:
        info = self.tools.get(tool)
        if info is None:
            info = self.tools[tool] = classify({"name": tool})
        return info

    def decide(self, tool: str, arguments: dict[str, Any], history: History, info: ToolInfo | None = None) -> Verdict:
        info = info or self.info(tool)
        intent = self.intent
        if info.effect == "read":
            return self._read(info, arguments, history)
        if info.effect == "destructive" and not (
            intent.asks_for(info, _DESTRUCTIVE_FAMILIES) and (not info.objects or intent.stems & info.objects)
        ):
            return Verdict(
                "ask",
                "destructive",
                f"{tool} is destructive and the request does not ask for it",
                f"Allow {tool} with {_short(arguments)}? The session's request did not ask for this.",
            )
        for dest in destinations(arguments):
            verdict = self._destination(info, dest, history)
            if verdict is not None:
                return verdict
        if intent.dates:
            for param, value in _time_values(arguments):
                m = _ISO_DATE.search(value)
                if m and (int(m.group(2)), int(m.group(3))) not in intent.dates:
                    return Verdict(
                        "ask",
                        "dates",
                        f"{param}={value!r} is not a date the request names",
                        f"Allow {tool} dated {value}? The session's request names other dates.",
                    )
        if info.effect == "destructive":
            return Verdict("allow", "requested", f"{tool}: the request asks for this action on this kind of object")
        return Verdict("allow", "grounded", f"{tool}: every destination is grounded in the request")

    def _read(self, info: ToolInfo, arguments: dict[str, Any], history: History) -> Verdict:
        # A read that reaches out to a web address tells that address we came: the address must be one
        # the request names, or the request must be about web content (or hand its steps to a document).
        intent = self.intent
        for dest in destinations(arguments):
            if dest.kind != "url" or intent.names(dest.value) or history.saw(dest.value):
                continue
            if intent.points_at("url", info) or intent.delegated:
                continue
            return Verdict(
                "ask",
                "open-read",
                f"{info.name}: {dest.param}={dest.value!r} is a web address the request does not point to",
                f"Allow {info.name} to fetch {dest.value}? The session's request does not mention it.",
            )
        return Verdict("allow", "read", f"{info.name} only reads")

    def _destination(self, info: ToolInfo, dest: Destination, history: History) -> Verdict | None:
        intent = self.intent
        if intent.names(dest.value):
            return None
        kind, value = dest.kind, dest.value
        if kind == "link":
            if history.saw(value):
                return None
            return _deny(info, dest, "a link the request does not give")
        if kind == "path":
            if intent.covers_path(value):
                return None
            return _deny(info, dest, "a path outside the server's root that the request does not name")
        if kind in ("url", "credential"):
            return _deny(info, dest, f"a {_KIND_WORD[kind]} the request does not name")
        bare = "@" not in value and kind in ("person", "channel")
        if intent.asks_for(info) and (
            intent.points_at(kind, info) or (kind != "account" and intent.uses_name_of(value))
        ):
            return None
        if bare and intent.delegated:
            return None
        return _deny(info, dest, f"a {_KIND_WORD[kind]} that nothing in the request points to")


_KIND_WORD = {
    "person": "recipient",
    "email": "recipient address",
    "channel": "channel",
    "url": "web address",
    "account": "account",
    "path": "path",
    "credential": "credential",
    "link": "link",
}


def _deny(info: ToolInfo, dest: Destination, what: str) -> Verdict:
    return Verdict("deny", "destination", f"{info.name}: {dest.param}={dest.value!r} is {what}")


def _short(arguments: dict[str, Any], limit: int = 160) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"
