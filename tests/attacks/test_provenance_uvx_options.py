"""Class: provenance enforce accepts a uvx command line that runs the verified package with code of
another's choosing (the gate's decision, checked without running uv).

`uvx [OPTIONS] PACKAGE` is rewritten to `uvx [OPTIONS] --from VERIFIED PACKAGE`; only `--with*`
options are refused. `--python /tmp/evil/python3` keeps the verified package but has it run by an
interpreter of the command line's choosing (any program: it is handed the package to run).
The npx counterpart (`--node-options`, `--script-shell`, `--userconfig`) is shown end to end in
test_provenance_npx_options.py.
"""

from __future__ import annotations

import anyio
import pytest

from mcp_guard.guards.base import LaunchRefused
from mcp_guard.guards.provenance import ProvenanceGuard
from mcp_guard.store import open_store
from tests.test_provenance import GITHUB, _config, _spec, pep740_asset


@pytest.mark.parametrize("options", [["--python", "/tmp/evil/python3"], ["-p", "/tmp/evil/python3"]])
def test_uvx_options_that_pick_what_runs_are_refused(home, tmp_path, options):
    sdist = pep740_asset("pypi_attestations-0.0.19.tar.gz")
    config = _config(
        tmp_path,
        {"package": "pkg:pypi/pypi-attestations@0.0.19", "artifact": str(sdist),
         "bundle": str(pep740_asset(sdist.name + ".provenance")), "issuer": GITHUB,
         "repository": "trailofbits/pypi-attestations", "workflow": "release.yml"},
        command="uvx",
        args=[*options, "pypi-attestations==0.0.19", "verify"],
    )
    try:
        out = anyio.run(ProvenanceGuard(config, open_store(None)).prepare_launch, _spec(config))
    except LaunchRefused:
        return
    pytest.fail(f"enforce admitted `uvx {' '.join(out.args)}`: the verified package, run by what {options} names")
