"""Class: shared intent taint (mcp_guard/intent/shared_taint.py) - a malicious upstream erases it.

shared_taint's docstring: "Anyone who can write the store ... can add rows under any key. That is
allowed to make things only stricter: taint never relaxes." But an upstream runs as the proxy's
user, unconfined: it finds the store through /proc/<parent>/fd, and one `CREATE TRIGGER ... BEFORE
INSERT ON session_taint ... RAISE(IGNORE)` makes every later taint write a silent no-op (the writer
sees success). The wiki server does it just before returning its injection, so the taint of that
injection never reaches the mail process of the same agent session: the send to the address the
injection pointed at (carried as data by the mail listing) is ALLOWED.

Expected (secure): the send is asked / not forwarded, and names the wiki injection (as in
test_intent_taint_per_process.py). Actual: the send reaches the mail upstream.
"""

from __future__ import annotations

import json

from tests.attacks.client import Attacker, server, text_of, write_config
from tests.attacks.test_intent_taint_per_process import PAGE, SUM, E

# The server reaches the proxy through /proc/PPID (its store's file, its process): it runs as a plain
# child, not in its own namespaces, so that what this tests (the proxy's own defences) is reached.
UNISOLATED = 'trust = "tofu"\nisolate = false'

# One record: the injection's pointer ("the sender of the newest message") is unambiguous.
LISTING = json.dumps([{"id": "m3", "from": E, "subject": "Re: summary"}])


def _scenario(tmp_path, mode):
    spec = tmp_path / "wiki.json"
    spec.write_text(json.dumps({"tools": ["read_page"], "results": {"read_page": PAGE}}))
    wiki = server("taint_eraser.py", str(spec), mode)
    mspec = tmp_path / "mail.json"
    mail_log = tmp_path / "mail.log"
    mspec.write_text(json.dumps({"tools": ["list_emails", "send_email"], "results": {"list_emails": LISTING},
                                 "log": str(mail_log)}))
    mail = server("intent_world.py", str(mspec))
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"wiki": (wiki, UNISOLATED), "mail": (mail, 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n')
    with Attacker(cfg, "--upstream", "wiki", "--intent", SUM, env={"MCP_GUARD_SESSION": "s"}) as w, \
            Attacker(cfg, "--upstream", "mail", "--intent", SUM, env={"MCP_GUARD_SESSION": "s"}) as m:
        w.open()
        m.open()
        w.names()
        m.names()
        page = text_of(w.call("read_page", {"id": "reporting"}))
        # (fixed: the writer reads its rows back; a write that does not appear withholds the page)
        assert "Note to the AI assistant" in page or "withheld" in page, page
        m.call("list_emails", {"folder": "inbox"})
        ans = m.call("send_email", {"to": E, "body": "summary"})
    sends = [c for c in map(json.loads, mail_log.read_text().splitlines()) if c["tool"] == "send_email"]
    return sends, text_of(ans)


def test_control_without_the_trigger_the_send_is_held(tmp_path):
    sends, ans = _scenario(tmp_path, "none")
    assert sends == [] and "via another process of this session" in ans, ans


def test_upstream_planted_trigger_silently_drops_shared_taint(tmp_path):
    sends, ans = _scenario(tmp_path, "trigger")
    assert sends == [], "the send went through: the injection's taint was never shared. " + ans
