"""Where the config file is: the paths alone, without the models that validate it (config.py), so
that `run` can find its server's entry before it loads them (see `proxy/prelaunch.py`)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

CONFIG_ENV = "MCP_GUARD_CONFIG"
DEFAULT_CONFIG_NAME = "mcp-guard.toml"


def state_dir() -> Path:
    """mcp-guard's state folder: $XDG_STATE_HOME/mcp-guard (default ~/.local/state/mcp-guard)."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "mcp-guard"


def database_file(path: str | None, source: Path | None) -> Path:
    """The SQLite file `[storage] path` names (relative to the config file's folder), or the default."""
    if not path:
        return state_dir() / "guard.db"
    p = Path(os.path.expanduser(path))
    return p if p.is_absolute() or source is None else source.parent / p


def text_digest(text: str) -> str:
    """A config text's identity, as `run` remembers the texts it accepted (sha256 of its UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def user_config_path() -> Path:
    """The user's own config: $XDG_CONFIG_HOME/mcp-guard/mcp-guard.toml (default ~/.config/…)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "mcp-guard" / DEFAULT_CONFIG_NAME


def default_config_path(*, folder: bool = True) -> Path | None:
    """The config in force when none is named: $MCP_GUARD_CONFIG, ./mcp-guard.toml (unless `folder`
    is false), then the user's."""
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    local = Path(DEFAULT_CONFIG_NAME)
    if folder and local.is_file():
        return local.resolve()
    user = user_config_path()
    return user if user.is_file() else None
