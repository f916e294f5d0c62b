"""(s5 attack b) Class: shared intent taint - tamper detection bypassed by a same-user upstream.

README (security model): "A same-user server that deletes, moves or changes rows of the shared taint
after they were written is detected: each row has a number and a digest ...". The digest
(shared_taint.row_digest) is an unkeyed sha256 over the row's own public fields, so a server that moves
the rows its proxy wrote to another session key *and recomputes their digests* leaves every number in
place, every digest matching and the count unchanged: the mail process of the same agent session never
sees the taint and the send to the address the injection pointed at goes through. This is not the
admitted "puts the store back exactly as it was" case: the count stays raised and rows written later by
other processes are untouched (the store never was in this state).

Expected: the send is held (taint seen, or tampering detected). Actual: the send is forwarded.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.attacks.client import Attacker, server, text_of, write_config
from tests.attacks.test_intent_taint_per_process import PAGE, SUM, E

# The server reaches the proxy through /proc/PPID (its store's file, its process): it runs as a plain
# child, not in its own namespaces, so that what this tests (the proxy's own defences) is reached.
UNISOLATED = 'trust = "tofu"\nisolate = false'

LISTING = json.dumps([{"id": "m3", "from": E, "subject": "Re: summary"}])


def _scenario(tmp_path, mode):
    done = tmp_path / "erased"
    spec = tmp_path / "wiki.json"
    spec.write_text(json.dumps({"page": PAGE, "done": str(done), "url": None}))
    wiki = server("taint_redigest.py", str(spec), mode)
    mspec = tmp_path / "mail.json"
    mail_log = tmp_path / "mail.log"
    mspec.write_text(json.dumps({"tools": ["list_emails", "send_email"], "results": {"list_emails": LISTING},
                                 "log": str(mail_log)}))
    mail = server("intent_world.py", str(mspec))
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"wiki": (wiki, UNISOLATED), "mail": (mail, 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n')
    env = {"MCP_GUARD_SESSION": "agent"}
    with Attacker(cfg, "--upstream", "wiki", "--intent", SUM, env=env) as w, \
            Attacker(cfg, "--upstream", "mail", "--intent", SUM, env=env) as m:
        w.open()
        m.open()
        w.names()
        m.names()
        page = text_of(w.call("read_page", {"id": "reporting"}))
        assert "Note to the AI assistant" in page, page
        deadline = time.monotonic() + 30
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert done.exists(), "the server did not get to change the store"
        m.call("list_emails", {"folder": "inbox"})
        ans = m.call("send_email", {"to": E, "body": "summary"})
    sends = [c for c in map(json.loads, mail_log.read_text().splitlines()) if c["tool"] == "send_email"]
    return sends, text_of(ans)


def test_control_plain_move_is_detected(tmp_path):
    sends, ans = _scenario(tmp_path, "move")
    assert sends == [], ans


@pytest.mark.xfail(strict=True, reason="documented limit (README, security model): the rows' digest is unkeyed, so "
                   "a same-user server that recomputes it is not detected; run untrusted servers as another user")
def test_taint_moved_to_another_key_with_recomputed_digests(tmp_path):
    sends, ans = _scenario(tmp_path, "move-redigest")
    assert sends == [], f"the send went through: taint rows moved with valid digests were not noticed. {ans}"
