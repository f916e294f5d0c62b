"""Class: provenance enforce launches code other than the verified copy, through npx's own options.

`npx [OPTIONS] PACKAGE …` is rewritten to run the verified tarball, and the options before the package
are kept as they are. Only `-c/--call` is refused; but npx's other options configure what runs the
package: `--node-options=--require=EVIL` (NODE_OPTIONS for the bin), `--script-shell=EVIL` (the shell
that npx runs the bin through), `--userconfig FILE` (an npmrc saying either). The command line is the
client entry's (`run --name NAME -- npx …`, e.g. a project's `.mcp.json`), and enforce accepts it.
"""

from __future__ import annotations

import shutil

import pytest

from tests.attacks.supply_chain import enforce_config, evil_js, session


@pytest.mark.parametrize("form", ["node-options", "script-shell", "userconfig"])
def test_npx_options_run_other_code(home, tmp_path, form):
    if not shutil.which("npx"):
        pytest.skip("npx not installed")
    script, marker = evil_js(tmp_path)
    shell = tmp_path / "evil-shell"
    shell.write_text(f"#!/bin/sh\necho shell > {marker}\nexec /bin/sh \"$@\"\n")
    shell.chmod(0o755)
    npmrc = tmp_path / "evil.npmrc"
    npmrc.write_text(f"node-options=--require {script}\n")
    options = {
        "node-options": [f"--node-options=--require={script}"],
        "script-shell": [f"--script-shell={shell}"],
        "userconfig": ["--userconfig", str(npmrc)],
    }[form]
    config = enforce_config(tmp_path, "npx", ["-y", "tinypkg"])
    answer = session(config, run_args=["--name", "tiny", "--", "npx", *options, "-y", "tinypkg"], timeout=120)
    assert not marker.exists(), f"enforce ran code other than the verified copy (npx {options[0]}): {answer}"
