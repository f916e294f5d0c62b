"""Class: intent taint - an injection past the first MAX_PER_RESULT (2 Mi) characters of a result is never judged.

SessionRecord.add keeps (and so judges) only `text[:MAX_PER_RESULT]` of a result, but the whole result
(up to max_message_bytes, 16 MiB by default) goes to the agent. A wiki page of 2.1 MiB of filler
with the injection at its END reaches the model intact and taints nothing: the mail send to the
address it points at (one-record listing) is allowed, in the SAME process. With the injection at
the top (control) it is asked.

Expected (secure): a result too large to judge whole is tainted (or refused); the send is not forwarded.
Actual: forwarded.
"""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, server, text_of, write_config
from tests.attacks.test_intent_taint_per_process import SUM, E

LISTING = json.dumps([{"id": "m3", "from": E, "subject": "Re: summary"}])


@pytest.mark.parametrize("where", ["top", "end"])
def test_injection_anywhere_in_a_result_taints(tmp_path, where):
    mspec = tmp_path / "mail.json"
    mail_log = tmp_path / "mail.log"
    mspec.write_text(json.dumps({"tools": ["list_emails", "send_email"], "results": {"list_emails": LISTING},
                                 "log": str(mail_log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"wiki": (server("long_page.py", "2200", where), 'trust = "tofu"'),
                        "mail": (server("intent_world.py", str(mspec)), 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n')
    with Attacker(cfg, "--intent", SUM, env={"MCP_GUARD_SESSION": where}) as c:
        c.open()
        c.names()
        page = c.call("wiki__read_page", {"id": "reporting"})
        assert "Note to the AI assistant" in text_of(page)  # the injection reached the agent
        c.call("mail__list_emails", {"folder": "inbox"})
        ans = c.call("mail__send_email", {"to": E, "body": "summary"})
    sends = [x for x in map(json.loads, mail_log.read_text().splitlines()) if x["tool"] == "send_email"]
    assert sends == [], f"injection at the {where} of a 2.2 MiB page: the send went through: " + text_of(ans)
