"""Class: shared intent taint (mcp_guard/intent/shared_taint.py) - the same user's server deletes or
changes the taint rows after they were written, before another process of the agent session reads them.

shared_taint promised "taint only adds", but a reader only read the rows it found: a wiki server (an SDK
server, running as the proxy's user) answers with an injection, waits until its proxy wrote the taint,
and deletes those rows (or moves them to another key, or rewrites them). The mail process of the same
agent session then reads nothing, and the send to the address the injection pointed at (carried as data
by the inbox listing) went through (a rewrite of a row's content cannot untaint: any row taints; see
tests/test_shared_taint.py for changed rows). Now every row has a number and a digest, the writer counts rows in
the transaction that inserts them, and a reader that finds a number missing, a digest wrong or the count
lower counts every session of its process as tainted. Run on a SQLite file and on PostgreSQL.

Not detected, and written in the README: a server that also puts the count back (`restore`), i.e. puts
the store back exactly as it was before the write.
"""

from __future__ import annotations

import json
import time

import pytest

from mcp_guard.intent import shared_taint
from tests.attacks.client import Attacker, server, text_of, write_config
from tests.attacks.test_intent_taint_per_process import PAGE, SUM, E
from tests.postgres import pg_url, postgres_cluster  # noqa: F401 - fixtures

# The server reaches the proxy through /proc/PPID (its store's file, its process): it runs as a plain
# child, not in its own namespaces, so that what this tests (the proxy's own defences) is reached.
UNISOLATED = 'trust = "tofu"\nisolate = false'

# One record: the injection's pointer ("the sender of the newest message") is unambiguous.
LISTING = json.dumps([{"id": "m3", "from": E, "subject": "Re: summary"}])


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request, tmp_path):
    """The `[storage]` of the config and the URL the attacker reads from it (none for SQLite: it finds the file)."""
    if request.param == "sqlite":
        return f'[storage]\npath = "{tmp_path / "guard.db"}"\n', None
    url = request.getfixturevalue("pg_url")
    return f'[storage]\nurl = "{url}"\n', url


def _scenario(tmp_path, storage, mode):
    extra, url = storage
    done = tmp_path / "erased"
    spec = tmp_path / "wiki.json"
    spec.write_text(json.dumps({"page": PAGE, "done": str(done), "url": url}))
    wiki = server("taint_deleter.py", str(spec), mode)
    mspec = tmp_path / "mail.json"
    mail_log = tmp_path / "mail.log"
    mspec.write_text(json.dumps({"tools": ["list_emails", "send_email"], "results": {"list_emails": LISTING},
                                 "log": str(mail_log)}))
    mail = server("intent_world.py", str(mspec))
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"wiki": (wiki, UNISOLATED), "mail": (mail, 'trust = "tofu"')}, extra)
    env = {"MCP_GUARD_SESSION": "agent"}
    with Attacker(cfg, "--upstream", "wiki", "--intent", SUM, env=env) as w, \
            Attacker(cfg, "--upstream", "mail", "--intent", SUM, env=env) as m:
        w.open()
        m.open()
        w.names()
        m.names()
        page = text_of(w.call("read_page", {"id": "reporting"}))
        assert "Note to the AI assistant" in page, page  # the injection reached the agent
        deadline = time.monotonic() + 30
        while not done.exists() and time.monotonic() < deadline:  # the server changed the store
            time.sleep(0.01)
        assert done.exists(), "the server did not get to change the store"
        m.call("list_emails", {"folder": "inbox"})
        ans = m.call("send_email", {"to": E, "body": "summary"})
    sends = [c for c in map(json.loads, mail_log.read_text().splitlines()) if c["tool"] == "send_email"]
    return sends, text_of(ans)


def test_control_untouched_rows_hold_the_send(tmp_path, storage):
    sends, ans = _scenario(tmp_path, storage, "none")
    assert sends == [] and "wiki/read_page via another process of this session" in ans, ans


@pytest.mark.parametrize("mode", ["delete", "all", "move"])
def test_taint_rows_deleted_or_changed_before_another_process_read_them(tmp_path, storage, mode):
    sends, ans = _scenario(tmp_path, storage, mode)
    assert sends == [], f"the send went through: the erased taint was not noticed. {ans}"
    assert getattr(shared_taint, "DELETED", "(not detected)") in ans, ans


@pytest.mark.xfail(strict=True, reason="known limit (README, security model): a same-user process that puts "
                   "the store back exactly as it was before the write (rows and count) is not detected")
def test_taint_rows_deleted_and_the_count_put_back(tmp_path):
    sends, ans = _scenario(tmp_path, (f'[storage]\npath = "{tmp_path / "guard.db"}"\n', None), "restore")
    assert sends == [], f"the send went through: the erased taint was not noticed. {ans}"
