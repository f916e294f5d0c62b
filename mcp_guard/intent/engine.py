"""The default engine: judges a call by where its consequential values came from.

A value of a call is consequential when it says where a side effect goes or what it acts on: every
address-like value in any string argument (e-mail, web address, host, IBAN, phone number, path),
and the whole value of an argument whose name says it is a destination (`recipient`, `channel`,
`account`, …). Each such value has a provenance: the declared request or a trusted list (a grant),
a tool result (which one; as a field of its data, inside running text, or inside text that reads as
instructions to the model), or nowhere. Values the agent itself sent in earlier calls are never a
source.

The rules, one sentence each (the rule's name is in every reason):
- `read`: a call that only reads is allowed; a web address it reaches is judged by `fetch`.
- `fetch`: a read may reach a web address the request names (or a page on a site it names), or one
  a result carries (copied from data, it carries nothing of the user's); one found nowhere (composed
  by the agent, so it may carry data out) is asked.
- `destructive`: a destructive call is asked unless the request asks for this action and names or
  points at what it acts on.
- `injected`: a value found inside text of a result that reads as instructions to the model is
  denied, unless the request names it.
- `ungrounded`: a destination found neither in the request, a trusted list or source, nor any tool
  result is denied (a bare name is asked).
- `from-text`: a destination found only inside the running text of a result (a message body, a
  document) is asked, and the question says where it was found.
- `from-data`: a destination a result carries as data, i.e. as a field (a sender, a participant) or
  in the text of a result the request pointed at (the call that produced it asked for something the
  request names: "the file 'minutes.docx'", "her website www.x.example"), is allowed when the
  request asks for this kind of action and names no destination of this kind itself; otherwise it
  is asked.
Nothing lets a destination through because of a verb alone: a verb is needed, never sufficient.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mcp_guard.intent.record import Provenance, ResultEntry, SessionRecord
from mcp_guard.intent.tools import ToolInfo, classify
from mcp_guard.intent.values import find_values, normalise, url_host
from mcp_guard.intent.words import FAMILIES, FREE_TEXT, PARAM_KINDS, name_tokens, stem, words


@dataclass(frozen=True, slots=True)
class Verdict:
    """Plain data on the hot path; the guard turns it into a `Decision`."""

    action: str  # allow | deny | ask
    rule: str
    reason: str
    question: str = ""


# Kinds of destination that name the same sort of thing: a request that names one e-mail address has
# said who receives; another party found in data is then not implied by it.
GROUP = {
    "email": "party", "person": "party", "phone": "party",
    "channel": "channel",
    "url": "web", "host": "web",
    "iban": "account", "account": "account",
    "path": "path",
    "credential": "credential",
}
_ADDRESS_KINDS = frozenset({"email", "url", "host", "iban", "phone", "path"})
_SELF = frozenset({"me", "us", "myself", "ourselves"})
_WORDISH = re.compile(r"^[\w .'-]+$")
_CHUNK = re.compile(r"[^\s<>\"'`,;()\[\]{}]+")
_TRAIL = ".,;:!?"


def trusted_key(value: str) -> str:
    """A trusted-list entry in the form values are compared in."""
    v = value.strip()
    if v.startswith(("/", "~")):
        return v.lower()  # a path (a trailing '/' makes it a folder prefix)
    for f in find_values(v):
        if f.start == 0 and f.end >= len(v.rstrip(_TRAIL + "/")):
            return f.value
    return v.lower()


class DeclaredIntent:
    """The request as the session declared it, pre-digested once for fast checks."""

    def __init__(self, text: str, trusted: Iterable[str] = ()) -> None:
        self.text = text or ""
        self.declared = bool(self.text.strip())
        self.lower = self.text.lower()
        ws = words(self.text)
        self.word_line = " " + " ".join(ws) + " "
        # "tell me", "send us", "show me": the person asks for an answer, not for an action on others.
        self.stems = frozenset(stem(w) for w, nxt in zip(ws, [*ws[1:], ""], strict=False) if nxt not in _SELF)
        found = list(find_values(self.text))
        self.values = frozenset(f.value for f in found)
        self.hosts = frozenset(url_host(f.value) for f in found if f.kind in ("url", "host", "email"))
        self.hosts |= frozenset(f.value.split("@", 1)[1] for f in found if f.kind == "email")
        self.folders = tuple(f.value.rstrip("/") + "/" for f in found if f.kind == "path")
        self.kinds = frozenset(GROUP[f.kind] for f in found if f.kind != "path")
        self.chunks = frozenset(c.lower().rstrip(_TRAIL) for c in _CHUNK.findall(self.text))
        self.trusted = frozenset(trusted_key(t) for t in trusted if t.strip())

    @property
    def the_request(self) -> str:
        return "the request" if self.declared else "the session's declared intent (none was declared)"

    def names(self, value: str, kind: str) -> bool:
        """Is `value` (normalised) named in the request or a trusted list, whole?"""
        if value in self.trusted or value in self.values:
            return True
        if kind in _ADDRESS_KINDS:
            return False
        if not _WORDISH.match(value):
            # Not a plain name ("alice@acme", "acct:42"): only the very same token counts.
            return value in self.chunks
        ws = words(value)
        return bool(ws) and (" " + " ".join(ws) + " ") in self.word_line

    def names_site(self, value: str) -> bool:
        return url_host(value) in self.hosts

    def covers_path(self, value: str) -> bool:
        """A relative path stays inside the server's own root; any other path must be named, or lie
        under a folder the request names or a trusted entry ending in '/'."""
        v = value.strip()
        parts = re.split(r"[\\/]+", v)
        if v and not v.startswith(("/", "~", "\\")) and ".." not in parts and not re.match(r"^[a-zA-Z]:", v):
            return True
        low = v.lower()
        prefixes = [t for t in self.trusted if t.endswith("/")] + list(self.folders)
        return any(low.startswith(p) for p in prefixes)

    def asks_for(self, info: ToolInfo) -> bool:
        """Does the request use a verb of one of the tool's action families (for a tool whose verb we do
        not know: the leading word of its name)?"""
        if info.families:
            return any(self.stems & FAMILIES[f] for f in info.families)
        tokens = name_tokens(info.name)
        return bool(tokens) and stem(tokens[0]) in self.stems


@dataclass(frozen=True, slots=True)
class Value:
    param: str
    kind: str  # email | url | host | iban | phone | path (address-like) or a kind by the argument's name
    value: str  # normalised
    address: bool  # address-like (found by its shape) rather than a name by its argument
    destination: bool  # says where an effect goes (not merely what it acts on)
    raw: str = ""  # as the call wrote it

    def forms(self) -> tuple[str, ...]:
        """Other spellings under which a result may carry the value."""
        if self.kind == "iban":
            v = self.value.lower()
            return (" ".join(v[i:i + 4] for i in range(0, len(v), 4)),)
        raw = self.raw.strip().lower()
        return (raw,) if raw and raw != self.value else ()


def call_values(arguments: dict[str, Any]) -> list[Value]:
    """The consequential values of a call's arguments (see the module's docstring)."""
    out: list[Value] = []
    seen: set[str] = set()
    for param, text in _leaves(arguments, ""):
        whole = text.strip()
        for f in find_values(text):
            if f.value not in seen:
                seen.add(f.value)
                out.append(Value(param, f.kind, f.value, True, True, text[f.start:f.end]))
        if not whole or len(whole) > 200 or "\n" in whole or whole.lower() in seen:
            continue
        pstems = [stem(t) for t in name_tokens(param)] or [""]
        if pstems[-1] in FREE_TEXT or pstems[0] in FREE_TEXT:
            continue
        kind = _param_kind(pstems)
        if kind is not None and kind not in ("email", "url", "path"):
            low = whole.lower()
            seen.add(low)
            out.append(Value(param, kind, low, False, True))
        else:
            # What it acts on (a title, a name, an id, a date): only its provenance in injected text matters.
            low = whole.lower()
            seen.add(low)
            out.append(Value(param, "value", low, False, False))
    return out


def _param_kind(pstems: list[str]) -> str | None:
    """The destination kind a parameter's name says: its last word first ('user_email'), then the others
    ('channel_name'), never a leading 'to' of a longer name ('to_currency'). An id names the user's own
    data (file_id), unless it is the id of a party or a place messages go (user_id, channel_id)."""
    if pstems[-1] in ("id", "ids"):
        kind = _param_kind(pstems[:-1]) if len(pstems) > 1 else None
        return kind if kind in ("person", "channel", "account") else None
    if pstems[-1] in PARAM_KINDS:
        return PARAM_KINDS[pstems[-1]]
    rest = [s for s in pstems[:-1] if s != "to"]
    return next((PARAM_KINDS[s] for s in rest if s in PARAM_KINDS), None)


def _leaves(value: Any, key: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    if depth > 32:
        return
    if isinstance(value, str):
        if key:
            yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, str(k), depth + 1)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v, key, depth + 1)


def sent_values(arguments: dict[str, Any]) -> list[str]:
    """Every value the agent put into a call, as the record keeps them (to recognise echoes)."""
    out = []
    for _, text in _leaves(arguments, ""):
        out += [f.value for f in find_values(text)]
        whole = text.strip().lower()
        if whole and len(whole) <= 200:
            out.append(whole)
    return out


def points_at(intent: DeclaredIntent, arguments: dict[str, Any]) -> bool:
    """Did the call ask for something the request names (a file name, a query in its words, a site)?
    Then its result is data the user pointed at."""
    for value in sent_values(arguments):
        if len(value) >= 4 and not value.replace("-", "").replace(":", "").replace(" ", "").isdigit():
            if intent.names(value, ""):
                return True
    return False


TrustedSource = Callable[[str, str], bool]  # (upstream/tool, kind) -> may values of this kind come from it?


class DefaultEngine:
    """Decides calls for a session without a profile (or calls its profile leaves to the engine)."""

    def __init__(
        self,
        intent: DeclaredIntent,
        tools: dict[str, ToolInfo] | None = None,
        trusted_source: TrustedSource | None = None,
    ) -> None:
        self.intent = intent
        self.tools = tools if tools is not None else {}
        self.trusted_source = trusted_source

    def info(self, tool: str) -> ToolInfo:
        info = self.tools.get(tool)
        if info is None:
            info = self.tools[tool] = classify({"name": tool})
        return info

    def decide(
        self, tool: str, arguments: dict[str, Any], record: SessionRecord | None = None, info: ToolInfo | None = None
    ) -> Verdict:
        info = info or self.info(tool)
        record = record if record is not None else SessionRecord()
        values = call_values(arguments)
        if info.effect == "read":
            return self._read(info, values, record)
        intent = self.intent
        if info.effect == "destructive" and not self._requested(info, values):
            return Verdict(
                "ask",
                "destructive",
                f"destructive: {tool} is destructive and {intent.the_request} does not ask for it",
                f"Allow {tool} with {_short(arguments)}? It is destructive, and {intent.the_request} "
                "did not ask for it.",
            )
        # Every value is judged; the most severe verdict decides (a deny is never hidden by an ask).
        asked = None
        for v in values:
            verdict = self._value(info, v, record)
            if verdict is not None:
                if verdict.action == "deny":
                    return verdict
                asked = asked or verdict
        if asked is not None:
            return asked
        if info.effect == "destructive":
            return Verdict("allow", "requested", f"{tool}: {intent.the_request} asks for this action on what it names")
        return Verdict("allow", "grounded", f"{tool}: every destination comes from {intent.the_request}")

    # -- rules --------------------------------------------------------------------------------------
    def _requested(self, info: ToolInfo, values: list[Value]) -> bool:
        intent = self.intent
        if not intent.asks_for(info):
            return False
        targets = [v for v in values if v.destination or v.kind == "value"]
        named = bool(targets) and all(
            intent.names(v.value, v.kind) or (v.kind == "path" and intent.covers_path(v.value)) for v in targets
        )
        return named or bool(intent.stems & info.objects)

    def _read(self, info: ToolInfo, values: list[Value], record: SessionRecord) -> Verdict:
        intent = self.intent
        for v in values:
            if v.kind not in ("url", "host") or intent.names(v.value, v.kind) or intent.names_site(v.value):
                continue
            if self._trusted(v, record):
                continue
            prov = record.provenance(v.value, v.forms())
            where = _where(prov)
            if prov.injected:
                return _verdict("deny", "injected", info, v, f"was found {where}", intent)
            if prov.data:
                continue
            what = (f"is found only {where}" if prov.found
                    else f"is found neither in {intent.the_request} nor in any tool result")
            return Verdict(
                "ask",
                "fetch",
                f"fetch: {info.name} would reach {v.param}={v.value!r}, which {what}",
                f"Allow {info.name} to reach {v.value}? It {what}; {intent.the_request} does not name it.",
            )
        return Verdict("allow", "read", f"read: {info.name} only reads")

    def _trusted(self, v: Value, record: SessionRecord) -> bool:
        if self.trusted_source is None:
            return False
        prov = record.provenance(v.value, v.forms())
        return any(self.trusted_source(e.source, v.kind) for e in prov.fields + prov.text)

    def _value(self, info: ToolInfo, v: Value, record: SessionRecord) -> Verdict | None:
        intent = self.intent
        if intent.names(v.value, v.kind):
            return None
        if v.kind == "path" and intent.covers_path(v.value):
            return None
        prov = record.provenance(v.value, v.forms())
        where = _where(prov)
        if prov.injected:
            return _verdict("deny", "injected", info, v, f"was found {where}", intent)
        if not v.destination:
            return None
        if self.trusted_source is not None and any(
            self.trusted_source(e.source, v.kind) for e in prov.fields + prov.text
        ):
            return None
        if not prov.found:
            # A plain name may be the agent's own wording of one the request uses; an address is not.
            action = "ask" if not v.address and _WORDISH.match(v.value) else "deny"
            return _verdict(action, "ungrounded", info, v,
                            f"is found neither in {intent.the_request} nor in any tool result "
                            "(values the agent sent itself never count)", intent)
        if prov.data:
            group = GROUP.get(v.kind, v.kind)
            if not intent.asks_for(info):
                why = f"{intent.the_request} does not ask for this kind of action"
            elif group in intent.kinds:
                why = f"{intent.the_request} names its own {_GROUP_WORD.get(group, group)}"
            else:
                return None
            return _verdict("ask", "from-data", info, v, f"was found {where}, and {why}", intent)
        return _verdict("ask", "from-text", info, v, f"is found only {where}", intent)


_GROUP_WORD = {"party": "recipients", "channel": "channels", "web": "web addresses", "account": "accounts",
               "path": "paths", "credential": "credentials"}


def _where(prov: Provenance) -> str:
    def name(entries: tuple[ResultEntry, ...]) -> str:
        shown = ", ".join(f"{e.source} (result {e.seq + 1})" for e in entries[:3])
        return shown + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")

    if prov.injected:
        return f"in the result of {name(prov.injected)} inside text that reads as instructions to the model"
    if prov.fields:
        return f"as a field of the data in the result of {name(prov.fields)}"
    if prov.pointed:
        return f"inside the text of the result of {name(prov.pointed)}, a call for what the request names"
    if prov.text:
        return f"inside the text of the result of {name(prov.text)}"
    return "nowhere"


def _verdict(action: str, rule: str, info: ToolInfo, v: Value, what: str, intent: DeclaredIntent) -> Verdict:
    reason = f"{rule}: {info.name} {v.param}={v.value!r} {what}"
    if action == "deny":
        return Verdict(action, rule, reason)
    return Verdict(
        action,
        rule,
        reason,
        f"Allow {info.name} with {v.param}={v.value!r}? This value {what}; {intent.the_request} does not name it.",
    )


def _short(arguments: dict[str, Any], limit: int = 160) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["DeclaredIntent", "DefaultEngine", "Verdict", "call_values", "normalise", "points_at", "sent_values",
           "trusted_key"]
