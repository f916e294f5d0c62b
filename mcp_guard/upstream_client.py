"""Talking to a configured upstream directly with the `mcp` SDK client, outside the proxy.

`bom generate` / `bom check`, `scan`, `doctor` and `wrap` need to see what a server serves without a
client in front of it. Results are kept as the raw dicts the server sent (typed models drop fields a
fingerprint must cover), so they fingerprint exactly as the proxy's own listings do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp_guard.config import Config, UpstreamConfig
from mcp_guard.errors import GuardError
from mcp_guard.kinds import LISTED

CONNECT_TIMEOUT = 60.0  # seconds for one upstream to start, initialize and list everything


class SdkUpstream:
    """An SDK `ClientSession` seen through the guard contract's `Upstream` protocol (raw dict results)."""

    _REQUESTS = {k.list_method: k.sdk_request for k in LISTED} | {"tools/call": "CallToolRequest"}

    def __init__(self, name: str, session: Any, init: Any, raw_init: dict[str, Any] | None = None) -> None:
        self.name = name
        self.session = session
        # The initialize result as the server sent it (the SDK's models drop unknown keys, inside
        # serverInfo's icons too): fingerprinted exactly as the proxy fingerprints it.
        raw = raw_init or {}
        info, caps = raw.get("serverInfo"), raw.get("capabilities")
        self.server_info = info if isinstance(info, dict) else init.server_info.model_dump(
            by_alias=True, exclude_none=True, mode="json")
        self.capabilities = caps if isinstance(caps, dict) else init.capabilities.model_dump(
            by_alias=True, exclude_none=True, mode="json")
        self.instructions = init.instructions

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        import mcp_types as types
        from pydantic import TypeAdapter

        cls = getattr(types, self._REQUESTS[method])
        req = cls(params=params) if params else cls()
        # A dict adapter keeps the result as the server sent it: typed models drop unknown fields,
        # and a fingerprint must cover every field.
        return await self.session.send_request(req, TypeAdapter(dict[str, Any]))


@asynccontextmanager
async def connect(name: str, upstream: UpstreamConfig, env: dict[str, str] | None = None,
                  message_handler: Any = None) -> AsyncIterator[SdkUpstream]:
    """Open one configured upstream with the SDK client (stdio, streamable HTTP or SSE) and initialize;
    a stdio server gets the environment the proxy would give it, with `env` (secrets, a client's env)
    on top."""
    import os

    from mcp.client.session import ClientSession

    from mcp_guard.proxy.channels import remote_http_client

    if upstream.transport == "stdio":
        from mcp_guard.intent.credentials import upstream_env

        command = os.path.expanduser(upstream.command or "")
        transport = process_streams(name, [command, *upstream.args], upstream_env(upstream, env), upstream.launch_cwd(),
                                    isolate=upstream.isolate)
    elif upstream.transport == "sse":
        from mcp.client.sse import sse_client

        transport = sse_client(upstream.url or "", headers=upstream.headers or None,
                               httpx_client_factory=remote_http_client(upstream.proxy, name))
    else:
        from mcp.client.streamable_http import streamable_http_client

        client = remote_http_client(upstream.proxy, name)(headers=upstream.headers or None)
        transport = streamable_http_client(upstream.url or "", http_client=client)
    async with transport as streams:
        read, write = streams[0], streams[1]
        raw_init: dict[str, Any] = {}
        async with _initialize_seen(read, raw_init) as seen_read, \
                ClientSession(seen_read, write, message_handler=message_handler) as session:
            init = await session.initialize()
            yield SdkUpstream(name, session, init, raw_init)


@asynccontextmanager
async def _initialize_seen(read: Any, raw_init: dict[str, Any]) -> AsyncIterator[Any]:
    """`read` passed on unchanged, with the first result that carries `serverInfo` (the answer to
    initialize) copied into `raw_init` as the server sent it."""
    import anyio
    from mcp.shared.message import SessionMessage
    from mcp.types import JSONRPCResponse

    send, out = anyio.create_memory_object_stream[Any](0)

    async def pump() -> None:
        async with send:
            async for item in read:
                if not raw_init and isinstance(item, SessionMessage) and isinstance(item.message, JSONRPCResponse):
                    result = item.message.result
                    if isinstance(result, dict) and "serverInfo" in result:
                        raw_init.update(result)
                await send.send(item)

    async with anyio.create_task_group() as tg:
        tg.start_soon(pump)
        try:
            yield out
        finally:
            tg.cancel_scope.cancel()


class UpstreamExited(GuardError):
    """A stdio server ended (or never started); the message says how, with the end of its stderr."""


@asynccontextmanager
async def process_streams(name: str, argv: list[str], env: dict[str, str], cwd: str | None, *,
                          isolate: bool = True) -> AsyncIterator[Any]:
    """A stdio server as the SDK client's pair of streams, launched like the proxy launches it (its own
    process group, ended whole; its stderr kept), so that a failure can say how the server ended."""
    import anyio
    from mcp.shared.message import SessionMessage
    from mcp.types import jsonrpc_message_adapter

    from mcp_guard.intent.credentials import scrub
    from mcp_guard.proxy.channels import ChildProcess, ProcessChannel
    from mcp_guard.proxy.jsonrpc import MalformedMessage

    try:
        # Its stderr tail is in the error, if it fails.
        process = ChildProcess(argv, env, cwd, echo_stderr=False, isolate=isolate)
    except FileNotFoundError:
        raise UpstreamExited(f"upstream {name!r}: command not found: {argv[0]}") from None
    except OSError as err:
        raise UpstreamExited(f"upstream {name!r}: cannot start {argv[0]}: {err.strerror or err}") from None
    channel = await ProcessChannel.attach(process, max_bytes=64 * 1024 * 1024, label=f"upstream '{name}'")
    to_client, read_stream = anyio.create_memory_object_stream[Any](0)
    write_stream, from_client = anyio.create_memory_object_stream[Any](0)

    async def server_to_client() -> None:
        async with to_client:
            while True:
                try:
                    msg, _ = await channel.receive()
                    msg = scrub(msg)  # a secret it was given (its own, echoed) reaches no BOM or output
                    item: Any = SessionMessage(jsonrpc_message_adapter.validate_python(msg, by_name=False))
                except MalformedMessage as bad:
                    item = ValueError(bad.reason)
                except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                    return
                except Exception as err:  # noqa: BLE001 - a message the SDK's models refuse
                    item = err
                await to_client.send(item)

    async def client_to_server() -> None:
        async with from_client:
            async for item in from_client:
                try:
                    await channel.send(item.message.model_dump(by_alias=True, mode="json", exclude_unset=True))
                except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                    return

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server_to_client)
            tg.start_soon(client_to_server)
            try:
                yield read_stream, write_stream
            except Exception:
                if process.returncode is None:  # a server that fails usually exits: a moment for its code
                    with anyio.move_on_after(1):
                        await process.wait()
                if process.returncode is not None:
                    raise UpstreamExited(f"upstream {name!r} {process.exit_status()}") from None
                raise
            finally:
                tg.cancel_scope.cancel()
    finally:
        await channel.aclose()


async def snapshot(config: Config, name: str, env: dict[str, str] | None = None,
                   timeout: float = CONNECT_TIMEOUT) -> dict[str, list[dict[str, Any]]]:
    """Everything an upstream serves now, by kind (the server's identity under `server`), with the
    secrets this environment holds for it (and `env` on top); one `GuardError` line on failure."""
    import anyio

    from mcp_guard.guards.manifest import fetch_all, offered_kinds, permitted
    from mcp_guard.intent.credentials import available_secrets
    from mcp_guard.manifest import server_definition

    upstream = config.upstream(name)
    secrets, _ = available_secrets(config, name)
    extra: dict[str, str] | None = {**secrets, **(env or {})}
    if upstream.provenance is not None and upstream.provenance.mode != "off":  # the proxy's own launch gate
        from mcp_guard.intent.credentials import upstream_env
        from mcp_guard.provenance.gate import admit_configured

        # The gate judges the whole environment the server gets (pass_env too), and that is what it gets.
        whole = upstream_env(upstream, extra) if upstream.transport == "stdio" else {}
        upstream = await anyio.to_thread.run_sync(admit_configured, config, name, upstream, whole)
        extra = None
    try:
        with anyio.fail_after(timeout):
            async with connect(name, upstream, extra) as up:
                lists = {"server": [server_definition(up.server_info, up.instructions)]}
                for kind in offered_kinds(up.capabilities):
                    lists[kind] = await fetch_all(up, kind)
                # Tools the config's filter hides are never served: they need no review.
                lists["tool"] = [t for t in lists.get("tool", []) if permitted(upstream.tools, str(t.get("name")))]
                return lists
    except TimeoutError:
        # A slow first start (npx fetching the package, a busy machine) looks like a wrong command: say both.
        raise GuardError(f"upstream {name!r}: no answer within {timeout:.0f} s (still starting? a first start "
                         "can be slow: try again)") from None
    except GuardError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure to reach a server is reported in one line
        exited = _found(err, GuardError)  # how a stdio server ended says more than the SDK's error
        if exited is not None:
            raise exited from None
        raise GuardError(f"upstream {name!r}: cannot connect or list: {one_line(err)}") from None


def _found(err: BaseException, kind: type[GuardError]) -> GuardError | None:
    if isinstance(err, kind):
        return err
    if isinstance(err, BaseExceptionGroup):
        for inner in err.exceptions:
            found = _found(inner, kind)
            if found is not None:
                return found
    return None


def one_line(err: BaseException) -> str:
    if isinstance(err, BaseExceptionGroup) and err.exceptions:
        return one_line(err.exceptions[0])
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__
