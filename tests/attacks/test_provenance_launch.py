"""Class: provenance enforce launches something other than the verified copy.

The gate takes "the command runs the verified copy" to mean "a `{verified}` / `{verified_dir}`
placeholder appears somewhere in the command line". Any program can carry the placeholder along as
an inert argument (or load other code first, `node --require EVIL {verified_dir}/…`), so the wrap
form `mcp-guard run --name NAME -- CMD …` (the command comes from the client's config, e.g. a
project's `.mcp.json`) starts arbitrary code under the enforce policy of NAME.
"""

from __future__ import annotations

import hashlib
import json
import sys

import pytest

from tests.clients import GUARD, RawClient
from tests.test_provenance import FS_PURL, fs_tarball


def _run(tmp_path, command: list[str]) -> dict:
    tarball = json.dumps(str(fs_tarball()))
    pin = hashlib.sha256(fs_tarball().read_bytes()).hexdigest()
    config = tmp_path / "mcp-guard.toml"
    config.write_text(  # registered with the command its client entry runs, as `wrap` does
        f'[storage]\npath = "guard.db"\n[upstreams.filesystem]\ncommand = {json.dumps(command[0])}\n'
        f'args = {json.dumps(command[1:])}\n'
        f'provenance = {{ package = "{FS_PURL}", artifact = {tarball}, sha256 = "{pin}" }}\n',
        encoding="utf-8",
    )
    client = RawClient([*GUARD, "--config", str(config), "run", "--name", "filesystem", "--", *command])
    try:
        client.send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                "clientInfo": {"name": "t", "version": "1"}}})
        return client.read(timeout=8)
    except TimeoutError:  # the stand-in exits without speaking MCP: what matters is whether it ran
        return {}
    finally:
        client.close()


@pytest.mark.parametrize("form", ["inert-argument", "in-a-string", "node-require"])
def test_provenance_placeholder_is_not_proof_of_running_the_copy(home, tmp_path, form):
    marker = tmp_path / "started"
    touch = f"import pathlib; pathlib.Path({str(marker)!r}).touch()"
    evil_js = tmp_path / "evil.js"
    evil_js.write_text(f"require('fs').writeFileSync({json.dumps(str(marker))}, 'x'); process.exit(0)\n")
    command = {
        "inert-argument": [sys.executable, "-c", touch, "{verified}"],
        "in-a-string": [sys.executable, "-c", touch + "  # {verified_dir}"],
        "node-require": ["node", "--require", str(evil_js), "{verified_dir}/package/dist/index.js", str(tmp_path)],
    }[form]
    answer = _run(tmp_path, command)
    assert not marker.exists(), f"enforce launched code other than the verified copy: {json.dumps(answer)[:200]}"
