"""Class: bad input gives a traceback or a hang instead of one line (provenance files).

The configured artifact and `bundle` are read whole with `read_bytes()`, with no size bound and no
check that they are regular files (the registry download is capped at 16 MiB; a local file is not).
`bundle = "/dev/zero"` (or an artifact that is) eats all memory (here: `MemoryError` traceback under
a 1.5 GB limit); a FIFO hangs `verify`, `run`, `doctor` forever.
"""

from __future__ import annotations

import os
import resource
import subprocess

import pytest

from tests.clients import GUARD

PIN = "0" * 64


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))


@pytest.mark.parametrize("where", ["bundle-dev-zero", "artifact-dev-zero", "artifact-fifo", "bundle-fifo",
                                   "trusted-root-fifo", "server-json-dev-zero"])
def test_provenance_files_are_bounded(home, tmp_path, where):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    policy = {
        "bundle-dev-zero": 'artifact = "/etc/hostname", bundle = "/dev/zero", '
                           'issuer = "https://token.actions.githubusercontent.com", repository = "a/b"',
        "artifact-dev-zero": f'artifact = "/dev/zero", sha256 = "{PIN}"',
        "artifact-fifo": f'artifact = "{fifo}", sha256 = "{PIN}"',
        "bundle-fifo": f'artifact = "/etc/hostname", bundle = "{fifo}", '
                       'issuer = "https://token.actions.githubusercontent.com", repository = "a/b"',
        "trusted-root-fifo": f'artifact = "{tmp_path / "a.tgz"}", bundle = "{tmp_path / "a.json"}", '
                             f'trusted_root = "{fifo}", issuer = "https://token.actions.githubusercontent.com", '
                             'repository = "a/b"',
        "server-json-dev-zero": 'server_json = "/dev/zero", artifact = "/etc/hostname", sha256 = "' + PIN + '"',
    }[where]
    (tmp_path / "a.tgz").write_bytes(b"x")
    (tmp_path / "a.json").write_text('{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", '
                                     '"verificationMaterial": {}, "messageSignature": {}}')
    config = tmp_path / "mcp-guard.toml"
    config.write_text(f'[storage]\npath = "guard.db"\n[upstreams.a]\ncommand = "true"\nprovenance = {{ {policy} }}\n')
    try:
        done = subprocess.run([*GUARD, "--config", str(config), "verify"], capture_output=True, text=True,
                              timeout=60, preexec_fn=_limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`verify` hangs on {where}")
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr + done.stdout, (
        f"{where}: {(done.stdout + done.stderr).strip().splitlines()[-1:]}")
    assert done.returncode == 1
