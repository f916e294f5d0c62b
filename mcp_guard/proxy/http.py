"""`mcp-guard serve`: downstream clients over streamable HTTP (`/mcp`) and SSE (`/sse`).

The SDK's per-session transports do the HTTP work (SSE framing, session ids, Host/Origin checks);
each session's message streams are handed to a relay of its own, which opens that client's own
upstream connections. Loopback only by default; any other address needs a bearer token.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import logging
import os
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from mcp_guard.config import Config
from mcp_guard.errors import ConfigError
from mcp_guard.guards.base import SessionInfo
from mcp_guard.intent.sessions import BoundIntent, SessionError, resolve_token
from mcp_guard.proxy.channels import StreamChannel
from mcp_guard.proxy.runner import Proxy, new_session
from mcp_guard.proxy.stateless import StatelessSessions, is_stateless

log = logging.getLogger("mcp_guard.http")

SESSION_IDLE_TIMEOUT = 30 * 60.0
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


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


class _Endpoint:
    """Common checks of every route: Host/Origin (DNS rebinding) and the bearer token."""

    def __init__(self, proxy: Proxy, security: Any, token: str | None) -> None:
        from mcp.server.transport_security import TransportSecurityMiddleware

        self.proxy = proxy
        self.security = TransportSecurityMiddleware(security)
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        refused, bound = await self.admit(request)
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.serve(request, bound, scope, receive, send)

    async def serve(self, request: Request, bound: BoundIntent | None, scope: Scope, receive: Receive,
                    send: Send) -> None:
        raise NotImplementedError

    async def admit(self, request: Request) -> tuple[Response | None, BoundIntent | None]:
        """Refuse a request (DNS rebinding, missing or bad token), or admit it with the intent its
        session token is bound to (`mcp-guard session start`); the static serve.token binds none."""
        refused = await self.security.validate_request(request, is_post=False)
        if refused is not None:
            return refused, None
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        bearer = bearer.strip() if scheme.lower() == "bearer" else ""
        if not bearer:
            return (_unauthorized("a bearer token is required") if self.token else None), None
        if self.token is not None and hmac.compare_digest(bearer.encode(), self.token.encode()):
            return None, None
        try:
            return None, resolve_token(self.proxy.store, bearer)
        except SessionError as err:
            return _unauthorized(err.message), None


def _unauthorized(why: str) -> Response:
    return JSONResponse({"error": "invalid_token", "error_description": why}, status_code=401,
                        headers={"WWW-Authenticate": 'Bearer realm="mcp-guard"'})


def _session(bound: BoundIntent | None) -> SessionInfo:
    if bound is None:
        return new_session()
    return new_session(bound.intent, bound.profile, bound.session_id)


class StreamableHTTPEndpoint(_Endpoint):
    def __init__(self, proxy: Proxy, security: Any, token: str | None) -> None:
        super().__init__(proxy, security, token)
        self.security_settings = security
        self.sessions: dict[str, Any] = {}
        self.owners: dict[str, str | None] = {}  # HTTP session -> the intent session it is bound to
        self.task_group: anyio.abc.TaskGroup | None = None
        self.stateless = StatelessSessions(proxy.serve_session, proxy.config.proxy.max_message_bytes)

    async def serve(self, request: Request, bound: BoundIntent | None, scope: Scope, receive: Receive,
                    send: Send) -> None:
        from mcp.server.streamable_http import StreamableHTTPServerTransport

        session_id = request.headers.get("mcp-session-id")
        if session_id is not None:
            transport = self.sessions.get(session_id)
            if transport is not None and self.owners.get(session_id) != (bound.session_id if bound else None):
                transport = None  # a session answers only to the token that opened it
            if transport is None:
                await JSONResponse({"jsonrpc": "2.0", "id": None,
                                    "error": {"code": -32600, "message": "Session not found"}},
                                   status_code=404)(scope, receive, send)
                return
            await transport.handle_request(scope, receive, send)
            if transport.is_terminated:
                self.sessions.pop(session_id, None)
            return
        if request.method != "POST":
            await JSONResponse({"jsonrpc": "2.0", "id": None, "error": {
                "code": -32600, "message": "Bad Request: no session; start one with an initialize POST"}},
                status_code=400)(scope, receive, send)
            return
        receive = await self._stateless_or_replay(request, bound, scope, receive, send)
        if receive is None:
            return
        transport = StreamableHTTPServerTransport(
            mcp_session_id=uuid.uuid4().hex, security_settings=self.security_settings,
            idle_timeout=SESSION_IDLE_TIMEOUT,
        )
        assert transport.mcp_session_id is not None and self.task_group is not None
        self.sessions[transport.mcp_session_id] = transport
        self.owners[transport.mcp_session_id] = bound.session_id if bound else None
        await self.task_group.start(self._run_session, transport, _session(bound))
        await transport.handle_request(scope, receive, send)

    async def _stateless_or_replay(self, request: Request, bound: BoundIntent | None, scope: Scope,
                                   receive: Receive, send: Send) -> Receive | None:
        """Serve a 2026-07-28 POST (no session: bound to its credential, see `stateless`) and return
        None; else hand back a `receive` that replays the body read here, for the session transport."""
        body = await request.body()
        try:
            message = json.loads(body)
        except ValueError:
            message = None
        if is_stateless(message):
            key = bound.session_id if bound is not None and bound.session_id else "static"
            answer = await self.stateless.handle(request, message, key, lambda: _session(bound))
            await answer(scope, receive, send)
            return None
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    async def _run_session(self, transport: Any, session: SessionInfo, *,
                           task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        try:
            async with transport.connect() as (read, write):
                task_status.started()
                channel = StreamChannel(read, write, label="client", server_side=True)
                with transport.idle_scope or anyio.CancelScope():
                    await self.proxy.serve_session(channel, session)
        except Exception:
            log.exception("session %s failed", transport.mcp_session_id)
        finally:
            self.sessions.pop(transport.mcp_session_id, None)
            self.owners.pop(transport.mcp_session_id, None)
            with anyio.CancelScope(shield=True):
                await transport.terminate()


class SSEEndpoint(_Endpoint):
    """The older HTTP+SSE transport: GET /sse opens a session, POST /messages/ carries requests."""

    def __init__(self, proxy: Proxy, security: Any, token: str | None) -> None:
        from mcp.server.sse import SseServerTransport

        super().__init__(proxy, security, token)
        self.transport = SseServerTransport("/messages/", security_settings=security)

    async def serve(self, request: Request, bound: BoundIntent | None, scope: Scope, receive: Receive,
                    send: Send) -> None:
        if request.method == "POST":
            await self.transport.handle_post_message(scope, receive, send)
            return
        async with self.transport.connect_sse(scope, receive, send) as (read, write):
            channel = StreamChannel(read, write, label="client", server_side=True)
            await self.proxy.serve_session(channel, _session(bound))


def build_app(config: Config, upstreams: list[str], *, port: int) -> Starlette:
    host = config.serve.host
    token = resolve_secret(config.serve.token)
    if not is_loopback(host) and not token:
        raise ConfigError(f"refusing to bind {host}: anything but loopback needs serve.token "
                          "(a bearer token, e.g. token = \"env:MCP_GUARD_TOKEN\")")
    proxy = Proxy(config, upstreams)
    security = security_settings(config, port)
    mcp = StreamableHTTPEndpoint(proxy, security, token)
    sse = SSEEndpoint(proxy, security, token)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tg:
            mcp.task_group = mcp.stateless.task_group = tg
            yield
            tg.cancel_scope.cancel()

    app = Starlette(
        routes=[
            Route("/mcp", endpoint=mcp, methods=["GET", "POST", "DELETE"]),
            Route("/sse", endpoint=sse, methods=["GET"]),
            Route("/messages/", endpoint=sse, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.proxy = proxy
    return app


def serve(config: Config, upstreams: list[str]) -> None:
    import uvicorn

    host, port = config.serve.host, config.serve.port
    app = build_app(config, upstreams, port=port)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))

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
