"""Where a client keeps its MCP servers: a file, and the keys that lead to the servers object."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

SCOPES = ("project", "user", "local")


@dataclass(frozen=True)
class Location:
    """One servers object in one client config file."""

    client: str  # claude-code | claude-desktop | cursor | vscode
    scope: str  # project | user | local
    path: Path  # the config file
    container: tuple[str, ...]  # keys from the top of the file to the servers object
    comments: bool = False  # the file is JSONC (comments and trailing commas allowed)
    project: Path | None = None  # project and local scopes: the folder the client starts their servers in

    @property
    def pointer(self) -> str:
        """The servers object as a JSON pointer (RFC 6901), for messages and records."""
        return "/" + "/".join(k.replace("~", "~0").replace("/", "~1") for k in self.container)

    def describe(self) -> str:
        where = f" {self.pointer}" if len(self.container) > 1 else ""
        return f"{self.client} {self.scope} scope: {self.path}{where}"


def home() -> Path:
    return Path(os.path.expanduser("~"))


def config_home() -> Path:
    """XDG config folder on Linux; the per-user application folder on macOS and Windows."""
    if sys.platform == "darwin":
        return home() / "Library" / "Application Support"
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"])
    return Path(os.environ.get("XDG_CONFIG_HOME") or home() / ".config")


def user_config_path() -> Path:
    """mcp-guard's own per-user config file: where `mcp-guard run` looks when nothing else is named."""
    from mcp_guard import config

    return config.user_config_path()
