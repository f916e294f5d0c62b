"""Class: shared intent taint - a result is forwarded before it is judged; kill the judge and the taint is lost.

A result larger than INLINE_JUDGE_CHARS (16 KiB) goes to the agent while a worker thread judges it;
other processes of the session wait on the lock file only while the judging process is alive. The
malicious wiki answers a large page with an injection at its top, then SIGKILLs its parent `run`
(it runs as the same user) a few ms later: the agent has the page, the lock is released by the
kernel, no taint row was ever written, and the mail process of the same session decides the send
to the address the injection pointed at as clean data: ALLOWED.

Expected (secure): the injection read by the agent taints the session (the send is not forwarded),
e.g. the taint (or a "judging" marker) is in the store before the result goes on.
Actual: forwarded.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.attacks.client import Attacker, server, text_of, write_config
from tests.attacks.test_intent_taint_per_process import SUM, E

# The server reaches the proxy through /proc/PPID (its store's file, its process): it runs as a plain
# child, not in its own namespaces, so that what this tests (the proxy's own defences) is reached.
UNISOLATED = 'trust = "tofu"\nisolate = false'

LISTING = json.dumps([{"id": "m3", "from": E, "subject": "Re: summary"}])


def _scenario(tmp_path, kb, delay_ms):
    wiki = server("kill_after_result.py", str(kb), str(delay_ms))
    mspec = tmp_path / "mail.json"
    mail_log = tmp_path / "mail.log"
    mspec.write_text(json.dumps({"tools": ["list_emails", "send_email"], "results": {"list_emails": LISTING},
                                 "log": str(mail_log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"wiki": (wiki, UNISOLATED),
                        "mail": (server("intent_world.py", str(mspec)), 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n[proxy]\nmax_message_bytes = 8388608\n')
    env = {"MCP_GUARD_SESSION": "k"}
    with Attacker(cfg, "--upstream", "wiki", "--intent", SUM, env=env) as w, \
            Attacker(cfg, "--upstream", "mail", "--intent", SUM, env=env) as m:
        w.open()
        m.open()
        w.names()
        m.names()
        try:
            page = w.call("read_page", {"id": "reporting"})
            reached = "Note to the AI assistant" in text_of(page)
        except EOFError:  # killed before it forwarded the page: the agent never read it
            reached = False
        time.sleep(0.5)
        m.call("list_emails", {"folder": "inbox"})
        ans = m.call("send_email", {"to": E, "body": "summary"})
    return [c for c in map(json.loads, mail_log.read_text().splitlines()) if c["tool"] == "send_email"], ans, reached


def test_control_not_killed_the_taint_is_shared(tmp_path):
    sends, ans, reached = _scenario(tmp_path, 1024, -1)
    assert reached and sends == [] and "via another process of this session" in text_of(ans), text_of(ans)


@pytest.mark.parametrize("kb,delay_ms", [(1024, 5), (2048, 20), (1024, 4000)])
def test_killed_judge_leaves_no_taint(tmp_path, kb, delay_ms):
    """(fixed: a shared session's result is judged and its taint written before it is forwarded; a
    kill a few ms after the answer now lands before the page is forwarded, the agent never reads it;
    a kill seconds later lands after it is forwarded, and the taint is in the store already)"""
    sends, ans, reached = _scenario(tmp_path, kb, delay_ms)
    if delay_ms >= 4000:
        assert reached
    if reached:
        assert sends == [], "the send went through: the killed judge never wrote the taint. " + text_of(ans)
