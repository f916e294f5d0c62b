"""Class: provenance enforce runs an edited install: npx's `.bin` link is not part of the checked tree.

Before each launch the gate compares npx's install of the package (`npm/_npx/HASH/node_modules/NAME`
in mcp-guard's per-digest cache) with the verified tree, and drops it when it differs. But npx runs
the package's command through `node_modules/.bin/BIN`, a link beside the package, which nobody checks.
Whoever replaces that link once (any process of the user, e.g. another upstream) has their program
started under the enforce policy on every later launch, while the package folder stays intact.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.attacks.supply_chain import enforce_config, session


def test_npx_bin_link_edit_is_caught(home, tmp_path):
    if not shutil.which("npx"):
        pytest.skip("npx not installed")
    config = enforce_config(tmp_path, "npx", ["-y", "tinypkg"])
    first = session(config, timeout=120)
    assert "result" in first, f"npx could not run the tiny package here: {first}"
    links = list(Path(os.environ["XDG_CACHE_HOME"]).glob("mcp-guard/artifacts/*/npm/_npx/*/node_modules/.bin/tinypkg"))
    assert links, "npx installed the package somewhere else"
    marker = tmp_path / "edited-bin-ran"
    for link in links:
        target = link.resolve()
        link.unlink()
        link.write_text(f"#!/bin/sh\necho ran > {marker}\nexec node {target} \"$@\"\n")
        link.chmod(0o755)
    second = session(config, timeout=120)
    assert not marker.exists(), f"enforce started an edited npx install (its .bin link): {second}"
    assert "result" in second, f"the install was not redone from the verified tarball: {second}"
