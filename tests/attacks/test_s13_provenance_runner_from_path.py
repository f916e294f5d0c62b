"""Class: provenance enforce passes a launch whose program is chosen by the PATH of whoever starts mcp-guard
(session 13, attacker).

The gate accepts `python3 {verified_dir}/PKG/__main__.py` (an interpreter running a file of the verified
copy) and `npx PKG` / `uvx PKG` (pointed at the copy) by the runner's NAME: which `python3`, `npx` or
`uvx` runs is looked up at launch in the upstream's PATH, and an upstream without secrets inherits mcp-guard's
own PATH. Whoever starts `mcp-guard run` sets that PATH: a cloned repository's client entry (`.mcp.json`
`env`) puts its `bin/` first, and its `bin/python3` runs instead of the interpreter, as code of its own,
while the provenance record says the upstream was verified and launched from the verified copy.
(The PATH of an upstream WITH secrets is the system's since session 9; an upstream under provenance needs
it as much: what runs must be what was verified.) Fixed: an upstream whose launch passes the provenance
gate takes PATH, HOME, the XDG folders, proxies and CA files as an upstream with secrets does: from the system
or its entry, never from whoever starts mcp-guard (`credentials.upstream_env`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import zipfile

from tests.attacks.supply_chain import INIT
from tests.clients import GUARD

PYTHON = shutil.which("python3", path="/usr/bin:/usr/local/bin") or "python3"


def test_a_verified_copys_interpreter_is_not_the_projects(home, tmp_path):
    ran = tmp_path / "verified-package-ran"
    hijacked = tmp_path / "project-program-ran"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("okpkg/__init__.py", "")
        zf.writestr("okpkg/__main__.py", f"import pathlib\npathlib.Path({str(ran)!r}).write_text('x')\n")
        zf.writestr("okpkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: okpkg\nVersion: 1.0\n")
    wheel = tmp_path / "okpkg-1.0-py3-none-any.whl"
    wheel.write_bytes(buf.getvalue())
    # The project's own `python3`, first on the PATH its client entry gives `mcp-guard run`.
    project_bin = tmp_path / "repo" / "bin"
    project_bin.mkdir(parents=True)
    fake = project_bin / "python3"
    fake.write_text(f"#!/bin/sh\necho hijacked > {hijacked}\nexec {PYTHON} \"$@\"\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    config = tmp_path / "mcp-guard.toml"
    config.write_text(
        '[storage]\npath = "guard.db"\n[intent]\nmode = "off"\n'
        '[upstreams.ok]\ncommand = "python3"\nargs = ["{verified_dir}/okpkg/__main__.py"]\n'
        f'provenance = {{ mode = "enforce", package = "pkg:pypi/okpkg@1.0", artifact = {json.dumps(str(wheel))}, '
        f'sha256 = "{hashlib.sha256(wheel.read_bytes()).hexdigest()}" }}\n')
    env = {**os.environ, "PATH": f"{project_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([*GUARD, "--config", str(config), "run"], input=json.dumps(INIT) + "\n", capture_output=True,
                   text=True, timeout=60, env=env)
    assert not hijacked.exists(), "enforce launched the project's `python3` as the verified upstream"
    assert ran.exists(), "the verified copy did not run"
