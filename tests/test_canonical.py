"""One canonical JSON and one time format: the same bytes for the manifest, the audit chain and approvals."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
import rfc8785

from mcp_guard import approvals, manifest
from mcp_guard.audit import AuditLog
from mcp_guard.canonical import canonical, digest, now, parse_time, timestamp
from mcp_guard.store import open_store

ODD = [
    {"big": 2**64, "neg": -(2**60), "edge": 2**53 - 1},
    {"nan": float("nan"), "inf": float("inf"), "ninf": -float("inf")},
    {"t": (1, "x"), 3: "int key", "obj": object},
    {"lone": "a\ud800b", "f": 0.1},
]


@pytest.mark.parametrize("value", ODD)
def test_every_user_writes_the_same_bytes(tmp_path, value):
    text = canonical(value)
    assert rfc8785.dumps(json.loads(text)) == text  # plain RFC 8785 output, nothing left to convert
    assert manifest.canonical(value) == text
    assert manifest.fingerprint("tool", value).digest == digest(value)
    assert approvals.args_digest("t", value) == hashlib.sha256(canonical({"tool": "t", "arguments": value})).hexdigest()
    log = AuditLog(open_store(tmp_path / "g.db"))
    log.append("call", None, value)
    stored = log.store.db.execute("SELECT data FROM audit").fetchone()[0]
    log.close()
    assert stored.encode() == text


def test_the_one_rule_keeps_values_exact():
    assert canonical({"n": 2**64, "x": float("nan")}) == b'{"n":"18446744073709551616","x":"nan"}'
    assert canonical([2**53 - 1, -(2**53 - 1)]) == b"[9007199254740991,-9007199254740991]"


def test_times_are_rfc3339_utc_with_microseconds():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", now())
    paris = datetime(2026, 12, 6, 3, 0, 0, 5, tzinfo=timezone(timedelta(hours=1)))
    assert timestamp(paris) == "2026-12-06T02:00:00.000005Z"
    with pytest.raises(ValueError):
        timestamp(datetime(2026, 1, 1))
    # what older versions wrote still reads, as the same instant
    for old in ("2026-12-06T02:00:00Z", "2026-12-06T02:00:00.000+00:00", "2026-12-06T02:00:00+00:00"):
        assert parse_time(old) == datetime(2026, 12, 6, 2, tzinfo=UTC)
    assert parse_time(timestamp(paris)) == paris
