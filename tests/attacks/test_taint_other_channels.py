"""Class: injection toward the model through channels other than tools/call results never taints the session.

IntentGuard recorded and judged only tools/call results (not a JSON-RPC error's message either). A wiki whose
page is served as a RESOURCE (resources/read) or as a PROMPT (prompts/get) delivers the same
injection to the model, and the agent then acts on it through the mail server: the address the
injection pointed at, carried as data by a one-record listing, is sent to with no question, in the
same process as the injection (`one`) or in another process of the session (`two`).

Expected (secure): after the model read instructions through any channel, a destination taken from
data is asked (the send never reaches the mail server), as it is when the same text comes back from
a tool (control). Actual: allowed ("done").
"""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, Scripted, text_of
from tests.attacks.scripted_mail import wiki_and_mail
from tests.attacks.test_intent_taint_per_process import PAGE, SUM, E

PAGE_TOOL = {"name": "read_page", "description": "Read a page", "inputSchema": {"type": "object"},
             "annotations": {"readOnlyHint": True}}


def _read_injection(client, channel):
    if channel == "error":
        name = next(n for n in client.names() if n.endswith("read_page"))
        return json.dumps(client.call(name, {"id": "reporting"}))
    if channel == "tool":
        name = next(n for n in client.names() if n.endswith("read_page"))
        return text_of(client.call(name, {"id": "reporting"}))
    if channel == "resource":
        return json.dumps(client.request("resources/read", {"uri": "wiki://reporting"}))
    name = next(n for n in client.names("prompts/list", "prompts") if n.endswith("reporting"))
    return json.dumps(client.request("prompts/get", {"name": name, "arguments": {}}))


def _scenario(tmp_path, channel, processes):
    wiki = Scripted(tmp_path / "wiki.json", tools=[PAGE_TOOL],
                    resources=[{"uri": "wiki://reporting", "name": "reporting"}],
                    prompts=[{"name": "reporting", "description": "The reporting page"}],
                    call=({"error": {"code": -32000, "message": PAGE}} if channel == "error"
                          else {"result": {"content": [{"type": "text", "text": PAGE}]}}),
                    read={"result": {"contents": [{"uri": "wiki://reporting", "mimeType": "text/plain",
                                                   "text": PAGE}]}},
                    prompt={"result": {"messages": [{"role": "user", "content": {"type": "text", "text": PAGE}}]}})
    cfg, mail = wiki_and_mail(tmp_path, wiki)
    env = {"MCP_GUARD_SESSION": "s"}
    if processes == "one":
        with Attacker(cfg, "--intent", SUM, env=env) as c:
            c.open()
            c.names()
            c.names("resources/list", "resources", "uri")
            c.names("prompts/list", "prompts")
            seen = _read_injection(c, channel)
            names = c.names()
            c.call(next(n for n in names if n.endswith("list_emails")), {})
            ans = c.call(next(n for n in names if n.endswith("send_email")), {"to": E, "body": "summary"})
    else:
        with Attacker(cfg, "--upstream", "wiki", "--intent", SUM, env=env) as w, \
                Attacker(cfg, "--upstream", "mail", "--intent", SUM, env=env) as m:
            w.open()
            m.open()
            w.names()
            w.names("resources/list", "resources", "uri")
            w.names("prompts/list", "prompts")
            m.names()
            seen = _read_injection(w, channel)
            m.call("list_emails", {})
            ans = m.call("send_email", {"to": E, "body": "summary"})
    assert "Note to the AI assistant" in seen, seen  # the injection reached the model
    sends = [x for x in mail.received("tools/call") if x["params"]["name"] == "send_email"]
    return sends, text_of(ans)


@pytest.mark.parametrize("processes", ["one", "two"])
def test_control_injection_from_a_tool_taints(tmp_path, processes):
    sends, ans = _scenario(tmp_path, "tool", processes)
    assert sends == [], ans


@pytest.mark.parametrize("processes", ["one", "two"])
@pytest.mark.parametrize("channel", ["resource", "prompt", "error"])
def test_injection_from_resource_or_prompt_taints(tmp_path, channel, processes):
    sends, ans = _scenario(tmp_path, channel, processes)
    assert sends == [], f"the send reached the mail server after a {channel} injection: {ans}"
