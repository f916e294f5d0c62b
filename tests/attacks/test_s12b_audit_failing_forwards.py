"""Class: with durability "group" (the default), an audit log that cannot write no longer stops calls.

The call gate now forwards a call first and commits its record while the server works; a record that
cannot be written turns the answer into an error. But the server has already acted. While the log
keeps failing (a disk that is full, a lock another process keeps past the busy timeout, a damaged
chain), every call the agent makes is carried out, none is recorded, and each is answered with an
error that invites the agent to try again: the failure turns "refuse what cannot be recorded"
(write-ahead, as before) into "do everything unrecorded".

The test makes every audit insert fail (a trigger, as a full disk would) after the session opened.
The first call forwarded in the moment the log starts failing cannot be helped without write-ahead;
the secure behaviour is that once a record has failed, the next calls are not forwarded unrecorded
(the gate records before forwarding until the log writes again).
"""

from __future__ import annotations

import json
import sqlite3

from tests.attacks.client import Attacker, server, write_config


def test_calls_stop_reaching_the_server_while_the_log_fails(tmp_path):
    seen, db = tmp_path / "seen.jsonl", tmp_path / "guard.db"
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"k": (server("kill_parent.py", str(seen), "never"), 'trust = "tofu"')},
                       f'[storage]\npath = "{db}"\n[intent]\nmode = "off"\n')
    with Attacker(cfg) as client:
        client.open()
        assert client.names() == ["lookup"]
        broken = sqlite3.connect(db, isolation_level=None)
        broken.execute("CREATE TRIGGER full_disk BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        broken.close()
        answers = [client.call("lookup", {"word": f"WORD-{n}"}) for n in range(4)]
        mended = sqlite3.connect(db, isolation_level=None)
        mended.execute("DROP TRIGGER full_disk")
        mended.close()
        after = [client.call("lookup", {"word": f"AFTER-{n}"}) for n in range(2)]  # the log writes again
    assert all("result" in a and not a["result"].get("isError") for a in after), json.dumps(after)
    assert all("error" in a for a in answers), json.dumps(answers)  # none was recorded, all say so
    words = [json.loads(line)["params"]["arguments"]["word"] for line in seen.read_text().splitlines()] \
        if seen.exists() else []
    assert len([w for w in words if w.startswith("WORD-")]) <= 1, f"the server carried out {words}, unrecorded"
    assert sum(1 for (d,) in sqlite3.connect(db).execute("SELECT data FROM audit") if "AFTER-" in d) == 2
