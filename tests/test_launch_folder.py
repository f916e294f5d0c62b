"""Where an upstream starts: its `cwd`, else the folder of the config file that defines it, never the
folder a client starts `run` in (a repository's module would run as the user's server). A server given
only on `run`'s command line starts in the client's folder, with that folder off its module path."""

from __future__ import annotations

import json
import subprocess
import sys

from mcp_guard.config import Config, parse_config
from mcp_guard.intent.credentials import upstream_env
from mcp_guard.proxy.runner import select_upstreams
from tests.clients import GUARD

INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}) + "\n"


def test_a_configured_server_starts_in_its_config_files_folder(tmp_path):
    cfg = parse_config({"upstreams": {"time": {"command": "python3", "args": ["-m", "mcp_server_time"]},
                                      "fixed": {"command": "x", "cwd": "srv"}}}, tmp_path / "mcp-guard.toml")
    assert cfg.upstreams["time"].launch_cwd() == str(tmp_path)
    assert cfg.upstreams["fixed"].launch_cwd() == str(tmp_path / "srv")
    # Its folder is one the user chose: the module path is left as Python sets it.
    assert "PYTHONSAFEPATH" not in upstream_env(cfg.upstreams["time"])


def test_the_wrapped_form_keeps_its_entrys_folder(tmp_path):
    cfg = parse_config({"upstreams": {"time": {"command": "python3", "args": ["-m", "mcp_server_time"]}}},
                       tmp_path / "mcp-guard.toml")
    select_upstreams(cfg, command=["python3", "-m", "mcp_server_time"], name="time")
    assert cfg.upstreams["time"].launch_cwd() == str(tmp_path)


def test_a_command_line_server_has_the_clients_folder_off_its_module_path():
    cfg = Config()
    name = select_upstreams(cfg, command=["python3", "-m", "some_server"])[0]
    assert cfg.upstreams[name].launch_cwd() is None
    assert upstream_env(cfg.upstreams[name])["PYTHONSAFEPATH"] == "1"
    name = select_upstreams(cfg, command=["python3", "/srv/server.py"], name="script")[0]
    assert "PYTHONSAFEPATH" not in upstream_env(cfg.upstreams[name])  # its own folder stays on its path


def test_a_repositorys_module_never_runs_as_a_command_line_server(home, tmp_path):
    repo = tmp_path / "repo"
    marker = tmp_path / "repo-code-ran"
    (repo / "mcp_server_time").mkdir(parents=True)
    (repo / "mcp_server_time" / "__main__.py").write_text(
        f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n")
    done = subprocess.run([*GUARD, "run", "--", sys.executable, "-m", "mcp_server_time"],
                          input=INIT, capture_output=True, text=True, timeout=60, cwd=repo)
    assert not marker.exists(), done.stderr
    assert json.loads(done.stdout.splitlines()[0])["result"]["serverInfo"]["name"] == "mcp-time"
