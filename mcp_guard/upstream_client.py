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

    def __init__(self, name: str, session: Any, init: Any) -> None:
        self.name = name
        self.session = session
        self.server_info = init.server_info.model_dump(by_alias=True, exclude_none=True, mode="json")
        self.capabilities = init.capabilities.model_dump(by_alias=True, exclude_none=True, mode="json")
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
    a stdio server gets `env` (secrets, a client's env) on top of its own."""
    import os
    import tempfile

    from mcp.client.session import ClientSession

    errlog = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    try:
        if upstream.transport == "stdio":
            from mcp.client.stdio import StdioServerParameters, get_default_environment, stdio_client

            params = StdioServerParameters(
                command=os.path.expanduser(upstream.command or ""),
                args=upstream.args,
                env={**get_default_environment(), **upstream.env, **(env or {})},
                cwd=upstream.cwd,
            )
            transport = stdio_client(params, errlog=errlog)
        elif upstream.transport == "sse":
            from mcp.client.sse import sse_client

            transport = sse_client(upstream.url or "", headers=upstream.headers or None)
        else:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            client = httpx2.AsyncClient(headers=upstream.headers, timeout=httpx2.Timeout(30.0, read=300.0))
            transport = streamable_http_client(upstream.url or "", http_client=client)
        async with transport as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write, message_handler=message_handler) as session:
                init = await session.initialize()
                yield SdkUpstream(name, session, init)
    finally:
        errlog.close()


async def snapshot(config: Config, name: str, env: dict[str, str] | None = None,
                   timeout: float = CONNECT_TIMEOUT) -> dict[str, list[dict[str, Any]]]:
    """Everything an upstream serves now, by kind (the server's identity under `server`), with the
    secrets this environment holds for it (and `env` on top); one `GuardError` line on failure."""
    import anyio

    from mcp_guard.guards.manifest import fetch_all, offered_kinds, permitted
    from mcp_guard.intent.credentials import available_secrets
    from mcp_guard.manifest import server_definition

    upstream = config.upstream(name)
    if upstream.provenance is not None and upstream.provenance.mode != "off":  # the proxy's own launch gate
        from mcp_guard.provenance.gate import admit_configured

        upstream = await anyio.to_thread.run_sync(admit_configured, config, name, upstream)
    secrets, _ = available_secrets(config, name)
    try:
        with anyio.fail_after(timeout):
            async with connect(name, upstream, {**secrets, **(env or {})}) as up:
                lists = {"server": [server_definition(up.server_info, up.instructions)]}
                for kind in offered_kinds(up.capabilities):
                    lists[kind] = await fetch_all(up, kind)
                # Tools the config's filter hides are never served: they need no review.
                lists["tool"] = [t for t in lists.get("tool", []) if permitted(upstream.tools, str(t.get("name")))]
                return lists
    except TimeoutError:
        raise GuardError(f"upstream {name!r}: no answer within {timeout:.0f} s") from None
    except GuardError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure to reach a server is reported in one line
        raise GuardError(f"upstream {name!r}: cannot connect or list: {one_line(err)}") from None


def one_line(err: BaseException) -> str:
    if isinstance(err, BaseExceptionGroup) and err.exceptions:
        return one_line(err.exceptions[0])
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__
