"""Class: upstream sharing (serve, share = "all"): one session's answer reaches another session.

The hub maps a shared server's requests to sessions by the server's own request id
(`SharedUpstream.asked`: our id -> (session, server's id)). A crash restarts the server, whose ids
start again (here at 0, as a raw server counting its requests does), but `asked` is cleared only
when a session ends. So session A's still-open elicitation (asked by the crashed process, id 0)
stays mapped to id 0; the new process asks session B with id 0; when A's person answers the
question A saw, the answer is sent to the new process as id 0, i.e. as B's answer, and B's tool
result carries A's text.

Repro: A calls `ask` (elicitation pending), B calls `crash`, B calls `ask`, A answers "A-SECRET".
Expected: A's stale answer is dropped (the crash voided the question; or ids are re-mapped per
process). Actual: B's result is `answer: {... "A-SECRET"}`.
"""

from __future__ import annotations

import json
import queue
import threading
import time

import httpx2 as httpx

from tests.attacks.client import server
from tests.clients import serving, upstream_toml, write_config

H = {"accept": "application/json, text/event-stream", "content-type": "application/json",
     "mcp-protocol-version": "2025-11-25"}


def _session(base: str) -> str:
    opened = httpx.post(f"{base}/mcp", headers=H, timeout=60, json={
        "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "x", "version": "1"}}})
    sid = opened.headers["mcp-session-id"]
    httpx.post(f"{base}/mcp", headers={**H, "mcp-session-id": sid}, timeout=60,
               json={"jsonrpc": "2.0", "method": "notifications/initialized"})
    httpx.post(f"{base}/mcp", headers={**H, "mcp-session-id": sid}, timeout=60,
               json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    return sid


def _call(base: str, sid: str, name: str, rid: int) -> queue.Queue:
    out: queue.Queue = queue.Queue()

    def run() -> None:
        try:
            with httpx.stream("POST", f"{base}/mcp", headers={**H, "mcp-session-id": sid}, timeout=60,
                              json={"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                                    "params": {"name": name, "arguments": {}}}) as r:
                for line in r.iter_lines():
                    if line.startswith("data:"):
                        out.put(json.loads(line[5:]))
        finally:
            out.put(None)

    threading.Thread(target=run, daemon=True).start()
    return out


def test_a_stale_answer_after_a_restart_does_not_reach_another_session(tmp_path):
    cmd = server("elicit_crash.py", str(tmp_path / "srv.log"))
    config = write_config(tmp_path / "c.toml", upstream_toml("el", cmd, 'trust = "tofu"\nshare = "all"\n'))
    with serving(config) as base:
        a, b = _session(base), _session(base)
        qa = _call(base, a, "ask", 10)
        question_a = qa.get(timeout=30)
        assert question_a["method"] == "elicitation/create"
        crashed = _call(base, b, "crash", 11)
        assert "error" in qa.get(timeout=60)  # A's call failed with the crash; its question is void
        crashed.get(timeout=60)
        time.sleep(2)  # the restart
        qb = _call(base, b, "ask", 12)
        assert qb.get(timeout=60)["method"] == "elicitation/create"  # B's question (not yet answered)
        httpx.post(f"{base}/mcp", headers={**H, "mcp-session-id": a}, timeout=60, json={
            "jsonrpc": "2.0", "id": question_a["id"],
            "result": {"action": "accept", "content": {"name": "A-SECRET"}}})
        try:
            got = qb.get(timeout=8)
        except queue.Empty:
            got = None  # B still waits for its own answer: the secure outcome
        assert "A-SECRET" not in json.dumps(got), f"session A's answer became session B's: {got}"
