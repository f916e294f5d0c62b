"""Assembles a running proxy: config → guards, store, audit → relay on a downstream channel."""

from __future__ import annotations

import logging
import os
import shlex
import sys
import uuid
from pathlib import Path
from typing import Any

from mcp_guard.config import Config, UpstreamConfig
from mcp_guard.errors import ConfigError
from mcp_guard.guards.base import Decision, Guard, SessionInfo, ToolCall
from mcp_guard.guards.chain import GuardChain
from mcp_guard.guards.tool_filter import ToolFilterGuard
from mcp_guard.proxy.channels import Channel
from mcp_guard.proxy.relay import Relay
from mcp_guard.proxy.routing import UPSTREAM_NAME

log = logging.getLogger("mcp_guard")


def setup_logging(verbose: bool = False) -> None:
    """Logs go to stderr (stdout carries the protocol in `run`); MCP_GUARD_LOG=debug for more."""
    level = os.environ.get("MCP_GUARD_LOG", "debug" if verbose else "warning").upper()
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level, logging.WARNING),
                        format="mcp-guard: %(message)s")


def adhoc_name(command: str, args: list[str]) -> str:
    """A readable upstream name for `run -- CMD ARGS`: the package or script it runs."""
    words = [command, *args]
    runners = {"npx", "uvx", "pipx", "bunx", "node", "python", "python3", "uv", "deno", "docker"}
    for word in words:
        base = Path(word).name
        if word.startswith("-") or base in runners or word in {"run", "exec", "--from"}:
            continue
        if word.startswith("@"):  # @scope/package@version
            base = word.split("/", 1)[-1]
        base = base.split("@")[0]
        base = base.removesuffix(".py").removesuffix(".js")
        cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in base).strip("-.")
        if cleaned:
            return cleaned
    return "upstream"


def _host_name(url: str) -> str:
    from urllib.parse import urlparse

    host = urlparse(url).hostname or "remote"
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in host)


def select_upstreams(config: Config, *, names: list[str] | None = None, command: list[str] | None = None,
                     name: str | None = None, url: str | None = None, headers: dict[str, str] | None = None,
                     transport: str | None = None) -> list[str]:
    """Decide which upstreams this proxy fronts, adding an ad-hoc one to `config` for CMD or URL.

    An ad-hoc upstream whose name is also in the config keeps that entry's policy (trust, tools,
    provenance, scan, secrets) with the command or URL given on the command line.
    """
    if command or url:
        upstream_name = name or (adhoc_name(command[0], command[1:]) if command else _host_name(url or ""))
        base = config.upstreams.get(upstream_name)
        fields: dict[str, Any] = {}
        if base:
            fields = base.model_dump(exclude={"command", "args", "url", "transport", "headers"})
        if command:
            fields.update(command=command[0], args=command[1:], transport="stdio")
        else:
            fields.update(url=url, headers={**(base.headers if base else {}), **(headers or {})}, transport=transport)
        config.upstreams[upstream_name] = UpstreamConfig.model_validate(fields)
        selected = [upstream_name]
    elif names:
        for n in names:
            config.upstream(n)
        selected = names
    else:
        selected = list(config.upstreams)
        if not selected:
            raise ConfigError(
                "no upstream: give a command after '--', --url URL, or define [upstreams.NAME] in the config")
    for n in selected:
        if not UPSTREAM_NAME.match(n) or config.proxy.separator in n:
            raise ConfigError(f"upstream name {n!r} must be letters, digits, '-', '_' or '.' and must not "
                              f"contain the separator {config.proxy.separator!r}")
    return selected


def build_guards(config: Config, store: Any) -> list[Guard]:
    """The guards in the order they decide: config lists, provenance, review, intent, result scan."""
    return [ToolFilterGuard({n: u.tools for n, u in config.upstreams.items()})]


def new_session(intent: str | None = None, profile: str | None = None) -> SessionInfo:
    return SessionInfo(id=uuid.uuid4().hex, intent=intent, profile=profile)


class Proxy:
    """What every session of one proxy process shares: config, store, guards."""

    def __init__(self, config: Config, upstreams: list[str], *, store: Any = None) -> None:
        self.config = config
        self.upstream_names = upstreams
        self.store = store
        self.guards = GuardChain(build_guards(config, store))

    async def serve_session(self, client: Channel, session: SessionInfo) -> None:
        relay = Relay(client, self.config, self.upstream_names, self.guards, session,
                      audit=self._audit_hook(session), hold=self._hold_hook(session))
        await relay.run()

    def _audit_hook(self, session: SessionInfo):
        return None

    def _hold_hook(self, session: SessionInfo):
        async def hold(call: ToolCall, decision: Decision) -> str:
            return (f"{decision.reason}. This call needs a person's approval and this client cannot ask one; "
                    "run the proxy with a client that supports elicitation.")
        return hold


def describe_command(command: list[str]) -> str:
    return shlex.join(command)
