"""Class: `wrap` writes a client entry's secrets where other users can read them.

`wrap` keeps each entry's original text in the database so that `unwrap` can restore it byte for
byte: the entry's `env` values (API keys) and a remote entry's `headers` (bearer tokens) go into
`guard.db`. mcp-guard takes care to write its own config 0600 ("keep that file private"), but the
database is created with the process umask (0644, in a 0755 folder): any local user reads the keys.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.clients import GUARD

ENV_SECRET = "sk-env-SECRET987654"
HEADER_SECRET = "sk-live-SECRET123456"


def _readable_by_others(path: Path) -> bool:
    """The file and its folder let group or others read it (the ancestors are the user's business:
    a HOME is 0755 on many systems; the test's tmp folder is 0700, so it is not walked)."""
    return bool(path.stat().st_mode & 0o044) and bool(path.parent.stat().st_mode & 0o011)


def test_wrap_keeps_entry_secrets_private(home, tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "crm": {"type": "http", "url": "https://crm.example.test/mcp",
                "headers": {"Authorization": f"Bearer {HEADER_SECRET}"}},
        "local": {"command": "python3", "args": ["-c", "print(1)"], "env": {"API_KEY": ENV_SECRET}},
    }}, indent=2))
    done = subprocess.run([*GUARD, "--config", str(project / "mcp-guard.toml"), "wrap", "--client", "claude-code",
                           "--scope", "project"], cwd=project, capture_output=True, text=True, timeout=120,
                          env={**os.environ})
    assert done.returncode == 0, done.stderr
    leaks = []
    for db in Path(os.environ["XDG_STATE_HOME"]).rglob("guard.db*"):
        data = db.read_bytes()
        for secret in (ENV_SECRET, HEADER_SECRET):
            if secret.encode() in data and _readable_by_others(db):
                leaks.append(f"{secret} in {db} (mode {oct(db.stat().st_mode & 0o777)})")
    assert not leaks, "wrap left secrets readable by other users: " + "; ".join(leaks)
