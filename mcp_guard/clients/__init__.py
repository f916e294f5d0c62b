"""The MCP clients whose config files `mcp-guard wrap` rewrites, one module per file format."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mcp_guard.clients import claude_code, claude_desktop, cursor, vscode
from mcp_guard.clients.base import Location

CLIENTS = {m.NAME: m for m in (claude_code, claude_desktop, cursor, vscode)}


def locations(client: str = "all", scope: str | None = None, project: Path | None = None) -> list[Location]:
    """Every servers object of the chosen clients and scopes, whether or not its file exists."""
    project = (project or Path.cwd()).resolve()
    chosen = list(CLIENTS.values()) if client == "all" else [CLIENTS[client]]
    found: list[Location] = []
    for module in chosen:
        for s in module.SCOPES:
            if scope is None or s == scope:
                found.extend(replace(loc, project=project) if s != "user" else loc
                             for loc in module.locations(s, project))
    return found
