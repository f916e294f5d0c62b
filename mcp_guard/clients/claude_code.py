"""Claude Code: `.mcp.json` (project), `~/.claude.json` top-level (user) and per-project (local) servers."""

from __future__ import annotations

import os
from pathlib import Path

from mcp_guard.clients.base import Location, home

NAME = "claude-code"
SCOPES = ("project", "user", "local")


def user_file() -> Path:
    # CLAUDE_CONFIG_DIR moves Claude Code's whole configuration, this file included.
    base = os.environ.get("CLAUDE_CONFIG_DIR")
    return (Path(base) if base else home()) / ".claude.json"


def locations(scope: str, project: Path) -> list[Location]:
    if scope == "project":
        return [Location(NAME, scope, project / ".mcp.json", ("mcpServers",))]
    if scope == "user":
        return [Location(NAME, scope, user_file(), ("mcpServers",))]
    # Local scope: servers private to one project, keyed by the project's absolute path.
    return [Location(NAME, scope, user_file(), ("projects", str(project), "mcpServers"))]
