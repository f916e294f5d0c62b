"""Budgets: a call the profile both budgets and asks about is checked against the budget BEFORE the
question and charged after the answer, never re-checked. Calls sent together while the first
question is open all pass the budget check (nothing is charged yet); each yes then lets its call
through: a per-tool budget of 1 lets N calls reach the upstream. The same window exists between
replicas for every budgeted call (budgets.py admits "the last unit"); with an ask it is as wide as a
person takes to answer, on one process.

Secure behaviour asserted: no more calls reach the upstream than the budget allows.
"""

from __future__ import annotations

import json

from tests.attacks.client import ALL_CAPABILITIES, Attacker, server, write_config

N = 4


def _run(tmp_path, together: bool) -> list:
    log = tmp_path / "upstream.log"
    spec = tmp_path / "world.json"
    spec.write_text(json.dumps({"tools": ["send_email"], "results": {}, "log": str(log)}))
    cfg = write_config(tmp_path / "mcp-guard.toml",
                       {"world": (server("intent_world.py", str(spec)), 'trust = "tofu"')},
                       f'[storage]\npath = "{tmp_path / "guard.db"}"\n\n[intent]\nask = "client"\n\n'
                       '[profiles.p]\nowner = "me@corp.example"\nask = ["world/send_email"]\n'
                       'budget = { per_tool = { "world/send_email" = 1 } }\n')
    with Attacker(cfg, "--upstream", "world", "--profile", "p") as a:
        a.open(ALL_CAPABILITIES)
        a.names()
        ids = []
        answers = {}
        for i in range(N):
            msg = a.new_request("tools/call", {"name": "send_email", "arguments": {"to": "x@corp.example",
                                                                                   "body": str(i)}})
            ids.append(msg["id"])
            a.send(msg)
            while not together and len(answers) <= i:
                _step(a, ids, answers)
        while len(answers) < N:
            _step(a, ids, answers)
    sent = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return [c for c in sent if c["tool"] == "send_email"]


def _step(a, ids, answers) -> None:
    m = a.read(timeout=30)
    if m.get("method") == "elicitation/create":  # the person says yes to each question
        a.send({"jsonrpc": "2.0", "id": m["id"], "result": {"action": "accept", "content": {"approve": True}}})
    elif m.get("id") in ids and "method" not in m:
        answers[m["id"]] = m


def test_budget_of_one_is_not_exceeded_by_concurrent_asked_calls(tmp_path):
    sent = _run(tmp_path, together=True)
    assert len(sent) <= 1, sent


def test_control_sequential_asked_calls_respect_the_budget(tmp_path):
    """HELD (control): one after the other, the second call is refused by the budget."""
    assert len(_run(tmp_path, together=False)) == 1
