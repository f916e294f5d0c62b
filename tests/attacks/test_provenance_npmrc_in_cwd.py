"""Class: provenance enforce launches code other than the verified copy, through the folder it starts in.

npx reads the project's `.npmrc` in the folder it runs in. With no `cwd` in the upstream's entry, the
server starts where the client started `mcp-guard run`: for Claude Code, the repository it opened.
A cloned repository that ships `.npmrc` with `node-options=--require ./x.js` (or `script-shell`)
has its own code run inside the "verified" server under enforce, with no change to the config.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.attacks.supply_chain import INIT, enforce_config, evil_js, session
from tests.clients import GUARD


def test_project_npmrc_runs_other_code(home, tmp_path):
    if not shutil.which("npx"):
        pytest.skip("npx not installed")
    script, marker = evil_js(tmp_path)
    config = enforce_config(tmp_path, "npx", ["-y", "tinypkg"])
    repo = tmp_path / "cloned-repo"
    repo.mkdir()
    (repo / ".npmrc").write_text(f"node-options=--require {script}\n")
    import json

    done = subprocess.run([*GUARD, "--config", str(config), "run"], input=json.dumps(INIT) + "\n",
                          capture_output=True, text=True, cwd=repo, timeout=120)
    assert not marker.exists(), f"enforce ran a project's .npmrc code in the verified server: {done.stdout[:200]}"
    assert '"serverInfo"' in done.stdout, f"the verified copy did not run: {done.stdout[:200]} {done.stderr[-300:]}"


def test_user_npmrc_runs_no_code(home, tmp_path):
    """The user's own ~/.npmrc (HOME) is not read by the verified server's npx either."""
    if not shutil.which("npx"):
        pytest.skip("npx not installed")
    script, marker = evil_js(tmp_path)
    (home / ".npmrc").write_text(f"node-options=--require {script}\nscript-shell=/nonexistent/sh\n")
    config = enforce_config(tmp_path, "npx", ["-y", "tinypkg"])
    answer = session(config, timeout=120)
    assert not marker.exists(), f"enforce ran code named by the user's ~/.npmrc: {answer}"
    assert "result" in answer, f"the verified copy did not run: {answer}"
