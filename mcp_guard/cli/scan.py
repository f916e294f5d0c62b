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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_guard.errors import GuardError
from mcp_guard.kinds import LISTED

if TYPE_CHECKING:
    pass

# list method -> (key in the result, the scanner's kind, the capability that offers it)
LISTS = {k.list_method: (k.result_key, k.singular, k.capability) for k in LISTED}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scan",
        help="scan servers' tools, prompts, resources and instructions for poisoning",
        description="Scan what MCP servers give the model for hidden instructions, shadowing, invisible "
        "characters, terminal escapes and encoded payloads. Exit 1 when a high-severity finding exists.",
    )
    p.add_argument("upstreams", nargs="*", metavar="UPSTREAM", help="configured upstream(s) to connect to")
    p.add_argument("--file", "-f", action="append", default=[], metavar="TOOLS.json", help="a saved list (repeatable)")
    p.add_argument("--min-severity", choices=("low", "medium", "high"), default=None,
                   help="hide milder findings (default: medium, the threshold review and the result guard use; "
                   "low adds hints such as phrases that only sound like instructions)")
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


async def fetch_live(config: Any, name: str) -> dict[str, Any]:
    """Everything the server lists, as the raw dicts it sent, keyed as on the wire."""
    from mcp_guard.manifest import LIST_METHODS
    from mcp_guard.upstream_client import snapshot

    lists = await snapshot(config, name)
    server = lists.get("server", [{}])[0]
    listing: dict[str, Any] = {"initialize": {"serverInfo": server.get("serverInfo", {}),
                                              "instructions": server.get("instructions")}}
    for kind, items in lists.items():
        if kind in LIST_METHODS:
            listing[LIST_METHODS[kind][1]] = items
    return listing


async def _fetch_all(names: list[str], config) -> dict[str, dict[str, Any]]:
    return {name: await fetch_live(config, name) for name in names}


# --- scanning and reporting ----------------------------------------------------------------------


def scan_servers(servers: dict[str, dict[str, Any]], min_severity: str | None = None) -> list[dict[str, Any]]:
    """Every finding at or above `min_severity` (the scanner's default threshold when None), each
    naming its server and item; a server's tools are checked against the other servers' tool names."""
    from mcp_guard.scan import DEFAULT_THRESHOLD, RANK, scan_item

    min_severity = min_severity or DEFAULT_THRESHOLD
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
            own = names[server] if kind == "tool" else ()
            for f in scan_item(kind, item, other_tools=others if kind == "tool" else (), own_tools=own):
                if RANK[f.severity] >= RANK[min_severity]:
                    rows.append({"server": server, "item_kind": kind, "item": label, **f.to_dict()})
    order = {"high": 0, "medium": 1, "low": 2}
    rows.sort(key=lambda r: (order[r["severity"]], r["server"], r["item"], r["field"], r["start"]))
    return rows


def _render(rows: list[dict[str, Any]], servers: dict[str, dict[str, Any]]) -> None:
    """Findings grouped by server and item, worst first; hidden characters shown as escapes."""
    from rich.text import Text

    from mcp_guard.cli.literal import console as literal_console
    from mcp_guard.cli.literal import visible

    # Text objects, never markup: server names, item names and fields are the server's own strings.
    console = literal_console()
    counts = {s: sum(1 for r in rows if r["severity"] == s) for s in ("high", "medium", "low")}
    items = sum(len(v) for listing in servers.values() for v in listing.values() if isinstance(v, list))
    colour = {"high": "bold red", "medium": "yellow", "low": "dim"}
    current = None
    for r in rows:
        key = (r["server"], r["item_kind"], r["item"])
        if key != current:
            current = key
            head = Text("\n")
            head.append(visible(str(r["server"])), style="bold")
            head.append(f" › {r['item_kind']} ")
            head.append(visible(str(r["item"])), style="bold")
            console.print(head)
        excerpt = r["excerpt"].encode("unicode_escape").decode("ascii")
        via = f" (hidden in {r['via']})" if r.get("via") else ""
        line = Text("  ")
        line.append(f"{r['severity']:<6}", style=colour[r["severity"]])
        line.append(visible(f" {r['kind']}{via}  {r['field']}[{r['start']}:{r['end']}]  {excerpt[:60]!r}\n"
                            f"         {r['explanation']}"))
        console.print(line)
    summary = f"{counts['high']} high, {counts['medium']} medium, {counts['low']} low"
    if rows:
        console.print(Text(f"\n{summary} in {items} items of {len(servers)} server(s)"))
    else:
        done = Text("no findings", style="green")
        done.append(f" in {items} items of {len(servers)} server(s)")
        console.print(done)


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
