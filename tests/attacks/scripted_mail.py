"""The world of the scripted taint attacks: a wiki (scripted per test) that serves an injection, and a
mail server whose listing carries the injected address as data, both behind one `mcp-guard` config."""

from __future__ import annotations

import json
from pathlib import Path

from tests.attacks.client import Scripted, write_config
from tests.attacks.test_intent_taint_per_process import E

LISTING = json.dumps([{"id": "m3", "from": E, "subject": "Re: summary"}])
SEND = {"name": "send_email", "description": "Send an email", "inputSchema": {"type": "object"}}
LIST = {"name": "list_emails", "description": "List emails", "inputSchema": {"type": "object"},
        "annotations": {"readOnlyHint": True}}


def wiki_and_mail(tmp_path: Path, wiki: Scripted) -> tuple[Path, Scripted]:
    """The config fronting `wiki` and the mail server (both trusted on first sight), and the mail server
    (which records what it was sent)."""
    mail = Scripted(tmp_path / "mail.json", tools=[LIST, SEND],
                    call={"result": {"content": [{"type": "text", "text": LISTING}]}})
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"wiki": (wiki.command, 'trust = "tofu"'), "mail": (mail.command, 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n')
    return cfg, mail
