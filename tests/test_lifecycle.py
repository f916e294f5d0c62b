"""`mcp-guard run` ends cleanly however its client goes: end of input (before or after initialize,
with answers still in flight), `/dev/null` as input, a closed output pipe, SIGTERM, SIGINT. Each ends
the process with the upstream's process group gone, and never prints a traceback or hangs."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess

import pytest

from mcp_guard.audit import AuditLog, AuditWriter
from mcp_guard.proxy.relay import DRAIN_GRACE
from mcp_guard.store import open_store
from tests.clients import GUARD, fixture, host_pid, upstream_toml, wait_gone, write_config

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
PID_CALL = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "pid", "arguments": {}}}
TIMEOUT = 30  # far above what any of these takes; reaching it is a hang


@pytest.fixture
def config(tmp_path, home):
    return write_config(tmp_path / "mcp-guard.toml",
                        upstream_toml("faulty", fixture("faulty_server.py"), 'trust = "tofu"'))


def _start(config) -> subprocess.Popen:
    return subprocess.Popen([*GUARD, "--config", str(config), "run"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _send(proc: subprocess.Popen, *msgs: dict) -> None:
    assert proc.stdin is not None
    proc.stdin.write(b"".join(json.dumps(m).encode() + b"\n" for m in msgs))
    proc.stdin.flush()


def _answer(proc: subprocess.Popen, rid: int) -> dict:
    assert proc.stdout is not None
    for line in proc.stdout:
        msg = json.loads(line)
        if msg.get("id") == rid and "method" not in msg:
            return msg
    raise AssertionError(f"no answer to request {rid}")


def _upstream_pid(proc: subprocess.Popen) -> int:
    """Handshake, then ask the upstream for its process id."""
    _send(proc, INIT)
    assert "result" in _answer(proc, 1)
    _send(proc, INITIALIZED, PID_CALL)
    return host_pid(int(_answer(proc, 2)["result"]["structuredContent"]["result"]), proc.pid)


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        rc = proc.wait(TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.stderr is not None
    return rc, proc.stderr.read().decode()


def _clean(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception in thread" not in stderr, stderr


def test_end_of_input_before_initialize_ends_at_once(config):
    proc = _start(config)
    assert proc.stdin is not None
    proc.stdin.close()
    rc, stderr = _finish(proc)
    assert rc == 0
    _clean(stderr)


def test_end_of_input_right_after_requests_still_answers_them(config):
    """A client that pipes its requests and closes its input gets every answer, then the exit."""
    proc = _start(config)
    _send(proc, INIT, INITIALIZED, PID_CALL)
    assert proc.stdin is not None
    proc.stdin.close()
    assert "result" in _answer(proc, 1)
    servers = _descendants(proc.pid)  # the server is running: request 2 still waits for its answer
    assert "result" in _answer(proc, 2)
    rc, stderr = _finish(proc)
    assert rc == 0
    _clean(stderr)
    assert servers and all(wait_gone(pid) for pid in servers)


def test_end_of_input_while_the_server_still_starts_waits_for_it(tmp_path, home):
    """A server slower to start than the drain's grace (npx fetching it, a loaded machine): the piped
    initialize is still answered, since the grace counts from when the server is up."""
    slow = [shutil.which("sh") or "/bin/sh", "-c",
            f"sleep {DRAIN_GRACE + 6:g}; exec {shlex.join(fixture('faulty_server.py'))}"]
    config = write_config(tmp_path / "mcp-guard.toml",
                          upstream_toml("faulty", slow, 'trust = "tofu"\ninit_timeout = 60'))
    proc = _start(config)
    _send(proc, INIT)
    assert proc.stdin is not None
    proc.stdin.close()
    assert "result" in _answer(proc, 1)
    rc, stderr = _finish(proc)
    assert rc == 0
    _clean(stderr)


def test_end_of_input_after_a_session_ends_the_upstream(config):
    proc = _start(config)
    upstream = _upstream_pid(proc)
    assert proc.stdin is not None
    proc.stdin.close()
    rc, stderr = _finish(proc)
    assert rc == 0
    _clean(stderr)
    assert wait_gone(upstream)


def test_dev_null_as_input_ends_without_a_traceback(config):
    done = subprocess.run([*GUARD, "--config", str(config), "run"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0
    _clean(done.stderr)


def test_closed_output_pipe_ends_the_session(config):
    """The client stopped reading (its end of our stdout is closed) while our stdin stays open."""
    proc = _start(config)
    upstream = _upstream_pid(proc)
    assert proc.stdout is not None
    proc.stdout.close()
    rc, stderr = _finish(proc)
    assert rc == 0
    _clean(stderr)
    assert wait_gone(upstream)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_ending_signal_ends_the_upstream_and_exits_with_128_plus_signal(config, sig):
    proc = _start(config)
    upstream = _upstream_pid(proc)
    os.kill(proc.pid, sig)
    rc, stderr = _finish(proc)
    assert rc == 128 + sig
    _clean(stderr)
    assert wait_gone(upstream)


def test_ending_signal_during_start_up_leaves_no_server(config):
    """A signal before the client said anything: the server started early goes with the proxy."""
    proc = _start(config)
    _send(proc, {"jsonrpc": "2.0", "id": 9, "method": "ping"})
    assert "result" in _answer(proc, 9)  # the proxy is up; its server was started first thing
    children = _children(proc.pid)
    assert children
    os.kill(proc.pid, signal.SIGTERM)
    rc, stderr = _finish(proc)
    assert rc == 128 + signal.SIGTERM
    _clean(stderr)
    assert all(wait_gone(pid) for pid in children)


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        out += [child, *_descendants(child)]
    return out


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out.extend(int(p) for p in f.read().split())
    return out


def test_audit_writer_survives_a_waiter_that_went_away(tmp_path):
    """A record whose waiter was cancelled (a session ending) is written; the writer goes on."""
    log = AuditLog(open_store(tmp_path / "guard.db"), durability="normal")
    writer = AuditWriter(log)
    try:
        with log._lock:  # the writer thread cannot write until the waiter below has gone
            first = writer.submit("event", "s", {"n": 1})
            gone = writer.submit("event", "s", {"n": 2})
            assert gone.cancel()
        assert first.result(timeout=TIMEOUT).data == {"n": 1}
        assert writer.submit("event", "s", {"n": 3}).result(timeout=TIMEOUT).data == {"n": 3}
        assert [r.data["n"] for r in log.records()] == [1, 2, 3]
    finally:
        writer.close()
        log.close()


def test_serve_ends_on_sigterm_with_its_sessions_servers(config):
    """`serve` with a session open: SIGTERM ends it promptly, the session's server with it."""
    import re

    import httpx2 as httpx

    proc = subprocess.Popen([*GUARD, "--config", str(config), "serve", "--port", "0"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        base = next(m.group(1) for line in proc.stderr if (m := re.search(r"at (http://[^/]+)/mcp", line)))
        headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
        answer = httpx.post(f"{base}/mcp", json=INIT, timeout=60, headers=headers)
        assert answer.status_code == 200
        servers = _children(proc.pid)
        assert servers
        proc.terminate()
        assert proc.wait(TIMEOUT) in (0, 128 + signal.SIGTERM, -signal.SIGTERM)
        _clean(proc.stderr.read())
        assert all(wait_gone(pid) for pid in servers)
    finally:
        if proc.poll() is None:
            proc.kill()
