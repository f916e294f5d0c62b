"""Class: an export's records lose their data and still verify, anchors included (session 9, attacker).
A record's hash covers only the SHA-256 of its data, so that `audit export --session S` can give other
sessions' records as `data_sha256` and still verify as one chain. But `verify_jsonl` accepts that
digest for any record, whatever the header says was exported: whoever holds a full export (the one
handed to an auditor) swaps a call's `data` (tool, arguments, decision) for its digest, and
`audit verify --file … --anchor SEQ:HASH` still reports the log intact, though the export claims
every record in full (`"session": null`). The record is silently emptied; nothing in the result
says so.
"""

from __future__ import annotations

import json

from mcp_guard.canonical import sha256_hex
from tests.attacks.test_s13_export_duplicate_members import exported_trail, run_guard


def test_a_full_export_with_a_record_emptied_does_not_verify(tmp_path):
    cfg, anchor, export = exported_trail(tmp_path)
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert lines[0]["session"] is None  # a full export: every record with its data
    emptied = 0
    for rec in lines[1:]:
        if rec["kind"] == "call" and rec["data"].get("tool") == "send_email":
            rec["data_sha256"] = sha256_hex(rec.pop("data"))
            emptied += 1
    assert emptied == 1
    export.write_text("".join(json.dumps(rec) + "\n" for rec in lines))
    checked = run_guard(cfg, "audit", "verify", "--file", str(export), "--anchor", anchor)
    assert checked.returncode != 0, f"an emptied record verified against the anchor: {checked.stdout}"
