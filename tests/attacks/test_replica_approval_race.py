"""HELD (passes): Replicas: one held call approved once with the CLI, then retried at the same instant on every
replica (several rounds): it must pass exactly once in each round, and the one chain must verify
afterwards (concurrent writers on PostgreSQL: the replicas' audit writers and the CLI)."""

from __future__ import annotations

import json
import re
import threading

import pytest

from tests.postgres import pg_url, postgres_cluster  # noqa: F401 - fixtures
from tests.test_replicas import RoundRobin, cli, replicas, team_config

pytestmark = pytest.mark.slow  # three serve replicas on a throwaway PostgreSQL


def test_an_approval_passes_once_when_replicas_race_for_it(tmp_path, pg_url):  # noqa: F811
    config = team_config(tmp_path, pg_url)
    started = json.loads(cli(config, "session", "start", "--intent", "echo what I say", "--profile", "team", "--json"))
    with replicas(config, 3) as procs:
        clients = [RoundRobin([base], started["token"]) for _, base in procs]
        clients[0].tools()
        ids = [i["id"] for i in json.loads(cli(config, "review", "list", "--json")) if i["upstream"] == "echo"]
        cli(config, "review", "approve", *ids, "--reason", "echo only echoes")
        for rnd in range(4):
            held = clients[0].call("blob", {"size": 3 + rnd})
            assert held.get("isError")
            approval = re.search(r"approvals approve (ap-[0-9a-f]+)", held["content"][0]["text"]).group(1)
            cli(config, "approvals", "approve", approval)
            results: list[dict] = []
            gate = threading.Barrier(len(clients))

            def go(c, gate=gate, results=results, size=3 + rnd):
                gate.wait()
                results.append(c.call("blob", {"size": size}))

            threads = [threading.Thread(target=go, args=(c,)) for c in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            passed = [r for r in results if not r.get("isError")]
            assert len(passed) == 1, results
    verify = cli(config, "audit", "verify")
    assert "audit log intact" in verify, verify
