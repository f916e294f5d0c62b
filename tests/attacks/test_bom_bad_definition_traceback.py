"""Class: bad input gives a traceback instead of one line (a corrupt AI-BOM).

An AI-BOM entry whose `mcp-guard:definition` property is JSON but not an object (a bad merge, a hand
edit: `[1, 2]`, `1`, `"x"`) makes `bom validate`, `bom check`, `bom generate` and `review approve`
crash with `AttributeError: 'list' object has no attribute 'get'` and a Python traceback, where
the README promises one line naming the problem and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients import GUARD

SERVER = Path(__file__).resolve().parent / "servers" / "scripted.py"


@pytest.mark.parametrize("value", ["[1, 2]", "1", '"x"'])
def test_non_object_definition_is_one_line(home, tmp_path, value):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"tools": [{"name": "t1", "description": "d", "inputSchema": {"type": "object"}}]}))
    config = tmp_path / "mcp-guard.toml"
    config.write_text(f'[storage]\npath = "guard.db"\n[upstreams.s]\ncommand = {json.dumps(sys.executable)}\n'
                      f'args = [{json.dumps(str(SERVER))}, {json.dumps(str(spec))}]\n')

    def guard(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*GUARD, "--config", str(config), *args], capture_output=True, text=True,
                              timeout=120, env={**os.environ})

    assert guard("bom", "generate").returncode == 0
    path = tmp_path / "bom" / "aibom.cdx.json"
    doc = json.loads(path.read_text())
    for entry in doc["services"][0]["services"]:
        for prop in entry["properties"]:
            if prop["name"] == "mcp-guard:definition":
                prop["value"] = value
    path.write_text(json.dumps(doc))
    crashed = []
    for command in (["bom", "validate"], ["bom", "check"], ["bom", "generate"],
                    ["review", "approve", "--upstream", "s", "--all", "--yes", "--reason", "ok"]):
        done = guard(*command)
        if "Traceback" in done.stderr or done.returncode not in (1, 2):
            crashed.append(f"{' '.join(command)}: exit {done.returncode}, {done.stderr.strip().splitlines()[-1:]}")
    assert not crashed, "traceback instead of one line: " + "; ".join(crashed)
