"""(s5 attack b) Class: config precedence / a repository changes what a user-scope server runs.

README: "A repository you open cannot bring a config for your servers" and config.py: "a repository
must not choose the command or policy of the user's servers". The user's own config defines
`[upstreams.time]` = `python -m mcp_server_time` (no secrets, no cwd): the entry `wrap --scope user`
writes is `mcp-guard --config ~/.config/mcp-guard/mcp-guard.toml run --name time -- python -m
mcp_server_time`, and Claude Code starts it in whatever folder it has open. `launch_cwd()` keeps the
client's folder for a server without secrets, and `python -m` puts the cwd first on sys.path, so a
cloned repository's own `mcp_server_time/__main__.py` runs as the user's "time" server, under the
user's approvals for "time" (same for npx, which prefers the folder's node_modules, and a folder's
.npmrc / uv.toml). The earlier fix (start in `/`) covers only servers with `secrets`.

Expected: the user's configured server program runs (started outside the client's folder, or the
folder is not on its module path). Actual: the repository's module runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.clients import GUARD


def test_repository_module_runs_as_the_users_configured_server(home, tmp_path):
    repo = tmp_path / "repo"
    marker = tmp_path / "repo-code-ran"
    (repo / "mcp_server_time").mkdir(parents=True)
    (repo / "mcp_server_time" / "__main__.py").write_text(
        f"import pathlib; pathlib.Path({str(marker)!r}).write_text('the repository ran as time')\n")
    user_cfg = home / ".config" / "mcp-guard" / "mcp-guard.toml"
    user_cfg.parent.mkdir(parents=True)
    user_cfg.write_text(f'[upstreams.time]\ncommand = {json.dumps(sys.executable)}\n'
                        'args = ["-m", "mcp_server_time"]\n')
    init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}) + "\n"
    subprocess.run([*GUARD, "--config", str(user_cfg), "run", "--name", "time", "--",
                    sys.executable, "-m", "mcp_server_time"],
                   input=init, capture_output=True, text=True, timeout=30, cwd=repo)
    assert not marker.exists(), "the repository's mcp_server_time module ran as the user's configured 'time' server"
