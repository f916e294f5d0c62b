"""Class: secrets leak to upstreams through the environment (issue 10, finding 1).

Each upstream process gets the ordinary variables, its own entry's `env` / `pass_env`, and the
secrets its session is granted; never another upstream's secrets, their sources, mcp-guard's own
tokens or anything else of the proxy's environment. Checked in the process's real environment
(/proc/PID/environ where there is one), for the proxy and for the operator's commands alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from mcp_guard.config import load_config
from mcp_guard.errors import ConfigError
from tests.attacks.client import Attacker, server, text_of, write_config

SECRET_ENV = {
    "CRM_SOURCE": "s3cret-crm-value",  # the source of crm's declared secret
    "CRM_TOKEN": "leaked-directly",  # the secret's own name, set in the proxy's environment
    "SERVE_TOKEN_SOURCE": "serve-token-value",  # where [serve] token comes from
    "MCP_GUARD_SESSION_TOKEN": "mcpg_session_token",
    "MCP_GUARD_INTENT": "read the weather",
    "UNRELATED_API_KEY": "sk-unrelated",
    "PASSED_VAR": "passed-on",
    "LC_ALL": "C.UTF-8",
}
NEVER = {"CRM_SOURCE", "SERVE_TOKEN_SOURCE", "MCP_GUARD_SESSION_TOKEN", "MCP_GUARD_INTENT", "UNRELATED_API_KEY"}


def _config(tmp_path: Path) -> Path:
    dump = server("env_dump.py")
    return write_config(tmp_path / "mcp-guard.toml", {
        "dump": (dump, 'trust = "tofu"\nenv = { DECLARED = "by-its-entry" }\npass_env = ["PASSED_VAR"]\n'),
        "crm": (dump, 'trust = "tofu"\nsecrets = { CRM_TOKEN = "env:CRM_SOURCE" }\n'),
    }, '[serve]\ntoken = "env:SERVE_TOKEN_SOURCE"\n[intent]\nmode = "off"\n'
       '[profiles.support]\nowner = "secops@example.test"\ngrants = ["CRM_TOKEN"]\n')


def _environ(client: Attacker, tool: str) -> dict[str, str]:
    seen = json.loads(text_of(client.call(tool)))
    env = seen["env"]
    if seen.get("proc_environ") is not None:  # what the kernel says the process got, not only what it reports
        raw = seen["proc_environ"].split("\0")
        assert dict(v.split("=", 1) for v in raw if v) == env
    return env


@pytest.mark.parametrize("profile", [None, "support"])
def test_upstream_env_isolation_in_proxy(tmp_path, profile):
    config = _config(tmp_path)
    args = ["--profile", profile] if profile else []
    with Attacker(config, *args, env=SECRET_ENV) as client:
        client.open()
        dump, crm = _environ(client, "dump__environ"), _environ(client, "crm__environ")
    for env in (dump, crm):
        assert not NEVER & env.keys(), NEVER & env.keys()
        assert "PATH" in env and "HOME" in env and env.get("LC_ALL") == "C.UTF-8"
        assert not any(k.startswith("MCP_GUARD") for k in env)
    assert dump["DECLARED"] == "by-its-entry" and dump["PASSED_VAR"] == "passed-on"
    assert "CRM_TOKEN" not in dump and "PASSED_VAR" not in crm and "DECLARED" not in crm
    # crm's own secret: only the granted value, read from its source, and only with the profile.
    # The granted server has its secret; what it writes of it reaches the client only redacted.
    assert crm.get("CRM_TOKEN") == ("[redacted:CRM_TOKEN]" if profile else None)


def test_upstream_env_isolation_in_operator_commands(tmp_path, monkeypatch):
    """`bom generate`, `scan` and `doctor` connect through upstream_client: the same environment."""
    from mcp_guard.upstream_client import connect

    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
    config = load_config(_config(tmp_path))

    async def dump() -> dict[str, str]:
        async with connect("dump", config.upstreams["dump"]) as up:
            result = await up.request("tools/call", {"name": "environ", "arguments": {}})
        return json.loads(result["content"][0]["text"])["env"]

    env = anyio.run(dump)
    assert not NEVER & env.keys() and "CRM_TOKEN" not in env
    assert env["DECLARED"] == "by-its-entry" and env["PASSED_VAR"] == "passed-on" and "PATH" in env


@pytest.mark.parametrize("pass_env", ["CRM_SOURCE", "SERVE_TOKEN_SOURCE", "MCP_GUARD_TOKEN", "CRM_TOKEN"])
def test_upstream_env_isolation_pass_env_cannot_name_secrets(tmp_path, pass_env):
    path = _config(tmp_path)
    path.write_text(path.read_text().replace('pass_env = ["PASSED_VAR"]', f'pass_env = ["{pass_env}"]'))
    with pytest.raises(ConfigError, match="pass_env"):
        load_config(path)

