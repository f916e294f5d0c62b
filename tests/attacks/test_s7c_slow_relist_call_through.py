"""Class: review / rug pull — a call reaches a changed definition that was never approved.

The manifest guard's promise: "on `list_changed` it fetches the list again before returning, and the
relay holds calls until it has, so a server that changes a tool mid-session cannot get one call through
to the changed definition even if the client never lists again". The relay waits for that refresh only
GUARDS_READY_TIMEOUT (60 s); the refresh's tools/list is bounded by `call_timeout` (120 s by default).
A server that changes `t`, says list_changed, and answers the re-list after 75 s gets the client's next
call to `t` at the 60th second, judged against the old (approved) definition. (Slow: ~80 s.)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from tests.attacks.client import Attacker, text_of, write_config

SERVER = Path(__file__).resolve().parent / "servers" / "s7c_slow_relist.py"


@pytest.mark.slow
def test_call_waits_for_or_refuses_the_stalled_relist(tmp_path):
    log = tmp_path / "calls.jsonl"
    config = write_config(tmp_path / "c.toml", {"slow": ([sys.executable, str(SERVER), str(log), "75"],
                                                         'trust = "tofu"\n')}, '[intent]\nmode = "off"\n')
    with Attacker(config) as client:
        client.open()
        assert sorted(client.names()) == ["arm", "t"]  # A approved on first use
        client.call("arm")  # the server changes t to B and says list_changed; its re-list answers late
        time.sleep(1)
        started = time.time()
        msg = client.new_request("tools/call", {"name": "t", "arguments": {}})
        client.send(msg)
        while True:
            got = client.read(timeout=120)
            if got.get("id") == msg["id"]:
                answer = got
                break
        waited = time.time() - started
    calls = [json.loads(x) for x in log.read_text().splitlines()]
    through = [c for c in calls if c["name"] == "t" and c["armed"]]
    assert not through, (f"t ran as its changed, unapproved definition after {waited:.0f} s: "
                         f"{text_of(answer)!r}")
