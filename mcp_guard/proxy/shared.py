"""Upstreams shared by the sessions of `serve` (`share = "all"`): one process or HTTP connection,
many client sessions.

Each session's relay sees a `SharedView`, which looks like an `UpstreamConnection` of its own; all
views of one upstream go through one `SharedUpstream`, which multiplexes them on one real connection:

- a session's requests leave under ids of the hub's own (`share-N`), and so do their progress
  tokens, so two sessions using the same id or token never meet; answers, progress and
  cancellations are mapped back to the session that asked, and to no other;
- a request the server makes of the client (sampling, elicitation) goes to the session it belongs
  to: a server asks while handling a request, so the one session with requests in flight is the
  one it asks for; when several have, it is refused (never guessed). `roots/list` is refused: roots
  are a session's own, and a server keeps them;
- `list_changed` reaches every session (each session's guards relist); `resources/updated` only
  the sessions subscribed to that URI: subscriptions are counted per session, and the server is
  subscribed while any session is;
- tasks (`tasks/get`, `tasks/result`, `tasks/cancel`, status notifications) reach only the session
  whose request created them; `tasks/list` would list every session's and is refused;
- lists asked while the same list is on its way are answered with it (one request for all);
- log messages reach the one session with requests in flight, else none; `logging/setLevel` is
  answered by the proxy and not passed on (one session would set the level for all);
- a crash fails every session's pending requests (each gets its own error) and restarts the
  server once for all; each session's guards look again, as after a restart of its own. What the
  old process asked (its server requests, the tasks it created) dies with it: each question still
  open is cancelled to its session, task ids are forgotten, and an answer is relayed only to the
  process that asked (its ids are the new process's too);
- a request that times out is followed by a `ping`: a server that does not answer that either is
  stuck for every session (a blocking tool, a deadlock), so it is ended and restarted as after a
  crash; one that answers (it serves requests concurrently) is left alone.

Guards, intent, review and audit stay per session: they run in each session's relay, which calls
the shared upstream only with what its own guards let through. The server itself is opened with
mcp-guard's own `initialize` (sampling and elicitation, no roots) and is told nothing of any
session beyond its requests. See the README for what may not be shared.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from mcp_guard import __version__
from mcp_guard.config import Config, UpstreamConfig
from mcp_guard.proxy import eras, jsonrpc
from mcp_guard.proxy.jsonrpc import Message, RemoteError, RequestId
from mcp_guard.proxy.upstream import OnMessage, PrepareLaunch, UpstreamConnection

log = logging.getLogger("mcp_guard.shared")

PROBE_WAIT = 5.0  # seconds a shared server has to answer the ping after a timeout (its call_timeout, if shorter)

# What a shared server is told of its client: mcp-guard itself. No roots: they are a session's own.
CLIENT_CAPABILITIES = {"sampling": {}, "elicitation": {"form": {}}}
# Client notifications a shared server never hears (roots are not offered; initialized is the hub's).
LISTS = frozenset({"tools/list", "prompts/list", "resources/list", "resources/templates/list"})
NOT_PASSED = frozenset({"notifications/initialized", "notifications/roots/list_changed"})


def _key(value: Any) -> RequestId | None:
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


class SharedUpstream:
    """One upstream server and the sessions it serves."""

    def __init__(self, name: str, config: Config, prepare_launch: PrepareLaunch,
                 env: dict[str, str | None], task_group: anyio.abc.TaskGroup) -> None:
        self.name = name
        self.config = config
        self._prepare_launch = prepare_launch
        self._env = env
        self._tg = task_group
        self.conn: UpstreamConnection | None = None
        self._running: anyio.Event | None = None  # set when the connection's run() has ended
        self.views: set[SharedView] = set()
        self._ids = itertools.count(1)
        self.requests: dict[str, tuple[SharedView, RequestId]] = {}  # our id -> the session's request
        self.tokens: dict[str, tuple[SharedView, Any]] = {}  # our progress token -> the session's
        # our id -> (the session asked, the server request's own id, the process that asked)
        self.asked: dict[str, tuple[SharedView, RequestId, int]] = {}
        self.subscribed: dict[str, set[SharedView]] = {}  # resource URI -> sessions subscribed
        self._listing: dict[tuple[str, Any], asyncio.Future[Message]] = {}  # lists being fetched now
        # task id -> (the session whose request created it, the process that created it)
        self.tasks: dict[str, tuple[SharedView, int]] = {}
        self._pending_tasks: set[asyncio.Task[Any]] = set()
        self._probing = False  # a ping after a timeout is on its way

    def new_id(self) -> str:
        return f"share-{next(self._ids)}"

    async def connection(self) -> UpstreamConnection:
        """The running connection, started (once, for all) if it is not; waits for its start."""
        if self.conn is None or (self._running is not None and self._running.is_set()):
            self._start()
        assert self.conn is not None
        await self.conn.started.wait()
        return self.conn

    def _start(self) -> None:
        cfg: UpstreamConfig = self.config.upstreams[self.name]
        conn = UpstreamConnection(self.name, cfg, self.config.proxy, on_message=self._route,
                                  prepare_launch=self._prepare_launch, on_restarted=self._restarted,
                                  extra_env=self._env)
        done = anyio.Event()
        if self.conn is not None:  # the last connection gave up: what its processes asked is void
            self._void("the server could not be restarted")
        self.conn, self._running = conn, done
        init = {"protocolVersion": eras.LATEST_HANDSHAKE, "capabilities": CLIENT_CAPABILITIES,
                "clientInfo": {"name": "mcp-guard", "version": __version__}}

        async def run() -> None:
            try:
                await conn.run(init)
            except Exception:  # a shared server must never end `serve` with it
                log.exception("shared upstream %r failed", self.name)
            finally:
                done.set()

        async def confirm() -> None:  # the handshake's last step, which no session will send
            await conn.started.wait()
            if conn.running and conn.era != "modern":
                conn.client_initialized = True  # a restart says it again by itself
                await conn.notify(jsonrpc.notification("notifications/initialized"))

        self._tg.start_soon(run)
        self._tg.start_soon(confirm)

    async def listed(self, conn: UpstreamConnection, method: str, cursor: Any) -> Message:
        """A list page, fetched once for all sessions that ask while it is on its way (100 sessions
        opening at once ask the same lists, and one server answers them one by one). Nothing is
        kept once the answer is in: the next list is asked again, so a change is seen as before."""
        key = (method, cursor)
        found = self._listing.get(key)
        if found is not None:
            return await asyncio.shield(found)
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._listing[key] = fut
        try:
            params = {"cursor": cursor} if cursor is not None else None
            generation = conn.generation
            resp, _ = await conn.forward(jsonrpc.request(self.new_id(), method, params))
            self.check(conn, generation, resp)
            fut.set_result(resp)
        except BaseException as err:
            fut.set_exception(err if isinstance(err, Exception) else RuntimeError("the list was not fetched"))
            fut.exception()  # retrieved: a failure no one else waited for is not logged
            raise
        finally:
            del self._listing[key]
        return resp

    def check(self, conn: UpstreamConnection, generation: int, resp: Message) -> None:
        """After an answer from process `generation`: a timeout starts a check that it is not stuck."""
        error = resp.get("error")
        if isinstance(error, dict) and error.get("code") == jsonrpc.UPSTREAM_TIMEOUT:
            self.spawn(self.timed_out(conn, generation))

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run a message send without waiting for it (from places that must not wait)."""
        task = asyncio.ensure_future(coro)
        self._pending_tasks.add(task)
        task.add_done_callback(self._pending_tasks.discard)

    # -- from the server -------------------------------------------------------------------------

    def _busy(self) -> list[SharedView]:
        """The sessions with requests in flight to this server."""
        return list({view for view, _ in self.requests.values()})

    async def _route(self, conn: UpstreamConnection, msg: Message, raw: bytes | None) -> None:
        method = msg["method"]
        params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
        if "id" in msg:
            await self._server_request(conn, msg)
            return
        if method == "notifications/progress":
            found = self.tokens.get(_key(params.get("progressToken")))  # type: ignore[arg-type]
            if found is not None:
                view, token = found
                await view.deliver({**msg, "params": {**params, "progressToken": token}}, None)
            return
        if method == "notifications/cancelled":  # the server gave up a request it made of a client
            rid = _key(params.get("requestId"))
            ours = next((k for k, (_, real, gen) in self.asked.items()
                         if real == rid and gen == conn.generation), None)
            if ours is not None:
                view, _, _ = self.asked.pop(ours)
                await view.deliver({**msg, "params": {**params, "requestId": ours}}, None)
            return
        task = params.get("taskId")
        if isinstance(task, str) and method.startswith("notifications/tasks/"):
            owner = self.tasks.get(task)
            if owner is not None and owner[1] == conn.generation:
                await owner[0].deliver(msg, raw)
            return
        if method.endswith("/list_changed"):
            for view in list(self.views):
                await view.deliver(msg, raw)
            return
        if method == "notifications/resources/updated":
            for view in list(self.subscribed.get(str(params.get("uri")), ())):
                await view.deliver(msg, raw)
            return
        busy = self._busy()  # a log message, or anything else: to the one session it can be about
        if len(busy) == 1:
            await busy[0].deliver(msg, raw)
        else:
            log.debug("shared upstream %r: %s with %d sessions busy: not delivered", self.name, method, len(busy))

    async def _server_request(self, conn: UpstreamConnection, msg: Message) -> None:
        method = msg["method"]
        busy = self._busy()
        why = None
        if method == "roots/list":
            why = "roots are each session's own, and this server is shared by all sessions"
        elif len(busy) != 1:
            why = (f"this server is shared, and {len(busy)} sessions have requests in flight: "
                   "the request cannot be given to the right one")
        if why is not None:
            log.warning("shared upstream %r: refused its %s: %s", self.name, method, why)
            await conn.notify(jsonrpc.error(msg["id"], jsonrpc.METHOD_NOT_FOUND, f"mcp-guard refused {method}: {why}"))
            return
        ours = self.new_id()
        self.asked[ours] = (busy[0], msg["id"], conn.generation)
        await busy[0].deliver({**msg, "id": ours}, None)

    def _void(self, why: str, current: int = -1) -> None:
        """Processes before `current` ended: the questions they asked are cancelled to the sessions
        asked (an answer would reach the next process under an id it may have given to another
        question), and the tasks they created are forgotten (their ids may be the next process's)."""
        for ours, (view, _, gen) in list(self.asked.items()):
            if gen != current:
                del self.asked[ours]
                self.spawn(view.deliver(jsonrpc.notification("notifications/cancelled", {
                    "requestId": ours, "reason": f"mcp-guard: {why}"}), None))
        for task, (_, gen) in list(self.tasks.items()):
            if gen != current:
                del self.tasks[task]

    async def timed_out(self, conn: UpstreamConnection, generation: int) -> None:
        """A request to process `generation` timed out: ping it; if it does not answer either, it is
        stuck for every session and is ended (pending requests fail) and restarted."""
        if self._probing or conn.generation != generation or not conn.running:
            return
        self._probing = True
        try:
            wait = min(PROBE_WAIT, conn.timeout)
            resp, _ = await conn.forward(jsonrpc.request(self.new_id(), "ping", None), None, wait)
            error = resp.get("error")
            if isinstance(error, dict) and error.get("code") == jsonrpc.UPSTREAM_TIMEOUT:
                await conn.abandon(generation, f"shared upstream '{self.name}' stopped answering (a request "
                                   f"timed out, then a ping did within {wait:g} s): ended, to be restarted")
        finally:
            self._probing = False

    async def _restarted(self, conn: UpstreamConnection) -> None:
        self._void("the server restarted", conn.generation)
        for uri in list(self.subscribed):  # the new process knows no subscriptions
            try:
                await conn.request("resources/subscribe", {"uri": uri})
            except Exception as err:  # noqa: BLE001 - one URI must not stop the others
                log.warning("shared upstream %r: could not subscribe to %s again: %s", self.name, uri, err)
        for view in list(self.views):
            if view.on_restarted is not None:
                self.spawn(view.on_restarted(view))

    def forget(self, view: SharedView) -> None:
        """A session ended: its subscriptions go, and server requests it will never answer are refused."""
        self.views.discard(view)
        for task, (owner, _) in list(self.tasks.items()):
            if owner is view:
                del self.tasks[task]
        conn = self.conn
        for uri, views in list(self.subscribed.items()):
            if view in views:
                views.discard(view)
                if not views:
                    del self.subscribed[uri]
                    if conn is not None and conn.running:
                        self.spawn(_quietly(conn.request("resources/unsubscribe", {"uri": uri})))
        for ours, (owner, real, gen) in list(self.asked.items()):
            if owner is view:
                del self.asked[ours]
                if conn is not None and gen == conn.generation:
                    self.spawn(conn.notify(jsonrpc.error(real, jsonrpc.UPSTREAM_UNAVAILABLE,
                                                         "mcp-guard: the session this request was for has ended")))


async def _quietly(aw: Awaitable[Any]) -> None:
    try:
        await aw
    except Exception as err:  # noqa: BLE001 - best effort on a session's way out
        log.debug("shared upstream: %s", err)


class SharedView:
    """One session's side of a shared upstream: what its relay and guards hold as the upstream."""

    def __init__(self, hub: SharedUpstream, *, on_message: OnMessage,
                 on_restarted: Callable[[Any], Awaitable[None]] | None = None) -> None:
        self.hub = hub
        self.name = hub.name
        self.config = hub.config.upstreams[hub.name]
        settings = hub.config.proxy
        self.timeout = self.config.call_timeout or settings.call_timeout
        self.init_timeout = self.config.init_timeout or settings.init_timeout
        self.on_message = on_message
        self.on_restarted = on_restarted
        self.client_initialized = False  # the relay sets it; the hub confirms the handshake itself
        self.started = anyio.Event()
        self.era_known = anyio.Event()
        self._version: str | None = None  # the handshake version the session's client asked for
        self._mine: dict[RequestId, str] = {}  # the session's request id -> ours, while in flight
        self._closed = False
        hub.views.add(self)

    # -- what the relay and guards read ----------------------------------------------------------

    @property
    def _conn(self) -> UpstreamConnection | None:
        return self.hub.conn

    @property
    def running(self) -> bool:
        return self._conn is not None and self._conn.running and not self._closed

    @property
    def opened(self) -> bool:
        return self.running and self._conn is not None and self._conn.opened

    @property
    def _generation(self) -> int:
        return self._conn.generation if self._conn is not None else -1

    @property
    def failure(self) -> str | None:
        return self._conn.failure if self._conn is not None else None

    @property
    def era(self) -> str | None:
        return self._conn.era if self._conn is not None else None

    @property
    def server_info(self) -> dict[str, Any]:
        return self._conn.server_info if self._conn is not None else {}

    @property
    def capabilities(self) -> dict[str, Any]:
        return self._conn.capabilities if self._conn is not None else {}

    @property
    def instructions(self) -> str | None:
        return self._conn.instructions if self._conn is not None else None

    @property
    def init_result(self) -> dict[str, Any]:
        """The server's initialize result, in the version this session's client asked for when the
        server's is newer (the server was opened once, by mcp-guard, at the newest one)."""
        result = self._conn.init_result if self._conn is not None else {}
        theirs = result.get("protocolVersion")
        asked = self._version
        if asked in eras.HANDSHAKE_VERSIONS and theirs in eras.HANDSHAKE_VERSIONS \
                and eras.HANDSHAKE_VERSIONS.index(asked) < eras.HANDSHAKE_VERSIONS.index(theirs):
            return {**result, "protocolVersion": asked}
        return result

    # -- lifecycle -------------------------------------------------------------------------------

    async def run(self, init_params: dict[str, Any] | None, *, envelope: dict[str, Any] | None = None,
                  task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        if init_params is not None:
            self.provide_handshake(init_params)
        try:
            await self.hub.connection()
        finally:
            self.era_known.set()
            self.started.set()
            task_status.started()

    def provide_handshake(self, init_params: dict[str, Any]) -> None:
        version = init_params.get("protocolVersion")
        self._version = version if isinstance(version, str) else None

    async def prelaunch(self) -> None:
        """The session opened: start the server now if no session has yet."""
        self.hub.spawn(self.hub.connection())

    def adopt(self, process: Any) -> None:  # only `run` starts servers early, and it shares none
        process.discard()

    async def aclose(self) -> None:
        self._closed = True
        for hub_id in list(self._mine.values()):
            self._cancel_upstream(hub_id, "the session ended")
        self.hub.forget(self)

    # -- to the server ---------------------------------------------------------------------------

    async def forward(self, msg: Message, raw: bytes | None = None, timeout: float | None = None,
                      while_waiting: Callable[[], object] | None = None) -> tuple[Message, bytes | None]:
        rid = msg["id"]
        method = msg.get("method")
        if method == "logging/setLevel":
            return jsonrpc.result(rid, {}), None  # the level would be every session's: not passed on
        params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
        if method in ("resources/subscribe", "resources/unsubscribe"):
            local = self._subscription(rid, method, params)
            if local is not None:
                return local, None
        if isinstance(method, str) and method.startswith("tasks/"):
            # Tasks live in the server, named by ids it gave: a session reaches only its own.
            task = params.get("taskId")
            owner = self.hub.tasks.get(task) if isinstance(task, str) else None
            if method == "tasks/list" or owner is None or owner[0] is not self or owner[1] != self._generation:
                return jsonrpc.error(rid, jsonrpc.INVALID_PARAMS, f"mcp-guard: {method} reaches only tasks this "
                                     "session created (the server is shared by several sessions)"), None
        conn = await self.hub.connection()
        if method in LISTS and set(params) <= {"cursor"}:
            resp = await self.hub.listed(conn, method, params.get("cursor"))
            return {**resp, "id": rid}, None
        if rid in self._mine:
            return jsonrpc.error(rid, jsonrpc.INVALID_REQUEST, f"request id {rid!r} is already in use"), None
        ours = self.hub.new_id()
        meta = params.get("_meta")
        token = _key(meta.get("progressToken")) if isinstance(meta, dict) else None
        if token is not None:
            self.hub.tokens[ours] = (self, meta["progressToken"])  # type: ignore[index]
            params = {**params, "_meta": {**meta, "progressToken": ours}}  # type: ignore[dict-item]
        sent = {**msg, "id": ours, "params": params} if "params" in msg or token is not None else {**msg, "id": ours}
        self._mine[rid] = ours
        self.hub.requests[ours] = (self, rid)
        generation = conn.generation
        try:
            resp, _ = await conn.forward(sent, None, timeout or self.timeout, while_waiting)
        except asyncio.CancelledError:
            self._cancel_upstream(ours, "the client cancelled the request")
            raise
        finally:
            self._mine.pop(rid, None)
            self.hub.requests.pop(ours, None)
            self.hub.tokens.pop(ours, None)
        self.hub.check(conn, generation, resp)
        if "error" in resp and method == "resources/subscribe":
            self._unsubscribed(params.get("uri"))
        result = resp.get("result")
        task = result.get("task") if isinstance(result, dict) else None
        if isinstance(task, dict) and isinstance(task.get("taskId"), str) and conn.generation == generation:
            self.hub.tasks[task["taskId"]] = (self, generation)  # a task this session's request created
        return {**resp, "id": rid}, None

    def _subscription(self, rid: RequestId, method: str, params: dict[str, Any]) -> Message | None:
        """Per-session subscriptions: the server hears the first subscribe and the last unsubscribe
        of a URI; the others are answered here."""
        uri = params.get("uri")
        if not isinstance(uri, str):
            return None
        views = self.hub.subscribed.setdefault(uri, set()) if method == "resources/subscribe" \
            else self.hub.subscribed.get(uri, set())
        if method == "resources/subscribe":
            first = not views
            views.add(self)
            return None if first else jsonrpc.result(rid, {})
        if self not in views:
            return jsonrpc.result(rid, {})
        views.discard(self)
        if views:
            return jsonrpc.result(rid, {})
        self.hub.subscribed.pop(uri, None)
        return None

    def _unsubscribed(self, uri: Any) -> None:
        views = self.hub.subscribed.get(uri) if isinstance(uri, str) else None
        if views is not None:
            views.discard(self)
            if not views:
                del self.hub.subscribed[uri]

    def _cancel_upstream(self, ours: str, reason: str) -> None:
        conn = self._conn
        if conn is not None and ours in self.hub.requests:
            self.hub.requests.pop(ours, None)
            self.hub.spawn(conn.notify(jsonrpc.notification("notifications/cancelled",
                                                            {"requestId": ours, "reason": f"mcp-guard: {reason}"})))

    def translated(self, msg: Message, raw: bytes | None) -> tuple[Message, bytes | None]:
        return self._conn.translated(msg, raw) if self._conn is not None else (msg, raw)

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A request of the proxy's own (guards' lists); `logging/setLevel` stays here."""
        if method == "logging/setLevel":
            return {}
        conn = await self.hub.connection()
        if method in LISTS and set(params or {}) <= {"cursor"}:
            resp = await self.hub.listed(conn, method, (params or {}).get("cursor"))
            if "error" in resp:
                raise RemoteError(resp["error"] if isinstance(resp["error"], dict) else {"message": "invalid error"})
            result = resp.get("result")
            if not isinstance(result, dict):
                raise RemoteError({"code": jsonrpc.INTERNAL_ERROR, "message": f"{method}: the result is not an object"})
            return result
        return await conn.request(method, params)

    async def notify(self, msg: Message, raw: bytes | None = None) -> None:
        """The session's notifications and its answers to the server's requests, mapped to the hub's ids."""
        conn = self._conn
        if conn is None or self._closed:
            return
        method = msg.get("method")
        if method is None:  # an answer to a server request: only to one that was put to this session
            found = self.hub.asked.get(msg.get("id")) if isinstance(msg.get("id"), str) else None
            if found is None or found[0] is not self or found[2] != conn.generation:
                # Never to another process: it may have given the same id to another session's question.
                log.debug("shared upstream %r: an answer to no open request of this session", self.name)
                return
            del self.hub.asked[msg["id"]]
            await conn.notify({**msg, "id": found[1]})
        elif method == "notifications/cancelled":
            params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
            ours = self._mine.get(_key(params.get("requestId")))  # type: ignore[arg-type]
            if ours is not None and ours in self.hub.requests:
                self.hub.requests.pop(ours, None)
                await conn.notify({**msg, "params": {**params, "requestId": ours}})
        elif method not in NOT_PASSED:
            log.debug("shared upstream %r: the session's %s is not passed on", self.name, method)

    # -- from the server -------------------------------------------------------------------------

    async def deliver(self, msg: Message, raw: bytes | None) -> None:
        if not self._closed:
            await self.on_message(self, msg, raw)  # type: ignore[arg-type]


class SharedUpstreams:
    """The upstreams of one `serve` process that are shared (`share = "all"`). They are started with
    `serve` (a session then waits for none), live until it ends, and restart after a crash."""

    def __init__(self, config: Config, prepare_launch: PrepareLaunch,
                 env: Callable[[str], dict[str, str | None]], task_group: anyio.abc.TaskGroup) -> None:
        self._hubs = {name: SharedUpstream(name, config, prepare_launch, env(name), task_group)
                      for name, up in config.upstreams.items() if up.share == "all"}

    def start(self, names: list[str]) -> None:
        for name in names:
            hub = self._hubs.get(name)
            if hub is not None:
                hub.spawn(hub.connection())

    def connect(self, name: str, config: UpstreamConfig, settings: Any, *, on_message: OnMessage,
                prepare_launch: PrepareLaunch, on_restarted: Any = None,
                extra_env: dict[str, str | None] | None = None) -> UpstreamConnection | SharedView:
        """What a relay opens for upstream `name`: a view of the shared one, or a connection of its own."""
        hub = self._hubs.get(name)
        if hub is None:
            return UpstreamConnection(name, config, settings, on_message=on_message, prepare_launch=prepare_launch,
                                      on_restarted=on_restarted, extra_env=extra_env)
        return SharedView(hub, on_message=on_message, on_restarted=on_restarted)

    def hub(self, name: str) -> SharedUpstream | None:
        return self._hubs.get(name)
