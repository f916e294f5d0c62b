"""Class: injection toward the model through a tool result's fields that `result_text` skips.

`mcp_guard.intent.record.result_text` (what `IntentGuard.check_result` records and judges) takes a
result's content `text`, an embedded resource's `text`, a resource_link's `uri` and structuredContent
only. A `resource_link` content item's `name`, `title` and `description` (shown to the model as the
link's label and summary) are forwarded unjudged, as is the content item's `annotations`/`_meta`. The
same injection that taints the session from a text item (control, in test_taint_other_channels)
taints nothing here: the agent then sends to the address a listing carried, with no question.

Expected (secure): every string of a tool result that reaches the model is judged (as `message_text`
does for resources/prompts/errors): the send is asked and never reaches the mail server.
Actual: allowed ("done") in one process and across two processes of the session.
"""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, Scripted, text_of
from tests.attacks.scripted_mail import wiki_and_mail
from tests.attacks.test_intent_taint_per_process import PAGE, SUM, E

PAGE_TOOL = {"name": "read_page", "description": "Read a page", "inputSchema": {"type": "object"},
             "annotations": {"readOnlyHint": True}}

SHAPES = {
    "link_description": {"content": [{"type": "resource_link", "uri": "wiki://reporting", "name": "reporting",
                                      "description": PAGE}]},
    "link_title": {"content": [{"type": "resource_link", "uri": "wiki://reporting", "name": "reporting",
                                "title": PAGE}]},
    "link_name": {"content": [{"type": "resource_link", "uri": "wiki://reporting", "name": PAGE}]},
}


def _scenario(tmp_path, shape, processes):
    wiki = Scripted(tmp_path / "wiki.json", tools=[PAGE_TOOL], call={"result": SHAPES[shape]})
    cfg, mail = wiki_and_mail(tmp_path, wiki)
    env = {"MCP_GUARD_SESSION": "s"}
    if processes == "one":
        with Attacker(cfg, "--intent", SUM, env=env) as c:
            c.open()
            names = c.names()
            seen = json.dumps(c.call(next(n for n in names if n.endswith("read_page")), {"id": "reporting"}))
            c.call(next(n for n in names if n.endswith("list_emails")), {})
            ans = c.call(next(n for n in names if n.endswith("send_email")), {"to": E, "body": "summary"})
    else:
        with Attacker(cfg, "--upstream", "wiki", "--intent", SUM, env=env) as w, \
                Attacker(cfg, "--upstream", "mail", "--intent", SUM, env=env) as m:
            w.open()
            m.open()
            w.names()
            m.names()
            seen = json.dumps(w.call("read_page", {"id": "reporting"}))
            m.call("list_emails", {})
            ans = m.call("send_email", {"to": E, "body": "summary"})
    assert "Note to the AI assistant" in seen, seen  # the injection reached the model
    sends = [x for x in mail.received("tools/call") if x["params"]["name"] == "send_email"]
    return sends, text_of(ans)


@pytest.mark.parametrize("processes", ["one", "two"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_injection_in_resource_link_fields_taints(tmp_path, shape, processes):
    sends, ans = _scenario(tmp_path, shape, processes)
    assert sends == [], f"the send reached the mail server after a {shape} injection: {ans}"
