"""Class: the bytes forwarded are not the bytes judged (issue 10, finding 4).

What the guards judge is exactly what the upstream receives and what the audit records: `arguments`
that are not an object are an invalid-params error and never leave; a message that one parser reads
one way and another parser another (a key given twice, at any depth) leaves re-serialised from what
was judged, so the server cannot see a value the guards did not.
"""

from __future__ import annotations

import json

import pytest

from mcp_guard.audit import AuditLog
from mcp_guard.config import load_config
from mcp_guard.store import open_store
from tests.attacks.client import Attacker, Scripted, write_config

TOOL = {"name": "send", "description": "Send a note.", "inputSchema": {"type": "object"}}


def _setup(tmp_path):
    spec = Scripted(tmp_path / "spec.json", tools=[TOOL])
    config = write_config(tmp_path / "mcp-guard.toml", {"notes": (spec.command, 'trust = "tofu"\n')},
                          '[intent]\nmode = "off"\n')
    return spec, config


@pytest.mark.parametrize("arguments", ['"{\\"to\\": \\"evil@x.test\\"}"', '["evil@x.test"]', "42", "true"])
def test_judged_equals_forwarded_non_object_arguments(tmp_path, arguments):
    spec, config = _setup(tmp_path)
    with Attacker(config, "--upstream", "notes") as client:
        client.open()
        raw = b'{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"send","arguments":' + \
            arguments.encode() + b"}}"
        answer = client.exchange(raw, 9)
        assert answer["error"]["code"] == -32602, answer
        assert client.call("send", {"to": "a@b.test"})["result"].get("isError") is not True  # still serving
    assert [m["params"]["arguments"] for m in spec.received("tools/call")] == [{"to": "a@b.test"}]


@pytest.mark.parametrize("method, params", [
    ("tools/call", b'{"name":"send","arguments":{"to":"alice@corp.test","nested":{"k":"a","k":"b"},'
                   b'"to":"evil@x.test"}}'),
    ("tools/call", b'{"name":"send","name":"send","arguments":{"to":"a"},"arguments":{"to":"evil@x.test"}}'),
])
def test_judged_equals_forwarded_duplicate_keys(tmp_path, method, params):
    spec, config = _setup(tmp_path)
    with Attacker(config, "--upstream", "notes") as client:
        client.open()
        raw = b'{"jsonrpc":"2.0","id":7,"method":"' + method.encode() + b'","params":' + params + b"}"
        answer = client.exchange(raw, 7)
        assert "error" not in answer
    judged = json.loads(params)["arguments"]  # Python's parser, like orjson, keeps the last copy
    (line,) = [raw for raw in spec.received_raw() if '"tools/call"' in raw]
    # What arrived has every key once, with the values the guards judged.
    pairs: list[list[str]] = []
    json.loads(line, object_pairs_hook=lambda kv: pairs.append([k for k, _ in kv]) or dict(kv))
    assert all(len(keys) == len(set(keys)) for keys in pairs), line
    assert json.loads(line)["params"]["arguments"] == judged
    log = AuditLog(open_store(load_config(config).db_path))
    calls = [r.data for r in log.records(kind="call")]
    assert calls and calls[-1]["arguments"] == judged  # the audit says what was sent
