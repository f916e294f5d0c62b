"""The intent guard: every tools/call is judged against what the session was declared for.

The relay fills `SessionInfo.intent` / `.profile` from a person's declaration (see
`mcp_guard.intent.sessions`); this guard never reads intent from anything the agent sends. A session
with a profile is judged by the profile first; calls no profile rule matches (and sessions without
a profile) go to the default engine. Per-session state lives in `session.state["intent"]`.

Every tool result on the call's path passes `check_result`, which records the values it carried in
the session's bounded record (`mcp_guard.intent.record`: the newest 256 results, 4 MiB of text, and,
never evicted, up to 4096 values of results that carried instructions to the model): the engine
judges a later call by where its values came from. Every other server text that reaches the model
(resources, prompts, errors, server requests) passes `check_message` and is recorded the same way, and
so does listing text that reaches the client (`judge_listing`: tool, prompt and resource lists and the
server's instructions, where no person approved them: `trust = "tofu"`), when it reads as instructions.
What makes a session tainted (a result with instructions to the model, and the values it carried) is
shared with the session's other processes and replicas through the store
(`mcp_guard.intent.shared_taint`), read before each decision. Who answers an "ask" is `[intent] ask`
(the relay's business): the client by elicitation, or only a person through `mcp-guard approvals`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import anyio.to_thread

from mcp_guard import approvals, budgets
from mcp_guard.config import Config
from mcp_guard.guards.base import Decision, Guard, ListKind, ReadKind, SessionInfo, ToolCall, Upstream
from mcp_guard.intent.engine import DeclaredIntent, DefaultEngine, Verdict, points_at, sent_values, steered_by
from mcp_guard.intent.naming import acted_ids
from mcp_guard.intent.own import MAX_OWN_RESULT, own_values, reads_self
from mcp_guard.intent.profile import CompiledProfile, TrustedLists
from mcp_guard.intent.record import MAX_PER_RESULT, ResultEntry, SessionRecord, result_text, strings_of
from mcp_guard.intent.shared_taint import Link, SharedTaint, session_key
from mcp_guard.intent.tools import ToolInfo, classify
from mcp_guard.intent.values import argument_leaves, find_values, url_host, url_parts
from mcp_guard.store import Store

if TYPE_CHECKING:  # loaded with the Proxy
    from mcp_guard.audit.sink import AuditSink

log = logging.getLogger("mcp_guard")
INLINE_JUDGE_CHARS = 16 * 1024  # results up to this size are judged on the event loop
MAX_LISTED_URIS = 4096  # resource URIs kept per upstream as the server's own (reads of them go nowhere else)
MAX_LISTINGS = 1024  # distinct listings whose judgement the process keeps (and each session's seen ones)
STATE_KEY = "intent"
# A tainted text whose taint the other processes of the session could not be told of is withheld.
UNSHARED = Decision("deny", "mcp-guard withheld a server's text that reads as instructions to the model: its "
                    "taint could not be shared with the session's other processes (see the log)", "intent", "unshared")


@dataclass(slots=True)
class SessionState:
    intent: DeclaredIntent
    profile: CompiledProfile | None
    profile_error: str = ""
    record: SessionRecord = field(default_factory=SessionRecord)
    link: Link | None = None  # the session's taint shared with its other processes and replicas
    counts: dict[str, int] = field(default_factory=dict)  # budget use: "" = total, glob -> calls
    judging: set[asyncio.Task[Any]] = field(default_factory=set)  # results being judged in a worker thread
    listings: set[bytes] = field(default_factory=set)  # digests of the listings this session has read
    last_note: dict[str, str] = field(default_factory=dict)  # upstream -> the end of its last log/progress text
    taint_recorded: bool = False  # the audit log says where the session first read instructions to the model


class IntentGuard(Guard):
    name = "intent"

    def __init__(
        self,
        config: Config | None = None,
        *,
        store: Store | None = None,
        intent_source: Callable[[SessionInfo], str | None] | None = None,
        clock: Callable[[], datetime] | None = None,
        tool_store: Store | None = None,
        taint_key: str | None = None,
        audit: AuditSink | None = None,
    ) -> None:
        """`store` enables approvals (held calls that a person approved pass once) and shares each
        session's taint with the other processes of the session (`shared_taint`; `taint_key`: the key
        of this process's one agent session, for `run`, else each session's id); `intent_source`,
        when given, is asked before each call for the session's current intent (the Claude Code hook
        record grows with each prompt the person types)."""
        self.config = config or Config()
        self.store = store
        self.audit = audit  # the proxy's AuditSink: where the session first read instructions is recorded
        self.intent_source = intent_source
        self.clock = clock
        # Where the definition of a tool the client never listed is found: the approved one recorded
        # by review (`store`, or `tool_store` for a caller that must not consume approvals).
        self._tool_store = tool_store or store
        self.shared = SharedTaint.for_store(store)
        self.taint_key = taint_key
        self._tools: dict[str, dict[str, ToolInfo]] = {}
        # A listing's digest -> its judgement (flagged spans, instruction regions), made once per content.
        self._listings: dict[bytes, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        self._profiles: dict[str, CompiledProfile] = {}
        self._lists = TrustedLists()
        # Each upstream's resource URIs as it listed them: a read of one (as written) is the server's own.
        self._listed_uris: dict[str, set[str]] = {}
        self._folders: dict[str, tuple[str, ...]] = {}
        # A refusal (its id and digest) -> the endpoints its person was asked about: found once, not per call.
        self._refused_endpoints: dict[tuple[str, str], frozenset[str]] = {}

    # -- what the servers say about their tools -------------------------------------------------
    def learn(self, upstream: str, tools: list[dict[str, Any]]) -> None:
        """Classify an upstream's tools from their annotations, names and descriptions."""
        self._tools[upstream] = {str(t.get("name")): classify(t) for t in tools}

    async def filter_list(
        self, session: SessionInfo, upstream: Upstream, kind: ListKind, items: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if kind == "tools":
            self.learn(upstream.name, items)
        elif kind == "resources":
            self._saw_resources(upstream.name, items)
        if items and self._unreviewed(upstream.name) and not await self.judge_listing(
                session, upstream.name, f"{kind}/list", items):
            log.warning("%s", UNSHARED.reason)
            return []
        return items

    async def filter_initialize(self, session: SessionInfo, upstream: Upstream,
                                result: dict[str, Any]) -> dict[str, Any]:
        told = {k: result[k] for k in ("instructions", "serverInfo") if result.get(k)}
        if told and self._unreviewed(upstream.name) and not await self.judge_listing(
                session, upstream.name, "initialize", told):
            log.warning("%s", UNSHARED.reason)
            info = result.get("serverInfo")
            return {**{k: v for k, v in result.items() if k != "instructions"},
                    "serverInfo": {k: v for k, v in info.items() if k in ("name", "version")}
                    if isinstance(info, dict) else info}
        return result

    def _unreviewed(self, upstream: str) -> bool:
        """Whether what the upstream lists reaches the model without a person's approval: under `tofu`
        (accepted on first sight, or later). Under `review` and `pinned` the review guard, which runs
        first, serves only what a reviewer or the AI-BOM approved (the server's instructions included):
        that text is the reviewer's judgement and taints nothing."""
        if self.config.intent.mode == "off":
            return False
        cfg = self.config.upstreams.get(upstream)
        return cfg is not None and cfg.trust == "tofu"

    async def judge_listing(self, session: SessionInfo, upstream: str, label: str, listed: Any) -> bool:
        """Text a server lists is text the model reads (names, descriptions, schemas and their member
        names, instructions): a listing no person approved is judged like a result, so an injection in it
        taints the session. Judged once per distinct content in this process (a list is asked for often;
        its digest is cheap), recorded once per session, and only when tainted: a clean listing's values
        are no data. False when its taint could not be shared (then the listing is withheld)."""
        import orjson

        try:
            digest = hashlib.sha256(orjson.dumps(listed)).digest()
        except TypeError:  # deeper than orjson goes: a digest of its repr (never one digest for all such)
            digest = hashlib.sha256(repr(listed).encode("utf-8", "backslashreplace")).digest()
        st = self.state(session)
        if digest in st.listings:
            return True
        judged = self._listings.get(digest)
        text = None
        if judged is None:
            text = _listing_text(listed)
            probe = _entry(upstream, label, text)
            await anyio.to_thread.run_sync(lambda: probe.tainted)  # the first one loads the scanner: off the loop
            judged = (probe.spans or [], probe.regions)
            if len(self._listings) >= MAX_LISTINGS:
                self._listings.pop(next(iter(self._listings)))
            self._listings[digest] = judged
        if len(st.listings) >= MAX_LISTINGS:
            st.listings.clear()
        if not judged[0]:
            st.listings.add(digest)
            return True
        # Tainted: recorded with the judgement made (the scanner pass is not made again per session).
        entry = st.record.add(upstream, label, text if text is not None else _listing_text(listed))
        entry.regions, entry.spans = list(judged[1]), list(judged[0])
        st.record.note_taint(entry)
        if not await self._judged(st, entry):
            return False  # (not marked as read: listed again, it is withheld again until its taint is shared)
        st.listings.add(digest)
        return True

    def _info(self, upstream: str, tool: str) -> ToolInfo:
        tools = self._tools.setdefault(upstream, {})
        info = tools.get(tool)
        if info is None:  # a tool this session never listed: its approved definition, else its name
            info = tools[tool] = classify(self.recorded_definition(upstream, tool) or {"name": tool})
        return info

    def recorded_definition(self, upstream: str, tool: str) -> dict[str, Any] | None:
        if self._tool_store is None:
            return None
        from mcp_guard.review import ReviewQueue

        try:
            item = ReviewQueue(self._tool_store).approved_for(upstream, "tool", tool)
        except Exception:  # noqa: BLE001 - a database problem must not decide a call; the name does
            return None
        return item.definition if item is not None else None

    def _saw_resources(self, upstream: str, items: list[dict[str, Any]]) -> None:
        listed = self._listed_uris.setdefault(upstream, set())
        for item in items:
            if len(listed) >= MAX_LISTED_URIS:
                return
            if isinstance(item.get("uri"), str):
                listed.add(item["uri"])

    def _reaches_network(self, upstream: str, uri: str) -> bool:
        """Does a read of this resource URI reach a place on the network the agent may have chosen: a web
        address, or a URI of any scheme that names a host or mailbox (`fetch://host/…`, `https:host`), unless
        it is one the server listed itself?"""
        return _web_address(uri) or (uri not in self._listed_uris.get(upstream, ()) and _names_a_host(uri))

    # -- sessions -------------------------------------------------------------------------------
    def _profile(self, name: str) -> CompiledProfile:
        p = self._profiles.get(name)
        if p is None:
            p = self._profiles[name] = CompiledProfile(
                name, self.config.profiles[name], self.config.resolve, self._lists
            )
        return p

    def _trusted(self, profile: str | None) -> list[str]:
        files = list(self.config.intent.trusted)
        if profile and profile in self.config.profiles:
            files += self.config.profiles[profile].trusted
        values: list[str] = []
        for f in files:
            values += self._lists.lines(self.config.resolve(f))
        return values

    def state(self, session: SessionInfo) -> SessionState:
        st = session.state.get(STATE_KEY)
        if st is None:
            text = session.intent if session.intent is not None else self.config.intent.text
            profile, error = None, ""
            if session.profile:
                if session.profile in self.config.profiles:
                    profile = self._profile(session.profile)
                else:
                    error = f"the session's profile {session.profile!r} is not in the config"
            st = SessionState(DeclaredIntent(text or "", self._trusted(session.profile)), profile, error)
            if self.shared is not None:
                st.link = (self.shared.link(self.taint_key) if self.taint_key is not None
                           else self.shared.link(session_key(session.id), session.id))
            session.state[STATE_KEY] = st
        if self.intent_source is not None:
            text = self.intent_source(session)
            if text is not None and text != st.intent.text:
                st.intent = DeclaredIntent(text, st.intent.trusted)
        return st

    # -- decisions ------------------------------------------------------------------------------
    async def check_call(self, call: ToolCall) -> Decision:
        await self._caught_up(call.session)
        await self._record_taint(call.session)
        return self.decide(call)

    async def _record_taint(self, session: SessionInfo) -> None:
        """Once per session, before the first call decided after it: an `intent.taint` audit record naming
        the result where the session first read text aimed at the model (from then on, what such text
        carried is asked or denied), so the trail shows why, even where the result scanner flagged nothing."""
        st = session.state.get(STATE_KEY)
        if self.audit is None or st is None or st.taint_recorded:
            return
        taint = st.record.first_taint or st.record.elsewhere
        if taint is None:
            return
        st.taint_recorded = True
        data = {"result": taint[0], "source": taint[1],
                "note": "a result read as instructions to the model; values it carried are asked or denied"}
        try:
            await self.audit.record("intent.taint", session.id, data)
        except Exception as err:  # a failing audit must not break the call path; say so in the log
            log.warning("intent: could not record the session's taint: %s", err)

    async def _caught_up(self, session: SessionInfo) -> None:
        """The results on a call's path are judged before it is (usually done by now), and what other
        processes of the session read is in the record."""
        st = session.state.get(STATE_KEY)
        if st is not None and st.judging:
            await asyncio.gather(*list(st.judging), return_exceptions=True)
        if self.config.intent.mode != "off":
            st = self.state(session)
            if st.link is not None:
                await st.link.catch_up(st.record)

    async def check_answer(self, call: ToolCall) -> Decision:
        """A client's answer to a server's request outside any call (sampling while the server reads a
        resource, or unprompted) goes to that server with nothing the person asked for: no request need
        ask for it, but each value it carries is judged by where it came from, as a call's are (a
        destination found nowhere is asked, one only injected text wrote is denied)."""
        mode = self.config.intent.mode
        if mode == "off":
            return Decision("allow", "intent checks are off", self.name, "off")
        await self._caught_up(call.session)
        return self._sent(self.state(call.session), call.tool, {"inputs": call.inputs}, "answer")

    def _sent(self, st: SessionState, what: str, values: dict[str, Any], called: str) -> Decision:
        """Values a request hands a server that no request need ask for (a client's answer, a prompt's
        arguments): each is judged by where it came from, as a call's are."""
        info = replace(classify({"name": what}), effect="write")  # a side effect, whatever its name reads like
        verdict = _engine(st).decide(what, values, st.record, info)
        if verdict.rule == "unasked":  # handed over with the request, not an action the request must ask for
            verdict = Verdict("allow", "grounded", f"{what} {called}: every destination is accounted for")
        verdict = _warned(verdict, self.config.intent.mode)
        if verdict.action == "allow":
            st.record.note_sent(sent_values(values))
        return Decision(verdict.action, verdict.reason, self.name, verdict.rule, verdict.question)

    async def check_read(self, session: SessionInfo, upstream: str, kind: ReadKind, name: str,
                         arguments: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> Decision:
        """What a read request hands the server is judged as a tool call's values are: a resource's web
        address (`https://…` under a template that fetches any page) is reached as `fetch_url` would reach
        it, and a prompt's or completion's arguments are judged by where they came from. A server's own
        URI (`note://a`) and a prompt's name go nowhere else."""
        mode = self.config.intent.mode
        if mode == "off":
            return Decision("allow", "intent checks are off", self.name, "off")
        reaches = kind == "resource" and self._reaches_network(upstream, name)
        if not arguments and not reaches:
            return Decision("allow", f"{kind} {name!r} sends nothing beyond its server", self.name, "read")
        await self._caught_up(session)
        st = self.state(session)
        if arguments:
            decision = self._sent(st, f"{kind}/{name}", arguments, "arguments")
            if decision.action != "allow" or not reaches:
                return decision
        info = classify({"name": "resources/read", "annotations": {"readOnlyHint": True, "openWorldHint": True}})
        verdict = _warned(_engine(st).decide("resources/read", {"uri": name}, st.record, info), mode)
        return Decision(verdict.action, verdict.reason, self.name, verdict.rule, verdict.question)

    def decide(self, call: ToolCall) -> Decision:
        mode = self.config.intent.mode
        if mode == "off":
            return Decision("allow", "intent checks are off", self.name, "off")
        st = self.state(call.session)
        qualified = f"{call.upstream}/{call.tool}"
        if self._shared_budget(st):  # another replica may have served this session's calls
            st.counts = budgets.used(self.store, call.session.id)
        if call.answering:
            return self._answer(st, call, qualified, mode)
        verdict = self._verdict(st, call, qualified)
        if verdict.action != "deny" and self.store is not None:
            # (a call a person refused stays refused, even once the session's data would let it through)
            used = verdict.action == "ask" and approvals.consume_approved(
                self.store, call.session.id, qualified, call.arguments, call.inputs)
            if used:
                verdict = Verdict("allow", f"approved:{used}", f"a person approved this call ({used})")
            elif no := self._refused(call, qualified):
                verdict = Verdict("deny", f"refused:{no}", f"a person refused this call ({no}): {verdict.reason}")
        verdict = _warned(verdict, mode)
        if verdict.action == "allow" and mode == "enforce" and self._shared_budget(st):
            # Checked again and charged in one transaction: the calls of this session decided at
            # the same instant (on this replica or another) wait for it, so none takes a spent unit.
            spent = self._charge_shared(st, call, qualified)
            if spent is not None:
                return Decision("deny", spent.reason, self.name, spent.rule)
        elif verdict.action == "allow":
            self.note_allowed(call)
        return Decision(verdict.action, verdict.reason, self.name, verdict.rule, verdict.question)

    def _refused(self, call: ToolCall, qualified: str) -> str | None:
        """The id of a person's refusal in this session that covers this call: the very call, or a side effect
        of any tool that carries, in any spelling or argument, an address the refused call was asked about
        (its reason names it). A person who said no to sending to eve@… said no to eve@…, not to one subject
        line: a reworded retry, once the session's data seems to ground the address, is refused too."""
        assert self.store is not None
        denied = approvals.refusals(self.store, call.session.id)
        if not denied:
            return None
        digest = approvals.args_digest(qualified, call.arguments, call.inputs)
        same = next((a.id for a in denied if (a.tool, a.args_digest) == (qualified, digest)), None)
        if same or self._info(call.upstream, call.tool).effect == "read":
            return same
        carried = set(map(_endpoint, sent_values({**call.arguments, "inputs": call.inputs} if call.inputs
                                                 else call.arguments)))
        return next((a.id for a in denied if self._endpoints_refused(a) & carried), None)

    def _endpoints_refused(self, refused: approvals.Approval) -> frozenset[str]:
        key = (refused.id, refused.args_digest)
        if key not in self._refused_endpoints:
            if len(self._refused_endpoints) >= MAX_REFUSALS_KEPT:
                self._refused_endpoints.clear()
            self._refused_endpoints[key] = frozenset(map(_endpoint, _asked_addresses(refused)))
        return self._refused_endpoints[key]

    def _answer(self, st: SessionState, call: ToolCall, qualified: str, mode: str) -> Decision:
        """A client's answer to the server's question during a call already allowed (a handshake-era
        elicitation): judged as the call with the answer in its inputs, the way a 2026-07-28 retry
        carrying `inputResponses` is, but against the budget as it stood before the call was charged."""
        uncharged = st.counts
        if st.profile is not None:
            charged: dict[str, int] = {}
            st.profile.count(qualified, charged)
            uncharged = {k: n - charged.get(k, 0) for k, n in st.counts.items()}
        verdict = self._verdict(st, call, qualified, uncharged)
        verdict = _warned(verdict, mode)
        if verdict.action == "allow":
            st.record.note_sent(sent_values({"inputs": call.inputs}))
        return Decision(verdict.action, verdict.reason, self.name, verdict.rule, verdict.question)

    async def on_approved(self, call: ToolCall) -> Decision | None:
        """A person said yes: the call is charged, if its budgets still have room (other calls may
        have spent them while the person was asked; checked and charged in one step)."""
        st = self.state(call.session)
        qualified = f"{call.upstream}/{call.tool}"
        if st.profile is None or call.answering:
            self.note_allowed(call)
            return None
        if self._shared_budget(st):
            spent = self._charge_shared(st, call, qualified)
        else:  # in memory: no await between the check and the charge
            spent = st.profile.over_budget(qualified, st.counts)
            if spent is None:
                self.note_allowed(call)
        if spent is not None:
            return Decision("deny", f"{spent.reason} (while a person was asked)", self.name, spent.rule)
        return None

    def _charge_shared(self, st: SessionState, call: ToolCall, qualified: str) -> Verdict | None:
        """Charge the call if the store's budget use still has room, as one write transaction (every
        replica's charge of the session waits for it); else the refusal, and nothing is charged."""
        assert self.store is not None and st.profile is not None
        with self.store.write():
            st.counts = budgets.used(self.store, call.session.id)
            spent = st.profile.over_budget(qualified, st.counts)
            if spent is None:
                self.note_allowed(call)
        return spent

    def note_allowed(self, call: ToolCall) -> None:
        """Count a call that goes ahead (also one a person said yes to after an ask)."""
        st = self.state(call.session)
        judged = _judged_arguments(call)
        st.record.note_sent(sent_values(judged, _leaves(call, judged)))
        if not call.answering and self._info(call.upstream, call.tool).effect != "read":
            st.record.note_acted(acted_ids(call.arguments))
        if st.profile is not None and not call.answering:  # an answer is part of a call charged already
            delta: dict[str, int] = {}
            st.profile.count(f"{call.upstream}/{call.tool}", delta)
            for key, n in delta.items():
                st.counts[key] = st.counts.get(key, 0) + n
            if self._shared_budget(st):
                budgets.charge(self.store, call.session.id, delta)

    def _shared_budget(self, st: SessionState) -> bool:
        """Budget use lives in the store (shared by every replica serving the session) when there is one."""
        if self.store is None or st.profile is None:
            return False
        budget = st.profile.profile.budget
        return budget.total is not None or bool(budget.per_tool)

    def _verdict(self, st: SessionState, call: ToolCall, qualified: str,
                 counts: dict[str, int] | None = None) -> Verdict:
        if st.profile_error:
            return Verdict("deny", "profile", st.profile_error)
        info = self._info(call.upstream, call.tool)
        if st.profile is not None:
            now = self.clock() if self.clock else None
            verdict = st.profile.decide(qualified, call.arguments, st.intent,
                                        st.counts if counts is None else counts, now, call.inputs)
            if verdict is not None:
                return verdict
            fallback = st.profile.profile.fallback
            if fallback == "allow":
                return Verdict("allow", "fallback", f"profile {st.profile.name!r} allows calls no rule names")
            if fallback == "deny":
                return Verdict("deny", "fallback", f"profile {st.profile.name!r} allows only the tools it names")
            if fallback == "ask":
                return Verdict(
                    "ask",
                    "fallback",
                    f"no rule of profile {st.profile.name!r} names {qualified}",
                    f"Allow {qualified}? The session's profile does not name it.",
                )
        judged = _judged_arguments(call)
        return _engine(st, self._tools.get(call.upstream), self._folders_of(call.upstream)).decide(
            call.tool, judged, st.record, info, _leaves(call, judged))

    def _folders_of(self, upstream: str) -> tuple[str, ...]:
        """The folders the configuration hands an upstream (looked up on the disk once)."""
        if upstream not in self._folders:
            entry = self.config.upstreams.get(upstream)
            self._folders[upstream] = entry.folders() if entry is not None else ()
        return self._folders[upstream]

    # -- results ----------------------------------------------------------------------------------
    async def check_result(self, call: ToolCall, result: dict[str, Any]) -> dict[str, Any] | Decision:
        """Record the values the result carries (where later calls' values may come from), and judge it
        for instructions to the model (one scanner pass, cached on the record); the result goes on
        unchanged."""
        entry = self.record_result(call, result)
        if entry is not None and not await self._judged(self.state(call.session), entry):
            return UNSHARED
        return result

    async def check_message(self, session: SessionInfo, upstream: str,
                            msg: dict[str, Any]) -> dict[str, Any] | Decision:
        """Any other server text that reaches the model (a resources/read or prompts/get answer, a
        JSON-RPC error, a tool's error, a server request) is recorded and judged like a tool result:
        instructions to the model taint the session whatever the channel. A notification (a log line or
        progress message sent during a call) is judged too (`_notification`)."""
        if self.config.intent.mode == "off":
            return msg
        if "id" not in msg:
            return await self._notification(session, upstream, msg)
        text = message_text(msg)
        if text:
            st = self.state(session)
            kind = "error" if "error" in msg else str(msg.get("method") or "answer")
            if not await self._judged(st, st.record.add(upstream, kind, text)):
                return UNSHARED
        return msg

    async def _notification(self, session: SessionInfo, upstream: str,
                            msg: dict[str, Any]) -> dict[str, Any] | Decision:
        """A log line or progress message is text a client may show the model with the call's result: judged
        on its own like a result, and recorded (tainting the session) only when it reads as instructions
        to the model, so a flood of plain logs never pushes results out of the record."""
        params = msg.get("params")
        text = strings_of(params, skip=("progressToken", "_meta")) if isinstance(params, dict) else ""
        if not text.strip():
            return msg
        from mcp_guard.textview import SEAM

        st = self.state(session)
        probe = _entry(upstream, str(msg.get("method")), text)
        if probe.size <= INLINE_JUDGE_CHARS:
            probe.tainted  # noqa: B018 (judged here: a log line is small)
        else:
            await anyio.to_thread.run_sync(lambda: probe.tainted)
        # A client shows the notifications one after the other: a note split across two is read across
        # their border too (run together and on two lines, as the borders of a result's text blocks).
        shown = strings_of(params, skip=("progressToken", "_meta", "level", "logger"))  # (its text, not its labels)
        tail, head = st.last_note.get(upstream, ""), shown[:SEAM]
        st.last_note[upstream] = shown[-SEAM:]
        if not probe.spans and tail:
            text = tail + head + "\n\n" + tail + "\n" + head
            probe = _entry(upstream, str(msg.get("method")), text)
            probe.tainted  # noqa: B018 (at most 4 * SEAM characters)
        if not probe.spans:
            return msg
        entry = st.record.add(upstream, probe.tool, text)
        entry.regions, entry.spans = list(probe.regions), list(probe.spans)
        st.record.note_taint(entry)
        return msg if await self._judged(st, entry) else UNSHARED

    async def _judged(self, st: SessionState, entry: ResultEntry) -> bool:
        """Judge a recorded text. Where other processes of the session share its taint (`st.link`), it is
        judged and what it taught written BEFORE it goes on, whatever its size: a process killed after
        forwarding must not take the taint with it. Otherwise a small text is judged at once and a
        large one in a worker thread, which the next decision waits for. False when its taint could not
        be shared (then the text is withheld: fail closed)."""
        # (results being forgotten are settled with it: small too, once a full record evicts one per result)
        small = entry.size + st.record.forgetting_chars <= INLINE_JUDGE_CHARS
        if st.link is not None:
            if not small:
                return await anyio.to_thread.run_sync(self._judge, st, entry)
            st.record.prepare(entry)  # a thread hand-off costs more than judging a small text
            if entry.spans or st.record.taint_overflow:  # rare: it read as instructions
                return await anyio.to_thread.run_sync(st.link.publish, st.record, entry)
            return True
        if small:
            st.record.prepare(entry)
            return True
        task = asyncio.get_running_loop().create_task(anyio.to_thread.run_sync(self._judge, st, entry))
        st.judging.add(task)
        task.add_done_callback(st.judging.discard)
        return True

    @staticmethod
    def _judge(st: SessionState, entry: ResultEntry) -> bool:
        """(worker thread) Judge a recorded result, and share what it taught with the session's other processes."""
        st.record.prepare(entry)
        return st.link.publish(st.record, entry) if st.link is not None else True

    def record_result(self, call: ToolCall, result: dict[str, Any]) -> ResultEntry | None:
        if self.config.intent.mode == "off":
            return None
        text = result_text(result)
        if not text:
            return None
        st = self.state(call.session)
        entry = st.record.add(call.upstream, call.tool, text,
                              points_at(st.intent, call.arguments, st.record, _leaves(call, call.arguments)),
                              steered_by(st.intent, call.arguments, st.record))
        if st.intent.to_self and len(text) <= MAX_OWN_RESULT and reads_self(call.tool, call.arguments):
            entry.own = own_values(text)
        return entry

    # -- held calls -------------------------------------------------------------------------------
    def hold(self, call: ToolCall, decision: Decision) -> str:
        """Hold an asked call for a person (no elicitation); return the isError text for the client."""
        if self.store is None:
            raise RuntimeError("IntentGuard.hold needs a store")
        qualified = f"{call.upstream}/{call.tool}"
        approval_id = approvals.hold(self.store, call.session.id, qualified, call.arguments, decision.reason,
                                     inputs=call.inputs)
        return approvals.held_message(approval_id, decision.reason)


MAX_REFUSALS_KEPT = 4096  # refusals whose endpoints are kept found (a long-running `serve`: cleared when full)


def _asked_addresses(refused: approvals.Approval) -> set[str]:
    """The addresses of a refused call that its reason names (what the person was asked about), as
    `sent_values` spells them; none when its arguments were not kept."""
    if not isinstance(refused.arguments, dict):
        return set()
    named = {f.value for f in find_values(refused.reason)}
    return named & set(sent_values(refused.arguments))


def _endpoint(value: str) -> str:
    """What an address reaches, for matching a refusal: a mailbox without its `+tag` (`eve+q3@…` is eve's), a URL's
    host as a client resolves it (`url_host`) and its path without scheme, user, port, query, fragment, empty or dot
    segments (`https://eve@EVIL.example.//collect/?ref=crm` posts where `evil.example/collect` does). Anything
    else as is."""
    v = value.strip().lower()
    if " " in v or not v:
        return v
    local, at, domain = v.rpartition("@")
    if at and "/" not in v and ":" not in v:
        return f"{local.split('+', 1)[0]}@{domain.rstrip('.')}"
    scheme, host, rest = url_parts(v)
    if "." not in host or not (scheme or "/" in v):
        return v  # no host: not a URL
    try:
        path = urlsplit("//" + rest.replace("\\", "/")).path
    except ValueError:
        return v
    return "/".join([host.removeprefix("www."), *(x for x in path.split("/") if x not in ("", "."))])


def _listing_text(listed: Any) -> str:
    """A listing's strings, then its distinct member names (a schema's property names are text the
    model reads: the names of what it fills in), within the record's bound."""
    text = strings_of(listed)
    names: dict[str, None] = {}
    size = len(text)
    stack = [listed]
    while stack and size <= MAX_PER_RESULT:
        node = stack.pop()
        if isinstance(node, dict):
            for k in node:
                if isinstance(k, str) and k not in names:
                    names[k] = None
                    size += len(k) + 2
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return "\n\n".join([text, *names]) if names else text


def _entry(upstream: str, label: str, text: str) -> ResultEntry:
    """A listing's text as the record would keep it (cut alike, JSON alike), to be judged on its own."""
    cut = text[:MAX_PER_RESULT]
    is_json = cut[:1] in "{[" and cut.rstrip()[-1:] in "}]"
    return ResultEntry(0, upstream, label, cut, len(cut), is_json, cut=len(text) > MAX_PER_RESULT)


def message_text(msg: Any) -> str:
    """Every string a server message carries (its `jsonrpc` and `id` aside), joined; past MAX_PER_RESULT
    the rest is cut, and the record counts the message as tainted."""
    return strings_of(msg, skip=("jsonrpc", "id"))


def _web_address(uri: str) -> bool:
    """Is a resource's URI a web address (one a server that fetches pages would reach)?"""
    return uri.strip().lower().startswith(("http://", "https://", "ftp://", "ws://", "wss://"))


_OWN_SCHEME = re.compile(r"^\s*[a-z][a-z0-9+.-]*:/*", re.I)


def _names_a_host(uri: str) -> bool:
    """Does a URI name a host by domain or address, or a mailbox, anywhere in it (as written or
    percent-decoded)? A server's own names (`note://a`, `repo://octo/hello`) name none."""
    texts = [uri, unquote(uri)]
    texts += [_OWN_SCHEME.sub("", t) for t in texts]  # what the URI's scheme wraps (`fetch://https://…`)
    for text in dict.fromkeys(texts):
        for found in find_values(text):
            if found.kind == "email":
                return True
            if found.kind in ("url", "host") and ("." in (host := url_host(found.value)) or host.startswith("[")):
                return True
    return False


def _warned(verdict: Verdict, mode: str) -> Verdict:
    """In warn mode every verdict is an allow that says what it would have been."""
    if verdict.action != "allow" and mode == "warn":
        return Verdict("allow", f"warn:{verdict.rule}", f"warn mode, would {verdict.action}: {verdict.reason}")
    return verdict


def _judged_arguments(call: ToolCall) -> dict[str, Any]:
    """What a call hands the server that is judged: its arguments, and what else reaches the server with it."""
    return {**call.arguments, "inputs": call.inputs} if call.inputs else call.arguments


def _leaves(call: ToolCall, arguments: dict[str, Any]) -> list[tuple[str, str]]:
    """`argument_leaves` of the call's arguments (`call.arguments`, or `_judged_arguments`), once per call:
    its decision, what it sent and what its result points at each read them."""
    key = "intent.leaves" if arguments is call.arguments else "intent.leaves+inputs"
    leaves = call.memo.get(key)
    if leaves is None:
        leaves = call.memo[key] = list(argument_leaves(arguments))
    return leaves


def _engine(st: SessionState, tools: dict[str, ToolInfo] | None = None, folders: tuple[str, ...] = ()) -> DefaultEngine:
    """The engine that judges a session's values: its declared intent, the upstream's tools (a step may
    prepare what a requested action uses), its profile's trusted sources and the folders its configuration
    hands the upstream."""
    return DefaultEngine(st.intent, tools, st.profile.trusted_source if st.profile is not None else None, folders)
