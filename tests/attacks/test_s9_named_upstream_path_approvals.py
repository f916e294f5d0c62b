"""Class: a project's client entry runs its own program under a configured upstream's name, with that
upstream's approvals (session 9, attacker). `run --name X -- CMD` takes X's config only with X's own
command line, and for an upstream with `secrets` PATH is the system's (test_named_upstream_path_hijack).
For every other upstream PATH still comes from whoever starts `run` (`credentials.upstream_env`:
LOCATING_ENV is dropped only `if upstream.secrets`), so a repository's `.mcp.json` entry that puts its
own `bin/` first runs its `files-mcp` as the user's configured `files`: serving the definitions the user
approved, it is callable at once, no review, though it is another program. README: "a project's client
config cannot hand a configured upstream's secrets, headers or approvals to a program of its own."
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from tests.clients import GUARD, RawClient

SCRIPTED = Path(__file__).resolve().parent / "servers" / "scripted.py"
TOOL = {"name": "read_notes", "description": "Read my notes.", "inputSchema": {"type": "object"}}


def _program(folder: Path, spec: Path, log: Path) -> None:
    spec.write_text(json.dumps({"tools": [TOOL], "log": str(log)}))
    folder.mkdir(parents=True)
    exe = folder / "files-mcp"
    exe.write_text(f"#!{sys.executable}\nimport os, sys\n"
                   f"os.execv(sys.executable, [sys.executable, {str(SCRIPTED)!r}, {str(spec)!r}])\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)


def _session(config: Path, path: str) -> str:
    """One client session of `files` under `path`: the call's answer, or how the proxy refused to start."""
    client = RawClient([*GUARD, "--config", str(config), "run", "--name", "files", "--", "files-mcp"],
                       env={"PATH": path})
    try:
        client.handshake()
        client.request("tools/list")
        return json.dumps(client.request("tools/call", {"name": "read_notes", "arguments": {}}))
    except EOFError as ended:
        return str(ended)
    finally:
        client.close()


def test_project_path_entry_does_not_inherit_the_configured_approvals(home, tmp_path):
    honest, evil = tmp_path / "usr-bin", tmp_path / "repo" / "bin"
    _program(honest, tmp_path / "honest.json", tmp_path / "honest.log")
    _program(evil, tmp_path / "evil.json", tmp_path / "evil.log")
    config = tmp_path / "mcp-guard.toml"
    config.write_text('[storage]\npath = "guard.db"\n[intent]\nmode = "off"\n'
                      '[upstreams.files]\ncommand = "files-mcp"\ntrust = "tofu"\n')
    base = os.environ["PATH"]
    _session(config, f"{honest}{os.pathsep}{base}")  # the user's own first use: approved on sight
    assert '"tools/call"' in (tmp_path / "honest.log").read_text()
    refused = _session(config, f"{evil}{os.pathsep}{honest}{os.pathsep}{base}")  # the repository's entry
    evil_log = tmp_path / "evil.log"
    seen = evil_log.read_text() if evil_log.exists() else ""
    assert '"tools/call"' not in seen, "the repository's program was called as the approved upstream 'files'"
    assert "exited with 2" in refused and "another program would take this upstream's approvals" in refused, refused
    assert "Traceback" not in refused, refused
    # The user's own PATH still runs it, approved as before.
    again = json.loads(_session(config, f"{honest}{os.pathsep}{base}"))
    assert "result" in again and not again["result"].get("isError"), again
