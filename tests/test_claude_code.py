"""With the real Claude Code CLI: servers added with `claude mcp add`, wrapped, still "Connected", and back.

`claude mcp list` health-checks every server (it starts each stdio one and initializes it), so a
"Connected" line for a wrapped entry means Claude Code reached the server through `mcp-guard run`.
Runs offline: a temporary HOME, and Claude Code's auto-update and other traffic turned off.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import FIXTURES, NODE_MODULES, PYTHON, node

pytestmark = pytest.mark.slow


def claude_command() -> list[str]:
    script = NODE_MODULES / ".bin" / "claude"
    if not script.exists():
        pytest.skip("Claude Code not installed: run scripts/install-test-deps")
    real = script.resolve()
    with real.open("rb") as f:
        native = f.read(4) == b"\x7fELF"  # its postinstall puts a native binary in place of the script
    return [str(real)] if native else [node(), str(real)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"HTTP fixture server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("HTTP fixture server did not start listening")


@pytest.fixture
def http_server():
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, str(FIXTURES / "conformance_server.py"), "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def status_lines(output: str) -> dict[str, str]:
    """`claude mcp list` output -> {server name: its whole line}."""
    lines = {}
    for line in output.splitlines():
        m = re.match(r"^([\w.-]+): (.+)$", line)
        if m and ("Connected" in line or "Failed" in line or "Pending" in line or "Needs" in line):
            lines[m.group(1)] = line
    return lines


def test_wrap_and_unwrap_with_claude_code(tmp_path, http_server):
    claude = claude_command()
    home = tmp_path / "home"
    project = tmp_path / "project"
    home.mkdir()
    project.mkdir()
    bin_dir = str(Path(sys.executable).parent)  # mcp-guard and the PyPI servers
    env = {
        "HOME": str(home),
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "LANG": "C.UTF-8",
    }

    def run(*argv: str, check: bool = True) -> str:
        proc = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=180)
        if check and proc.returncode != 0:
            pytest.fail(f"{' '.join(argv[:3])} exited {proc.returncode}: {proc.stdout}{proc.stderr}")
        return proc.stdout + proc.stderr

    echo = [PYTHON, str(FIXTURES / "echo_server.py")]
    run(*claude, "mcp", "add", "echo-local", "--", *echo)  # local scope is the default
    run(*claude, "mcp", "add", "--scope", "user", "echo-user", "-e", "ECHO_NOTE=kept", "--", *echo)
    run(*claude, "mcp", "add", "--scope", "project", "echo-project", "--", *echo)
    run(*claude, "mcp", "add", "--scope", "user", "--transport", "http", "remote", http_server)
    expected = {"echo-local", "echo-user", "echo-project", "remote"}
    time_server = Path(bin_dir) / "mcp-server-time"
    if time_server.exists():
        run(*claude, "mcp", "add", "--scope", "user", "time", "--", "mcp-server-time")
        expected.add("time")
    # Project servers need the person's approval in Claude Code: the trust dialog accepted, and
    # the project's servers enabled, as answering Claude Code's prompts would record them.
    (project / ".claude").mkdir()
    (project / ".claude" / "settings.local.json").write_text('{"enableAllProjectMcpServers": true}\n')
    state = json.loads((home / ".claude.json").read_text())
    state["projects"][str(project)]["hasTrustDialogAccepted"] = True
    (home / ".claude.json").write_text(json.dumps(state, indent=2))

    before = status_lines(run(*claude, "mcp", "list"))
    assert set(before) == expected
    assert all("✔ Connected" in line for line in before.values()), before
    claude_json = (home / ".claude.json").read_bytes()
    mcp_json = (project / ".mcp.json").read_bytes()

    out = run(PYTHON, "-m", "mcp_guard", "wrap", "--client", "claude-code", "--project", str(project))
    assert out.count("wrapped claude-code") == len(expected)

    after = status_lines(run(*claude, "mcp", "list"))
    assert set(after) == expected
    cfg = home / ".config" / "mcp-guard" / "mcp-guard.toml"  # every entry names the config wrap used
    for name, line in after.items():
        assert "✔ Connected" in line, line
        assert f"mcp-guard --config {cfg} run --name {name} --" in line or \
            f"mcp-guard --config {cfg} run --upstream {name}" in line, line
    user_servers = json.loads((home / ".claude.json").read_text())["mcpServers"]
    assert user_servers["echo-user"]["env"] == {"ECHO_NOTE": "kept"}
    assert user_servers["remote"] == {"type": "stdio", "command": "mcp-guard",
                                      "args": ["--config", str(cfg), "run", "--upstream", "remote"]}
    detail = run(*claude, "mcp", "get", "echo-local")
    assert "Command: mcp-guard" in detail and f"Args: --config {cfg} run --name echo-local --" in detail

    # Wrapping again changes nothing.
    wrapped = ((home / ".claude.json").read_bytes(), (project / ".mcp.json").read_bytes())
    run(PYTHON, "-m", "mcp_guard", "wrap", "--client", "claude-code", "--project", str(project))
    assert ((home / ".claude.json").read_bytes(), (project / ".mcp.json").read_bytes()) == wrapped

    run(PYTHON, "-m", "mcp_guard", "unwrap", "--client", "claude-code", "--project", str(project))
    # Claude Code rewrites ~/.claude.json on its own (counters, caches), so compare its servers;
    # .mcp.json is only ever written by `claude mcp add`, so it must come back byte for byte.
    assert (project / ".mcp.json").read_bytes() == mcp_json
    restored = json.loads((home / ".claude.json").read_text())
    original = json.loads(claude_json)
    assert restored["mcpServers"] == original["mcpServers"]
    assert restored["projects"][str(project)]["mcpServers"] == original["projects"][str(project)]["mcpServers"]
    final = status_lines(run(*claude, "mcp", "list"))
    assert final == before

    # With no Claude Code run in between, wrap -> unwrap gives ~/.claude.json back byte for byte too.
    snapshot = (home / ".claude.json").read_bytes()
    run(PYTHON, "-m", "mcp_guard", "wrap", "--no-review", "--client", "claude-code", "--project", str(project))
    assert (home / ".claude.json").read_bytes() != snapshot
    run(PYTHON, "-m", "mcp_guard", "unwrap", "--client", "claude-code", "--project", str(project))
    assert (home / ".claude.json").read_bytes() == snapshot
