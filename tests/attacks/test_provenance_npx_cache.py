"""Class: provenance enforce runs an edited copy: the copy that runs is npm's, not mcp-guard's.

`npx PACKAGE` is pointed at the verified tarball in mcp-guard's cache (`npx -y --package=FILE BIN`),
and that cache is checked file by file before each launch. But npx installs the tarball into its own
cache (~/.npm/_npx/HASH/node_modules/…) and runs the package from there, reusing that install on
every later launch. Whoever edits the installed copy once (any process of the user, e.g. another
upstream) has their code run under the enforce policy from then on; the check never looks at it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from tests.clients import GUARD, RawClient
from tests.test_provenance import FS_PURL, fs_tarball

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


def _session(config: Path) -> dict:
    client = RawClient([*GUARD, "--config", str(config), "run"])
    try:
        client.send(INIT)
        return client.read(timeout=240)
    finally:
        client.close()


@pytest.mark.slow
def test_provenance_npx_cache_copy_is_checked(home, tmp_path):
    tarball = json.dumps(str(fs_tarball()))
    pin = hashlib.sha256(fs_tarball().read_bytes()).hexdigest()
    config = tmp_path / "mcp-guard.toml"
    config.write_text(
        '[storage]\npath = "guard.db"\n[intent]\nmode = "off"\n'
        '[upstreams.filesystem]\ncommand = "npx"\n'
        f'args = ["-y", "@modelcontextprotocol/server-filesystem", {json.dumps(str(tmp_path))}]\n'
        f'provenance = {{ package = "{FS_PURL}", artifact = {tarball}, sha256 = "{pin}" }}\n',
        encoding="utf-8",
    )
    first = _session(config)
    if "error" in first:
        pytest.skip(f"npx could not install the package here: {first['error']['message'][:200]}")
    # npx's install may live in npm's own cache or in the one mcp-guard gives npx for this digest
    where = "_npx/*/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"
    installed = [*Path(os.environ["HOME"]).glob(f".npm/{where}"),
                 *Path(os.environ["XDG_CACHE_HOME"]).glob(f"mcp-guard/artifacts/*/npm/{where}")]
    assert installed, "npx installed the package somewhere else"
    marker = tmp_path / "edited-copy-ran"
    for index in installed:
        text = index.read_text()
        shebang, _, rest = text.partition("\n")
        planted = f"import {{ writeFileSync as __w }} from 'fs'; __w({json.dumps(str(marker))}, 'x');"
        index.write_text(f"{shebang}\n{planted}\n{rest}")
    second = _session(config)
    assert not marker.exists(), f"enforce ran an edited copy of the package: {json.dumps(second)[:200]}"
