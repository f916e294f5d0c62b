"""The call gate: the one owner of a governed request's life, and the one place a decision is made.

    route → check → ask → forward exactly the judged bytes → inspect the answer → audit each step

`tools/call`, `prompts/get` and `resources/read` (with `resources/subscribe` and `completion/complete`,
which reach the same content) pass here. The relay routes a request to its upstream and hands it to
the gate; the gate asks the guards (`GuardChain`: review holds, intent, result scan, ...), asks a
person through the `Asker` the transport provides when a guard says "ask" (elicitation in the
handshake era, an `input_required` question in the 2026-07-28 era), or holds the call for
`mcp-guard approvals`; forwards what it judged through the relay's `Link`; inspects the answer (a
server's errors and input requests, prompt and resource contents, a tool's result: the result scan,
and the intent engine's record of where values came from); and records every step through the one
`AuditSink`. Every other message a server sends toward the model is screened here too (`screen`).

Each governed request ends in one `CallOutcome` handed to the gate's observers (metrics, traces).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from mcp_guard.errors import GuardError
from mcp_guard.guards.base import Decision, ReadKind, SessionInfo, ToolCall
from mcp_guard.guards.chain import GuardChain
from mcp_guard.proxy import eras, jsonrpc
from mcp_guard.proxy.jsonrpc import Message, RequestId

if TYPE_CHECKING:  # loaded with the Proxy, not on the relay's import path
    from mcp_guard.audit.sink import AuditSink
    from mcp_guard.proxy.upstream import UpstreamConnection
    from mcp_guard.store import Store

log = logging.getLogger("mcp_guard.gate")

Answer = tuple[Message, bytes | None]

# Requests a server may make of the client only if the client declared the capability.
CLIENT_CAPABILITY_OF = {"sampling/createMessage": "sampling", "elicitation/create": "elicitation",
                        "roots/list": "roots"}
# Results other than tools/call whose text goes to the model: screened like a server's other messages.
# A task's result (`tasks/result`) is a tool's result fetched later; its status (`tasks/get`, `tasks/list`,
# `tasks/cancel`) carries the server's statusMessage: all of it reaches the model.
SCREENED_RESULTS = frozenset({"prompts/get", "resources/read", "completion/complete",
                              "tasks/result", "tasks/get", "tasks/list", "tasks/cancel"})


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """How one governed request ended: what observers (metrics, traces) are told."""

    method: str  # tools/call | prompts/get | resources/read | resources/subscribe | completion/complete
    upstream: str
    name: str  # the tool or prompt (the upstream's own name), or the resource URI
    decision: str  # allow | deny | ask (held for a person) | the guard's final action
    guard: str  # the guard that decided, "" when every guard allowed
    proxy_seconds: float  # the gate's own time (judging, asking a person, inspecting, recording)
    upstream_seconds: float  # time the upstream took to answer (0 when it was not reached)
    error: str | None  # why the client got an error (JSON-RPC error or an isError refusal), else None


Observer = Callable[[CallOutcome], None]


class Asker(Protocol):
    """How a transport puts a guard's "ask" to a person; given by the relay for its client's era."""

    async def ask(self, call: ToolCall, decision: Decision, request_id: RequestId,
                  reply: tuple[str, Any] | None) -> Decision | dict[str, Any] | None:
        """The person's answer (allow or deny); a dict: a result to answer the request with now (a
        question the client's retry answers; `reply` is then the retry's state and answer); None:
        this client cannot be asked."""
        ...

    def asked_inputs(self, state: str) -> dict[str, Any]:
        """The other inputs of the call that the question named by `state` was about (empty if none)."""
        ...


class Link(Protocol):
    """How the gate reaches an upstream: the relay sends the request and correlates its answer;
    `while_sent` runs once the request has left, while the server works on it."""

    async def forward(self, up: UpstreamConnection, msg: Message, raw: bytes | None, rounds: int = 0,
                      while_sent: Callable[[], object] | None = None) -> Answer: ...


class HeldApprovals:
    """Holds an asked call for `mcp-guard approvals` when no person can be asked in band. The call is
    kept as the audit keeps it (`audit`: sensitive arguments as digests, secrets redacted)."""

    def __init__(self, store: Store, audit: AuditSink | None = None) -> None:
        self.store = store
        self.audit = audit

    async def hold(self, call: ToolCall, decision: Decision) -> str:
        """Record the held call; return the text the client's isError result says."""
        import anyio.to_thread

        from mcp_guard import approvals

        kept = self.audit.kept(call, decision) if self.audit is not None else None
        approval_id = await anyio.to_thread.run_sync(
            lambda: approvals.hold(self.store, call.session.id, f"{call.upstream}/{call.tool}", call.arguments,
                                   decision.reason, inputs=call.inputs, kept=kept))
        return approvals.held_message(approval_id, decision.reason)

    async def refuse(self, call: ToolCall, decision: Decision) -> None:
        """Keep a person's "no" given in the client as `approvals deny` keeps one: the same call, and a side effect
        carrying an address it was asked about, is then refused for the rest of the session."""
        import anyio.to_thread

        from mcp_guard import approvals

        def record() -> None:
            kept = self.audit.kept(call, decision) if self.audit is not None else None
            approval_id = approvals.hold(self.store, call.session.id, f"{call.upstream}/{call.tool}", call.arguments,
                                         decision.reason, inputs=call.inputs, kept=kept)
            approvals.decide(self.store, approval_id, False, "the person, in the client")

        try:
            await anyio.to_thread.run_sync(record)
        except GuardError as err:  # (the call is refused now all the same; only a retry would be asked again)
            log.warning("a person's refusal of %s/%s was not kept for the session: %s", call.upstream, call.tool, err)


class CallGate:
    """The governed requests of one client session."""

    def __init__(self, guards: GuardChain, session: SessionInfo, *, link: Link, asker: Asker,
                 audit: AuditSink | None = None, holds: HeldApprovals | None = None) -> None:
        self.guards = guards
        self.session = session
        self.link = link
        self.asker = asker
        self.audit = audit
        self.holds = holds
        self.observers: list[Observer] = []
        self.calls: dict[RequestId, ToolCall] = {}  # tools/call being answered upstream, by client id

    # -- tools/call -------------------------------------------------------------------------------

    async def tools_call(self, msg: Message, up: UpstreamConnection, tool: str) -> Answer:
        """A routed tools/call (`tool`: the upstream's own name) from check to inspected result."""
        started = time.perf_counter()
        rid = msg["id"]
        params = msg.get("params") or {}
        arguments = params.get("arguments", {})
        reply = None
        asked = eras.own_state(params)  # the answer to a question of ours (2026-07-28), if this is one
        if asked is not None:
            responses = params.get("inputResponses")
            reply = (asked, responses.get(eras.ASK_KEY) if isinstance(responses, dict) else None)
            params = eras.without_own_state(params)  # ours alone: the server never sees it
            if "inputResponses" not in params and "requestState" not in params:
                # The answer's retry carries only our question's state and answer: the server's own
                # (its answers, its requestState) are those of the call asked about, kept with the
                # question; judged again with it and forwarded. Other inputs: asked about anew.
                params = {**params, **self.asker.asked_inputs(asked)}
        meta = params.get("_meta")
        inputs = {k: params[k] for k in ("inputResponses", "requestState") if k in params} or None
        call = ToolCall(self.session, up.name, tool, params.get("name"), arguments,
                        meta if isinstance(meta, dict) else None, inputs)

        # check, then ask; any failure here (a guard's, an answer of a shape nobody expected) is a
        # recorded refusal, never an unrecorded internal error
        try:
            decision = await self.guards.check_call(call)
            if decision.action == "ask":
                answered = await self._ask_recording_cancel(call, decision, rid, reply)
                if isinstance(answered, dict):  # the question, to be answered in the client's retry
                    if self.audit is not None:  # asked in band: recorded like an elicitation or a hold
                        await self.audit.call("call", call, decision)
                    return self._done("tools/call", up.name, tool, decision, started, 0.0, None,
                                      (jsonrpc.result(rid, answered), None))
                decision = answered
        except Exception as err:  # noqa: BLE001
            log.exception("mcp-guard failed deciding a call")
            decision = Decision("deny", f"the call could not be judged: {err}", "gate", "error")
        if not decision.allowed:
            if self.audit is not None:
                await self.audit.call("call", call, decision)
            text = decision.reason if decision.action == "deny" else decision.question or decision.reason
            return self._done("tools/call", up.name, tool, decision, started, 0.0, text,
                              (jsonrpc.result(rid, jsonrpc.tool_error_result(text)), None))

        # forward: built from what was judged, never the client's bytes (those may say something else
        # to another parser: a key given twice, the proxy read the last, a server may read the first),
        # with its record (see `_forward_recorded`)
        out = {**msg, "params": judged_params(params, tool, call.arguments)}
        audit = self.audit
        sent = time.perf_counter()
        self.calls[rid] = call  # a question the server puts meanwhile is about this call (judge_answer)
        try:
            resp, rraw = await self._forward_recorded(
                up, out, (lambda: audit.call("call", call, decision)) if audit is not None else None)
        finally:
            self.calls.pop(rid, None)
        upstream_seconds = time.perf_counter() - sent

        # inspect
        resp, rraw = await self.inspect_answer(up.name, "tools/call", rid, resp, rraw, request=msg)
        if "result" in resp and self.guards.inspects_results and isinstance(resp["result"], dict):
            checked = await self.guards.check_result(call, resp["result"])
            if isinstance(checked, Decision):
                if self.audit is not None:
                    await self.audit.call("result", call, checked)
                return self._done("tools/call", up.name, tool, checked, started, upstream_seconds, checked.reason,
                                  (jsonrpc.result(rid, jsonrpc.tool_error_result(checked.reason)), None))
            if checked is not resp["result"]:
                resp, rraw = {**resp, "result": checked}, None
        return self._done("tools/call", up.name, tool, decision, started, upstream_seconds, _error_of(resp),
                          (resp, rraw))

    async def _forward_recorded(self, up: UpstreamConnection, msg: Message,
                                record: Callable[[], Awaitable[Any]] | None) -> Answer:
        """Forward a judged request and commit its record (`record` starts the write).

        With durability "full" the record is fsynced before the request leaves (write-ahead). Else it
        is committed once the request has left, while the server works on it, so the commit adds
        nothing to the call's latency; either way the answer waits for the record: an answer goes to
        the client only once its request's record is committed, and one whose record cannot be
        written is replaced by an error (the same one a write-ahead failure gives). Once a record has
        failed so, the next requests are recorded before they leave, until one is written
        (`AuditSink.failing`): a log that cannot write lets at most the requests then in flight through."""
        audit = self.audit
        if record is None or audit is None:
            return await self.link.forward(up, msg, None)
        if audit.write_ahead or audit.failing:
            await record()
            audit.failing = False
            return await self.link.forward(up, msg, None)
        written: list[Awaitable[Any]] = []

        def start() -> None:
            if not written:
                written.append(_started(record))

        try:
            answer = await self.link.forward(up, msg, None, while_sent=start)
        except BaseException:  # cancelled while sent: the request may have left, so it is recorded
            start()
            try:
                await asyncio.shield(asyncio.ensure_future(written[0]))
            except Exception:  # noqa: BLE001 - logged by the writer; the cancellation goes on
                audit.failing = True
            raise
        start()  # not sent (the server is unavailable): recorded all the same
        try:
            await written[0]
        except Exception:
            audit.failing = True
            raise
        return answer

    async def _ask_recording_cancel(self, call: ToolCall, decision: Decision, rid: RequestId,
                                    reply: tuple[str, Any] | None) -> Decision | dict[str, Any]:
        """`_ask`; a call the client cancels while it is asked is recorded (the attempt and the
        question) before the cancellation goes on: probing what is asked leaves a trail."""
        import asyncio

        try:
            return await self._ask(call, decision, rid, reply)
        except asyncio.CancelledError:
            if self.audit is not None:
                why = f"{decision.reason} (the client cancelled the call while it was asked)"
                written = self.audit.call("call", call, Decision("ask", why, decision.guard, decision.rule))
                await asyncio.shield(asyncio.ensure_future(written))  # a second cancel cannot stop the write
            raise

    async def _ask(self, call: ToolCall, decision: Decision, rid: RequestId,
                   reply: tuple[str, Any] | None) -> Decision | dict[str, Any]:
        """Put an "ask" to the person through the client; else hold the call for a person."""
        answered = await self.asker.ask(call, decision, rid, reply)
        if isinstance(answered, dict):
            return answered
        if answered is not None:
            if answered.allowed:  # a person said yes: the call counts like any other (budgets, values sent),
                refused = await self.guards.on_approved(call)  # and a budget spent meanwhile still holds
                if refused is not None:
                    return refused
            elif answered.rule.startswith("person:") and self.holds is not None and not call.answering:
                await self.holds.refuse(call, decision)  # a person's answer, not a failure to ask one
            return answered
        if self.holds is not None:
            text = await self.holds.hold(call, decision)
            return Decision("ask", decision.reason, decision.guard, decision.rule, text)
        return Decision("deny", f"{decision.reason} (no way to ask a person in this session)",
                        decision.guard, decision.rule)

    async def judge_answer(self, rid: RequestId | None, inputs: dict[str, Any], *,
                           upstream: str = "", method: str = "") -> Decision | None:
        """The client's answers to a server's questions during call `rid` (a handshake-era
        elicitation, or the questions of a 2026-07-28 server translated for a handshake client) reach
        the server with that call: judged like its arguments, recorded as an "answer". An answer to
        `upstream`'s `method` outside any call (`rid` None) goes to the server with nothing the person
        asked of it: the guards judge where its values came from (`check_answer`). None: `rid` is no
        call being answered."""
        call = self.calls.get(rid) if rid is not None else None
        if call is None and rid is not None:
            return None
        judged = ToolCall(call.session, call.upstream, call.tool, call.exposed_name, call.arguments, call.meta,
                          {**(call.inputs or {}), **inputs}, answering=True) if call is not None else \
            ToolCall(self.session, upstream, method, method, {}, None, inputs, answering=True)
        try:
            decision = await (self.guards.check_call(judged) if call is not None else
                              self.guards.check_answer(judged))
            if decision.action == "ask":
                answered = await self._ask(judged, decision, rid, None)
                decision = answered if isinstance(answered, Decision) else Decision(
                    "deny", f"{decision.reason} (no way to ask a person about an answer)",
                    decision.guard, decision.rule)
        except Exception as err:  # a guard's failure withholds the answer, never passes it unjudged
            log.exception("mcp-guard failed judging a client's answer")
            decision = Decision("deny", f"the answer could not be judged: {err}", "gate", "error")
        if self.audit is not None:
            await self.audit.call("answer", judged, decision)
        return decision

    # -- prompts/get, resources/read, and what reaches the same content ------------------------------

    async def read(self, msg: Message, up: UpstreamConnection, kind: ReadKind, name: str) -> Answer:
        """A routed prompts/get, resources/read or resources/subscribe (already renamed for its
        upstream) or completion/complete: refused for a held item, else forwarded and its answer
        inspected."""
        started = time.perf_counter()
        method = msg["method"]
        params = msg.get("params")
        msg = {**msg, "params": read_params(method, params if isinstance(params, dict) else {})}
        meta = msg["params"].get("_meta")
        decision = await self.guards.check_read(self.session, up.name, kind, name, _sent_arguments(msg),
                                                meta if isinstance(meta, dict) else None)
        record = None
        if self.audit is not None:
            audit, judged = self.audit, msg["params"]
            record = lambda: audit.read(self.session.id, method, up.name, kind, name, judged, decision)  # noqa: E731
        if not decision.allowed:
            if record is not None:
                await record()
            answer = jsonrpc.error(msg["id"], jsonrpc.REFUSED, decision.reason), None
            return self._done(method, up.name, name, decision, started, 0.0, decision.reason, answer)
        sent = time.perf_counter()
        # re-serialised: exactly what was judged
        resp, rraw = await self._forward_recorded(up, msg, record)
        upstream_seconds = time.perf_counter() - sent
        resp, rraw = await self.inspect_answer(up.name, method, msg["id"], resp, rraw, request=msg)
        return self._done(method, up.name, name, None, started, upstream_seconds, _error_of(resp), (resp, rraw))

    # -- what a server sends toward the model ----------------------------------------------------------

    async def inspect_answer(self, upstream: str, method: str, rid: RequestId, resp: Message,
                             rraw: bytes | None, *, request: Message | None = None) -> Answer:
        """A server's answer as the client may have it: an `input_required` result is held to the
        capabilities the client declared (a 2026-07-28 `request` declares its own, which may differ
        from the first one's), and errors, input requests and contents (not a tool's result, which
        `check_result` judges) are screened."""
        result = resp.get("result")
        asks = isinstance(result, dict) and result.get("resultType") == "input_required"
        if asks:
            # A 2026-07-28 server's requests ride in its results: the capabilities a handshake-era
            # server request is held to, and the screening, apply to every answer that carries them.
            env = eras.envelope_of(request) if request is not None else None
            declared = eras.client_of(env)[1] if env is not None else self.session.client_capabilities
            refused = undeclared_inputs(result, declared)  # type: ignore[arg-type]
            if refused is not None:
                return jsonrpc.error(rid, jsonrpc.REFUSED, f"mcp-guard refused upstream '{upstream}''s "
                                     f"input request: the client did not declare the {refused!r} capability"), None
        if self.guards.inspects_messages and ("error" in resp or asks or method in SCREENED_RESULTS):
            screened = await self.screen(upstream, resp)
            if screened is None:
                return jsonrpc.error(rid, jsonrpc.REFUSED, f"mcp-guard withheld the answer of upstream "
                                     f"'{upstream}' to {method} (see the audit log)"), None
            if screened is not resp:
                return screened, None
        return resp, rraw

    async def screen(self, upstream: str, msg: Message) -> Message | None:
        """A server's message toward the model as the guards let it through, or None if withheld."""
        if not self.guards.inspects_messages:
            return msg
        checked = await self.guards.check_message(self.session, upstream, msg)
        if isinstance(checked, Decision):
            log.warning("%s", checked.reason)
            if self.audit is not None:
                await self.audit.record("withheld", self.session.id, {
                    "upstream": upstream, "method": msg.get("method") or "error", "guard": checked.guard,
                    "rule": checked.rule, "reason": checked.reason})
            return None
        return checked

    # -- the outcome -----------------------------------------------------------------------------------

    def _done(self, method: str, upstream: str, name: str, decision: Decision | None, started: float,
              upstream_seconds: float, error: str | None, answer: Answer) -> Answer:
        if self.observers:
            outcome = CallOutcome(
                method, upstream, name, decision.action if decision else "allow", decision.guard if decision else "",
                max(0.0, time.perf_counter() - started - upstream_seconds), upstream_seconds, error)
            for observe in self.observers:
                try:
                    observe(outcome)
                except Exception:  # an observer's failure must never cost the call
                    log.exception("a call observer failed")
        return answer


def _started(write: Callable[[], Awaitable[Any]]) -> Awaitable[Any]:
    """What `write()` returns, or a failed future holding what it raised (a record the audit refused)."""
    try:
        return write()
    except Exception as err:  # noqa: BLE001 - handed to whoever awaits the record
        failed = asyncio.get_running_loop().create_future()
        failed.set_exception(err)
        return failed


def _error_of(resp: Message) -> str | None:
    err = resp.get("error")
    if err is not None:
        return str(err.get("message")) if isinstance(err, dict) else "error"
    result = resp.get("result")
    if isinstance(result, dict) and result.get("isError") is True:
        return "isError"
    return None


def undeclared(method: str, params: dict[str, Any], capabilities: dict[str, Any]) -> str | None:
    """The client capability a server request needs and the client did not declare, if any."""
    needed = CLIENT_CAPABILITY_OF.get(method)
    if needed is None:
        return None
    declared = capabilities.get(needed)
    if not isinstance(declared, dict):
        return needed
    if method == "elicitation/create" and params.get("mode", "form") != "form":
        mode = str(params.get("mode"))
        return None if isinstance(declared.get(mode), dict) else f"elicitation.{mode}"
    if method == "sampling/createMessage":
        if ("tools" in params or "toolChoice" in params) and not isinstance(declared.get("tools"), dict):
            return "sampling.tools"
        if params.get("includeContext", "none") != "none" and not isinstance(declared.get("context"), dict):
            return "sampling.context"
    return None


# The params of a tools/call that reach the server: the ones the guards judge (name, arguments, the
# 2026-07-28 answers and state) and the protocol's own (a task request). Any other key is dropped: a
# server may read a key no guard looked at.
FORWARDED_PARAMS = frozenset({"name", "arguments", "inputResponses", "requestState", "task"})
# The `_meta` keys the protocol defines for a request (progress, the 2026-07-28 envelope and log
# level, W3C trace context); the rest of `_meta` is dropped (an SDK server hands `_meta` to the tool).
FORWARDED_META = frozenset({"progressToken", *eras.ENVELOPE_KEYS, eras.LOG_LEVEL_KEY, "traceparent", "tracestate"})


# The params of a read request that reach its server: the method's own, and a 2026-07-28 retry's
# answers and state (all judged: `_sent_arguments`); any other key, like a call's, is dropped.
READ_PARAMS = {
    "prompts/get": frozenset({"name", "arguments"}),
    "resources/read": frozenset({"uri"}),
    "resources/subscribe": frozenset({"uri"}),
    "completion/complete": frozenset({"ref", "argument", "context"}),
}
RETRY_INPUTS = ("inputResponses", "requestState")
# Inside a completion's params, the members the protocol defines (what else they hold is dropped).
_READ_MEMBERS = {"ref": ("type", "name", "uri"), "argument": ("name", "value"), "context": ("arguments",)}


def judged_params(params: dict[str, Any], tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A tools/call's params as forwarded: built from what was judged, nothing else of the client's."""
    out = {k: v for k, v in params.items() if k in FORWARDED_PARAMS}
    out.update(name=tool, arguments=arguments)
    return _with_meta(out, params)


def read_params(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A read request's params as judged and forwarded: the method's own keys, a retry's inputs and
    the protocol's `_meta` keys, nothing else of the client's."""
    own = READ_PARAMS.get(method, frozenset())
    out = {k: v for k, v in params.items() if k in own or k in RETRY_INPUTS}
    for key, members in _READ_MEMBERS.items():
        if isinstance(out.get(key), dict):
            out[key] = {k: v for k, v in out[key].items() if k in members}
    return _with_meta(out, params)


# The params of the requests forwarded unjudged (they reach no content a guard judges): the protocol's
# own keys, and the `_meta` keys the gate forwards; nothing else of the client's reaches the server.
PASSED_PARAMS = {
    "resources/unsubscribe": frozenset({"uri"}),
    "logging/setLevel": frozenset({"level"}),
    "tasks/get": frozenset({"taskId"}),
    "tasks/result": frozenset({"taskId"}),
    "tasks/cancel": frozenset({"taskId"}),
    "tasks/list": frozenset({"cursor"}),
}


def passed_params(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """An unjudged request's params as forwarded (`PASSED_PARAMS`)."""
    own = PASSED_PARAMS.get(method, frozenset())
    return _with_meta({k: v for k, v in params.items() if k in own}, params)


def _with_meta(out: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    meta = params.get("_meta")
    if isinstance(meta, dict):
        kept = {k: v for k, v in meta.items() if k in FORWARDED_META}
        if kept:
            out["_meta"] = kept
    return out


def undeclared_inputs(result: dict[str, Any], capabilities: dict[str, Any]) -> str | None:
    """The first client capability that an `input_required` result's requests need and the client
    did not declare, if any (a malformed request counts as undeclared)."""
    requests = result.get("inputRequests")
    if not isinstance(requests, dict):
        return None if requests is None else "inputRequests"
    for req in requests.values():
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            return "inputRequests"
        params = req.get("params")
        needed = undeclared(req["method"], params if isinstance(params, dict) else {}, capabilities)
        if needed is not None:
            return needed
    return None


def _sent_arguments(msg: Message) -> dict[str, Any] | None:
    """The values a read request (as `read_params` left it) hands the server: a prompt's arguments, or
    what a completion completes and the arguments it is completed with, and a retry's inputs. A value
    of any other shape than the protocol's is judged as it is, under its key in parentheses."""
    params = msg.get("params")
    if not isinstance(params, dict):
        return None
    out: dict[str, Any] = {}
    if msg.get("method") == "prompts/get" and params.get("arguments") is not None:
        args = params["arguments"]
        out.update(args if isinstance(args, dict) else {"(arguments)": args})
    if msg.get("method") == "completion/complete":
        arg, context = params.get("argument"), params.get("context")
        if isinstance(context, dict) and isinstance(context.get("arguments"), dict):
            out.update(context["arguments"])
        elif context is not None:
            out["(context)"] = context
        if isinstance(arg, dict) and isinstance(arg.get("name"), str):
            out[arg["name"]] = arg.get("value")
        elif arg is not None:
            out["(argument)"] = arg
    out.update({k: params[k] for k in RETRY_INPUTS if k in params})
    return out or None
