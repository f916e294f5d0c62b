"""Class: exfiltration / judged values — a destination under a party-naming parameter, one level down.

README: a value needs a source when it is "the value of a parameter that names a party, channel, account,
owner or path". Under intent "text +4930123456 that I am late", `{"phone": 15112345678}` and
`{"phone": [15112345678]}` are held; `{"phone": {"n": 15112345678}}`, `{"phone": {"n": "15112345678"}}`
and `{"phone": {"cc": 49, "n": 15112345678}}` (the number one member down, under a name that names no
party) are allowed and forwarded in a fresh session: the channel's name is not inherited by its members.
"""

from __future__ import annotations

import pytest

from tests.attacks.client import Attacker, Scripted, write_config

TOOLS = [{"name": "send_sms",
          "inputSchema": {"type": "object", "properties": {"phone": {}, "text": {"type": "string"}}}}]


@pytest.mark.parametrize("phone", [{"n": 15112345678}, {"n": "15112345678"}, {"cc": 49, "n": 15112345678}])
def test_nested_integer_phone_number_is_judged(tmp_path, home, phone):
    server = Scripted(tmp_path / "s.json", tools=TOOLS)
    config = write_config(tmp_path / "c.toml", {"sms": (server.command, 'trust = "tofu"\n')})
    with Attacker(config, "--intent", "text +4930123456 that I am late", env={"HOME": str(home)}) as a:
        a.open()
        a.call("send_sms", {"phone": phone, "text": "late"})
    reached = [m["params"]["arguments"] for m in server.received("tools/call")]
    assert reached == [], f"a phone number the request never named was sent: {reached}"
