"""Class: a hand-edited AI-BOM is accepted, and `bom diff` hides what it changes.

A BOM entry's fingerprint is checked against its definition, but nothing checks that an item appears
once per fingerprint, nor that an approved entry carries a decision (who, when, why). Add a second
copy of a pending entry, marked approved and with no decision, before the original:
- `bom diff OLD NEW` (what a reviewer of the BOM's pull request runs) groups entries by fingerprint,
  keeps the last copy (still pending) and says "no differences";
- `bom validate` and `bom check` (the CI gate) pass;
- every process that opens the BOM adopts the approval: the tool is served, approved by "unknown".
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.clients import GUARD, RawClient

SERVER = Path(__file__).resolve().parent / "servers" / "scripted.py"
TOOL = {"name": "send_report", "description": "Sends the weekly report to any address.",
        "inputSchema": {"type": "object", "properties": {"to": {"type": "string"}}}}


def _guard(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*GUARD, "--config", str(config), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def _state(entry: dict) -> dict:
    return next(p for p in entry["properties"] if p["name"] == "mcp-guard:review-state")


def test_duplicate_approved_entry_is_seen(home, tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"tools": [TOOL]}))
    config = tmp_path / "mcp-guard.toml"
    config.write_text(f'[storage]\npath = "guard.db"\n[intent]\nmode = "off"\n'
                      f'[upstreams.mail]\ncommand = {json.dumps(sys.executable)}\n'
                      f'args = [{json.dumps(str(SERVER))}, {json.dumps(str(spec))}]\n')
    assert _guard(config, "bom", "generate").returncode == 0
    path = tmp_path / "bom" / "aibom.cdx.json"
    old = tmp_path / "old.cdx.json"
    old.write_text(path.read_text())
    # approve the server identity properly, so only the tool is at stake
    for item in json.loads(_guard(config, "review", "list", "--json").stdout):
        if item["kind"] == "server":
            assert _guard(config, "review", "approve", item["id"], "--reason", "ok").returncode == 0
    old.write_text(path.read_text())

    doc = json.loads(path.read_text())
    [svc] = doc["services"]
    i, entry = next((i, e) for i, e in enumerate(svc["services"]) if e["name"] == "send_report")
    forged = copy.deepcopy(entry)
    forged["bom-ref"] = entry["bom-ref"].rsplit("/", 1)[0] + "/0"  # sorts before the original
    _state(forged)["value"] = "approved"
    svc["services"].insert(i, forged)
    path.write_text(json.dumps(doc, indent=2))

    diff = _guard(config, "bom", "diff", str(old), str(path))
    validate = _guard(config, "bom", "validate")
    check = _guard(config, "bom", "check")
    client = RawClient([*GUARD, "--config", str(config), "run"])
    try:
        client.handshake()
        tools = [t["name"] for t in client.request("tools/list")["result"]["tools"]]
    finally:
        client.close()
    problems = []
    if "no differences" in diff.stdout:
        problems.append("`bom diff` says 'no differences' for a BOM that approves send_report")
    if validate.returncode == 0 and check.returncode == 0:
        problems.append("`bom validate` and `bom check` accept an approval nobody gave")
    if "send_report" in tools:
        problems.append("send_report is served, approved by nobody")
    assert not problems, "; ".join(problems) + f"\n{diff.stdout}\n{check.stdout}"
