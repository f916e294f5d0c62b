"""2026-07-28 requests over streamable HTTP: one POST, one exchange, no `Mcp-Session-Id`.

The revision has no session, but the guards need one: a declared intent, budgets, held calls and
the audit trail belong to someone. Here that someone is the credential: every stateless request
that carries the same `session start` token (or the static token, or none on loopback) is served
by one relay, opened on the first request and kept while requests keep coming. Each POST becomes
one request on that relay's client channel under an id of the proxy's own (clients sharing a
credential may reuse ids), and its answer goes back as JSON, or, for `subscriptions/listen`, as an
SSE stream that lives until the client closes it. A credential has at most `max_streams` such
streams open at once (each holds a connection: one credential must not hold them all).

A credential's relay is a session to serve's limits like any `initialize` session: it takes a slot of
`max_sessions` and of the client's `max_sessions_per_client`, is busy (not to be ended for another)
while it answers, and may be ended when idle for a client at its limit; its guards' state outlives
it (see `http._Endpoint.session_info`), so going stateless, or starting over, resets no budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from mcp_guard.guards.base import Decision, SessionInfo, ToolCall
from mcp_guard.proxy import eras, jsonrpc
from mcp_guard.proxy.jsonrpc import Message, RequestId

log = logging.getLogger("mcp_guard.stateless")

IDLE_TIMEOUT = 30 * 60.0  # a credential's relay ends after this long without a request
MAX_SCHEMA_PAGES = 16  # pages of tools/list read to find a tool's schema for the Mcp-Param-* check


def is_stateless(body: Any) -> bool:
    """Whether a POST body is a 2026-07-28 request (the envelope, or the discover probe); an
    `initialize` is one only with the envelope (and is then refused: the revision has none)."""
    if not isinstance(body, dict) or body.get("method") is None:
        return False
    return body.get("method") == "server/discover" or eras.envelope_of(body) is not None

# Methods the revision removed, answered over HTTP as a server of the revision does: 404.
REMOVED_OVER_HTTP = frozenset({"initialize", "ping"})


class ExchangeChannel:
    """The client side of one credential's relay: requests go in one per POST, answers come out to
    the POST that waits for them; notifications reach the POST they relate to, if it streams."""

    label = "client"

    def __init__(self) -> None:
        self._in_send, self._in_recv = anyio.create_memory_object_stream[tuple[Message, bytes | None]](64)
        self._waiting: dict[str, asyncio.Future[Message]] = {}
        self._streams: dict[str, Callable[[Message], None]] = {}
        self._ids = itertools.count(1)
        self.last_used = anyio.current_time()
        self.closed = False  # its input has ended: the relay is ending and takes no more requests
        # Input schemas of the tools the relay showed this credential, for the `Mcp-Param-*` check
        # (None: the tool mirrors no argument into a header, so there is nothing to check).
        self.schemas: dict[str, Any] = {}
        self.session: SessionInfo | None = None  # the guards' session its relay serves

    async def receive(self) -> tuple[Message, bytes | None]:
        try:
            return await self._in_recv.receive()
        except anyio.ClosedResourceError:
            raise anyio.EndOfStream from None

    async def send(self, msg: Message, raw: bytes | None = None, related_id: RequestId | None = None) -> None:
        if "method" not in msg:
            fut = self._waiting.pop(msg.get("id"), None) if isinstance(msg.get("id"), str) else None
            if fut is not None and not fut.done():
                fut.set_result(msg)
            return
        stream = self._streams.get(related_id) if isinstance(related_id, str) else None
        if stream is not None:
            stream(msg)
        # Else: a notification no open response stream can carry, or a request of the client (the
        # revision has none); dropped, as a server of the revision would.

    async def aclose(self) -> None:
        self.close_soon()

    def close_soon(self) -> None:
        """End the relay (serve's limits gave its slot to another session): its input ends."""
        self.closed = True  # it is ending (its servers may take a while to exit)
        self._in_send.close()

    async def exchange(self, msg: Message, on_notification: Callable[[Message], None] | None = None) -> Message:
        """Put one request to the relay and return its answer, under the client's own id."""
        self.last_used = anyio.current_time()
        ours = f"http-{next(self._ids)}"
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._waiting[ours] = fut
        if on_notification is not None:
            self._streams[ours] = on_notification
        try:
            await self._in_send.send(({**msg, "id": ours}, None))
            answer = await fut
        except BaseException:
            if not fut.done():  # the client went away: the relay cancels the request upstream too
                with anyio.CancelScope(shield=True), contextlib.suppress(anyio.ClosedResourceError,
                                                                         anyio.BrokenResourceError):
                    await self._in_send.send((jsonrpc.notification("notifications/cancelled", {
                        "requestId": ours, "reason": "the HTTP client closed the request"}), None))
            raise
        finally:
            self._waiting.pop(ours, None)
            self._streams.pop(ours, None)
            self.last_used = anyio.current_time()
        if msg.get("method") == "tools/list":
            self._learn(answer)
        return {**answer, "id": msg.get("id")}

    def _learn(self, answer: Message) -> None:
        from mcp.shared.inbound import find_invalid_x_mcp_header, x_mcp_header_map

        result = answer.get("result")
        tools = result.get("tools") if isinstance(result, dict) else None
        for tool in tools if isinstance(tools, list) else ():
            if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                schema = tool.get("inputSchema")
                # Worked out once per list, not per call: most tools annotate nothing.
                annotated = find_invalid_x_mcp_header(schema) is None and bool(x_mcp_header_map(schema))
                self.schemas[tool["name"]] = schema if annotated else None

    async def schema_of(self, name: str, meta: dict[str, Any]) -> Any:
        """The input schema of a tool as the relay shows it; listed once more for a name not seen yet
        (a client may call a tool without listing it through this relay)."""
        if name not in self.schemas:
            meta = {k: v for k, v in meta.items() if k != "progressToken"}  # the call's, not the list's
            cursor: Any = None
            for _ in range(MAX_SCHEMA_PAGES):
                params: dict[str, Any] = {"_meta": meta, **({"cursor": cursor} if cursor else {})}
                answer = await self.exchange(jsonrpc.request("schema", "tools/list", params))
                result = answer.get("result")
                cursor = result.get("nextCursor") if isinstance(result, dict) else None
                if not cursor:
                    break
        return self.schemas.get(name)


ServeSession = Callable[[ExchangeChannel, SessionInfo], Awaitable[None]]


class Limits(Protocol):
    """What serve counts sessions with (`http.SessionLimits`)."""

    def claim(self, session: str, client: str, end: Callable[[], None] | None = None) -> Response | None: ...
    def release(self, session: str) -> None: ...
    def answering(self, session: str) -> contextlib.AbstractContextManager[None]: ...


class StatelessSessions:
    """One relay per credential, for the 2026-07-28 requests of `serve`."""

    def __init__(self, serve_session: ServeSession, max_bytes: int, limits: Limits, *,
                 max_streams: int = 4, audit: Any = None) -> None:
        self._serve = serve_session
        self._max_bytes = max_bytes
        self._limits = limits
        self._max_streams = max_streams
        self._audit = audit  # the proxy's `AuditSink`: a call refused here is recorded there
        self._channels: dict[str, ExchangeChannel] = {}
        self._open_streams: dict[str, int] = {}  # credential -> its streamed responses open now
        self.task_group: anyio.abc.TaskGroup | None = None

    @staticmethod
    def slot(key: str) -> str:
        return f"stateless:{key}"

    def channel(self, key: str, session: Callable[[], SessionInfo]) -> ExchangeChannel | Response:
        """The credential's relay, opened on its first request if serve's limits allow one more."""
        channel = self._channels.get(key)
        if channel is None or channel.closed:  # (a relay being ended takes no more requests)
            assert self.task_group is not None
            channel = ExchangeChannel()
            refused = self._limits.claim(self.slot(key), key, channel.close_soon)
            if refused is not None:
                return refused
            self._channels[key] = channel
            channel.session = session()
            self.task_group.start_soon(self._run, key, channel, channel.session)
        return channel

    async def _run(self, key: str, channel: ExchangeChannel, session: SessionInfo) -> None:
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._expire, channel)
                await self._serve(channel, session)
                tg.cancel_scope.cancel()
        except Exception:
            log.exception("stateless session %s failed", session.id)
        finally:
            if self._channels.get(key) is channel:
                del self._channels[key]
                self._limits.release(self.slot(key))

    @staticmethod
    async def _expire(channel: ExchangeChannel) -> None:
        while True:
            await anyio.sleep(60)
            if not channel._waiting and anyio.current_time() - channel.last_used > IDLE_TIMEOUT:
                await channel.aclose()
                return

    async def handle(self, request: Request, body: Any, key: str, session: Callable[[], SessionInfo]) -> Response:
        """Answer one 2026-07-28 POST: the revision's checks of its headers, then the exchange."""
        from mcp.shared.inbound import ERROR_CODE_HTTP_STATUS, classify_inbound_request

        rid = body.get("id")
        if "id" not in body:  # the revision defines no client notifications over HTTP
            return Response(status_code=202)
        headers = {k.lower(): v for k, v in request.headers.items()}
        route = classify_inbound_request(body, headers=headers, supported_modern_versions=eras.MODERN_VERSIONS)
        code = getattr(route, "code", None)
        if code is not None:  # a rejection: the envelope, the headers or the version
            error: dict[str, Any] = {"code": code, "message": f"mcp-guard: {route.message}"}  # type: ignore[union-attr]
            if getattr(route, "data", None) is not None:
                error["data"] = route.data  # type: ignore[union-attr]
            return JSONResponse({"jsonrpc": "2.0", "id": rid, "error": error},
                                status_code=ERROR_CODE_HTTP_STATUS.get(code, 400))
        if body.get("method") in REMOVED_OVER_HTTP:
            return JSONResponse({"jsonrpc": "2.0", "id": rid, "error": {
                "code": jsonrpc.METHOD_NOT_FOUND,
                "message": f"mcp-guard: 2026-07-28 has no {body['method']} (send server/discover)"}}, status_code=404)
        channel = self.channel(key, session)
        if isinstance(channel, Response):
            return channel
        meta = eras.envelope_of(body) or {}
        if body.get("method") == "tools/call":  # before either way of answering: JSON or a stream
            with self._limits.answering(self.slot(key)):
                rejection = await self._param_headers(channel, body, request, meta)
            if rejection is not None:
                message = f"mcp-guard: {rejection.message}"
                await self._record_refusal(channel, body, message)
                return JSONResponse({"jsonrpc": "2.0", "id": body.get("id"), "error": {
                    "code": rejection.code, "message": message}}, status_code=400)
        if body.get("method") == "subscriptions/listen" or "progressToken" in meta:
            if self._open_streams.get(key, 0) >= self._max_streams:
                return JSONResponse({"jsonrpc": "2.0", "id": rid, "error": {
                    "code": jsonrpc.INVALID_REQUEST,
                    "message": f"mcp-guard: this client already has {self._max_streams} response streams open "
                               "(serve.max_streams_per_client); close one first"}},
                    status_code=429, headers={"Connection": "close"})
            return self._streamed(channel, body, key)
        with self._limits.answering(self.slot(key)):
            answer = await channel.exchange(body)
        status = 200
        err = answer.get("error")
        if isinstance(err, dict):
            status = ERROR_CODE_HTTP_STATUS.get(err.get("code"), 200)  # type: ignore[arg-type]
        return JSONResponse(answer, status_code=status)

    @staticmethod
    async def _param_headers(channel: ExchangeChannel, body: Message, request: Request,
                             meta: dict[str, Any]) -> Any:
        """The revision's check of a tools/call's `Mcp-Param-*` headers against its arguments, for
        the tool as the relay shows it (its `x-mcp-header` annotations): the rejection (its `code` and
        `message`) of a header that is missing, extra, given twice, badly encoded or says another
        value than the body, refused with -32020 and 400 as a server of the revision does; else None.
        An intermediary before mcp-guard may have routed on the header; the body is what is judged and
        forwarded, so they must agree."""
        from mcp.shared.inbound import validate_mcp_param_headers

        params = body.get("params")
        name = params.get("name") if isinstance(params, dict) else None
        arguments = params.get("arguments") if isinstance(params, dict) else None
        if not isinstance(name, str):
            return None  # the relay answers a call without a name
        schema = await channel.schema_of(name, meta)
        if schema is None:
            return None  # no header to check, or an unknown tool (the relay answers it)
        # Starlette's headers keep every raw line, so a header given twice is seen twice.
        return validate_mcp_param_headers(schema, arguments if isinstance(arguments, dict) else {}, request.headers)

    async def _record_refusal(self, channel: ExchangeChannel, body: Message, reason: str) -> None:
        """A call refused here never reaches the relay's gate: its attempt goes to the audit log
        all the same (what it would have sent included), as the relay records the calls it refuses."""
        if self._audit is None or channel.session is None:
            return
        params = body.get("params") if isinstance(body.get("params"), dict) else {}
        name = str(params.get("name"))
        arguments = params.get("arguments")
        arguments = arguments if isinstance(arguments, dict) else {"(arguments)": arguments}
        call = ToolCall(channel.session, "", name, name, arguments)
        await self._audit.call("call", call, Decision("deny", reason, "serve", "refused"))

    def _streamed(self, channel: ExchangeChannel, body: Message, key: str) -> Response:
        """A request whose notifications the client wants (a listen stream, progress): they and then
        the answer as SSE events; a listen stream lives until the client closes it."""
        send, recv = anyio.create_memory_object_stream[Message](256)

        def deliver(msg: Message) -> None:
            try:
                send.send_nowait(msg)
            except (anyio.WouldBlock, anyio.ClosedResourceError):
                log.warning("a listen stream is not being read; dropping %s", msg.get("method"))

        async def events() -> AsyncIterator[str]:
            async with anyio.create_task_group() as tg:
                async def run() -> None:
                    with self._limits.answering(self.slot(key)):
                        answer = await channel.exchange(body, deliver)
                    await send.send(answer)
                    send.close()

                tg.start_soon(run)
                async for msg in recv:
                    yield f"event: message\ndata: {json.dumps(msg, separators=(',', ':'))}\n\n"
                tg.cancel_scope.cancel()

        self._open_streams[key] = self._open_streams.get(key, 0) + 1
        return _CountedStream(events(), lambda: self._stream_closed(key), media_type="text/event-stream",
                              headers={"Cache-Control": "no-cache"})

    def _stream_closed(self, key: str) -> None:
        left = self._open_streams.pop(key, 1) - 1
        if left:
            self._open_streams[key] = left


class _CountedStream(StreamingResponse):
    """A streamed response that says when it is over (sent, failed or the client gone)."""

    def __init__(self, content: Any, closed: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._closed = closed

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._closed()
