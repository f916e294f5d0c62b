"""Class: provenance enforce accepts a launch whose code comes from outside the verified copy.

`python {verified_dir}/PKG/__main__.py` passes the gate: the script is a file of the verified copy and
the interpreter has no option that runs other code. But Python puts the script's own folder
(`…/unpacked/PKG`) first on sys.path, not the folder that holds PKG, so the script's
`from PKG import main` imports whichever PKG the interpreter finds elsewhere: the user's site-packages
(a `pip install --user` of another version), the system's. The verified file is a two-line shim;
everything it runs is unverified, under enforce.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest

from tests.attacks.supply_chain import INIT
from tests.clients import GUARD

PYTHON = shutil.which("python3", path="/usr/bin:/usr/local/bin") or "python3"


@pytest.mark.parametrize("form", ["interpreter", "shebang"])
def test_verified_script_imports_its_package_from_the_copy(home, tmp_path, form):
    """`python {verified_dir}/PKG/__main__.py`, or that file run as the command by its `#!` line."""
    marker = tmp_path / "unverified-package-ran"
    ran = tmp_path / "verified-package-ran"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("evilpkg/__init__.py",
                    f"def main():\n    import pathlib\n    pathlib.Path({str(ran)!r}).write_text('x')\n")
        zf.writestr("evilpkg/__main__.py", f"#!{PYTHON}\nfrom evilpkg import main\nmain()\n")
        zf.writestr("evilpkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n")
    wheel = tmp_path / "evilpkg-1.0-py3-none-any.whl"
    wheel.write_bytes(buf.getvalue())
    # Another copy of the package, installed for the user (not verified, not the pinned bytes).
    user_site = subprocess.run([PYTHON, "-c", "import site; print(site.getusersitepackages())"],
                               capture_output=True, text=True, check=True).stdout.strip()
    if not user_site.startswith(str(home)):
        pytest.skip(f"{PYTHON} has no user site under HOME")
    other = tmp_path / "home" / user_site.removeprefix(str(home) + "/") / "evilpkg"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\ndef main():\n    pass\n")
    config = tmp_path / "mcp-guard.toml"
    launch = {"interpreter": f'command = {json.dumps(PYTHON)}\nargs = ["{{verified_dir}}/evilpkg/__main__.py"]',
              "shebang": 'command = "{verified_dir}/evilpkg/__main__.py"'}[form]
    config.write_text(
        '[storage]\npath = "guard.db"\n[intent]\nmode = "off"\n'
        f'[upstreams.evil]\n{launch}\n'
        f'provenance = {{ mode = "enforce", package = "pkg:pypi/evilpkg@1.0", artifact = {json.dumps(str(wheel))}, '
        f'sha256 = "{hashlib.sha256(wheel.read_bytes()).hexdigest()}" }}\n')
    subprocess.run([*GUARD, "--config", str(config), "run"], input=json.dumps(INIT) + "\n", capture_output=True,
                   text=True, timeout=60)
    assert not marker.exists(), "enforce ran a package that is not the verified copy (imported from the user site)"
    assert ran.exists(), "the verified copy's own package was not imported"
