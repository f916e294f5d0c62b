"""Default upstream names of `run -- CMD`: stable across the ways of starting one server, distinct
between servers, and a clash in one state is an error that says to use --name."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mcp_guard.proxy.names import adhoc_source
from tests.clients import GUARD, fixture

SAME_SERVER = {
    "pypi console script and module": [
        ["python", "-m", "mcp_server_time"],
        ["python3", "-u", "-m", "mcp_server_time"],
        [".venv/bin/mcp-server-time"],
        ["mcp-server-time"],
        ["uvx", "mcp-server-time==2025.1"],
        ["uvx", "--from", "mcp-server-time", "mcp-server-time", "--local-timezone", "UTC"],
        ["pipx", "run", "mcp-server-time"],
    ],
    "npm package and its entry file": [
        ["npx", "-y", "@modelcontextprotocol/server-filesystem@2026.8.31", "/srv"],
        ["npx", "@modelcontextprotocol/server-filesystem", "/srv"],
        ["node", ".tools/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js", "/srv"],
        ["/usr/bin/node", "/opt/x/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"],
        ["npm", "exec", "--", "@modelcontextprotocol/server-filesystem", "/srv"],
        ["deno", "run", "-A", "npm:@modelcontextprotocol/server-filesystem@1", "/srv"],
    ],
}


@pytest.mark.parametrize("case", sorted(SAME_SERVER))
def test_one_server_started_many_ways_keeps_one_name(case):
    sources = {adhoc_source(cmd[0], cmd[1:]) for cmd in SAME_SERVER[case]}
    assert len(sources) == 1, sources


def test_servers_with_the_same_entry_file_get_distinct_names(tmp_path):
    names = {adhoc_source("node", [f"/opt/node_modules/@modelcontextprotocol/server-{n}/dist/index.js"])[0]
             for n in ("filesystem", "everything", "memory")}
    assert names == {"server-filesystem", "server-everything", "server-memory"}
    # A checkout's build: the package.json above the entry file names it.
    for pkg in ("alpha", "beta"):
        (tmp_path / pkg / "dist").mkdir(parents=True)
        (tmp_path / pkg / "package.json").write_text(json.dumps({"name": f"@acme/mcp-{pkg}"}))
    assert {adhoc_source("node", [str(tmp_path / p / "dist" / "index.js")])[0] for p in ("alpha", "beta")} == {
        "mcp-alpha", "mcp-beta"}
    # A generic script name takes its folder's name.
    assert adhoc_source("python", ["/srv/weather/server.py"])[0] == "weather"
    assert adhoc_source("python", ["/srv/mail/src/main.py"])[0] == "mail"


def test_names_are_normalised_and_versions_dropped():
    assert adhoc_source("uvx", ["Mcp_Server.Fetch[extra]>=1"])[0] == "mcp-server-fetch"
    assert adhoc_source("docker", ["run", "-i", "--rm", "-e", "TZ=UTC", "mcp/time:latest"])[0] == "time"


def _run(tmp_path, command: list[str], *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*GUARD, "run", *extra, "--", *command], input="", capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)


def test_two_servers_deriving_one_name_in_one_state_is_an_error(tmp_path, home):
    python, echo = fixture("echo_server.py")
    for folder in ("a", "b"):  # two copies of a server, both in a folder called weather
        (tmp_path / folder / "weather").mkdir(parents=True)
        (tmp_path / folder / "weather" / "server.py").write_text(Path(echo).read_text())
    first = _run(tmp_path, [python, str(tmp_path / "a" / "weather" / "server.py")])
    assert first.returncode == 0, first.stderr
    again = _run(tmp_path, [python, str(tmp_path / "a" / "weather" / "server.py")])
    assert again.returncode == 0, again.stderr
    clash = _run(tmp_path, [python, str(tmp_path / "b" / "weather" / "server.py")])
    assert clash.returncode != 0
    assert "default upstream name 'weather' is already used by another server" in clash.stderr
    assert "--name" in clash.stderr and "Traceback" not in clash.stderr
    named = _run(tmp_path, [python, str(tmp_path / "b" / "weather" / "server.py")],
                 "--name", "weather-b")
    assert named.returncode == 0, named.stderr


def test_commands_in_node_modules_bin_are_named_after_their_package(tmp_path):
    """`node_modules/.bin/CMD` links into the package it comes from: two servers from one .bin folder
    get two names (both were `bin`, and their reviews mixed)."""
    from mcp_guard.proxy.names import adhoc_source

    bin_dir = tmp_path / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    names = []
    for pkg in ("server-everything", "server-filesystem"):
        target = tmp_path / "node_modules" / "@modelcontextprotocol" / pkg / "dist" / "index.js"
        target.parent.mkdir(parents=True)
        target.write_text("")
        (bin_dir / f"mcp-{pkg}").symlink_to(target)
        names.append(adhoc_source(str(bin_dir / f"mcp-{pkg}"), [])[0])
    assert names[0] != names[1] and "bin" not in names and all("server-" in n for n in names)
