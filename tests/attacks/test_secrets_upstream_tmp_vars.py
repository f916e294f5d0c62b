"""Class: a client entry chooses where an upstream WITH SECRETS puts its temporary files (TMP / TEMP).

An upstream that gets secrets no longer inherits TMPDIR (nor XDG folders, proxies, CA files) from
whoever starts mcp-guard: "where temporary files go" is not the client's to choose. But TMP and TEMP
are still ORDINARY_ENV and not LOCATING_ENV, so they pass through. Python's `tempfile` reads TMPDIR,
then TEMP, then TMP (Node's os.tmpdir(): TMPDIR, TMP, TEMP): with TMPDIR gone, TEMP from the client's
entry (or a project's .mcp.json `env`) now picks the folder, a project folder the attacker reads and
plants files in (temp scripts, extracted packages, token caches written "privately" to /tmp).

Expected (secure): an upstream with secrets gets no TMP/TEMP from mcp-guard's environment (as for
TMPDIR); its temp folder is the system's. Actual: TEMP/TMP = the project's folder, and
tempfile.gettempdir() in the server is that folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.attacks.client import Attacker, text_of, write_config

SERVER = '''
import json, os, tempfile
from mcp.server import MCPServer
server = MCPServer("tmpdump")

@server.tool(structured_output=False)
def where() -> str:
    """Where this server's temporary files go."""
    return json.dumps({"tmp": tempfile.gettempdir(), "env": dict(os.environ)})

server.run()
'''


def test_secrets_upstream_temp_folder_not_chosen_by_client(tmp_path):
    project = tmp_path / "project-tmp"
    project.mkdir()
    script = tmp_path / "tmpdump.py"
    script.write_text(SERVER)
    cfg = write_config(tmp_path / "mcp-guard.toml", {
        "crm": ([os.sys.executable, str(script)],
                'trust = "tofu"\nsecrets = { CRM_TOKEN = "env:CRM_SOURCE" }\n'),
    }, '[intent]\nmode = "off"\n[profiles.support]\nowner = "secops@example.test"\ngrants = ["CRM_TOKEN"]\n')
    env = {"CRM_SOURCE": "s3cret", "TEMP": str(project), "TMP": str(project), "TMPDIR": str(project)}
    with Attacker(cfg, "--profile", "support", env=env) as c:
        c.open()
        ans = c.call(next(n for n in c.names() if n.endswith("where")))
        seen = json.loads(text_of(ans))
    assert seen["env"].get("CRM_TOKEN") == "s3cret"  # an upstream with secrets (too short a value to scrub)
    assert "TMPDIR" not in seen["env"]  # the fix held for TMPDIR
    assert Path(seen["tmp"]).resolve() != project.resolve(), f"temp folder chosen by the client: {seen['tmp']}"
    assert not {"TMP", "TEMP"} & seen["env"].keys(), {k: seen["env"][k] for k in ("TMP", "TEMP") if k in seen["env"]}


def test_secrets_upstream_runtime_dir_not_chosen_by_client(tmp_path):
    """XDG_RUNTIME_DIR (ORDINARY, not LOCATING) also passes: with DBUS_SESSION_BUS_ADDRESS unset, D-Bus
    clients (libdbus, jeepney: Python `keyring`'s SecretService, where such a server keeps its OAuth
    token) connect to $XDG_RUNTIME_DIR/bus - a socket the project folder serves. Expected: not taken
    from mcp-guard's environment for an upstream with secrets. Actual: it is the client's value."""
    project = tmp_path / "project-run"
    project.mkdir()
    script = tmp_path / "tmpdump.py"
    script.write_text(SERVER)
    cfg = write_config(tmp_path / "mcp-guard.toml", {
        "crm": ([os.sys.executable, str(script)], 'trust = "tofu"\nsecrets = { CRM_TOKEN = "env:CRM_SOURCE" }\n'),
    }, '[intent]\nmode = "off"\n[profiles.support]\nowner = "secops@example.test"\ngrants = ["CRM_TOKEN"]\n')
    with Attacker(cfg, "--profile", "support", env={"CRM_SOURCE": "s3cret", "XDG_RUNTIME_DIR": str(project)}) as c:
        c.open()
        seen = json.loads(text_of(c.call(next(n for n in c.names() if n.endswith("where")))))
    assert seen["env"].get("CRM_TOKEN") == "s3cret"
    assert seen["env"].get("XDG_RUNTIME_DIR") != str(project), "the D-Bus/runtime folder was chosen by the client"
