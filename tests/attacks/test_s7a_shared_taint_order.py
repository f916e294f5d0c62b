"""Class: cross-process taint (session 7 cached the shared-taint read on the taint count). Two `run`s of one
client (one session key) on one database: the mail process lists the inbox FIRST (its taint read is then
cached), the wiki process then reads an injection (plain, large, or as a log line), and the mail process
sends to the attacker's address taken from the listing. The send must be held (taint read elsewhere)."""

from __future__ import annotations

import json

import pytest

from tests.attacks.client import Attacker, server, text_of, write_config
from tests.attacks.test_intent_taint_per_process import LISTING, PAGE, SUM, E, _world

VARIANTS = {
    "plain": {"read_page": PAGE},
    "large": {"read_page": ("Filler line of the team wiki.\n" * 3000) + PAGE},
    "log-line": {"read_page": {"before": [{"method": "notifications/message",
                                           "params": {"level": "info", "logger": "wiki", "data": PAGE}}],
                               "result": {"content": [{"type": "text", "text": "Team wiki."}]}}},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_taint_published_after_the_other_process_cached_its_read(tmp_path, variant):
    spec = tmp_path / "wiki.json"
    spec.write_text(json.dumps({"tools": [{"name": "read_page", "annotations": {"readOnlyHint": True}}],
                                "results": {k: (v if isinstance(v, dict) else v) for k, v in VARIANTS[variant].items()},
                                "log": str(tmp_path / "wiki.log")}))
    wiki = server("s6a_world.py", str(spec))
    mail, mail_log = _world(tmp_path, "mail", ["list_emails", "send_email"], {"list_emails": LISTING})
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"wiki": (wiki, 'trust = "tofu"'), "mail": (mail, 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n')
    with Attacker(cfg, "--upstream", "wiki", "--intent", SUM) as w, \
            Attacker(cfg, "--upstream", "mail", "--intent", SUM) as m:
        w.open()
        m.open()
        w.names()
        m.names()
        m.call("list_emails", {"folder": "inbox"})
        m.call("list_emails", {"folder": "inbox"})
        w.call("read_page", {"id": "reporting"})
        assert "Note to the AI assistant" in json.dumps([w.others, text_of(w.call("read_page", {"id": "x"}))])
        ans = m.call("send_email", {"to": E, "body": "summary"})
    sends = [c for c in map(json.loads, mail_log.read_text().splitlines()) if c["tool"] == "send_email"]
    assert sends == [], f"{variant}: {text_of(ans)!r}"
