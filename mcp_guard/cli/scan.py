"""CLI: `mcp-guard scan [UPSTREAM ...] [--file TOOLS.json ...] [--json]`.

Scans what servers give the model (tools, prompts, resources, server instructions) and reports each
finding with the item it belongs to. Sources: live upstreams from the config (all of them when none is
named), or saved lists: `{"tools": [...]}`, a `tools/list` JSON-RPC response, a captured
`{"initialize": ..., "tools/list": ...}` file, or a bare list of tools. Each server's tools are
checked against the other servers' tool names (shadowing). Exit 1 when a high-severity finding exists.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_guard.errors import GuardError

if TYPE_CHECKING:
    from mcp_guard.config import UpstreamConfig

CONNECT_TIMEOUT = 60.0  # seconds for one upstream to start, initialize and list everything
MAX_PAGES = 1000
# list method -> (key in the result, the scanner's kind, the capability that offers it)
LISTS = {
    "tools/list": ("tools", "tool", "tools"),
    "prompts/list": ("prompts", "prompt", "prompts"),
    "resources/list": ("resources", "resource", "resources"),
    "resources/templates/list": ("resourceTemplates", "resourceTemplate", "resources"),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scan",
        help="scan servers' tools, prompts, resources and instructions for poisoning",
        description="Scan what MCP servers give the model for hidden instructions, shadowing, invisible "
        "characters, terminal escapes and encoded payloads. Exit 1 when a high-severity finding exists.",
    )
    p.add_argument("upstreams", nargs="*", metavar="UPSTREAM", help="configured upstream(s) to connect to")
    p.add_argument("--file", "-f", action="append", default=[], metavar="TOOLS.json", help="a saved list (repeatable)")
    p.add_argument("--min-severity", choices=("low", "medium", "high"), default="low", help="hide milder findings")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(func=cmd_scan)


# --- sources -------------------------------------------------------------------------------------


def load_file(path: Path) -> dict[str, Any]:
    """A saved server listing as {"tools": [...], "prompts": [...], ..., "initialize": {...}}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GuardError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise GuardError(f"{path}: cannot read: {err}") from None
    except json.JSONDecodeError as err:
        raise GuardError(f"{path}: not valid JSON: {err}") from None
    if isinstance(data, list):
        data = {"tools": data}
    if not isinstance(data, dict):
        raise GuardError(f"{path}: expected a JSON object or a list of tools")
    if isinstance(data.get("result"), dict):  # a JSON-RPC response
        data = data["result"]
    listing: dict[str, Any] = {}
    for method, (key, _, _) in LISTS.items():
        part = data.get(method) if isinstance(data.get(method), dict) else data
        if isinstance(part.get(key), list):
            listing[key] = part[key]
    init = data.get("initialize")
    if isinstance(init, dict):
        listing["initialize"] = init.get("result", init)
    elif isinstance(data.get("instructions"), str):
        listing["initialize"] = {"instructions": data["instructions"], "serverInfo": data.get("serverInfo") or {}}
    if not any(k in listing for k, _, _ in LISTS.values()):
        raise GuardError(f'{path}: no tools, prompts or resources found (expected {{"tools": [...]}})')
    for key, _, _ in LISTS.values():
        bad = [i for i, item in enumerate(listing.get(key, [])) if not isinstance(item, dict)]
        if bad:
            raise GuardError(f"{path}: {key}[{bad[0]}] is not an object")
    return listing


def _secrets_env(upstream: UpstreamConfig) -> dict[str, str]:
    import os

    env: dict[str, str] = {}
    for name, source in upstream.secrets.items():
        kind, _, ref = source.partition(":")
        if kind == "env" and ref in os.environ:
            env[name] = os.environ[ref]
        elif kind == "file":
            try:
                env[name] = Path(os.path.expanduser(ref)).read_text(encoding="utf-8").strip()
            except OSError as err:
                raise GuardError(f"secret {name}: cannot read {ref}: {err.strerror}") from None
    return env


@asynccontextmanager
async def _session(upstream: UpstreamConfig) -> AsyncIterator[tuple[Any, Any]]:
    """An initialized SDK client session on one configured upstream, and its initialize result."""
    import os
    import tempfile

    from mcp.client.session import ClientSession

    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as errlog:
        if upstream.transport == "stdio":
            from mcp.client.stdio import StdioServerParameters, get_default_environment, stdio_client

            params = StdioServerParameters(
                command=os.path.expanduser(upstream.command or ""),
                args=upstream.args,
                env={**get_default_environment(), **upstream.env, **_secrets_env(upstream)},
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
        async with transport as streams, ClientSession(streams[0], streams[1]) as session:
            init = await session.initialize()
            yield session, init


async def fetch_live(upstream: UpstreamConfig) -> dict[str, Any]:
    """Everything the server lists, as the raw dicts it sent (typed models would drop unknown fields)."""
    import mcp.types as types
    from pydantic import TypeAdapter

    requests = {
        "tools/list": types.ListToolsRequest,
        "prompts/list": types.ListPromptsRequest,
        "resources/list": types.ListResourcesRequest,
        "resources/templates/list": types.ListResourceTemplatesRequest,
    }
    raw = TypeAdapter(dict[str, Any])
    async with _session(upstream) as (session, init):
        caps = init.capabilities.model_dump(by_alias=True, exclude_none=True, mode="json")
        listing: dict[str, Any] = {
            "initialize": {
                "serverInfo": init.server_info.model_dump(by_alias=True, exclude_none=True, mode="json"),
                "instructions": init.instructions,
            }
        }
        for method, (key, _, capability) in LISTS.items():
            if capability not in caps:
                continue
            items: list[dict[str, Any]] = []
            cursor = None
            for _ in range(MAX_PAGES):
                req = requests[method](params={"cursor": cursor}) if cursor else requests[method]()
                page = await session.send_request(req, raw)
                items.extend(i for i in page.get(key) or [] if isinstance(i, dict))
                cursor = page.get("nextCursor")
                if not cursor:
                    break
            listing[key] = items
        return listing


async def _fetch_all(names: list[str], config) -> dict[str, dict[str, Any]]:
    import anyio

    out: dict[str, dict[str, Any]] = {}
    for name in names:
        up = config.upstream(name)
        try:
            with anyio.fail_after(CONNECT_TIMEOUT):
                out[name] = await fetch_live(up)
        except TimeoutError:
            raise GuardError(f"upstream {name!r}: no answer within {CONNECT_TIMEOUT:.0f} s") from None
        except GuardError:
            raise
        except Exception as err:  # any transport or protocol failure: one line, not a traceback
            raise GuardError(f"upstream {name!r}: cannot connect and list: {_first_line(err)}") from None
    return out


def _first_line(err: BaseException) -> str:
    while isinstance(err, BaseExceptionGroup) and err.exceptions:
        err = err.exceptions[0]
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


# --- scanning and reporting ----------------------------------------------------------------------


def scan_servers(servers: dict[str, dict[str, Any]], min_severity: str = "low") -> list[dict[str, Any]]:
    """Every finding, each naming its server and item; a server's tools are checked against the
    other servers' tool names."""
    from mcp_guard.scan import RANK, scan_item

    names = {
        s: [t.get("name") for t in listing.get("tools", []) if isinstance(t.get("name"), str)]
        for s, listing in servers.items()
    }
    rows = []
    for server, listing in servers.items():
        others = [n for s, ns in names.items() if s != server for n in ns]
        init = listing.get("initialize")
        items: list[tuple[str, str, dict[str, Any]]] = []
        if init:
            items.append(
                ("server", "(server)", {k: init.get(k) for k in ("serverInfo", "instructions") if init.get(k)})
            )
        for key, kind, _ in LISTS.values():
            for item in listing.get(key, []):
                label = item.get("name") or item.get("uri") or item.get("uriTemplate") or "?"
                items.append((kind, str(label), item))
        for kind, label, item in items:
            for f in scan_item(kind, item, other_tools=others if kind == "tool" else ()):
                if RANK[f.severity] >= RANK[min_severity]:
                    rows.append({"server": server, "item_kind": kind, "item": label, **f.to_dict()})
    order = {"high": 0, "medium": 1, "low": 2}
    rows.sort(key=lambda r: (order[r["severity"]], r["server"], r["item"], r["field"], r["start"]))
    return rows


def _render(rows: list[dict[str, Any]], servers: dict[str, dict[str, Any]]) -> None:
    """Findings grouped by server and item, worst first; hidden characters shown as escapes."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    counts = {s: sum(1 for r in rows if r["severity"] == s) for s in ("high", "medium", "low")}
    items = sum(len(v) for listing in servers.values() for v in listing.values() if isinstance(v, list))
    colour = {"high": "bold red", "medium": "yellow", "low": "dim"}
    current = None
    for r in rows:
        key = (r["server"], r["item_kind"], r["item"])
        if key != current:
            current = key
            console.print(f"\n[bold]{escape(r['server'])}[/] › {r['item_kind']} [bold]{escape(r['item'])}[/]")
        excerpt = r["excerpt"].encode("unicode_escape").decode("ascii")
        via = f" (hidden in {r['via']})" if r.get("via") else ""
        console.print(
            f"  [{colour[r['severity']]}]{r['severity']:<6}[/] {r['kind']}{via}  "
            f"{escape(r['field'])}[{r['start']}:{r['end']}]  {escape(repr(excerpt[:60]))}\n"
            f"         {escape(r['explanation'])}"
        )
    summary = f"{counts['high']} high, {counts['medium']} medium, {counts['low']} low"
    console.print(
        f"\n{summary} in {items} items of {len(servers)} server(s)"
        if rows
        else f"[green]no findings[/] in {items} items of {len(servers)} server(s)"
    )


def cmd_scan(args: argparse.Namespace) -> int:
    servers: dict[str, dict[str, Any]] = {}
    for f in args.file:
        path = Path(f)
        name = path.name.removesuffix(".json").removesuffix(".tools")
        while name in servers:
            name += "'"
        servers[name] = load_file(path)
    if args.upstreams or not args.file:
        import anyio

        from mcp_guard.config import load_config

        config = load_config(args.config)
        names = args.upstreams or list(config.upstreams)
        if not names:
            raise GuardError("nothing to scan: name an UPSTREAM from the config or give --file TOOLS.json")
        for name in names:
            config.upstream(name)  # an unknown name is a one-line error before anything starts
        servers.update(anyio.run(_fetch_all, names, config))
    rows = scan_servers(servers, args.min_severity)
    if args.json:
        print(json.dumps({"servers": sorted(servers), "findings": rows}, indent=2, ensure_ascii=True))
    else:
        _render(rows, servers)
    return 1 if any(r["severity"] == "high" for r in rows) else 0
