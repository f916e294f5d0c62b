"""Class: provenance runs code it has not verified, while fetching the artifact to verify.

With `fetch = true`, the package's version comes from the policy's purl or from an MCP Registry
`server.json` (third-party data: the registry entry of the server) and is handed to
`npm pack NAME@VERSION` unchecked. A "version" that is another npm spec (`file:DIR`,
`github:owner/repo`, a tarball URL) makes npm build that source, running its `prepare` / `prepack`
scripts, before anything is verified: `mcp-guard verify` (or `run`, `doctor` …) executes the
registry entry's code, then reports the artifact as missing or invalid. "fetching needs an exact
version" is checked only as "some version".
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.clients import GUARD


def test_fetch_runs_no_code_from_a_version_spec(home, tmp_path):
    if not shutil.which("npm"):
        pytest.skip("npm not installed")
    marker = tmp_path / "fetch-ran-code"
    source = tmp_path / "evil"
    source.mkdir()
    (source / "package.json").write_text(json.dumps({
        "name": "tinypkg", "version": "1.0.0", "scripts": {"prepare": f"touch {marker}"}}))
    (tmp_path / "server.json").write_text(json.dumps({
        "name": "io.example/tiny", "version": "1.0.0",
        "packages": [{"registryType": "npm", "identifier": "tinypkg", "version": f"file:{source}",
                      "transport": {"type": "stdio"}}]}))
    config = tmp_path / "mcp-guard.toml"
    config.write_text('[storage]\npath = "guard.db"\n[upstreams.tiny]\ncommand = "npx"\nargs = ["-y", "tinypkg"]\n'
                      'provenance = { server_json = "server.json", fetch = true, '
                      'issuer = "https://token.actions.githubusercontent.com", repository = "example/tiny" }\n')
    done = subprocess.run([*GUARD, "--config", str(config), "verify"], capture_output=True, text=True, timeout=180)
    assert not marker.exists(), (
        f"`mcp-guard verify` ran the package source's scripts before verifying anything: {done.stdout.strip()}")
