"""Cursor: `~/.cursor/mcp.json` (user) and `.cursor/mcp.json` (project)."""

from __future__ import annotations

from pathlib import Path

from mcp_guard.clients.base import Location, home

NAME = "cursor"
SCOPES = ("project", "user")


def locations(scope: str, project: Path) -> list[Location]:
    folder = project if scope == "project" else home()
    return [Location(NAME, scope, folder / ".cursor" / "mcp.json", ("mcpServers",))]
