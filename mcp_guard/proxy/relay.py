"""The relay: one downstream client session and its upstream servers.

The relay frames, routes and correlates ids; it holds no policy. Everything is forwarded as it came,
byte for byte where the wire allows, except: `initialize` (upstreams are opened with the client's own
parameters), the lists (filtered by guards and, with several upstreams, merged and namespaced),
`list_changed` (guards refresh first), and the governed requests (tools/call, prompts/get,
resources/read, subscribe, completion), which the relay routes and hands to the call gate
(`gate.py`): there they are judged, asked about, forwarded re-serialised from what was judged
(never as the client's bytes), inspected and recorded. The relay is the gate's `Link` (it sends a
request up and correlates its answer, progress and cancellation) and its `Asker` (elicitation, or an
`input_required` question in the 2026-07-28 era). Each client request runs in its own task, so a
slow call never holds up the others.

Eras: the client's first request fixes its era for the process (stdio: the process is the session).
`initialize` opens a handshake session as always; a request carrying the 2026-07-28 envelope in its
`_meta` (`server/discover` or any other) opens a stateless one: the relay answers `server/discover`
itself, serves `subscriptions/listen` itself (fed by the guards' refreshed lists), refuses what the
revision removed, and each upstream is spoken to in the era it and the client allow (see `eras`).

Ids: client requests keep their ids on the way up (each upstream is its own id space). Requests
that upstreams make of the client get fresh ids of the proxy's (`mcp-guard-N`), mapped back when
the client answers; so do the proxy's own requests to the client (elicitation).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio

from mcp_guard import __version__, kinds
from mcp_guard.config import Config
from mcp_guard.errors import EraRefused, InvalidParams, NotInitialized, ProtocolError, UpstreamUnavailable
from mcp_guard.guards.base import Decision, ListKind, ReadKind, SessionInfo, ToolCall
from mcp_guard.guards.chain import GuardChain
from mcp_guard.proxy import eras, jsonrpc
from mcp_guard.proxy.channels import Channel, ChildProcess
from mcp_guard.proxy.gate import CallGate, HeldApprovals, passed_params, undeclared
from mcp_guard.proxy.jsonrpc import MalformedMessage, Message, RequestId
from mcp_guard.proxy.routing import Router, decode_cursor, encode_cursor
from mcp_guard.proxy.upstream import INIT_TIMEOUT, UpstreamConnection

if TYPE_CHECKING:
    from mcp_guard.audit.sink import AuditSink
    from mcp_guard.telemetry import Telemetry

log = logging.getLogger("mcp_guard.relay")

Response = tuple[Message, bytes | None] | None


# The lists and their change notifications, from the one table of kinds.
LISTS: dict[str, tuple[ListKind, str]] = {k.list_method: (k.result_key, k.result_key) for k in kinds.LISTED}  # type: ignore[misc]
LIST_CHANGED: dict[str, ListKind] = {k.changed: k.result_key for k in kinds.LISTED if k.changed}  # type: ignore[misc]
CAPABILITY_OF_LIST = {k.result_key: k.capability for k in kinds.LISTED}
GUARDS_READY_TIMEOUT = 60.0
MAX_LISTED_NAMES = 4096  # tool names kept to say what an unknown one may have meant
# The protocol's requests that reach the only upstream without a handler of their own: they carry no
# value a guard judges (a task's status and result are screened on the way back). Any other is refused.
UNGOVERNED = frozenset({"tasks/get", "tasks/result", "tasks/list", "tasks/cancel", "subscriptions/listen"})
DRAIN_GRACE = 5.0  # seconds the answers in flight get once the client's input has ended
MAX_HELD = 1000  # server messages kept for a client that has not said it is initialized
MAX_INPUT_ROUNDS = 8  # input_required rounds mcp-guard answers for a handshake client, per request


def _handshake_answer(result: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """An upstream's initialize result as a handshake-era client may have it: a server spoken to in
    the 2026-07-28 era (opened for a `server/discover` probe that the client then fell back from, or
    one that speaks only the new revision) is translated, so the client gets the handshake version it
    asked for (or the latest this proxy speaks), never one it cannot speak."""
    if result.get("protocolVersion") not in eras.MODERN_VERSIONS:
        return result
    asked = params.get("protocolVersion")
    return {**result, "protocolVersion": asked if asked in eras.HANDSHAKE_VERSIONS else eras.LATEST_HANDSHAKE}


def _well_formed(upstream: str, kind: ListKind, items: list[Any]) -> list[Any]:
    """The items of an upstream's list that have the protocol's shape (the same list when all do); each other is
    dropped with a log line: it would break the guards' reading of the list, and every upstream's with it."""
    kind_of = kinds.BY_RESULT_KEY[kind]
    why = [kinds.malformed(kind_of, item) for item in items]
    if not any(why):
        return items
    for reason in filter(None, why):
        log.warning("upstream %r lists %s: not listed", upstream, reason[:200])
    return [item for item, bad in zip(items, why, strict=True) if not bad]


def _params(msg: Message) -> dict[str, Any]:
    params = msg.get("params")
    if params is None:
        return {}
    if not isinstance(params, dict):  # jsonrpc.parse refuses these already; a guard for other channels
        raise InvalidParams("params must be an object")
    return params


def _hashable_id(value: Any) -> RequestId | None:
    """A request id or progress token usable as a key (anything else matches nothing)."""
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


class Relay:
    def __init__(
        self,
        client: Channel,
        config: Config,
        upstream_names: list[str],
        guards: GuardChain,
        session: SessionInfo,
        *,
        audit: AuditSink | None = None,
        holds: HeldApprovals | None = None,
        extra_env: Callable[[str], dict[str, str | None]] | None = None,
        started: dict[str, ChildProcess] | None = None,
        connect: Callable[..., UpstreamConnection] | None = None,
        telemetry: Telemetry | None = None,
        resumed: bool = False,
    ) -> None:
        self.client = client
        self._resumed = resumed  # a session opened on another replica: its start is already recorded
        self.config = config
        self.guards = guards
        self.session = session
        self._audit = audit
        # Every decision on a call, a read or a server's message toward the model is the gate's.
        self.gate = CallGate(guards, session, link=self, asker=self, audit=audit, holds=holds)
        self.router = Router(upstream_names, config.proxy.separator)
        self._listed_tools: set[str] = set()  # tool names the client was shown (bounded), for an unknown name's error
        self.upstreams: dict[str, UpstreamConnection] = {
            name: (connect or UpstreamConnection)(
                name, config.upstreams[name], config.proxy,
                on_message=self._from_upstream, prepare_launch=guards.prepare_launch,
                on_restarted=self._upstream_restarted,
                extra_env=extra_env(name) if extra_env else None,
            )
            for name in upstream_names
        }
        for name, process in (started or {}).items():
            self.upstreams[name].adopt(process)
        if len(self.upstreams) == 1:  # no other upstream waits: a first npx/uvx install may take its time
            for up in self.upstreams.values():
                if up.config.init_timeout is None:
                    up.init_timeout = max(up.init_timeout, INIT_TIMEOUT)
        self._tg: anyio.abc.TaskGroup | None = None
        self._initialized = False  # the client sent notifications/initialized
        self._held: list[tuple[Message, bytes | None, RequestId | None]] = []
        self._initialize_seen = False
        self._start_facts: dict[str, Any] | None = None  # the session's start, until it is recorded
        self.era: str | None = None  # "handshake" or "modern" (2026-07-28), fixed by the client's first request
        self._handshake_asked = False  # an initialize has arrived (bare requests wait for it, never skip it)
        self._listens: dict[RequestId, dict[str, bool]] = {}  # the client's subscriptions/listen streams
        # questions put in input_required results -> the call they are about, and its other inputs
        self._asked: dict[str, tuple[str, dict[str, Any] | None]] = {}
        self._upstreams_started = anyio.Event()  # set when initialize has started every upstream (or failed)
        self._guards_started = False
        self._guards_ready = anyio.Event()
        self._refreshing: dict[str, anyio.Event] = {}  # upstream -> set when its list refresh is done
        self._relisting: dict[tuple[str, ListKind], bool] = {}  # refresh running -> another one asked for
        # Client requests being served: their task (cancelled if the client cancels) and upstream.
        self._inflight: dict[RequestId, tuple[asyncio.Task[None], str | None]] = {}
        self._progress: dict[Any, RequestId] = {}  # progress token -> client request id
        self._ids = itertools.count(1)
        self._server_requests: dict[str, tuple[str, RequestId]] = {}  # our id -> (upstream, its id)
        self._judged: dict[str, tuple[RequestId | None, str]] = {}  # our request id -> (the call it is for, method)
        self._client_requests: dict[str, asyncio.Future[Message]] = {}
        self._handlers: dict[str, Callable[[Message, bytes | None], Awaitable[Response]]] = {
            "initialize": self._initialize,
            "ping": self._ping,
            "tools/call": self._tools_call,
            "prompts/get": self._by_name,
            "resources/read": self._by_uri,
            "resources/subscribe": self._by_uri,
            "resources/unsubscribe": self._by_uri,
            "completion/complete": self._completion,
            "logging/setLevel": self._set_level,
            "server/discover": self._discover,
            "subscriptions/listen": self._listen,
            **{m: self._list for m in LISTS},
        }
        if telemetry is not None:  # a span and an outcome per call (metrics, traces)
            self._handlers["tools/call"] = telemetry.observed(self._tools_call)

    # -- main loop -------------------------------------------------------------------------------

    @property
    def none_started(self) -> list[str]:
        """Why each upstream failed to start, when none of them did (else empty)."""
        failed = [up.failure for up in self.upstreams.values() if up.failure and not up.init_result]
        return failed if len(failed) == len(self.upstreams) else []

    async def run(self) -> None:
        """Serve the client until it goes away; then end every upstream."""
        try:
            async with anyio.create_task_group() as tg:
                self._tg = tg
                for up in self.upstreams.values():
                    tg.start_soon(up.prelaunch)
                if await self._read_client():
                    await self._drain_requests()
                await self._cancel_requests()
                tg.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await self._cancel_requests()
                for up in self.upstreams.values():
                    await up.aclose()
                await self.guards.on_session_end(self.session)
                if self._audit and self.session.client_info:
                    await self._audit.record("session.end", self.session.id, {})

    async def _drain_requests(self) -> None:
        """The client's input ended: answers still on their way are written (a client that pipes one
        request and closes its input expects its answer), for a bounded time."""
        tasks = [task for task, _ in self._inflight.values()]
        if not tasks:
            return
        if not self._upstreams_started.is_set():
            # Their answers wait on servers still starting (npx may be fetching one): starting is bounded
            # by the servers' own initialize timeout, so the grace counts from when they are up.
            with anyio.move_on_after(max(up.init_timeout for up in self.upstreams.values())):
                await self._upstreams_started.wait()
        with anyio.move_on_after(DRAIN_GRACE):
            await asyncio.wait(tasks)
        if unanswered := sum(not task.done() for task in tasks):
            log.warning("the client's input ended; %d request(s) still unanswered %g s later are dropped",
                        unanswered, DRAIN_GRACE)

    async def _read_client(self) -> bool:
        """Read the client until its input ends (True: answers can still be written) or it is gone."""
        assert self._tg is not None
        while True:
            try:
                msg, raw = await self.client.receive()
            except MalformedMessage as bad:
                log.error("client sent a bad message: %s", bad.reason)
                await self._send_client(jsonrpc.error(bad.request_id, bad.code, bad.message), None)
                continue
            except anyio.EndOfStream:
                return True
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                return False
            method = msg.get("method")
            if method is None:
                self._client_answered(msg)
            elif "id" in msg:
                # A plain asyncio task: a request is the hot path, and anyio's start_soon costs more.
                task = asyncio.get_running_loop().create_task(self._serve_request(msg, raw))
                self._inflight[msg["id"]] = (task, None)
            else:
                try:
                    await self._client_notification(msg, raw)
                except Exception:  # a notification has no answer: a bad one is logged, never fatal
                    log.exception("mcp-guard failed on the client's %s", method)

    async def _cancel_requests(self) -> None:
        tasks = [task for task, _ in self._inflight.values()]
        self._inflight.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _serve_request(self, msg: Message, raw: bytes | None) -> None:
        """Answer one client request; a request the client cancelled is not answered."""
        rid = msg["id"]
        method = msg["method"]
        response: Response = None
        try:
            env = eras.envelope_of(msg)
            if method == "initialize":
                self._handshake_asked = True  # the handshake: its handler answers for both eras
            elif env is not None or method == "server/discover" or self.era == "modern":
                await self._modern_request(msg, env)
            elif method != "ping" and not self._handshake_asked:
                # Neither enveloped nor after initialize: also after a server/discover that committed no
                # era (the client may still fall back to initialize), a bare request opens nothing.
                raise NotInitialized(f"{method} before initialize: send initialize first")
            elif method != "ping" and not self._upstreams_started.is_set():
                await self._upstreams_started.wait()  # a client that did not wait for the answer
            handler = self._handlers.get(method, self._forward_default)
            response = await handler(msg, raw)
        except ProtocolError as err:
            response = jsonrpc.error(rid, err.code, err.message, err.data), None
        except Exception as err:  # a bug must cost one request, never the session
            log.exception("mcp-guard failed on %s", msg["method"])
            response = jsonrpc.error(rid, jsonrpc.INTERNAL_ERROR, f"mcp-guard internal error: {err}"), None
        self._inflight.pop(rid, None)
        if response is not None:
            if self.era == "modern":
                response = eras.complete(*response)
            await self._send_client(*response)

    async def _send_client(self, msg: Message, raw: bytes | None = None, related: RequestId | None = None) -> None:
        try:
            await self.client.send(msg, raw, related)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, MalformedMessage) as err:
            log.debug("could not send to the client: %s", err)

    # -- client notifications and answers --------------------------------------------------------

    async def _client_notification(self, msg: Message, raw: bytes | None) -> None:
        method = msg["method"]
        if method == "notifications/initialized":
            self._initialized = True
            for up in self.upstreams.values():
                up.client_initialized = True
                # A 2026-07-28 server has no session to confirm. One whose initialize is still on its way
                # (a client that did not wait for the answer) is told by its connection once it has
                # answered: a server hears `initialized` after its own answer, and once.
                if up.era != "modern" and up.opened:
                    await up.notify(msg, raw)
            self._start_guards()
            held, self._held = self._held, []
            for h in held:
                await self._send_client(*h)
        elif method == "notifications/cancelled":
            rid = _hashable_id(_params(msg).get("requestId"))
            if rid is None:
                return
            task, upstream = self._inflight.pop(rid, (None, None))
            if upstream is not None:
                await self.upstreams[upstream].notify(msg, raw)
            if task is not None:
                task.cancel()
        else:  # roots/list_changed and anything else: every upstream hears it
            for up in self.upstreams.values():
                await up.notify(msg, raw)

    def _client_answered(self, msg: Message) -> None:
        rid = msg.get("id")
        fut = self._client_requests.pop(rid, None) if isinstance(rid, str) else None
        if fut is not None:
            if not fut.done():
                fut.set_result(msg)
            return
        target = self._server_requests.pop(rid, None) if isinstance(rid, str) else None
        if target is None:
            log.debug("client answered unknown request %r", rid)
            return
        upstream, original = target
        assert self._tg is not None
        judged = self._judged.pop(rid, None)
        result = msg.get("result")
        if judged is not None and isinstance(result, dict):
            self._tg.start_soon(self._judged_answer, upstream, original, result, *judged)
            return
        self._tg.start_soon(self.upstreams[upstream].notify, {**msg, "id": original})

    def _answer_judged(self, method: str) -> bool:
        """Whether a handshake client's answer to a server's `method` is judged like a call's
        arguments. Only an elicitation is answered by a person (the client's form): where the
        client's answers count as the person's word (`[intent] ask = "client"`: they approve held
        calls) it passes as such; where they do not (`ask = "person"`) it is the agent's. A sampling
        answer is the client's model writing, and roots are the client's: always judged. (A
        2026-07-28 retry's inputResponses are always judged: the agent may send them unasked.)"""
        return method != "elicitation/create" or self.config.intent.ask == "person"

    async def _judged_answer(self, upstream: str, original: RequestId, result: dict[str, Any],
                             rid: RequestId | None, method: str) -> None:
        """A handshake-era client's answer to the server's request during a call reaches the server
        with that call: the gate judges it like the call's arguments (as a 2026-07-28 retry's
        inputResponses are); outside any call (`rid` None), on its own. It is withheld from the server,
        with its reason, unless allowed."""
        decision = await self.gate.judge_answer(rid, {method.split("/")[0]: result}, upstream=upstream, method=method)
        # The reason names what was withheld: it goes to the audit log, never to the server.
        answer: Message = {"jsonrpc": "2.0", "id": original, "result": result} \
            if decision is None or decision.allowed else \
            jsonrpc.error(original, jsonrpc.REFUSED, "mcp-guard withheld the client's answer to this "
                          f"{method} ({decision.guard}: {decision.rule}; see the audit log)")
        await self.upstreams[upstream].notify(answer)

    async def _prepare_guards(self) -> None:
        try:
            # Guards read what a server says of itself and list it, so only after its initialize: a client
            # that pipelines `initialized` gets here while that is still on its way. (One restarting by
            # then is prepared by `_upstream_restarted`; one that never opened has nothing to prepare.)
            await self._upstreams_started.wait()
            for up in self.upstreams.values():
                if up.opened:
                    await self.guards.on_upstream_ready(self.session, up)
        except Exception:
            log.exception("a guard failed while preparing")
        finally:
            self._guards_ready.set()

    def _start_guards(self) -> None:
        if not self._guards_started:
            self._guards_started = True
            assert self._tg is not None
            self._tg.start_soon(self._prepare_guards)

    async def _wait_guards(self) -> None:
        """Requests that guards govern wait until every guard has seen the upstreams."""
        self._start_guards()  # also for a client that never sends notifications/initialized
        if not self._guards_ready.is_set():
            with anyio.move_on_after(GUARDS_READY_TIMEOUT):
                await self._guards_ready.wait()

    # -- upstream messages -----------------------------------------------------------------------

    async def _from_upstream(self, up: UpstreamConnection, msg: Message, raw: bytes | None) -> None:
        """A request or notification from an upstream. Runs on its reader: must not wait on it."""
        try:
            await self._upstream_message(up, msg, raw)
        except Exception:  # one bad message costs that message, never the upstream's reader
            log.exception("mcp-guard failed on %s from upstream %r", msg.get("method"), up.name)

    async def _upstream_message(self, up: UpstreamConnection, msg: Message, raw: bytes | None) -> None:
        method = msg["method"]
        if "id" in msg:
            if self.era == "modern" and method in eras.SERVER_REQUESTS:
                log.warning("refused %s from upstream %r: the client speaks 2026-07-28", method, up.name)
                await up.notify(jsonrpc.error(msg["id"], jsonrpc.METHOD_NOT_FOUND, (
                    f"mcp-guard: the client speaks 2026-07-28, which has no {method} requests from servers")))
                return
            needed = undeclared(method, _params(msg), self.session.client_capabilities)
            if needed is not None:
                await up.notify(jsonrpc.error(msg["id"], jsonrpc.METHOD_NOT_FOUND,
                                              f"the client did not declare the {needed!r} capability"))
                return
            screened = await self.gate.screen(up.name, msg)
            if screened is None:
                await up.notify(jsonrpc.error(msg["id"], jsonrpc.REFUSED, f"mcp-guard withheld this {method} request"))
                return
            if method == "elicitation/create":
                screened = {**screened, "params": server_question(up.name, screened.get("params"))}
            our_id = self._new_id()
            self._server_requests[our_id] = (up.name, msg["id"])
            related = self._latest_request_to(up.name)
            if self._answer_judged(method):
                if related in self.gate.calls:
                    self._judged[our_id] = (related, method)
                elif method != "roots/list":  # roots are the client application's, not the agent's writing
                    self._judged[our_id] = (None, method)  # an answer outside any call: judged on its own
            await self._to_client({**screened, "id": our_id}, None, related)
            return
        params = _params(msg)
        if method in LIST_CHANGED:
            if (up.name, LIST_CHANGED[method]) in self._relisting:  # one refresh at a time: a flood of
                self._relisting[(up.name, LIST_CHANGED[method])] = True  # these costs two re-lists, not N
                return
            self._relisting[(up.name, LIST_CHANGED[method])] = False
            self._refreshing[up.name] = anyio.Event()
            assert self._tg is not None
            self._tg.start_soon(self._list_changed, up, LIST_CHANGED[method], method)
            return
        related: RequestId | None = None
        if method != "notifications/cancelled":  # logs, progress, any other text toward the model
            screened = await self.gate.screen(up.name, msg)
            if screened is None:
                return
            if screened is not msg:
                msg, raw = screened, None
        if method == "notifications/progress":
            token = _hashable_id(params.get("progressToken"))
            related = self._progress.get(token) if token is not None else None
        elif method == "notifications/cancelled":
            rid = _hashable_id(params.get("requestId"))
            ours = next((k for k, v in self._server_requests.items() if v == (up.name, rid)), None)
            if ours is None:
                return
            self._server_requests.pop(ours, None)
            msg, raw = {**msg, "params": {**params, "requestId": ours}}, None
        else:
            related = self._latest_request_to(up.name)
        await self._to_client(msg, raw, related)

    async def _to_client(self, msg: Message, raw: bytes | None, related: RequestId | None) -> None:
        """Send a server-initiated message, held until the client has said it is initialized."""
        if self.era == "modern" and msg.get("method") in eras.LISTEN_METHODS:
            await self._to_listeners(msg["method"])
            return
        if not self._initialized:
            if len(self._held) >= MAX_HELD:
                dropped = self._held[0][0].get("method")
                log.warning("client has not sent notifications/initialized: dropping %s", dropped)
                del self._held[0]
            self._held.append((msg, raw, related))
        else:
            await self._send_client(msg, raw, related)

    async def _list_changed(self, up: UpstreamConnection, kind: ListKind, method: str) -> None:
        done, key = self._refreshing[up.name], (up.name, kind)
        try:
            again = True
            while again:  # list_changed that came during a refresh: once more, for all of them
                self._relisting[key] = False
                try:
                    await self.guards.on_list_changed(self.session, up, kind)
                except Exception:
                    log.exception("a guard failed on %s list_changed from %r", kind, up.name)
                again = self._relisting.get(key, False)
        finally:
            self._relisting.pop(key, None)
            done.set()
        # Only the news that the list changed: what the server put beside it (params, _meta) is its own
        # text toward the model, unreviewed, and the re-listed items are what the client will see.
        await self._to_client(jsonrpc.notification(method), None, None)

    async def _upstream_restarted(self, up: UpstreamConnection) -> None:
        """A restarted server may be another version: guards look again, and the client relists."""
        self._refreshing[up.name] = done = anyio.Event()
        try:
            await self.guards.on_upstream_ready(self.session, up)
        except Exception:
            log.exception("a guard failed after %r restarted", up.name)
        finally:
            done.set()
        if "tools" in up.capabilities:
            await self._to_client(jsonrpc.notification("notifications/tools/list_changed"), None, None)

    def _latest_request_to(self, upstream: str) -> RequestId | None:
        for rid, (_, target) in reversed(self._inflight.items()):
            if target == upstream:
                return rid
        return None

    def _new_id(self) -> str:
        return f"mcp-guard-{next(self._ids)}"

    # -- requests --------------------------------------------------------------------------------

    def _only(self) -> UpstreamConnection | None:
        return next(iter(self.upstreams.values())) if not self.router.namespaced else None

    async def _send_up(self, up: UpstreamConnection, msg: Message, raw: bytes | None) -> tuple[Message, bytes | None]:
        """Forward a request the gate does not own; its answer is inspected like any server's."""
        resp, rraw = await self.forward(up, msg, raw)
        return await self.gate.inspect_answer(up.name, msg["method"], msg["id"], resp, rraw, request=msg)

    async def forward(self, up: UpstreamConnection, msg: Message, raw: bytes | None,
                      rounds: int = 0, while_sent: Callable[[], object] | None = None) -> tuple[Message, bytes | None]:
        """Send a client request to `up` and return its answer: progress and cancellation of the
        request are routed to it meanwhile (the gate's `Link`; `while_sent` runs once the request has
        left). A 2026-07-28 server's questions (`input_required`) are put to a handshake-era client
        here, the era's translation."""
        rid = msg["id"]
        if rid in self._inflight:
            self._inflight[rid] = (self._inflight[rid][0], up.name)
        meta = _params(msg).get("_meta")
        token = _hashable_id(meta.get("progressToken")) if isinstance(meta, dict) else None
        if token is not None:
            self._progress[token] = rid
        try:
            resp, rraw = await up.forward(msg, raw, while_waiting=while_sent)
        finally:
            if token is not None:
                self._progress.pop(token, None)
        result = resp.get("result")
        if self.era == "modern" and isinstance(result, dict) and result.get("resultType") == "input_required":
            resp, rraw = {**resp, "result": servers_questions(up.name, result)}, None
        if self.era == "handshake" and isinstance(result, dict) and result.get("resultType") == "input_required":
            resp, rraw = await self.gate.inspect_answer(up.name, msg["method"], rid, resp, rraw, request=msg)
            result = resp.get("result")
            if isinstance(result, dict) and result.get("resultType") == "input_required":
                return await self._inputs_from_client(up, msg, result, rounds)
        return resp, rraw

    async def _inputs_from_client(self, up: UpstreamConnection, msg: Message, asked: dict[str, Any],
                                  rounds: int) -> tuple[Message, bytes | None]:
        """A 2026-07-28 server's `input_required` result for a handshake-era client: that client takes
        the server requests the result stands for, so mcp-guard puts each to it, as it would a
        handshake server's (held to the client's capabilities and screened already), and retries the
        request with the answers and the server's `requestState`. The answers of a call are judged like
        its arguments first; every round's result passes the same checks."""
        rid = msg["id"]
        if rounds >= MAX_INPUT_ROUNDS:
            return jsonrpc.error(rid, jsonrpc.REFUSED, f"mcp-guard: upstream '{up.name}' asked for input "
                                 f"{MAX_INPUT_ROUNDS} times in a row; the request was given up"), None
        answers: dict[str, Any] = {}
        judged: dict[str, Any] = {}  # every answer but a person's elicitation one, where that is their word
        for key, request in asked.get("inputRequests", {}).items():
            try:
                shown = request.get("params") or {}
                if request["method"] == "elicitation/create":
                    shown = server_question(up.name, shown)
                answers[key] = await self.request_client(request["method"], shown, related=rid)
            except (jsonrpc.RemoteError, TimeoutError) as err:
                return jsonrpc.error(rid, jsonrpc.REFUSED, f"mcp-guard: the client could not answer upstream "
                                     f"'{up.name}''s {request['method']}: {err}"), None
            if self._answer_judged(request["method"]):
                judged[key] = answers[key]
        if judged:
            decision = await self.gate.judge_answer(rid, {"inputResponses": judged})
            if decision is not None and not decision.allowed:
                return jsonrpc.result(rid, jsonrpc.tool_error_result(
                    f"mcp-guard withheld the answers to upstream '{up.name}''s questions: {decision.reason}")), None
        params = {k: v for k, v in _params(msg).items() if k != "requestState"}
        params["inputResponses"] = answers
        if isinstance(asked.get("requestState"), str):
            params["requestState"] = asked["requestState"]
        return await self.forward(up, {**msg, "params": params}, None, rounds + 1)

    async def _forward_default(self, msg: Message, raw: bytes | None) -> Response:
        if msg["method"] not in UNGOVERNED:  # a method no guard knows carries values none has judged
            return jsonrpc.error(msg["id"], jsonrpc.METHOD_NOT_FOUND,
                                 f"mcp-guard: method {msg['method']!r} is not one it passes to a server"), None
        up = self._only()
        if up is None:
            return jsonrpc.error(msg["id"], jsonrpc.METHOD_NOT_FOUND,
                                 f"method {msg['method']!r} is not routed when several upstreams are served"), None
        return await self._send_up(up, {**msg, "params": passed_params(msg["method"], _params(msg))}, None)

    async def _ping(self, msg: Message, raw: bytes | None) -> Response:
        return jsonrpc.result(msg["id"], {}), None

    # -- the 2026-07-28 era -----------------------------------------------------------------------

    async def _modern_request(self, msg: Message, env: dict[str, Any] | None) -> None:
        """Check a request against the 2026-07-28 rules and open the session on the first one."""
        method = msg["method"]
        if env is None:
            if method == "ping":
                return
            raise EraRefused(jsonrpc.INVALID_PARAMS, f"mcp-guard: params._meta must carry {eras.VERSION_KEY!r} and "
                             f"{eras.CLIENT_CAPABILITIES_KEY!r} (this session speaks 2026-07-28)")
        if self.era == "handshake":
            raise EraRefused(jsonrpc.INVALID_REQUEST, "mcp-guard: this session was opened with initialize; "
                             "requests carrying the 2026-07-28 envelope are not accepted on it")
        version = env.get(eras.VERSION_KEY)
        if version not in eras.MODERN_VERSIONS:
            err = eras.unsupported(msg["id"], version, list(eras.MODERN_VERSIONS))["error"]
            raise EraRefused(err["code"], err["message"], err["data"])
        if method in eras.REMOVED_IN_MODERN:
            raise EraRefused(jsonrpc.METHOD_NOT_FOUND,
                             f"mcp-guard: 2026-07-28 has no {method}: {eras.REMOVED_IN_MODERN[method]}")
        if not self._initialize_seen:
            self._initialize_seen = True
            try:
                await self._open_stateless(env)
            finally:
                self._upstreams_started.set()
        elif not self._upstreams_started.is_set():  # anyio's wait() costs a loop turn even when set
            await self._upstreams_started.wait()
        # A probe that finds no upstream of the new era leaves the client free to fall back to
        # initialize, as it would directly; any other request commits the session (translated).
        if self.era is None and (method != "server/discover" or
                                 any(up.era == "modern" for up in self.upstreams.values())):
            await self._commit_modern(env)

    async def _open_stateless(self, env: dict[str, Any]) -> None:
        assert self._tg is not None
        info, capabilities = eras.client_of(env)
        await self._begin_session(info, capabilities, None)
        for up in self.upstreams.values():
            self._tg.start_soon(lambda up=up: up.run(None, envelope=env))
        for up in self.upstreams.values():
            await up.era_known.wait()

    async def _commit_modern(self, env: dict[str, Any]) -> None:
        if self.era is None:
            self.era = "modern"
            self._initialized = True  # no notifications/initialized in this era: nothing is held
            info, capabilities = eras.client_of(env)
            # clientInfo is optional in the envelope but required by initialize: the proxy names itself then.
            info = info if isinstance(info.get("name"), str) else {"name": "mcp-guard", "version": __version__}
            handshake = {"protocolVersion": eras.LATEST_HANDSHAKE, "capabilities": capabilities, "clientInfo": info}
            for up in self.upstreams.values():
                if up.era != "modern":  # a handshake-only server: an initialize session, kept for the process
                    up.client_initialized = True  # confirmed right after initialize: no client will say it
                    up.provide_handshake(handshake)
            await self._record_start(eras.LATEST_MODERN)
        for up in self.upstreams.values():
            await up.started.wait()

    async def _discover(self, msg: Message, raw: bytes | None) -> Response:
        """`server/discover`, answered by the proxy: its upstreams' merged info and capabilities (as
        the guards let them through) and the versions it serves."""
        rid = msg["id"]
        running = [up for up in self.upstreams.values() if up.running]
        if not running:
            reasons = "; ".join(up.failure or f"upstream '{up.name}' did not start" for up in self.upstreams.values())
            return jsonrpc.error(rid, jsonrpc.UPSTREAM_UNAVAILABLE, reasons), None
        if self.era == "handshake" and any(up.era == "modern" for up in running):
            return jsonrpc.error(rid, jsonrpc.METHOD_NOT_FOUND, "mcp-guard: this session was opened with "
                                 "initialize; it speaks the handshake era"), None
        if self.era != "modern":
            return jsonrpc.error(rid, jsonrpc.METHOD_NOT_FOUND, "mcp-guard: the upstream servers speak the "
                                 "initialize handshake only; send initialize"), None
        results = [await self.guards.filter_initialize(self.session, up, up.init_result) for up in running]
        opened = results[0] if not self.router.namespaced else self._merged_init(
            {}, list(zip(running, results, strict=True)))
        result: dict[str, Any] = {
            "supportedVersions": list(eras.MODERN_VERSIONS), "capabilities": opened["capabilities"],
            "resultType": "complete", "ttlMs": 0, "cacheScope": "private",
            "_meta": {eras.SERVER_INFO_KEY: opened["serverInfo"]},
        }
        if opened.get("instructions"):
            result["instructions"] = opened["instructions"]
        return jsonrpc.result(rid, result), None

    async def _listen(self, msg: Message, raw: bytes | None) -> Response:
        """`subscriptions/listen`, served by the proxy: change notifications reach the client only
        after the guards have refreshed (a list that changed may hold a rug pull). The stream lives
        until the client cancels the request or goes away. Resource updates are not honoured."""
        if self.era != "modern":
            return await self._forward_default(msg, raw)
        rid = msg["id"]
        wanted = _params(msg).get("notifications")
        wanted = wanted if isinstance(wanted, dict) else {}
        honored = {flag: True for flag in eras.LIST_CHANGED_FLAGS.values() if wanted.get(flag) is True}
        self._listens[rid] = honored
        try:
            await self._send_client(jsonrpc.notification("notifications/subscriptions/acknowledged", {
                "notifications": honored, "_meta": {eras.SUBSCRIPTION_ID_KEY: rid}}), None, rid)
            await asyncio.get_running_loop().create_future()  # until cancelled
        finally:
            self._listens.pop(rid, None)
        return None

    async def _to_listeners(self, method: str) -> None:
        flag = eras.LIST_CHANGED_FLAGS.get(method)
        for rid, honored in list(self._listens.items()):
            if flag is not None and honored.get(flag):
                await self._send_client(jsonrpc.notification(method, {"_meta": {eras.SUBSCRIPTION_ID_KEY: rid}}),
                                        None, rid)

    # -- the handshake era -----------------------------------------------------------------------

    async def _initialize(self, msg: Message, raw: bytes | None) -> Response:
        assert self._tg is not None
        if self.era == "modern":
            return eras.unsupported(msg["id"], _params(msg).get("protocolVersion"), list(eras.MODERN_VERSIONS)), None
        if self._initialize_seen and self.era == "handshake":
            return jsonrpc.error(msg["id"], jsonrpc.INVALID_REQUEST, "mcp-guard: initialize was already sent"), None
        self.era = "handshake"
        if self._initialize_seen:  # upstreams were opened for a server/discover that found none of the new era
            params = _params(msg)
            info, capabilities = params.get("clientInfo"), params.get("capabilities")
            self.session.client_info = info if isinstance(info, dict) else {}
            self.session.client_capabilities = capabilities if isinstance(capabilities, dict) else {}
            await self._record_start("handshake")  # the era the session runs, not its probe's
            for up in self.upstreams.values():
                up.provide_handshake(params)
            return await self._opened(msg["id"], params, [up for up in self.upstreams.values() if up.running or
                                                          not up.started.is_set()])
        self._initialize_seen = True
        try:
            return await self._start_upstreams(msg)
        finally:
            self._upstreams_started.set()

    async def _begin_session(self, info: Any, capabilities: Any, era: str | None) -> None:
        """`era` None: a `server/discover` probe opened the session, and the client may still fall back
        to initialize; the start is recorded once the era is known (`_record_start`)."""
        self.session.client_info = info if isinstance(info, dict) else {}
        self.session.client_capabilities = capabilities if isinstance(capabilities, dict) else {}
        self._start_facts = await self.guards.on_session_start(self.session)
        if era is not None:
            await self._record_start(era)

    async def _record_start(self, era: str) -> None:
        if self._audit and self._start_facts is not None:
            facts, self._start_facts = self._start_facts, None  # once
            await self._audit.record("session.resume" if self._resumed else "session.start", self.session.id, {
                "intent": self.session.intent, "profile": self.session.profile,
                "client": self.session.client_info, "upstreams": list(self.upstreams), "era": era, **facts,
            })

    async def _start_upstreams(self, msg: Message) -> Response:
        assert self._tg is not None
        params = _params(msg)
        await self._begin_session(params.get("clientInfo"), params.get("capabilities"), "handshake")
        async with anyio.create_task_group() as starting:
            for up in self.upstreams.values():
                starting.start_soon(self._tg.start, up.run, params)
        return await self._opened(msg["id"], params, list(self.upstreams.values()))

    async def _opened(self, rid: RequestId, params: dict[str, Any], ups: list[UpstreamConnection]) -> Response:
        """The initialize answer once the upstreams have started (or failed)."""
        for up in ups:
            await up.started.wait()
        running = [up for up in self.upstreams.values() if up.running]
        if not running:
            reasons = "; ".join(up.failure or f"upstream '{up.name}' did not start" for up in self.upstreams.values())
            return jsonrpc.error(rid, jsonrpc.UPSTREAM_UNAVAILABLE, reasons), None
        results = [_handshake_answer(await self.guards.filter_initialize(self.session, up, up.init_result), params)
                   for up in running]
        if not self.router.namespaced:
            return jsonrpc.result(rid, results[0]), None
        return jsonrpc.result(rid, self._merged_init(params, list(zip(running, results, strict=True)))), None

    def _merged_init(self, params: dict[str, Any],
                     running: list[tuple[UpstreamConnection, dict[str, Any]]]) -> dict[str, Any]:
        versions = {result.get("protocolVersion") for _, result in running} - {None}
        version = params.get("protocolVersion") if versions == {params.get("protocolVersion")} else min(versions)
        capabilities: dict[str, Any] = {}
        for _, opened in running:  # the filtered answers: no text of a server's inside its capabilities
            caps = opened.get("capabilities")
            for key, value in (caps if isinstance(caps, dict) else {}).items():
                if isinstance(value, dict):
                    merged = capabilities.setdefault(key, {})
                    for flag, on in value.items():
                        merged[flag] = merged.get(flag) or on
                else:
                    capabilities.setdefault(key, value)
        instructions = "\n\n".join(
            f"## {up.name}\n{result['instructions']}" for up, result in running if result.get("instructions")
        )
        result: dict[str, Any] = {
            "protocolVersion": version,
            "capabilities": capabilities,
            "serverInfo": {"name": "mcp-guard", "version": __version__},
        }
        if instructions:
            result["instructions"] = instructions
        failed = [up.failure for up in self.upstreams.values() if not up.running and up.failure]
        if failed:
            result["instructions"] = (result.get("instructions", "") + "\n\nUnavailable: " + "; ".join(failed)).strip()
        return result

    async def _list(self, msg: Message, raw: bytes | None) -> Response:
        kind, key = LISTS[msg["method"]]
        await self._wait_guards()
        rid = msg["id"]
        params = _params(msg)
        up = self._only()
        if up is not None:  # one upstream: its own cursors, its own response where nothing is hidden
            await self._wait_refresh(up.name)
            resp, rraw = await self._send_up(up, msg, raw)
            result = resp.get("result")
            if "result" not in resp:  # an error
                return resp, rraw
            if not isinstance(result, dict) or not isinstance(result.get(key), list):
                return jsonrpc.error(rid, jsonrpc.INTERNAL_ERROR,
                                     f"mcp-guard: the upstream's answer to {msg['method']} holds no {key} list"), None
            items = result[key]
            kept = await self.guards.filter_list(self.session, up, kind, _well_formed(up.name, kind, items))
            # Only the reviewed items and the cursor pass: anything else the server adds to its list
            # (`_meta`, words of its own) is fingerprinted nowhere, so it could change after approval.
            cursor = result.get("nextCursor")
            plain = result.keys() <= {key, "nextCursor"} and (cursor is None or isinstance(cursor, str))
            if kept is items and plain and resp.keys() <= {"jsonrpc", "id", "result"} and self.era != "modern":
                return resp, rraw
            result = {key: kept, **({"nextCursor": cursor} if isinstance(cursor, str) else {})}
            return jsonrpc.result(rid, eras.uncached_list(result) if self.era == "modern" else result), None

        # Upstreams are read in order into one page; an upstream that paginates ends the page, and
        # the proxy's cursor says where to go on (which upstream, with which of its cursors).
        index, cursor = decode_cursor(params.get("cursor"))
        names = list(self.upstreams)
        items_out: list[dict[str, Any]] = []
        next_token: str | None = None
        while index < len(names):
            up = self.upstreams[names[index]]
            if not up.running or CAPABILITY_OF_LIST[kind] not in up.capabilities:
                index, cursor = index + 1, None
                continue
            await self._wait_refresh(up.name)
            try:
                page = await up.request(msg["method"], {"cursor": cursor} if cursor else None)
            except (jsonrpc.RemoteError, UpstreamUnavailable) as err:  # one upstream failing hides only its own
                log.warning("upstream %r: %s failed: %s", up.name, msg["method"], err)
                index, cursor = index + 1, None
                continue
            listed = page.get(key)
            listed = _well_formed(up.name, kind, listed) if isinstance(listed, list) else []
            items = await self.guards.filter_list(self.session, up, kind, listed)
            items_out.extend(self._expose(up.name, kind, items))
            cursor = page.get("nextCursor")
            if isinstance(cursor, str) and cursor:
                next_token = encode_cursor(index, cursor)
                break
            index += 1
        result: dict[str, Any] = {key: items_out}
        if next_token:
            result["nextCursor"] = next_token
        return jsonrpc.result(rid, eras.uncached_list(result) if self.era == "modern" else result), None

    def _expose(self, upstream: str, kind: ListKind, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            if kind in ("tools", "prompts"):
                out.append({**item, "name": self.router.expose(upstream, item.get("name", ""))})
                if kind == "tools" and len(self._listed_tools) < MAX_LISTED_NAMES:
                    self._listed_tools.add(out[-1]["name"])  # what an unknown name may have meant
            elif kind == "resources":
                if self.router.claim_uri(upstream, item.get("uri", "")):
                    out.append(item)
                else:
                    log.error("resource %r of %r is also served by another upstream; not listed",
                              item.get("uri"), upstream)
            else:
                self.router.claim_template(upstream, item.get("uriTemplate", ""))
                out.append(item)
        return out

    async def _wait_refresh(self, upstream: str) -> None:
        """Wait for the guards' re-list after a list_changed; a request is refused, never judged
        against the old definitions, while the new ones are still unknown."""
        event = self._refreshing.get(upstream)
        if event is not None and not event.is_set():
            with anyio.move_on_after(GUARDS_READY_TIMEOUT):
                await event.wait()
            if not event.is_set():
                raise UpstreamUnavailable(
                    f"mcp-guard: upstream {upstream!r} said its list changed and has not answered the new "
                    f"listing within {GUARDS_READY_TIMEOUT:.0f} s; its current definitions are unknown, so the "
                    "request is refused (try again later)")

    def _target(self, name: Any) -> tuple[UpstreamConnection, str] | None:
        if not isinstance(name, str):
            return None
        found = self.router.resolve(name)
        if found is None or found[0] not in self.upstreams:
            return None
        return self.upstreams[found[0]], found[1]

    @staticmethod
    def _renamed(msg: Message, params: dict[str, Any], key: str, value: Any) -> Message:
        return {**msg, "params": {**params, key: value}}

    async def _tools_call(self, msg: Message, raw: bytes | None) -> Response:
        """Route a tools/call to its upstream; the gate owns the rest of its life."""
        params = _params(msg)
        name = params.get("name")
        arguments = params.get("arguments", {})
        target = self._target(name)
        if not isinstance(arguments, dict):
            reason = f"tools/call arguments must be an object, not {type(arguments).__name__}"
            await self._refused(target, name, {"(arguments)": arguments}, reason)
            raise InvalidParams(reason)
        if target is None:
            why = self.router.unknown(name, self._listed_tools) if isinstance(name, str) else f"Unknown tool: {name}"
            await self._refused(None, name, arguments, why)
            return jsonrpc.error(msg["id"], jsonrpc.INVALID_PARAMS, why), None
        up, tool = target
        await self._wait_guards()
        try:
            await self._wait_refresh(up.name)
        except UpstreamUnavailable as err:
            await self._refused(target, name, arguments, err.reason)
            raise
        return await self.gate.tools_call(msg, up, tool)

    async def _refused(self, target: tuple[UpstreamConnection, str] | None, name: Any, arguments: dict[str, Any],
                       reason: str) -> None:
        """A call refused before the gate is recorded all the same: the attempt and what it would send."""
        if self._audit is not None:
            up, tool = (target[0].name, target[1]) if target else ("", str(name))
            call = ToolCall(self.session, up, tool, str(name), arguments)
            await self._audit.call("call", call, Decision("deny", reason, "relay", "refused"))

    async def ask(self, call: ToolCall, decision: Decision, request_id: RequestId,
                  reply: tuple[str, Any] | None) -> Decision | dict[str, Any] | None:
        """The gate's `Asker`: with `[intent] ask = "client"`, an elicitation to a handshake-era client
        that declared it, or a question in band to a 2026-07-28 one; None: no person can be asked here."""
        if self.config.intent.ask != "client":
            return None
        if self.era == "modern":
            return self._ask_in_band(call, decision, reply)
        if "elicitation" not in self.session.client_capabilities:
            return None
        try:
            answer = await self.request_client("elicitation/create", {
                "message": _question(call, decision),
                "requestedSchema": {
                    "type": "object",
                    "properties": {"approve": {"type": "boolean", "title": "Allow this call?"}},
                    "required": ["approve"],
                },
            }, related=request_id)
        except (jsonrpc.RemoteError, TimeoutError) as err:
            return Decision("deny", f"{decision.reason} (could not ask the person: {err})",
                            decision.guard, decision.rule)
        return _answered(answer, decision)

    def _ask_in_band(self, call: ToolCall, decision: Decision,
                     reply: tuple[str, Any] | None) -> Decision | dict[str, Any] | None:
        """An "ask" for a 2026-07-28 client, which takes no requests: the call is answered with an
        `input_required` result carrying the question, and the client's retry carries the answer.
        The proxy keeps what was asked (the state the client returns is only a key to it), so an
        answer is good for the very call it was asked about, once. None: the client did not
        declare elicitation (the gate holds the call for a person instead)."""
        asked = eras.fingerprint(call.exposed_name, call.arguments, call.inputs)
        if reply is not None and reply[0] in self._asked and self._asked[reply[0]][0] == asked:
            del self._asked[reply[0]]  # an answer counts once, and only for the call it was asked about
            return _answered(reply[1], decision)
        _, capabilities = eras.client_of(call.meta or {})  # this request's own capabilities
        if "elicitation" not in capabilities:
            return None
        if len(self._asked) >= MAX_HELD:
            self._asked.pop(next(iter(self._asked)))
        token = eras.new_state()
        self._asked[token] = (asked, call.inputs)
        return eras.question(_question(call, decision), token)

    def asked_inputs(self, state: str) -> dict[str, Any]:
        """The other inputs (the server's inputResponses and requestState) of the call a question of
        ours was about: a retry answering it carries only our state and answer, so they are kept here."""
        entry = self._asked.get(state)
        return dict(entry[1] or {}) if entry is not None else {}

    async def request_client(self, method: str, params: dict[str, Any], *, related: RequestId | None = None,
                             timeout: float = 600.0) -> dict[str, Any]:
        """A request of the proxy's own to the client (elicitation); raises RemoteError on an error."""
        our_id = self._new_id()
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._client_requests[our_id] = fut
        try:
            await self._send_client(jsonrpc.request(our_id, method, params), None, related)
            with anyio.fail_after(timeout):
                answer = await fut
        finally:
            self._client_requests.pop(our_id, None)
        if "error" in answer:
            raise jsonrpc.RemoteError(answer["error"])
        return answer.get("result") or {}

    async def _by_name(self, msg: Message, raw: bytes | None) -> Response:
        params = _params(msg)
        target = self._target(params.get("name"))
        if target is None:
            return jsonrpc.error(msg["id"], jsonrpc.INVALID_PARAMS, f"Unknown prompt: {params.get('name')}"), None
        up, name = target
        await self._wait_guards()
        await self._wait_refresh(up.name)
        resp, rraw = await self.gate.read(self._renamed(msg, params, "name", name), up, "prompt", name)
        if self.era == "modern" and isinstance(resp.get("result"), dict):
            return {**resp, "result": eras.uncached_list(resp["result"])}, None  # review can withdraw a prompt too
        return resp, rraw

    async def _by_uri(self, msg: Message, raw: bytes | None) -> Response:
        params = _params(msg)
        uri = params.get("uri")
        upstream = self.router.route_uri(uri) if isinstance(uri, str) else None
        if upstream is None:
            return jsonrpc.error(msg["id"], jsonrpc.INVALID_PARAMS, f"Unknown resource: {uri}"), None
        up = self.upstreams[upstream]
        if msg["method"] == "resources/unsubscribe":  # reaches no content: not judged, its own keys only
            return await self._send_up(up, {**msg, "params": passed_params(msg["method"], params)}, None)
        await self._wait_guards()
        await self._wait_refresh(upstream)
        resp, rraw = await self.gate.read({**msg, "params": params}, up, "resource", uri)  # type: ignore[arg-type]
        if self.era == "modern" and msg["method"] == "resources/read" and isinstance(resp.get("result"), dict):
            return {**resp, "result": eras.uncached_list(resp["result"])}, None  # review can withdraw it too
        return resp, rraw

    async def _completion(self, msg: Message, raw: bytes | None) -> Response:
        """Completion reveals what a prompt or resource takes: refused for held items like a read."""
        params = _params(msg)
        ref = params.get("ref")
        if not isinstance(ref, dict):
            raise InvalidParams("completion/complete needs a ref object")
        if ref.get("type") == "ref/prompt":
            target = self._target(ref.get("name"))
            if target is None:
                return jsonrpc.error(msg["id"], jsonrpc.INVALID_PARAMS, f"Unknown prompt: {ref.get('name')}"), None
            up, name = target
            kind: ReadKind = "prompt"
            ref = {**ref, "name": name}
        elif ref.get("type") == "ref/resource" and isinstance(ref.get("uri"), str):
            upstream = self.router.route_uri(ref["uri"])
            if upstream is None:
                return jsonrpc.error(msg["id"], jsonrpc.INVALID_PARAMS, f"Unknown resource: {ref.get('uri')}"), None
            up, name, kind = self.upstreams[upstream], ref["uri"], "resource"
        else:
            raise InvalidParams("completion/complete ref must be ref/prompt with a name or ref/resource with a uri")
        await self._wait_guards()
        await self._wait_refresh(up.name)
        return await self.gate.read(self._renamed(msg, params, "ref", ref), up, kind, name)

    async def _set_level(self, msg: Message, raw: bytes | None) -> Response:
        params = passed_params("logging/setLevel", _params(msg))
        up = self._only()
        if up is not None:
            return await self._send_up(up, {**msg, "params": params}, None)
        for up in self.upstreams.values():
            if up.running and "logging" in up.capabilities:
                try:
                    await up.request("logging/setLevel", params)
                except (jsonrpc.RemoteError, UpstreamUnavailable) as err:
                    log.warning("upstream %r refused logging/setLevel: %s", up.name, err)
        return jsonrpc.result(msg["id"], {}), None


def _question(call: ToolCall, decision: Decision) -> str:
    """The question put to a person: the guard's, then the whole call, every argument and every input
    judged with them, uncut. A yes lets all of it through, while a guard's question names only what it
    found wrong first (one value of several, or arguments cut short): the answer must cover exactly
    what the person was shown. Control and invisible characters (a bidi override) are written as escapes,
    so that what the person reads is what the server gets."""
    import json

    from mcp_guard.cli.literal import visible

    def shown(value: Any) -> str:
        return visible(json.dumps(value, ensure_ascii=False, default=str))

    text = OWN_QUESTION + (decision.question or decision.reason)
    text += f" The call to {call.exposed_name} sends: " + shown(call.arguments)
    if call.inputs:
        text += " It also carries these answers: " + shown(call.inputs)
    return text


# Who asks the person, said first: mcp-guard's own questions open with OWN_QUESTION, a server's with its
# name (`server_question`), so no server's text, however it copies ours, reads as mcp-guard asking.
OWN_QUESTION = "mcp-guard asks: "


def server_question(upstream: str, params: Any) -> Any:
    """A server's elicitation `params` as the person sees them: the message opens with the server's name."""
    if not isinstance(params, dict):
        return params
    message = params.get("message")
    return {**params, "message": f"The server '{upstream}' asks: {message if isinstance(message, str) else ''}"}


def servers_questions(upstream: str, result: dict[str, Any]) -> dict[str, Any]:
    """An `input_required` result with each of its elicitations' messages said to be the server's."""
    requests = result.get("inputRequests")
    if not isinstance(requests, dict):
        return result
    return {**result, "inputRequests": {
        key: {**r, "params": server_question(upstream, r.get("params"))}
        if isinstance(r, dict) and r.get("method") == "elicitation/create" else r
        for key, r in requests.items()}}


def _answered(answer: Any, decision: Decision) -> Decision:
    """A person's answer to an elicitation asking to allow a call, as a decision: only an accepted
    form saying `approve: true` is a yes; any other answer, of any shape, is a no."""
    content = answer.get("content") if isinstance(answer, dict) else None
    if isinstance(answer, dict) and answer.get("action") == "accept" \
            and isinstance(content, dict) and content.get("approve") is True:
        return Decision("allow", f"approved by the person: {decision.reason}", decision.guard,
                        f"person:{decision.rule}")
    return Decision("deny", f"the person did not approve: {decision.reason}", decision.guard,
                    f"person:{decision.rule}")
