"""Claude Desktop: `claude_desktop_config.json` in the per-user application folder."""

from __future__ import annotations

from pathlib import Path

from mcp_guard.clients.base import Location, config_home

NAME = "claude-desktop"
SCOPES = ("user",)


def locations(scope: str, project: Path) -> list[Location]:
    path = config_home() / "Claude" / "claude_desktop_config.json"
    return [Location(NAME, scope, path, ("mcpServers",))]
