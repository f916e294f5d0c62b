"""Client server entries: what shape each is, and how it reads once it runs through mcp-guard.

A stdio entry keeps its command line in view: `mcp-guard run --name NAME -- CMD ARGS...`, env as it
was, so anyone reading the client's config sees what runs, and the client still hands the server its
env. A remote (HTTP/SSE) entry becomes a stdio entry `mcp-guard run --upstream NAME`: mcp-guard's
config holds the URL and connects to it. Only `command`, `args` (and, for remote entries, `type`,
`url`, `headers`) are owned by mcp-guard; every other key of an entry stays where it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["stdio", "remote", "wrapped"]
GUARD = "mcp-guard"
REMOTE_TYPES = {"http": "streamable-http", "streamable-http": "streamable-http", "sse": "sse"}


class EntryShapeError(ValueError):
    """An entry mcp-guard does not know how to run; the message says what is off."""


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def is_guard_command(command: Any) -> bool:
    if not isinstance(command, str):
        return False
    base = command.replace("\\", "/").rsplit("/", 1)[-1]
    return base.removesuffix(".exe") == GUARD


def kind_of(entry: Any) -> Kind:
    """Classify an entry, or raise EntryShapeError saying what does not fit."""
    if not isinstance(entry, dict):
        raise EntryShapeError(f"is a {type(entry).__name__}, not an object")
    kind = entry.get("type")
    if "command" in entry and "url" in entry:
        raise EntryShapeError("has both 'command' and 'url'")
    if "command" in entry:
        if kind not in (None, "stdio"):
            raise EntryShapeError(f"has a 'command' but type {kind!r}")
        if not isinstance(entry["command"], str) or not entry["command"]:
            raise EntryShapeError("'command' must be a non-empty string")
        if "args" in entry and not _strings(entry["args"]):
            raise EntryShapeError("'args' must be a list of strings")
        if "env" in entry and not _string_map(entry["env"]):
            raise EntryShapeError("'env' must map names to strings")
        if is_guard_command(entry["command"]) and "run" in entry.get("args", []):
            return "wrapped"
        return "stdio"
    if "url" in entry:
        if kind is not None and kind not in REMOTE_TYPES:
            raise EntryShapeError(f"type {kind!r} is not one mcp-guard can connect to (http or sse)")
        if not isinstance(entry["url"], str) or not entry["url"]:
            raise EntryShapeError("'url' must be a non-empty string")
        if "headers" in entry and not _string_map(entry["headers"]):
            raise EntryShapeError("'headers' must map names to strings")
        return "remote"
    raise EntryShapeError("has neither 'command' nor 'url'" + (f" (type {kind!r})" if kind else ""))


def _replace_keys(entry: dict, owned: set[str], at: str, new: dict) -> dict:
    """`entry` with the `owned` keys dropped and `new` put where key `at` was (or first)."""
    out: dict = {}
    placed = False
    for key, value in entry.items():
        if key == at:
            out.update(new)
            placed = True
        elif key not in owned:
            out[key] = value
    if not placed:
        out = {**new, **out}
    return out


def wrap_entry(entry: dict, upstream: str, guard_args: list[str], command: str = GUARD) -> dict:
    """The entry as it reads when it runs through mcp-guard (registered as `upstream`)."""
    if kind_of(entry) == "stdio":
        args = [*guard_args, "run", "--name", upstream, "--", entry["command"], *entry.get("args", [])]
        wrapped = _replace_keys(entry, {"command", "args"}, "command", {"command": command, "args": args})
        return wrapped
    new = {"command": command, "args": [*guard_args, "run", "--upstream", upstream]}
    wrapped = _replace_keys(entry, {"url", "headers", "command", "args"}, "url", new)
    if "type" in wrapped:
        wrapped["type"] = "stdio"
    return wrapped


def registration(entry: dict) -> dict[str, Any]:
    """The upstream table to register in mcp-guard's config for an unwrapped entry.

    Env values are not copied, nor declared as `secrets`: they may be secrets, and the client still
    passes them to `mcp-guard run`, whose server inherits them by name (`pass_env`). (Declared
    `secrets` are scoped credentials, withheld from sessions whose profile does not grant them.)
    """
    if kind_of(entry) == "stdio":
        reg: dict[str, Any] = {"command": entry["command"], "args": list(entry.get("args", []))}
        if isinstance(entry.get("env"), dict) and entry["env"]:
            reg["pass_env"] = sorted(entry["env"])
        if isinstance(entry.get("cwd"), str):
            reg["cwd"] = entry["cwd"]
        return reg
    reg = {"url": entry["url"], "transport": REMOTE_TYPES[entry.get("type") or "http"]}
    if entry.get("headers"):
        reg["headers"] = dict(entry["headers"])
    return reg


def same_server(reg: dict[str, Any], existing: dict[str, Any]) -> bool:
    """Whether an upstream already in the config runs the same server as a registration would."""
    keys = ("command", "args", "url", "cwd")  # one program in two projects is two servers
    return all((reg.get(k) or None) == (existing.get(k) or None) for k in keys)


@dataclass(frozen=True)
class Wrapped:
    """What a wrapped entry's mcp-guard command line says."""

    upstream: str
    by_name: bool  # `--name NAME -- CMD ARGS` (stdio) rather than `--upstream NAME`
    command: str | None
    args: list[str]


def read_wrapped(entry: dict) -> Wrapped | None:
    """Parse `mcp-guard [--config F] run (--name N -- CMD ARGS | --upstream N)`; None if not that."""
    args = list(entry.get("args", []))
    if "run" not in args:
        return None
    rest = args[args.index("run") + 1 :]
    name: str | None = None
    by_name = False
    while rest:
        flag = rest.pop(0)
        if flag == "--":
            break
        if flag in ("--name", "--upstream") and rest:
            name, by_name = rest.pop(0), flag == "--name"
    if name is None:
        return None
    if by_name:
        if not rest:
            return None
        return Wrapped(name, True, rest[0], rest[1:])
    return Wrapped(name, False, None, [])


def unwrap_entry(entry: dict, upstream_config: dict[str, Any] | None) -> dict:
    """Rebuild an original entry from its wrapped form (when no exact record of it is left)."""
    form = read_wrapped(entry)
    if form is None:
        raise EntryShapeError("runs mcp-guard but not as `mcp-guard run --name N -- CMD` or `--upstream N`")
    if form.by_name:
        return _replace_keys(entry, {"command", "args"}, "command", {"command": form.command, "args": form.args})
    if not upstream_config or not upstream_config.get("url"):
        raise EntryShapeError(f"points at upstream {form.upstream!r}, which is not a remote server in the config")
    new: dict[str, Any] = {"url": upstream_config["url"]}
    if upstream_config.get("headers"):
        new["headers"] = dict(upstream_config["headers"])
    restored = _replace_keys(entry, {"command", "args"}, "command", new)
    if "type" in restored:
        restored["type"] = "sse" if upstream_config.get("transport") == "sse" else "http"
    return restored


def guard_command() -> str:
    """How a client should start mcp-guard (see `guard_launch`)."""
    return guard_launch()[0]


def guard_launch() -> tuple[str, str | None]:
    """How a client should start mcp-guard, and what to tell the person about it: by name when it is
    on PATH, else by its full path. On PATH only through an activated virtual environment counts as
    not on it: the client starts outside that shell, with its own PATH."""
    import shutil
    import sys

    found = shutil.which(GUARD)
    venv = venv_of(found) if found else None
    if found and venv is None:
        return GUARD, None
    if found and venv is not None:
        path = os.path.abspath(found)
        return path, (f"{GUARD} is on PATH through the activated virtual environment {venv}: a client started "
                      f"outside this shell may not find it by name, so its entries run {path}")
    beside = os.path.join(os.path.dirname(sys.executable), GUARD)
    return (beside, None) if os.path.exists(beside) else (GUARD, None)


def only_in_venv(command: str) -> tuple[str, str] | None:
    """Where `command` is found by name, and the activated virtual environment it is found through, when
    that is the only way it is found: a client starts its servers outside this shell, with its own PATH.
    None for a command given by its path: no PATH is searched for it."""
    import shutil

    if os.sep in command:
        return None
    found = shutil.which(command)
    venv = venv_of(found) if found else None
    return (found, venv) if found and venv else None


def venv_of(executable: str) -> str | None:
    """The activated virtual environment ($VIRTUAL_ENV) that `executable` lives in, if any."""
    from pathlib import Path

    venv = os.environ.get("VIRTUAL_ENV")
    if not venv:
        return None
    return venv if Path(executable).resolve().is_relative_to(Path(venv).resolve()) else None
