"""The attacker's tools: a raw JSON-RPC client in front of `mcp-guard run`, malicious servers' specs,
and configs. Every attack test drives the real proxy process; nothing is mocked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.clients import GUARD, RawClient
from tests.support import PYTHON

SERVERS = Path(__file__).resolve().parent / "servers"
ALL_CAPABILITIES = {"sampling": {}, "elicitation": {}, "roots": {"listChanged": True}}


VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
# A mail server's send tool, as several attacks' scripted servers list it.
SEND_EMAIL = {"name": "send_email", "description": "Send an email",
              "inputSchema": {"type": "object", "properties": {"to": {"type": "string"}, "body": {"type": "string"}}}}


def envelope(**capabilities: Any) -> dict[str, Any]:
    """The 2026-07-28 `_meta` envelope of a raw client that declares `capabilities`."""
    return {VERSION_KEY: "2026-07-28", "io.modelcontextprotocol/clientInfo": {"name": "x", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": capabilities}


def server(script: str, *args: str) -> list[str]:
    """The command line of one of the malicious servers in tests/attacks/servers."""
    return [PYTHON, str(SERVERS / script), *args]


class Scripted:
    """The spec file of a `scripted.py` server; change it between sessions to change the server."""

    def __init__(self, path: Path, **spec: Any) -> None:
        self.path = path
        self.log = path.with_suffix(".log")
        self.spec = {"log": str(self.log), **spec}
        self._write()

    def update(self, **changes: Any) -> None:
        self.spec.update(changes)
        self._write()

    def _write(self) -> None:
        self.path.write_text(json.dumps(self.spec))

    @property
    def command(self) -> list[str]:
        return server("scripted.py", str(self.path))

    def received(self, method: str | None = None) -> list[dict[str, Any]]:
        """What the proxy sent this server (parsed), optionally only one method's messages."""
        if not self.log.exists():
            return []
        out = [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]
        return [m for m in out if method is None or m.get("method") == method]

    def received_raw(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def write_config(path: Path, upstreams: dict[str, tuple[list[str], str]], extra: str = "") -> Path:
    """A config: upstream name -> (command, extra TOML lines of its table); `extra` goes on top."""
    text = extra + "\n"
    for name, (command, more) in upstreams.items():
        text += (f"[upstreams.{json.dumps(name)}]\ncommand = {json.dumps(command[0])}\n"
                 f"args = {json.dumps(command[1:])}\n{more}\n")
    path.write_text(text)
    return path


def stalling_beside_honest(folder: Path, stall_on: str) -> Path:
    """A config with two trusted upstreams listing one tool `t`: "evil", which never answers
    `stall_on`, and "honest"; intent checks off."""
    tool = {"name": "t", "description": "A tool.", "inputSchema": {"type": "object"}}
    evil = Scripted(folder / "evil.json", tools=[tool], stall_on=stall_on)
    honest = Scripted(folder / "honest.json", tools=[tool])
    return write_config(folder / "mcp-guard.toml", {
        "evil": (evil.command, 'trust = "tofu"\n'),
        "honest": (honest.command, 'trust = "tofu"\n'),
    }, '[intent]\nmode = "off"\n')


class Attacker(RawClient):
    """A raw client that keeps every message it did not ask for (notifications, server requests)."""

    def __init__(self, config: Path, *run_args: str, env: dict[str, str] | None = None) -> None:
        super().__init__([*GUARD, "--config", str(config), "run", *run_args], env)
        self.others: list[dict[str, Any]] = []

    def request(self, method: str, params: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        return self.exchange(self.new_request(method, params, **extra))

    def exchange(self, msg: dict[str, Any] | bytes, rid: Any = None) -> dict[str, Any]:
        """Send a message (a dict, or raw bytes with the id to wait for) and return its answer."""
        if isinstance(msg, bytes):
            self.send_raw(msg if msg.endswith(b"\n") else msg + b"\n")
        else:
            rid = msg["id"]
            self.send(msg)
        while True:
            answer = self.read()
            if answer.get("id") == rid and "method" not in answer:
                return answer
            self.others.append(answer)

    def open(self, capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
        """initialize (declaring `capabilities`) and notifications/initialized; the initialize answer."""
        init = self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": capabilities or {},
                                           "clientInfo": {"name": "attacker", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return init

    def call(self, tool: str, arguments: Any = None, **params: Any) -> dict[str, Any]:
        return self.request("tools/call", {"name": tool, "arguments": arguments or {}, **params})

    def names(self, method: str = "tools/list", key: str = "tools", field: str = "name") -> list[str]:
        return [i[field] for i in self.request(method)["result"][key]]

    def __enter__(self) -> Attacker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def text_of(answer: dict[str, Any]) -> str:
    """The text a tools/call answer carries (result content or error message)."""
    if "error" in answer:
        return answer["error"].get("message", "")
    return "\n".join(c.get("text", "") for c in answer["result"].get("content", []))
