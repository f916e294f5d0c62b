"""Class: one stopped process stalls every appender (session 10, attacker 2; accidental, no attacker
needed; fixed: a process waits for the turn at most a second, then polls for the lock without it).
Session 10 made appending processes take a turn (`audit.log._queued`: a POSIX lock on the lock
file's first byte) before they wait for the write lock (the flock), and hold it while they wait. A process
stopped while it waits (Ctrl-Z on a `run` in a terminal, a debugger, a frozen cgroup) keeps the turn: when
the flock comes free no one can take it, and every other process's append waits the whole busy timeout
(30 s) and fails ("cannot write the audit log"), a call refused, a "normal" record lost, for as long as it
stays stopped. Before the turn, a stopped waiter held nothing.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time

APPEND = ("import sys\nfrom mcp_guard.audit.log import AuditLog\nfrom mcp_guard.store import open_store\n"
          "AuditLog(open_store(sys.argv[1]), durability='full').append('call', 's', {'n': sys.argv[2]})\n"
          "print('written', flush=True)\n")


def test_a_stopped_waiter_does_not_stall_the_other_appenders(tmp_path):
    db = str(tmp_path / "guard.db")
    subprocess.run([sys.executable, "-c", APPEND, db, "first"], check=True, timeout=60)  # makes the lock file
    holder = os.open(db + "-audit.lock", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a writer mid-transaction
    waiter = subprocess.Popen([sys.executable, "-c", APPEND, db, "waiter"], stdout=subprocess.PIPE)
    try:
        time.sleep(3)  # it has started and waits for the lock, holding the turn
        assert waiter.poll() is None
        os.kill(waiter.pid, signal.SIGSTOP)
        fcntl.flock(holder, fcntl.LOCK_UN)  # the writer is done: the lock is free
        started = time.monotonic()
        try:
            other = subprocess.run([sys.executable, "-c", APPEND, db, "other"], capture_output=True, timeout=15)
            outcome = other.stdout.decode() + other.stderr.decode()[-300:]
        except subprocess.TimeoutExpired:
            outcome = "still waiting"
        assert "written" in outcome, f"after {time.monotonic() - started:.0f} s: {outcome}"
    finally:
        os.kill(waiter.pid, signal.SIGCONT)
        waiter.kill()
        waiter.wait(10)
        os.close(holder)
