"""Class: team gateway (several `serve` replicas on one PostgreSQL): a budget honoured more than once.

A profile's budget is read from the store (`budgets.used`) before a call and charged after it is allowed
(`budgets.charge`), in two statements with no lock between them. Calls of one `session start` token sent
at the same instant to different replicas all read the old count and all pass: a per-tool budget of 1
lets several calls reach the server. README ("A team gateway") says budgets live in the database so that
every replica counts against the same budget; only a code comment in budgets.py admits the race (the
person-approval path already takes `store.write()` around check and charge; the plain allow path does not).

Secure behaviour asserted: with `per_tool = 1`, at most one of the concurrent calls is allowed.
"""

from __future__ import annotations

import json
import threading

import pytest

from tests.postgres import pg_url, postgres_cluster  # noqa: F401 - fixtures
from tests.test_replicas import RoundRobin, cli, replicas, team_config

pytestmark = pytest.mark.slow

PER_REPLICA = 3


def test_budget_of_one_is_spent_once_across_replicas(tmp_path, pg_url):  # noqa: F811
    config = team_config(tmp_path, pg_url, """
[profiles.once]
owner = "team@example.com"
allow = ["echo/*"]
budget = { per_tool = { "echo/echo" = 1 } }
""")
    with replicas(config, 3) as procs:
        setup = json.loads(cli(config, "session", "start", "--intent", "echo what I say", "--profile", "team",
                               "--json"))
        RoundRobin([procs[0][1]], setup["token"]).tools()
        ids = [i["id"] for i in json.loads(cli(config, "review", "list", "--json")) if i["upstream"] == "echo"]
        cli(config, "review", "approve", *ids, "--reason", "echo only echoes")
        passed_total = 0
        for rnd in range(3):
            started = json.loads(cli(config, "session", "start", "--intent", "echo what I say", "--profile",
                                     "once", "--json"))
            clients = [RoundRobin([base], started["token"]) for _, base in procs for _ in range(PER_REPLICA)]
            for c in clients[::PER_REPLICA]:
                c.tools()  # each replica has the session's relay open and the tool listed
            results: list[dict] = []
            gate = threading.Barrier(len(clients))

            def go(c, gate=gate, results=results, rnd=rnd):
                gate.wait()
                results.append(c.call("echo", {"text": f"round {rnd}"}))

            threads = [threading.Thread(target=go, args=(c,)) for c in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            passed = [r for r in results if not r.get("isError")]
            passed_total = max(passed_total, len(passed))
        assert passed_total <= 1, f"a budget of 1 let {passed_total} concurrent calls through"
