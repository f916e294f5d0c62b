"""`mcp-guard serve`: downstream clients over streamable HTTP (`/mcp`) and SSE (`/sse`).

The SDK's per-session transports do the HTTP work (SSE framing, session ids, Host/Origin checks);
each session's message streams are handed to a relay of its own, which opens that client's own
upstream connections. Loopback only by default; any other address needs a bearer token.

Nothing is started for a request that has not proved itself: a session begins only with a
well-formed `initialize` request within the body limit, from a credential under its session limits.
Each session answers only to the credential that opened it, and ends (with its servers) when idle.
A handshake-era session is also recorded in the store, so another replica can rebuild it
(`handshake_sessions`); 2026-07-28 requests need no session (`stateless`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import sys
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from mcp_guard.config import Config
from mcp_guard.errors import ConfigError
from mcp_guard.guards.base import SessionInfo
from mcp_guard.intent.sessions import BoundIntent, SessionError, resolve_token, tokens_live
from mcp_guard.proxy.channels import StreamChannel
from mcp_guard.proxy.handshake_sessions import (
    OpeningChannel,
    ResumeChannel,
    SessionRecord,
    SessionRecords,
    new_session_id,
)
from mcp_guard.proxy.runner import Proxy, new_session
from mcp_guard.proxy.stateless import StatelessSessions, is_stateless

log = logging.getLogger("mcp_guard.http")

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
MAX_GUARD_STATES = 4096  # credentials whose guard state is kept (see SessionLimits.guard_state)
MAX_GIVEN_UP = 4096  # ids of sessions ended under the session limits, remembered here (the store has all)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_secret(value: str | None) -> str | None:
    """A setting given as "env:NAME" is read from the environment (so it stays out of the file)."""
    if value and value.startswith("env:"):
        found = os.environ.get(value[4:])
        if not found:
            raise ConfigError(f"serve.token names environment variable {value[4:]}, which is not set")
        return found
    return value


def security_settings(config: Config, port: int) -> Any:
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*",
               "http://127.0.0.1", "http://localhost", "http://[::1]"]
    host = config.serve.host
    if not is_loopback(host) and host not in ("0.0.0.0", "::"):
        hosts += [host, f"{host}:*"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts + config.serve.allowed_hosts,
        allowed_origins=origins + config.serve.allowed_origins,
    )


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


@dataclass
class _Open:
    client: str  # the credential, or the address of a client without one
    end: Callable[[], None] | None  # ends the session and its servers (None: only its connection can)
    busy: int = 0  # POSTs being answered
    last: float = field(default_factory=time.monotonic)


MAX_REPLICAS = 16  # `serve` replicas on one store whose sessions at their limits can all be rebuilt elsewhere


class SessionLimits:
    """Sessions open now, by the client they belong to (a credential, or an address without one).

    A client at its limit that opens another session gives up the one it used least recently among
    those not answering a request (a client that abandons sessions without ending them is not locked
    out, and their servers do not pile up); only when all are busy is it refused. The total is a
    hard limit."""

    def __init__(self, total: int, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self._open: dict[str, _Open] = {}
        # The guards' state of each `session start` session, shared by every HTTP session and the
        # stateless relay its token opens, and of the stateless relay of the static token or of no
        # token (budgets and what the session has seen carry across them, and outlive a relay ended
        # for another session). The least recently used go past `MAX_GUARD_STATES`.
        self._guard_state: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def guard_state(self, key: str, fresh: dict[str, Any]) -> dict[str, Any]:
        """The guards' state kept for `key` (a credential), or `fresh`, kept from now on."""
        state = self._guard_state.setdefault(key, fresh)
        self._guard_state.move_to_end(key)
        while len(self._guard_state) > MAX_GUARD_STATES:
            self._guard_state.popitem(last=False)
        return state

    def claim(self, session: str, client: str, end: Callable[[], None] | None = None) -> Response | None:
        """Count a new session in, or the response that refuses it. Never awaits: check and count are one step."""
        mine = [(o.last, key) for key, o in self._open.items() if o.client == client]
        if len(mine) >= self.per_client:
            idle = [(last, key) for last, key in mine if self._open[key].busy == 0 and self._open[key].end]
            if not idle:
                return _http_error(429, f"mcp-guard: this client already has {self.per_client} sessions busy; "
                                        "end one (DELETE /mcp) or wait for one to finish")
            _, key = min(idle)
            log.info("client at its session limit: ending its least recently used session %s", key)
            ending = self._open.pop(key).end
            assert ending is not None
            ending()
        if len(self._open) >= self.total:
            return _http_error(503, f"mcp-guard: too many sessions open ({self.total}); try again later")
        self._open[session] = _Open(client, end)
        return None

    def release(self, session: str) -> None:
        self._open.pop(session, None)

    @contextlib.contextmanager
    def answering(self, session: str) -> Iterator[None]:
        """A request of `session` is being answered: it is in use, and not to be ended for another."""
        found = self._open.get(session)
        if found is None:
            yield
            return
        found.busy += 1
        try:
            yield
        finally:
            found.busy -= 1
            found.last = time.monotonic()


class _Endpoint:
    """Common checks of every route: Host/Origin (DNS rebinding), the bearer token, the body size."""

    def __init__(self, proxy: Proxy, security: Any, token: str | None, limits: SessionLimits) -> None:
        from mcp.server.transport_security import TransportSecurityMiddleware

        self.proxy = proxy
        self.security = TransportSecurityMiddleware(security)
        self.token = token
        self.limits = limits
        self.max_body = proxy.config.serve.max_body_bytes
        self.body_timeout = proxy.config.serve.socket_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        refused, bound = await self.admit(request)
        if refused is not None:
            await refused(scope, receive, send)
            return
        credential = self.credential(request, bound)
        body: bytes | None = None
        if request.method == "POST":
            try:
                body = await read_body(request, receive, self.max_body, self.body_timeout)
            except BodyTooSlow:
                await _http_error(408, f"mcp-guard: the request body did not arrive within {self.body_timeout:g} s "
                                       "(serve.socket_timeout)", close=True)(scope, receive, send)
                return
            except BodyTooLarge:
                await _http_error(413, f"mcp-guard: request body exceeds the limit of {self.max_body} bytes "
                                       "(serve.max_body_bytes)")(scope, receive, send)
                return
            except anyio.EndOfStream:
                return  # the client went away mid-body
            receive = _replay(body, receive)
        await self.serve(request, bound, credential, body, scope, receive, send)

    async def serve(self, request: Request, bound: BoundIntent | None, credential: str | None, body: bytes | None,
                    scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError

    def credential(self, request: Request, bound: BoundIntent | None) -> str | None:
        """Who a request speaks for: its intent session, the static serve token, or nobody."""
        if bound is not None:
            return f"session:{bound.session_id}"
        return "serve-token" if self.token is not None else None

    @staticmethod
    def client_key(request: Request, credential: str | None) -> str:
        return credential or f"address:{request.client.host if request.client else 'unknown'}"

    def session_info(self, bound: BoundIntent | None, stable: str | None = None) -> SessionInfo:
        """Every session gets the configured default profile and intent unless its token names its own.
        `stable`: the credential of 2026-07-28 requests, whose session id is then derived from it, so
        every replica on a shared store serves them as one session (held calls, budgets, audit)."""
        intent = self.proxy.config.intent
        if bound is None:
            if stable is None:
                return new_session(intent.text, intent.default_profile)
            session = new_session(intent.text, intent.default_profile,
                                  "c-" + hashlib.sha256(stable.encode()).hexdigest()[:24])
            session.state = self.limits.guard_state(stable, session.state)
            return session
        session = new_session(bound.intent, bound.profile or intent.default_profile, bound.session_id)
        session.state = self.limits.guard_state(f"session:{bound.session_id}", session.state)
        return session

    async def admit(self, request: Request) -> tuple[Response | None, BoundIntent | None]:
        """Refuse a request (DNS rebinding, missing or bad token), or admit it with the intent its
        session token is bound to (`mcp-guard session start`); the static serve.token binds none."""
        refused = await self.security.validate_request(request, is_post=False)
        if refused is not None:
            return refused, None
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        bearer = bearer.strip() if scheme.lower() == "bearer" else ""
        if not bearer:
            if self.token:
                return _unauthorized("a bearer token is required"), None
            # Without serve.token a tokenless request runs under the config's intent and default
            # profile; while session tokens are live that would let an agent escape its token's
            # (narrower) profile, budget and taint by leaving the token out. So it is refused then.
            if await self._store_call(tokens_live):
                return _unauthorized("a bearer token is required while `mcp-guard session start` tokens "
                                     "are live on this database (see `mcp-guard session end`)"), None
            return None, None
        if self.token is not None and hmac.compare_digest(bearer.encode(), self.token.encode()):
            return None, None
        try:
            return None, await self._store_call(resolve_token, bearer)
        except SessionError as err:
            return _unauthorized(err.message), None

    async def _store_call(self, fn: Callable[..., Any], *args: Any) -> Any:
        store = self.proxy.store
        if store.dialect == "sqlite":  # a local read: on the loop it costs microseconds
            return fn(store, *args)
        return await anyio.to_thread.run_sync(fn, store, *args)  # a network round trip


async def read_body(request: Request, receive: Receive, limit: int, timeout: float) -> bytes:
    """The whole body, refused (BodyTooLarge) as soon as it is known to exceed `limit`, and
    (BodyTooSlow) when it has not all arrived `timeout` seconds after its headers: a client that
    stalls mid-body must not hold a connection (and a `max_connections` slot) for ever."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge
    with anyio.move_on_after(timeout):
        return await _read_chunks(receive, limit)
    raise BodyTooSlow


async def _read_chunks(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise anyio.EndOfStream
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then whatever the connection says next."""
    given = False

    async def replay() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay  # type: ignore[return-value]


def initialize_problem(request: Request, body: bytes) -> Response | None:
    """Why a POST that would open a session is not a well-formed `initialize` request, if it is not."""
    from mcp.server.streamable_http import check_accept_headers

    if not request.headers.get("content-type", "").lower().startswith("application/json"):
        return _http_error(415, "Unsupported Media Type: Content-Type must be application/json")
    has_json, has_sse = check_accept_headers(request)
    if not (has_json and has_sse):
        return _http_error(406, "Not Acceptable: Client must accept both application/json and text/event-stream")
    try:
        msg = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError; nesting beyond the stack too
        return _http_error(400, "Parse error: the body is not JSON", code=-32700)
    rid = msg.get("id") if isinstance(msg, dict) else None
    if not isinstance(rid, str | int) or isinstance(rid, bool):
        rid = None
    if (not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0" or rid is None
            or not isinstance(msg.get("method"), str)):
        return _http_error(400, "Bad Request: expected one JSON-RPC request")
    params = msg.get("params")
    if msg["method"] != "initialize":
        return _http_error(400, f"Bad Request: no session; {msg['method']} needs one: start it with initialize",
                           rid=rid)
    if (not isinstance(params, dict) or not isinstance(params.get("protocolVersion"), str)
            or not isinstance(params.get("capabilities", {}), dict)
            or not isinstance(params.get("clientInfo", {}), dict)):
        return _http_error(400, "Invalid params: initialize needs protocolVersion, capabilities and clientInfo",
                           code=-32602, rid=rid)
    return None


def _http_error(status: int, message: str, *, code: int = -32600, rid: str | int | None = None,
                close: bool = False) -> Response:
    return JSONResponse({"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}},
                        status_code=status, headers={"Connection": "close"} if close else None)


def _unauthorized(why: str) -> Response:
    return JSONResponse({"error": "invalid_token", "error_description": why}, status_code=401,
                        headers={"WWW-Authenticate": 'Bearer realm="mcp-guard"'})


class StreamableHTTPEndpoint(_Endpoint):
    """Handshake-era sessions live in the process serving them and in the store for every replica
    (`handshake_sessions`): a request for a session this replica does not hold rebuilds it here."""

    def __init__(self, proxy: Proxy, security: Any, token: str | None, limits: SessionLimits) -> None:
        super().__init__(proxy, security, token, limits)
        self.security_settings = security
        self.sessions: dict[str, Any] = {}
        self.owners: dict[str, str | None] = {}  # HTTP session -> the credential that opened it
        serve = proxy.config.serve  # the limits are each replica's: room in the store for 16 replicas at theirs
        self.records = SessionRecords(proxy.store, serve.idle_timeout, serve.max_sessions_per_client,
                                      MAX_REPLICAS * serve.max_sessions)
        self._given_up: OrderedDict[str, None] = OrderedDict()  # sessions ended here under the session limits
        self.task_group: anyio.abc.TaskGroup | None = None
        self.stateless = StatelessSessions(proxy.serve_session, proxy.config.proxy.max_message_bytes, limits,
                                           max_streams=serve.max_streams_per_client, audit=proxy.audit)

    async def serve(self, request: Request, bound: BoundIntent | None, credential: str | None, body: bytes | None,
                    scope: Scope, receive: Receive, send: Send) -> None:
        session_id = request.headers.get("mcp-session-id")
        if session_id is not None:
            found = await self._find(request, bound, credential, session_id)
            if found is None or isinstance(found, Response):
                await (found or _http_error(404, "Session not found"))(scope, receive, send)
                return
            if request.method == "POST":
                with self.limits.answering(session_id):
                    await found.handle_request(scope, receive, send)
            else:
                await found.handle_request(scope, receive, send)
            if found.is_terminated:
                self.sessions.pop(session_id, None)
            return
        if request.method != "POST" or body is None:
            await _http_error(400, "Bad Request: no session; start one with an initialize POST")(scope, receive, send)
            return
        stateless = self._stateless(request, bound, credential, body)
        if stateless is not None:
            await (await stateless)(scope, receive, send)
            return
        problem = initialize_problem(request, body)
        if problem is not None:
            await problem(scope, receive, send)
            return
        new_id = new_session_id()
        opening = (bound.session_id if bound is not None else None, json.loads(body)["params"])
        started = await self._start(request, new_id, credential, self.session_info(bound), None, opening)
        if isinstance(started, Response):
            await started(scope, receive, send)
            return
        with self.limits.answering(new_id):
            await started.handle_request(scope, receive, send)

    async def _find(self, request: Request, bound: BoundIntent | None, credential: str | None,
                    session_id: str) -> Any:
        """The transport of `session_id` for this request (held here, or rebuilt from the store), a
        response that answers it instead, or None: no such session of this credential (unknown, ended,
        idle past the timeout, or another credential's), answered 404 so the client re-initialises."""
        transport = self.sessions.get(session_id)
        if transport is not None:
            if self.owners.get(session_id) != credential:
                return None  # a session answers only to the credential that opened it
            try:
                if request.method == "DELETE":  # ended everywhere, then here by its transport
                    await self.records.call(self.records.end, session_id, credential)
                elif not await self.records.call(self.records.alive, session_id):
                    log.info("session %s was ended on another replica: ending it here", session_id)
                    self._end_here(session_id)
                    return None
            except self.proxy.store.Error as err:  # the store's word is missed: the session goes on
                log.warning("cannot reach the session store for session %s: %s", session_id, err)
            return transport
        if session_id in self._given_up:  # (before the store says so: its write may still be on its way)
            return None
        try:
            if request.method == "DELETE":  # a replica holding it drops it at its next request
                ended = await self.records.call(self.records.end, session_id, credential)
                return Response(None, 200, {"content-type": "application/json", "mcp-session-id": session_id}
                                ) if ended else None  # (what the SDK's transport answers)
            record = await self.records.call(self.records.find, session_id, credential)
        except self.proxy.store.Error as err:
            log.warning("cannot look session %s up in the store: %s", session_id, err)
            return None
        if record is None:
            return None
        transport = self.sessions.get(session_id)  # rebuilt meanwhile for a concurrent request
        if transport is not None:
            return transport if self.owners.get(session_id) == credential else None
        # Its guards' session as it was opened: the token's session, else the id recorded for it.
        intent = self.proxy.config.intent
        info = (self.session_info(bound) if bound is not None
                else new_session(intent.text, intent.default_profile, record.session_id))
        if info.id != record.session_id or record.intent_session != (bound.session_id if bound else None):
            return None  # (the owner hash already says so: a second look costs nothing)
        log.info("rebuilding session %s, opened on another replica", session_id)
        return await self._start(request, session_id, credential, info, record)

    async def _start(self, request: Request, session_id: str, credential: str | None, info: SessionInfo,
                     record: SessionRecord | None, opening: tuple[str | None, dict[str, Any]] | None = None) -> Any:
        """A transport and relay for the session, counted against the client's session limits, or
        the response refusing it. `record`: rebuilt from it; `opening`: a new session (its intent
        session and initialize params), recorded in the store before anything answers it, since the
        client's next request may go to another replica."""
        from mcp.server.streamable_http import StreamableHTTPServerTransport

        transport = StreamableHTTPServerTransport(
            mcp_session_id=session_id, security_settings=self.security_settings,
            idle_timeout=self.proxy.config.serve.idle_timeout,
        )

        def end() -> None:  # given up for another session of its client: ended, on every replica
            self._given_up[session_id] = None
            while len(self._given_up) > MAX_GIVEN_UP:
                self._given_up.popitem(last=False)
            if transport.idle_scope is not None:
                transport.idle_scope.cancel()
            assert self.task_group is not None
            self.task_group.start_soon(self._end_everywhere, session_id)

        refused = self.limits.claim(session_id, self.client_key(request, credential), end)
        if refused is not None:
            return refused
        try:
            if opening is not None:
                await self.records.call(self.records.open, session_id, credential, info.id, *opening)
            assert self.task_group is not None
            self.sessions[session_id] = transport
            self.owners[session_id] = credential
            await self.task_group.start(self._run_session, transport, info, record)
        except self.proxy.store.Error as err:
            self._forget(session_id)
            log.error("cannot record a new session in the store: %s", err)
            return _http_error(503, "mcp-guard: the session store is unavailable; try again later")
        except BaseException:
            self._forget(session_id)
            raise
        return transport

    async def _end_everywhere(self, session_id: str) -> None:
        try:
            await self.records.call(self.records.drop, session_id)
        except self.proxy.store.Error as err:
            log.warning("cannot record session %s as ended: %s", session_id, err)

    async def _answered(self, session_id: str, version: str | None) -> None:
        """The relay answered the session's initialize: from now on another replica may rebuild it."""
        try:
            await self.records.call(self.records.negotiated, session_id, version)
        except self.proxy.store.Error as err:  # the session is served here only; the client can go on
            log.warning("cannot record session %s as opened: %s", session_id, err)

    def _end_here(self, session_id: str) -> None:
        transport = self.sessions.pop(session_id, None)
        self.owners.pop(session_id, None)
        if transport is not None and transport.idle_scope is not None:
            transport.idle_scope.cancel()

    def _forget(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)
        self.owners.pop(session_id, None)
        self.limits.release(session_id)
        self.records.forget(session_id)

    def _stateless(self, request: Request, bound: BoundIntent | None, credential: str | None,
                   body: bytes) -> Awaitable[Response] | None:
        """A 2026-07-28 POST (no session id, the envelope in its `_meta`): served by the relay of its
        credential (see `stateless`); None for anything else."""
        try:
            message = json.loads(body)
        except (ValueError, RecursionError):
            return None
        if not is_stateless(message):
            return None
        key = self.client_key(request, credential)
        return self.stateless.handle(request, message, key, lambda: self.session_info(bound, stable=key))

    async def _run_session(self, transport: Any, session: SessionInfo, record: SessionRecord | None, *,
                           task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        session_id = transport.mcp_session_id
        try:
            async with transport.connect() as (read, write):
                task_status.started()
                channel: Any = StreamChannel(read, write, label="client", server_side=True)
                if record is None:  # opened here: the version answered goes into its record
                    channel = OpeningChannel(channel, lambda version: self._answered(session_id, version))
                else:  # opened elsewhere: the relay hears the client's initialize again first
                    channel = ResumeChannel(channel, record)
                with transport.idle_scope or anyio.CancelScope():
                    await self.proxy.serve_session(channel, session, resumed=record is not None)
        except Exception:
            log.exception("session %s failed", session_id)
        finally:
            if self.sessions.get(session_id, transport) is transport:  # (not one rebuilt since under its id)
                self._forget(session_id)
            with anyio.CancelScope(shield=True):
                await transport.terminate()


class SSEEndpoint(_Endpoint):
    """The older HTTP+SSE transport: GET /sse opens a session, POST /messages/ carries requests.

    The SDK's transport binds each session to the principal in `scope["user"]`: ours is the
    credential that opened it, so a POST with another token (or none) finds no session."""

    def __init__(self, proxy: Proxy, security: Any, token: str | None, limits: SessionLimits) -> None:
        from mcp.server.sse import SseServerTransport

        super().__init__(proxy, security, token, limits)
        self.transport = SseServerTransport("/messages/", security_settings=security,
                                            max_request_body_size=self.max_body)

    async def serve(self, request: Request, bound: BoundIntent | None, credential: str | None, body: bytes | None,
                    scope: Scope, receive: Receive, send: Send) -> None:
        if credential is not None:
            from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
            from mcp.server.auth.provider import AccessToken

            scope = {**scope, "user": AuthenticatedUser(AccessToken(token="-", client_id=credential, scopes=[]))}
        if request.method == "POST":
            await self.transport.handle_post_message(scope, receive, send)
            return
        key = uuid.uuid4().hex
        refused = self.limits.claim(key, self.client_key(request, credential))
        if refused is not None:
            await refused(scope, receive, send)
            return
        try:
            async with self.transport.connect_sse(scope, receive, send) as (read, write):
                channel = IdleChannel(StreamChannel(read, write, label="client", server_side=True),
                                      self.proxy.config.serve.idle_timeout)
                await self.proxy.serve_session(channel, self.session_info(bound))
        finally:
            self.limits.release(key)


class MetricsEndpoint:
    """`GET /metrics` (Prometheus text format): behind the same Host/Origin checks as `/mcp`, and,
    when `serve.token` is set, that token; a session token (an agent's) does not open it."""

    def __init__(self, proxy: Proxy, security: Any, token: str | None) -> None:
        from mcp.server.transport_security import TransportSecurityMiddleware

        self.proxy = proxy
        self.security = TransportSecurityMiddleware(security)
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        refused = await self.security.validate_request(request, is_post=False)
        if refused is None and self.token is not None:
            scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(bearer.strip().encode(), self.token.encode()):
                refused = _unauthorized("/metrics needs the serve token")
        if refused is None:
            assert self.proxy.telemetry is not None
            body, content_type = self.proxy.telemetry.render()
            refused = Response(body, media_type=content_type)
        await refused(scope, receive, send)


class IdleChannel:
    """A client channel that ends (as if the client had gone) after `timeout` seconds without a message."""

    def __init__(self, inner: StreamChannel, timeout: float) -> None:
        self._inner = inner
        self._timeout = timeout
        self.label = inner.label

    async def receive(self) -> tuple[dict[str, Any], bytes | None]:
        with anyio.move_on_after(self._timeout):
            return await self._inner.receive()
        log.info("an SSE session was idle for %g s: closing it", self._timeout)
        raise anyio.EndOfStream

    async def send(self, msg: dict[str, Any], raw: bytes | None = None, related_id: Any = None) -> None:
        await self._inner.send(msg, raw, related_id)

    async def aclose(self) -> None:
        await self._inner.aclose()


def build_app(config: Config, upstreams: list[str], *, port: int) -> Starlette:
    host = config.serve.host
    token = resolve_secret(config.serve.token)
    if not is_loopback(host) and not token:
        raise ConfigError(f"refusing to bind {host}: anything but loopback needs serve.token "
                          "(a bearer token, e.g. token = \"env:MCP_GUARD_TOKEN\")")
    if config.intent.default_profile and config.intent.default_profile not in config.profiles:
        raise ConfigError(f"intent.default_profile names profile {config.intent.default_profile!r}, "
                          "which the config does not define")
    proxy = Proxy(config, upstreams)
    security = security_settings(config, port)
    limits = SessionLimits(config.serve.max_sessions, config.serve.max_sessions_per_client)
    mcp = StreamableHTTPEndpoint(proxy, security, token, limits)
    sse = SSEEndpoint(proxy, security, token, limits)
    metrics = []
    if config.telemetry.metrics:
        if proxy.telemetry is None:
            proxy.enable_telemetry()
        metrics = [Route("/metrics", endpoint=MetricsEndpoint(proxy, security, token), methods=["GET"])]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tg:
            mcp.task_group = mcp.stateless.task_group = tg
            proxy.share_upstreams(tg)
            yield
            tg.cancel_scope.cancel()

    app = Starlette(
        routes=[
            Route("/mcp", endpoint=mcp, methods=["GET", "POST", "DELETE"]),
            Route("/sse", endpoint=sse, methods=["GET"]),
            Route("/messages/", endpoint=sse, methods=["POST"]),
            *metrics,
        ],
        lifespan=lifespan,
    )
    app.state.proxy = proxy
    return app


def _timed_h11_protocol(timeout: float) -> type:
    """uvicorn's h11 protocol, closing a connection that has not sent a whole request's headers within
    `timeout` seconds of opening or of its last answer (uvicorn times out only the idle keep-alive)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Protocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._expect_request()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._expect_request()

        def _expect_request(self) -> None:
            waiting_after = self.cycle

            def expire() -> None:
                if self.cycle is waiting_after and not self.transport.is_closing():
                    self.transport.close()

            self.loop.call_later(timeout, expire)

    return Protocol


def serve(config: Config, upstreams: list[str]) -> None:
    import uvicorn

    host, port = config.serve.host, config.serve.port
    app = build_app(config, upstreams, port=port)
    settings = config.serve
    server = uvicorn.Server(uvicorn.Config(
        app, host=host, port=port, log_level="warning", lifespan="on",
        http=_timed_h11_protocol(settings.socket_timeout),
        timeout_keep_alive=max(1, round(settings.socket_timeout)), limit_concurrency=settings.max_connections,
        # A client's address is its connection's unless a configured reverse proxy says otherwise
        # (uvicorn would believe X-Forwarded-For from any local process: a per-address limit dodged).
        proxy_headers=bool(settings.forwarded_allow_ips), forwarded_allow_ips=settings.forwarded_allow_ips or None,
        # On SIGTERM, open streams (SSE, listen) get this long to end before they are cut.
        timeout_graceful_shutdown=max(1, round(settings.socket_timeout)),
    ))

    async def main() -> None:
        try:
            await run_server()
        finally:
            app.state.proxy.close()

    async def run_server() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve)
            while not server.started:
                if server.should_exit:
                    return
                await anyio.sleep(0.02)
            bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
            shown = f"[{host}]" if ":" in host else host
            print(f"mcp-guard: serving {', '.join(upstreams)} at http://{shown}:{bound}/mcp "
                  f"(streamable HTTP) and http://{shown}:{bound}/sse (SSE)", file=sys.stderr, flush=True)

    anyio.run(main)
