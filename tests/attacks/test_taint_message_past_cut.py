"""Class: a resource's injection placed just past `message_text`'s cut reaches the model unjudged and untainted.

`guards.intent.message_text` (what `check_message` records for resources/read, prompts/get, errors)
stops collecting strings once its running size (each string + 2) passes MAX_PER_RESULT (2 MiB), and
drops the rest of the message; the record marks an entry `cut` (tainted) only when the JOINED text is
longer than MAX_PER_RESULT. The running size counts 2 more than the joined text, so a message whose
first content brings the size just past the limit while the joined text stays <= 2 MiB is recorded
whole-looking (not cut, judged clean), and the second content - the injection - is forwarded to the
model, never judged, and the session stays clean: the agent then sends to the address the
injection pointed at, with no question, in one process or across two of the session.

Expected (secure): a message whose text was not all judged counts as tainted (or the whole is
judged); the send is asked. Actual: allowed, the send reaches the mail server.
"""

from __future__ import annotations

import json

import pytest

from mcp_guard.intent.record import MAX_PER_RESULT
from tests.attacks.client import Attacker, Scripted, text_of
from tests.attacks.scripted_mail import wiki_and_mail
from tests.attacks.test_intent_taint_per_process import PAGE, SUM, E

URI, MIME = "wiki://reporting", "text/plain"
# strings before the pad: URI, MIME (each + 2 in the running size, + "\n\n" in the joined text)
PAD_LEN = MAX_PER_RESULT - (len(URI) + 2 + len(MIME) + 2)  # joined == MAX_PER_RESULT, size == MAX + 2
PAD = ("The quarterly archive, unchanged. " * (PAD_LEN // 34 + 1))[:PAD_LEN]


def _run(tmp_path, processes, pad):
    wiki = Scripted(tmp_path / "wiki.json", tools=[], resources=[{"uri": URI, "name": "reporting"}],
                    read={"result": {"contents": [{"uri": URI, "mimeType": MIME, "text": pad},
                                                  {"uri": URI + "/note", "mimeType": MIME, "text": PAGE}]}})
    cfg, mail = wiki_and_mail(tmp_path, wiki)
    env = {"MCP_GUARD_SESSION": "s"}
    if processes == "one":
        with Attacker(cfg, "--intent", SUM, env=env) as c:
            c.open()
            c.names("resources/list", "resources", "uri")
            seen = json.dumps(c.request("resources/read", {"uri": URI}))
            names = c.names()
            c.call(next(n for n in names if n.endswith("list_emails")), {})
            ans = c.call(next(n for n in names if n.endswith("send_email")), {"to": E, "body": "summary"})
    else:
        with Attacker(cfg, "--upstream", "wiki", "--intent", SUM, env=env) as w, \
                Attacker(cfg, "--upstream", "mail", "--intent", SUM, env=env) as m:
            w.open()
            m.open()
            w.names("resources/list", "resources", "uri")
            m.names()
            seen = json.dumps(w.request("resources/read", {"uri": URI}))
            m.call("list_emails", {})
            ans = m.call("send_email", {"to": E, "body": "summary"})
    assert "Note to the AI assistant" in seen, seen[-300:]  # the injection reached the model
    return [x for x in mail.received("tools/call") if x["params"]["name"] == "send_email"], text_of(ans)


def test_control_one_char_longer_is_cut_and_tainted(tmp_path):
    sends, ans = _run(tmp_path, "one", PAD + "x")
    assert sends == [], ans


@pytest.mark.parametrize("processes", ["one", "two"])
def test_injection_past_message_cut_taints(tmp_path, processes):
    sends, ans = _run(tmp_path, processes, PAD)
    assert sends == [], f"the send reached the mail server after an injection past the cut: {ans}"
