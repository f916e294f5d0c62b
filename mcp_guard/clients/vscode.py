"""VS Code: `.vscode/mcp.json` (project) and the user profile's `mcp.json`, servers under `servers`.

VS Code reads these files as JSONC: comments and trailing commas are allowed and kept.
"""

from __future__ import annotations

from pathlib import Path

from mcp_guard.clients.base import Location, config_home

NAME = "vscode"
SCOPES = ("project", "user")


def locations(scope: str, project: Path) -> list[Location]:
    path = project / ".vscode" / "mcp.json" if scope == "project" else config_home() / "Code" / "User" / "mcp.json"
    return [Location(NAME, scope, path, ("servers",), comments=True)]
