"""One upstream server, as seen by one downstream session.

It is launched (after the guards' `prepare_launch`), opened in the newest protocol era both it and
the client's era allow (see `eras`), and read by one task. For a 2026-07-28 client a stdio server is
first asked `server/discover`: one that answers with a 2026-07-28 version is spoken to statelessly
(every request carries the envelope); any other is given an `initialize` session, with the client's
own parameters or, for a 2026-07-28 client, parameters built from its envelope.

Requests wait for their responses on futures keyed by the request id: client requests keep the
client's id (each upstream is its own id space), the proxy's own requests use ids of the form
`mcp-guard-N`. When the server exits, every pending request gets a JSON-RPC error that names it,
and a server that had started is restarted with backoff.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio

from mcp_guard import telemetry
from mcp_guard.config import Config, ProxySettings, UpstreamConfig
from mcp_guard.errors import GuardError, ProtocolError, UpstreamUnavailable
from mcp_guard.guards.base import LaunchRefused, LaunchSpec
from mcp_guard.intent.credentials import scrub_message, upstream_env
from mcp_guard.proxy import eras, jsonrpc
from mcp_guard.proxy.channels import (
    Channel,
    ChildProcess,
    ProcessChannel,
    StreamChannel,
    remote_http_client,
    start_process,
)
from mcp_guard.proxy.jsonrpc import MalformedMessage, Message, RemoteError, RequestId

log = logging.getLogger("mcp_guard.upstream")

# How long a request waits for an upstream that is being restarted before it is answered with an error.
RESTART_WAIT = 5.0
# The initialize wait of a session's only upstream (at least): nothing else would be served meanwhile.
INIT_TIMEOUT = 60.0
# Numbers each connected process (or HTTP connection) of every upstream: ids a process gave mean
# nothing to the next one (see `generation`).
_GENERATIONS = itertools.count(1)

OnMessage = Callable[["UpstreamConnection", Message, bytes | None], Awaitable[None]]
PrepareLaunch = Callable[[LaunchSpec], Awaitable[LaunchSpec]]


class UpstreamConnection:
    def __init__(
        self,
        name: str,
        config: UpstreamConfig,
        settings: ProxySettings,
        *,
        on_message: OnMessage,
        prepare_launch: PrepareLaunch,
        on_restarted: Callable[[UpstreamConnection], Awaitable[None]] | None = None,
        extra_env: dict[str, str | None] | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.settings = settings
        self.timeout = config.call_timeout or settings.call_timeout
        self.init_timeout = config.init_timeout or settings.init_timeout
        self.server_info: dict[str, Any] = {}
        self.capabilities: dict[str, Any] = {}
        self.instructions: str | None = None
        self.init_result: dict[str, Any] = {}
        self.failure: str | None = None  # why it is not running, for errors sent to the client
        self._exited: str | None = None  # how its process ended (code, stderr tail), once it has
        self._on_message = on_message
        self._prepare_launch = prepare_launch
        self._on_restarted = on_restarted
        self._extra_env = extra_env or {}
        self._channel: Channel | None = None
        self._pending: dict[RequestId, asyncio.Future[tuple[Message, bytes | None]]] = {}
        self._own_ids = itertools.count(1)
        self._ready = anyio.Event()
        self._restarting = False  # starting for the first time, or again after a crash
        self._closing = False
        self._init_params: dict[str, Any] = {}
        self._early: anyio.Event | None = None  # set once a pre-launch has finished
        self._early_result: ProcessChannel | BaseException | None = None
        self._started_process: ChildProcess | None = None
        self.client_initialized = False
        # The era: "modern" (2026-07-28, stateless) or "handshake"; None until known.
        self.era: str | None = None
        self.era_known = anyio.Event()
        self.started = anyio.Event()  # set once run() has either started or given up
        self._envelope: dict[str, Any] | None = None  # what a modern request carries when the client's does not
        self._handshake_params = anyio.Event()  # set once _init_params may be used
        self._listen_id: str | None = None  # the proxy's own subscriptions/listen to a modern server
        self.generation = 0  # of the process connected now (unique in this proxy); 0 before the first
        self._abandoned: str | None = None  # why the proxy ended the process now connected, if it did

    # -- lifecycle -------------------------------------------------------------------------------

    async def run(self, init_params: dict[str, Any] | None, *, envelope: dict[str, Any] | None = None,
                  task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        """Connect, open (discover or initialize), serve until closed; restart after a crash. Reports
        started once. With an `envelope` (a 2026-07-28 client) the server is probed with
        `server/discover` first; a handshake-only one then waits for `provide_handshake` unless
        `init_params` are given."""
        self._envelope = envelope
        if init_params is not None:
            self.provide_handshake(init_params)
        try:
            await self._run(task_status)
        finally:
            self.era_known.set()
            self.started.set()

    def provide_handshake(self, init_params: dict[str, Any]) -> None:
        """The parameters of the `initialize` a handshake-era server is opened with."""
        self._init_params = init_params
        self._handshake_params.set()

    async def _run(self, task_status: Any) -> None:
        self._restarting = True
        started = False
        attempt = 0
        while not self._closing:
            reader_done = anyio.Event()
            self._exited = None
            self._abandoned = None
            try:
                async with self._connect() as channel, anyio.create_task_group() as tg:
                    tg.start_soon(self._read_loop, channel, reader_done)
                    self._channel = channel
                    self.generation = next(_GENERATIONS)
                    try:
                        await self._initialize()
                    except Exception:
                        await self._note_exit(channel)
                        raise
                    self.failure = None
                    self._restarting = False
                    self._ready.set()
                    if started:
                        log.warning("upstream %r restarted", self.name)
                        if self._on_restarted:
                            tg.start_soon(self._on_restarted, self)
                    else:
                        started = True
                        self.started.set()
                        task_status.started()
                    attempt = 0
                    await reader_done.wait()
                    self.failure = self._abandoned or self._exit_reason(channel)
                    tg.cancel_scope.cancel()
            except LaunchRefused as err:
                self._restarting = False
                self.failure = f"mcp-guard refused to launch upstream '{self.name}': {err}"
                log.error("%s", self.failure)
                self._fail_pending()
                if not started:
                    task_status.started()
                return
            except Exception as err:  # could not start (or an HTTP transport failed in its own way)
                what = "failed" if started else "could not be started"
                self.failure = f"upstream '{self.name}' {what}: {self._exited or _describe(err)}"
            finally:
                self._channel = None
                self._ready = anyio.Event()
            self._fail_pending()
            if self._closing:
                return
            if not started:
                self._restarting = False
                log.error("%s", self.failure)
                task_status.started()
                return
            delay = self.settings.restart_backoff[min(attempt, len(self.settings.restart_backoff) - 1)]
            attempt += 1
            self._restarting = True
            log.warning("%s; restarting in %g s", self.failure, delay)
            await anyio.sleep(delay)

    async def aclose(self) -> None:
        self._closing = True
        channel, self._channel = self._channel, None
        if channel is not None:
            await channel.aclose()
        early, self._early_result = self._early_result, None
        if isinstance(early, ProcessChannel):  # launched, but the client never initialized
            await early.aclose()
        if self._started_process is not None:  # started early, never attached
            process, self._started_process = self._started_process, None
            process.discard()

    async def abandon(self, generation: int, reason: str) -> None:
        """End process `generation` if it is still the one connected (it stopped answering): its
        pending requests fail with `reason`, and it is restarted as after a crash."""
        channel = self._channel
        if channel is None or generation != self.generation or self._abandoned is not None:
            return
        self._abandoned = reason
        log.warning("%s", reason)
        await channel.aclose()

    def launch_spec(self) -> LaunchSpec:
        cfg = self.config
        return LaunchSpec(upstream=self.name, command=cfg.command, args=list(cfg.args),
                          env=upstream_env(cfg, self._extra_env), cwd=cfg.launch_cwd(), url=cfg.url)

    async def prelaunch(self) -> None:
        """Start a stdio server as soon as the session opens, before the client's initialize arrives:
        its start-up (an interpreter, `npx` resolving a package) overlaps the client's and ours."""
        if self.config.transport != "stdio" or self._early is not None:
            return
        self._early = anyio.Event()
        try:
            self._early_result = await self._launch()
        except Exception as err:  # LaunchRefused, command not found: raised again by the first start
            self._early_result = err
        finally:
            self._early.set()

    def adopt(self, process: ChildProcess) -> None:
        """Take a server process the proxy started before the event loop ran (see `start_early`)."""
        self._started_process = process

    async def _launch(self) -> ProcessChannel:
        label = f"upstream '{self.name}'"
        if self._started_process is not None:
            process, self._started_process = self._started_process, None
        else:
            spec = await self._prepare_launch(self.launch_spec())
            assert spec.command is not None
            try:
                process = start_process(spec.command, spec.args, {k: v for k, v in spec.env.items() if v is not None},
                                    spec.cwd, isolate=self.config.isolate)
            except FileNotFoundError:
                hint = (f" on the system PATH {spec.env.get('PATH')} (it gets secrets: give its full path in the "
                        "config, or set env.PATH)") if self.config.secrets and os.sep not in spec.command else ""
                raise UpstreamUnavailable(f"command not found: {spec.command}{hint}") from None
        return await ProcessChannel.attach(process, max_bytes=self.settings.max_message_bytes, label=label)

    async def _take_early(self) -> ProcessChannel | None:
        """The pre-launched process, once; a restart launches afresh."""
        if self._early is None:
            return None
        await self._early.wait()
        result, self._early_result = self._early_result, None
        if isinstance(result, BaseException):
            raise result
        return result

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[Channel]:
        cfg = self.config
        if cfg.transport == "stdio":
            channel = await self._take_early() or await self._launch()
            try:
                yield channel
            finally:
                await channel.aclose()
        elif cfg.transport == "sse":
            from mcp.client.sse import sse_client

            spec = await self._prepare_launch(LaunchSpec(self.name, None, [], {}, None, cfg.url))
            async with sse_client(spec.url, headers=cfg.headers or None,
                                  httpx_client_factory=remote_http_client(cfg.proxy, self.name)) as (read, write):
                yield StreamChannel(read, write, label=f"upstream '{self.name}'", server_side=False)
        else:
            from mcp.client.streamable_http import streamable_http_client

            spec = await self._prepare_launch(LaunchSpec(self.name, None, [], {}, None, cfg.url))
            async with remote_http_client(cfg.proxy, self.name)(headers=cfg.headers or None) as http, \
                    streamable_http_client(spec.url, http_client=http) as (read, write):
                yield StreamChannel(read, write, label=f"upstream '{self.name}'", server_side=False)

    async def _initialize(self) -> None:
        assert self._channel is not None
        if self._envelope is not None and self.era != "handshake" and self.config.transport != "sse":
            if await self._discover():
                return
        self.era = "handshake"
        self.era_known.set()
        await self._handshake_params.wait()
        rid = self._own_id()
        response = await self._exchange(jsonrpc.request(rid, "initialize", self._init_params), None, self.init_timeout)
        if "error" in response[0]:
            err = response[0]["error"]
            err = err if isinstance(err, dict) else {"message": str(err)}
            if self._modern_only(err) and await self._discover(from_handshake=True):
                return  # a server that speaks only 2026-07-28, for a handshake client: translated
            raise RemoteError(err)
        self.init_result = _checked_init(response[0].get("result"))
        self.server_info = self.init_result.get("serverInfo") or {}
        self.capabilities = self.init_result.get("capabilities") or {}
        self.instructions = self.init_result.get("instructions")
        if self.client_initialized:  # a restart: the client said so long ago
            await self._channel.send(jsonrpc.notification("notifications/initialized"))

    @staticmethod
    def _modern_only(err: dict[str, Any]) -> bool:
        data = err.get("data")
        supported = data.get("supported") if isinstance(data, dict) else None
        return (err.get("code") == eras.UNSUPPORTED_PROTOCOL_VERSION and isinstance(supported, list)
                and any(v in eras.MODERN_VERSIONS for v in supported))

    async def _discover(self, *, from_handshake: bool = False) -> bool:
        """Ask the server `server/discover`; True if it speaks 2026-07-28 (it is then opened so)."""
        assert self._channel is not None
        if from_handshake:  # the envelope a handshake client's requests are stamped with
            p = self._init_params
            self._envelope = eras.envelope(eras.LATEST_MODERN, p.get("clientInfo") or {}, p.get("capabilities") or {})
        env = {**(self._envelope or {}), eras.VERSION_KEY: eras.LATEST_MODERN}
        resp, _ = await self._exchange(jsonrpc.request(self._own_id(), "server/discover", {"_meta": env}),
                                       None, INIT_TIMEOUT)
        err = resp.get("error")
        if isinstance(err, dict) and self._modern_only(err):  # -32022 naming a version of ours: once more at it
            mutual = [v for v in eras.MODERN_VERSIONS if v in err["data"]["supported"]]
            env = {**env, eras.VERSION_KEY: mutual[-1]}
            resp, _ = await self._exchange(jsonrpc.request(self._own_id(), "server/discover", {"_meta": env}),
                                           None, INIT_TIMEOUT)
        result = resp.get("result")
        if not isinstance(result, dict) or not isinstance(result.get("supportedVersions"), list) \
                or env[eras.VERSION_KEY] not in result["supportedVersions"]:
            return False
        meta = result.get("_meta")
        info = meta.get(eras.SERVER_INFO_KEY) if isinstance(meta, dict) else None
        opened = {"protocolVersion": env[eras.VERSION_KEY], "capabilities": result.get("capabilities"),
                  "serverInfo": info if isinstance(info, dict) else {"name": self.name, "version": ""}}
        if isinstance(result.get("instructions"), str):
            opened["instructions"] = result["instructions"]
        self.init_result = _checked_init(opened)
        self.server_info = self.init_result["serverInfo"]
        self.capabilities = self.init_result["capabilities"]
        self.instructions = self.init_result.get("instructions")
        self._envelope = env
        self.era = "modern"
        self.era_known.set()
        await self._listen()
        return True

    async def _listen(self) -> None:
        """Open the proxy's own change stream: a 2026-07-28 server says `list_changed` only there, and
        guards must hear it (rug pulls). Its frames arrive as notifications; its result never comes
        while the stream lives."""
        assert self._channel is not None
        flags = {"tools": "toolsListChanged", "prompts": "promptsListChanged", "resources": "resourcesListChanged"}
        wanted = {flag: True for cap, flag in flags.items()
                  if isinstance(self.capabilities.get(cap), dict) and self.capabilities[cap].get("listChanged")}
        if not wanted:
            return
        self._listen_id = self._own_id()
        await self._channel.send(jsonrpc.request(self._listen_id, "subscriptions/listen",
                                                 {"notifications": wanted, "_meta": self._envelope}))

    async def _note_exit(self, channel: Channel) -> None:
        """After a failed initialize: if the server process ended (on its own), say how."""
        if isinstance(channel, ProcessChannel) and self._exited is None:
            with anyio.move_on_after(0.3):
                await channel.process.wait()
            if channel.returncode is not None:
                self._exited = self._exited or self._ended(channel)

    def _ended(self, channel: ProcessChannel) -> str:
        """How its process ended, for the client: code or signal only. Its stderr is server-chosen
        text (it could address the model through `instructions` or an error), so it goes to the
        operator's log alone."""
        log.warning("upstream %r %s", self.name, channel.process.exit_status())
        return channel.process.exit_status(stderr=False)

    def _exit_reason(self, channel: Channel) -> str:
        if isinstance(channel, ProcessChannel):
            return f"upstream '{self.name}' {self._exited or self._ended(channel)}"
        return f"upstream '{self.name}' closed the connection"

    # -- reading ---------------------------------------------------------------------------------

    async def _read_loop(self, channel: Channel, done: anyio.Event) -> None:
        try:
            while True:
                try:
                    msg, raw = await channel.receive()
                except MalformedMessage as bad:
                    log.error("upstream %r sent a bad message: %s", self.name, bad.reason)
                    if bad.request_id is not None:
                        code = bad.code if bad.code == jsonrpc.MESSAGE_TOO_LARGE else jsonrpc.INTERNAL_ERROR
                        text = f"upstream '{self.name}' sent an invalid response: {bad.reason}"
                        self._resolve(bad.request_id, jsonrpc.error(bad.request_id, code, text), None)
                    continue
                msg, raw = scrub_message(msg, raw)  # a secret it was given (its own, echoed) goes no further
                if "method" in msg:
                    if msg["method"] == "notifications/subscriptions/acknowledged":
                        continue  # the answer to the proxy's own listen (see _listen)
                    await self._on_message(self, msg, raw)
                elif not self._resolve(msg.get("id"), msg, raw):
                    log.debug("upstream %r answered unknown request %r", self.name, msg.get("id"))
        except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
            if isinstance(channel, ProcessChannel):  # it is exiting: wait a moment for its exit code
                with anyio.move_on_after(1):
                    await channel.process.wait()
                # Requests waiting on it (initialize too) learn at once how it ended.
                self._exited = self._exited or self._ended(channel)
                self.failure = self._abandoned or f"upstream '{self.name}' {self._exited}"
                self._fail_pending()
        finally:
            done.set()

    def _resolve(self, rid: Any, msg: Message, raw: bytes | None) -> bool:
        fut = self._pending.pop(rid, None) if isinstance(rid, str | int) else None
        if fut is None or fut.done():
            return False
        fut.set_result((msg, raw))
        return True

    def _fail_pending(self) -> None:
        reason = self.failure or f"upstream '{self.name}' is not running"
        pending, self._pending = self._pending, {}
        for rid, fut in pending.items():
            if not fut.done():
                fut.set_result((jsonrpc.error(rid, jsonrpc.UPSTREAM_UNAVAILABLE,
                                              f"{reason} while handling this request"), None))

    # -- sending ---------------------------------------------------------------------------------

    def _own_id(self) -> str:
        return f"mcp-guard-{next(self._own_ids)}"

    async def _wait_ready(self) -> Channel:
        if not self._ready.is_set():
            if not self._restarting:
                raise UpstreamUnavailable(self.failure or f"upstream '{self.name}' is not running")
            with anyio.move_on_after(RESTART_WAIT):
                await self._ready.wait()
        if self._channel is None:
            raise UpstreamUnavailable(self.failure or f"upstream '{self.name}' is not running")
        return self._channel

    async def _exchange(self, msg: Message, raw: bytes | None, timeout: float,
                        while_waiting: Callable[[], object] | None = None) -> tuple[Message, bytes | None]:
        """Send a request and wait for its response, which is always returned (errors included);
        `while_waiting` runs once the request is on its way (work that need not delay it)."""
        rid = msg["id"]
        channel = self._channel
        if channel is None:
            raise UpstreamUnavailable(self.failure or f"upstream '{self.name}' is not running")
        if rid in self._pending:
            return jsonrpc.error(rid, jsonrpc.INVALID_REQUEST, f"request id {rid!r} is already in use"), None
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[tuple[Message, bytes | None]] = loop.create_future()
        self._pending[rid] = fut
        timer = loop.call_later(timeout, _expire, fut)  # one timer: cheaper than a cancel scope
        try:
            await channel.send(msg, raw)
            if while_waiting is not None:
                while_waiting()
            return await fut
        except TimeoutError:
            self._pending.pop(rid, None)
            await self.notify(jsonrpc.notification("notifications/cancelled", {
                "requestId": rid, "reason": "mcp-guard: timed out"}))
            return jsonrpc.error(rid, jsonrpc.UPSTREAM_TIMEOUT,
                                 f"upstream '{self.name}' did not answer {msg['method']} within {timeout:g} s"), None
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            self._pending.pop(rid, None)
            return jsonrpc.error(rid, jsonrpc.UPSTREAM_UNAVAILABLE, f"upstream '{self.name}' is not running"), None
        finally:
            timer.cancel()
            if not fut.done():  # cancelled by the caller: forget the request
                self._pending.pop(rid, None)

    async def forward(self, msg: Message, raw: bytes | None = None, timeout: float | None = None,
                      while_waiting: Callable[[], object] | None = None) -> tuple[Message, bytes | None]:
        """Forward a client request (its own id) and return the upstream's response, or an error."""
        try:
            await self._wait_ready()
        except UpstreamUnavailable as err:
            return jsonrpc.error(msg["id"], jsonrpc.UPSTREAM_UNAVAILABLE, str(err)), None
        msg, raw = self.translated(msg, raw)
        if msg["method"] == "tools/call":  # the call's span goes on to the server (when traces are on)
            traced = telemetry.with_traceparent(msg)
            if traced is not msg:
                msg, raw = traced, None
        return await self._exchange(msg, raw, timeout or self.timeout, while_waiting)

    def translated(self, msg: Message, raw: bytes | None) -> tuple[Message, bytes | None]:
        """A request as this server's era needs it: a 2026-07-28 envelope dropped for a handshake
        server, added for a 2026-07-28 one (from a handshake client); else unchanged, bytes and all."""
        if self.era == "modern":
            if self._envelope is not None and eras.envelope_of(msg) is None:
                return eras.with_envelope(msg, self._envelope), None
        elif eras.envelope_of(msg) is not None:
            return eras.without_envelope(msg), None
        return msg, raw

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A request of the proxy's own (the `Upstream` protocol guards use); raises on error."""
        await self._wait_ready()
        request, _ = self.translated(jsonrpc.request(self._own_id(), method, params), None)
        msg, _ = await self._exchange(request, None, self.timeout)
        if "error" in msg:
            raise RemoteError(msg["error"] if isinstance(msg["error"], dict) else {"message": "invalid error"})
        result = msg.get("result")
        if result is not None and not isinstance(result, dict):
            raise RemoteError({"code": jsonrpc.INTERNAL_ERROR, "message": f"{method}: the result is not an object"})
        return result or {}

    async def notify(self, msg: Message, raw: bytes | None = None) -> None:
        """Send a notification, or a response to a request the server made; dropped if not running."""
        channel = self._channel
        if channel is None:
            return
        try:
            await channel.send(msg, raw)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass

    @property
    def running(self) -> bool:
        return self._channel is not None

    @property
    def opened(self) -> bool:
        """Past its initialize (or discover): what the server says of itself is known. A running
        upstream is not yet opened while its initialize is on its way."""
        return self._ready.is_set()


def _expire(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_exception(TimeoutError())


class InvalidInitialize(Exception):
    """An initialize result without the shape the protocol gives it."""


def _checked_init(result: Any) -> dict[str, Any]:
    """The initialize result if it has the protocol's shape; a malformed one makes this upstream
    unavailable (never the whole session)."""
    if not isinstance(result, dict):
        raise InvalidInitialize("its initialize result is not an object")
    expected = {"protocolVersion": str, "capabilities": dict, "serverInfo": dict}
    for key, kind in expected.items():
        if not isinstance(result.get(key), kind):
            raise InvalidInitialize(f"its initialize result has no valid {key!r}")
    if not isinstance(result.get("instructions", ""), str) or not isinstance(result["serverInfo"].get("name"), str):
        raise InvalidInitialize("its initialize result has an invalid 'instructions' or 'serverInfo'")
    return result


def _describe(err: BaseException) -> str:
    """One line on why an upstream failed, in mcp-guard's own words: what a server says in its error
    goes to our log, never to the client (it would reach the model through `instructions`)."""
    if isinstance(err, RemoteError):
        code = err.error.get("code")
        log.warning("upstream answered initialize with an error: %r", str(err.error.get("message"))[:500])
        return "initialize failed" + (f" (error {code})" if isinstance(code, int) and not isinstance(code, bool)
                                      else "")
    if isinstance(err, InvalidInitialize):
        return f"answered initialize with an invalid result: {err}"
    if isinstance(err, TimeoutError):
        return "no answer to initialize"
    if isinstance(err, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in err.exceptions)
    import httpx2 as httpx  # the SDK's HTTP client (mcp 2.x), whose errors these are

    if isinstance(err, httpx.HTTPStatusError):  # its reason phrase is the server's
        return f"answered HTTP {err.response.status_code}"
    ours = isinstance(err, GuardError | ProtocolError | OSError) or (
        isinstance(err, httpx.TransportError) and not isinstance(err, httpx.ProtocolError))  # connect, timeouts
    if not ours and str(err).strip():  # another library's message may quote what the server sent
        log.warning("upstream failed: %s", str(err)[:500])
        return f"{type(err).__name__} (the details are in mcp-guard's log)"
    lines = str(err).strip().splitlines()
    return lines[0][:200] if lines else type(err).__name__


def start_early(config: Config, names: list[str], envs: dict[str, dict[str, str | None]]) -> dict[str, ChildProcess]:
    """Start the stdio servers that need no check before launch, before the proxy has even loaded
    its guards, so that a client's cold start waits for one start-up, not two in a row. A server
    with a provenance policy is started only after it is verified, and a bare command only with the
    program that `runner.pin_programs` will accept (`prelaunch.pin_accepts`)."""
    from mcp_guard.proxy.prelaunch import launch, pin_accepts, start

    database = config.db_path if config.storage.url is None else None
    started: dict[str, ChildProcess] = {}
    for name in names:
        spec = launch(config.upstreams[name], envs.get(name))
        if spec is None or not pin_accepts(database, name, spec):
            continue
        try:
            started[name] = start(spec)
        except OSError:
            continue  # the regular launch reports it, in the client's initialize answer
    return started
