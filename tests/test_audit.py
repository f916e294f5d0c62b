"""The hash-chained audit log: appends, tamper detection (edit, delete, reorder), export, report, CLI."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from mcp_guard.audit import (
    GENESIS,
    REDACTED,
    AuditLog,
    AuditWriter,
    call_data,
    call_record,
    canonical,
    digest,
    record_hash,
    redact,
    report,
    verify_jsonl,
)
from mcp_guard.cli import main
from mcp_guard.errors import AuditError
from mcp_guard.store import open_store


@pytest.fixture
def db(tmp_path):
    return tmp_path / "guard.db"


@pytest.fixture
def log(db):
    audit = AuditLog(open_store(db), durability="normal")
    yield audit
    audit.close()


def fill(log: AuditLog, n: int = 10) -> None:
    for i in range(n):
        log.append("call", f"s{i % 2}", {"tool": "t", "i": i})


def tamper(db, *sql: str) -> None:
    conn = sqlite3.connect(db)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def swap(db, a: int, b: int) -> None:
    tamper(
        db,
        f"UPDATE audit SET seq = -1 WHERE seq = {a}",
        f"UPDATE audit SET seq = {a} WHERE seq = {b}",
        f"UPDATE audit SET seq = {b} WHERE seq = -1",
    )


def problems(result) -> list[tuple[int | None, str]]:
    return [(p.seq, p.what) for p in result.problems]


# --- appending and reading ------------------------------------------------------------------


def test_append_chains_records_and_verifies(log):
    first = log.append("session.start", "s1", {"intent": "summarise my inbox", "profile": None, "owner": "al"})
    second = log.append("call", "s1", {"tool": "read", "n": 1.0})
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert second.prev_hash == first.hash and second.seq == 2
    assert second.data == {"tool": "read", "n": 1}  # RFC 8785: 1.0 is written as 1
    assert second.hash == record_hash(2, second.at, "call", "s1", _data_sha(log, 2), first.hash)
    result = log.verify()
    assert result.ok and result.count == 2 and (result.head_seq, result.head_hash) == (2, second.hash)
    assert log.head() == (2, second.hash)
    assert [r.seq for r in log.records(session="s1", kind="call")] == [2]


def _data_sha(log: AuditLog, seq: int) -> str:
    import hashlib

    text = log.store.db.execute("SELECT data FROM audit WHERE seq = ?", [seq]).fetchone()[0]
    return hashlib.sha256(text.encode()).hexdigest()


def test_empty_log_verifies(log):
    result = log.verify()
    assert result.ok and result.count == 0 and result.head_seq == 0


def test_bad_kind_and_data_are_refused(log):
    with pytest.raises(ValueError):
        log.append("Call!", None, {})
    with pytest.raises(TypeError):
        log.append("call", None, ["not", "a", "mapping"])
    assert log.verify().count == 0


def test_values_json_cannot_carry_exactly_are_kept_as_text(log, db):
    rec = log.append("call", None, {"big": 2**60, "nan": float("nan"), "t": (1, 2)})
    assert rec.data == {"big": str(2**60), "nan": "nan", "t": [1, 2]}
    out = io.StringIO()
    log.export_jsonl(out)
    assert verify_jsonl(io.StringIO(out.getvalue())).ok


def test_secrets_never_reach_the_log(log):
    log.add_secrets(["hunter2-token"])
    rec = log.append("call", "s1", {"arguments": {"auth": "Bearer hunter2-token", "hunter2-token": 1}})
    assert rec.data == {"arguments": {"auth": f"Bearer {REDACTED}", REDACTED: 1}}
    stored = log.store.db.execute("SELECT data FROM audit").fetchone()[0]
    assert "hunter2" not in stored
    assert redact({"a": ["xsecretx", 3]}, ["secret", ""]) == {"a": [f"x{REDACTED}x", 3]}


def test_call_data_digests_sensitive_arguments_and_tools():
    args = {"to": "bob@example.com", "body": "the quarterly numbers"}
    data = call_data(
        tool="send", upstream="mail", arguments=args, decision="deny", guard="intent", sensitive_args=["body"]
    )
    assert data["arguments"] == {"to": "bob@example.com", "body": digest("the quarterly numbers")}
    assert data["digested"] == ["body"]
    whole = call_data(tool="send", upstream="mail", arguments=args, decision="allow", sensitive_tool=True)
    assert "arguments" not in whole and whole["arguments_sha256"] == digest(args)
    assert digest({"b": 1, "a": 2}) == digest({"a": 2, "b": 1})


def test_fast_canonical_form_is_rfc8785():
    """The json.dumps fast path and the hand-written record header must equal RFC 8785 byte for byte."""
    import hashlib
    import random

    import rfc8785

    rnd = random.Random(8785)
    chars = ["a", '"', "\\", "\n", "\x00", "\x1f", "\x7f", "\u2028", "é", "\ue000", "\uffff", "😀", "\t", "/"]

    def text() -> str:
        return "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 5)))

    def value(depth: int = 0):
        r = rnd.random()
        if depth > 3 or r < 0.3:
            scalars = [text(), rnd.randint(-(2**53) + 1, 2**53 - 1), True, None, rnd.choice([0.1, 1.0, 1e21, -0.0])]
            return rnd.choice(scalars)
        if r < 0.6:
            return [value(depth + 1) for _ in range(rnd.randint(0, 4))]
        return {text(): value(depth + 1) for _ in range(rnd.randint(0, 4))}

    for seq in range(3000):
        v = value()
        assert canonical(v) == rfc8785.dumps(v), v
        at, kind, sid = text(), text(), rnd.choice([None, text()])
        body = {"v": 1, "seq": seq, "at": at, "kind": kind, "session": sid, "data": "ab" * 32, "prev": GENESIS}
        assert record_hash(seq, at, kind, sid, "ab" * 32, GENESIS) == hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def test_lone_surrogates_are_replaced(log):
    rec = log.append("call", None, {"text": "bad \ud800 half"})
    assert rec.data == {"text": "bad ? half"}
    assert log.verify().ok


def test_call_record_follows_the_configured_sensitive_globs():
    from mcp_guard.config import parse_config
    from mcp_guard.guards.base import SessionInfo, ToolCall, deny

    config = parse_config({"audit": {"sensitive": ["mail/send_*:body", "vault/*", "*:password"]}})
    session = SessionInfo("s1")
    args = {"to": "bob@example.com", "body": "numbers", "password": "pw"}
    send = ToolCall(session, "mail", "send_email", "mail__send_email", args)
    data = call_record(send, deny("not in the intent", guard="intent", rule="destination"), config.audit.sensitive)
    assert data["arguments"] == {"to": "bob@example.com", "body": digest("numbers"), "password": digest("pw")}
    assert (data["decision"], data["guard"], data["rule"], data["reason"]) == (
        "deny",
        "intent",
        "destination",
        "not in the intent",
    )
    vault = ToolCall(session, "vault", "read", "vault__read", {"path": "/k"})
    assert call_record(vault, deny("x"), config.audit.sensitive)["arguments_sha256"] == digest({"path": "/k"})
    other = ToolCall(session, "files", "send_email", "files__send_email", {"body": "b"})
    assert call_record(other, deny("x"), config.audit.sensitive)["arguments"] == {"body": "b"}



def test_read_record_keeps_what_a_read_sends_and_follows_the_sensitive_globs():
    from mcp_guard.audit.data import read_record
    from mcp_guard.config import parse_config
    from mcp_guard.guards.base import Decision

    sensitive = parse_config({"audit": {"sensitive": ["crm/login:password", "vault/*"]}}).audit.sensitive
    allow = Decision("allow", "")
    got = read_record("prompts/get", "crm", "prompt", "login", {"name": "login", "arguments": {
        "user": "ann", "password": "pw"}}, allow, sensitive)
    assert got["arguments"] == {"user": "ann", "password": digest("pw")} and got["decision"] == "allow"
    done = read_record("completion/complete", "crm", "prompt", "login", {
        "ref": {"type": "ref/prompt", "name": "login"}, "argument": {"name": "password", "value": "p"},
        "context": {"arguments": {"user": "ann"}}}, allow, sensitive)
    assert done["argument"] == {"name": "password", "value": digest("p")}
    assert done["context"] == {"arguments": {"user": "ann"}}
    vault = read_record("prompts/get", "vault", "prompt", "key", {"arguments": {"id": "7"}}, allow, sensitive)
    assert vault["arguments"] == {"id": digest("7")}
    uri = read_record("resources/read", "docs", "resource", "file:///a?q=1", {"uri": "file:///a?q=1"}, allow)
    assert (uri["method"], uri["name"]) == ("resources/read", "file:///a?q=1")

def test_records_are_read_in_chunks(log):
    log.append_many([("call", "s", {"i": i}) for i in range(2100)])
    assert [r.data["i"] for r in log.records(session="s")] == list(range(2100))
    assert log.verify().count == 2100


def test_writer_records_from_async_code(log):
    import asyncio

    writer = AuditWriter(log)

    async def main():
        return await asyncio.gather(*(writer.append_async("call", "s1", {"i": i}) for i in range(20)))

    records = asyncio.run(main())
    writer.close()
    assert sorted(r.seq for r in records) == list(range(1, 21))
    assert {r.session_id for r in log.records()} == {"s1"}


# --- tamper detection -----------------------------------------------------------------------


def test_edited_record_is_located(log, db):
    fill(log)
    tamper(db, """UPDATE audit SET data = '{"i":99,"tool":"t"}' WHERE seq = 4""")
    result = log.verify()
    assert not result.ok
    assert problems(result) == [(4, "contents do not match its hash (edited)")]


@pytest.mark.parametrize("column, value", [("kind", "'review'"), ("session_id", "'s9'"), ("at", "'2020-01-01'")])
def test_every_field_is_covered_by_the_hash(log, db, column, value):
    fill(log)
    tamper(db, f"UPDATE audit SET {column} = {value} WHERE seq = 7")
    assert problems(log.verify()) == [(7, "contents do not match its hash (edited)")]


def test_edit_with_recomputed_hash_breaks_the_next_link(log, db):
    fill(log)
    rec = next(r for r in log.records() if r.seq == 5)
    text = '{"i":50,"tool":"t"}'
    import hashlib

    forged = record_hash(5, rec.at, rec.kind, rec.session_id, hashlib.sha256(text.encode()).hexdigest(), rec.prev_hash)
    tamper(db, f"UPDATE audit SET data = '{text}', hash = '{forged}' WHERE seq = 5")
    result = log.verify()
    assert problems(result)[0][0] == 6 and "prev_hash does not match record 5" in problems(result)[0][1]


def test_deleted_middle_record_is_located(log, db):
    fill(log)
    tamper(db, "DELETE FROM audit WHERE seq = 5")
    assert problems(log.verify()) == [(6, "record 5 missing before it (deleted)")]


def test_deleted_last_records_are_caught_by_the_head(log, db):
    fill(log)
    tamper(db, "DELETE FROM audit WHERE seq >= 9")
    result = log.verify()
    assert problems(result) == [
        (10, "deleted: the head says the log ends at 10, the last record is 8 (records 9–10 missing)")
    ]


def test_deleting_the_last_record_stays_visible_after_more_appends(log, db):
    fill(log)
    tamper(db, "DELETE FROM audit WHERE seq = 10")
    log.append("call", "s1", {"tool": "after"})  # links to the deleted record, via the head
    assert problems(log.verify()) == [(11, "record 10 missing before it (deleted)")]


def test_deleted_head_is_reported_and_appends_refuse(log, db):
    fill(log, 3)
    tamper(db, "DELETE FROM audit_head")
    assert any("head record is missing" in what for _, what in problems(log.verify()))
    with pytest.raises(AuditError, match="head is missing"):
        log.append("call", None, {})


def test_reordered_records_are_located(log, db):
    fill(log)
    swap(db, 5, 6)
    found = problems(log.verify())
    assert found[:2] == [
        (5, "reordered: this record was written as record 6"),
        (6, "reordered: this record was written as record 5"),
    ]


def test_a_wild_sequence_number_is_reported_not_walked(log, db):
    fill(log, 4)
    out = io.StringIO()
    log.export_jsonl(out)
    tamper(db, f"UPDATE audit SET seq = {10**12} WHERE seq = 3")
    found = problems(log.verify())
    assert found[:2] == [
        (4, "record 3 missing before it (deleted)"),
        (10**12, "records 5–999999999999 missing before it (deleted)"),
    ]
    lines = out.getvalue().splitlines()
    lines[3] = lines[3].replace('"seq": 3', f'"seq": {10**12}')
    assert problems(verify_jsonl(io.StringIO("\n".join(lines))))[0][0] == 10**12


def test_rewritten_tail_needs_an_anchor(log, db):
    """What a chain alone cannot show: a tail deleted by someone who also rewrites the head."""
    fill(log)
    anchor = log.head()
    tamper(db, "DELETE FROM audit WHERE seq = 10")
    last = next(r for r in log.records() if r.seq == 9)
    tamper(db, f"UPDATE audit_head SET seq = 9, hash = '{last.hash}'")
    assert log.verify().ok
    result = log.verify(anchors=[anchor])
    assert problems(result) == [(10, f"anchored record is missing (anchor 10:{anchor[1][:12]}…)")]


# --- concurrency ------------------------------------------------------------------------------

_WORKER = """
import sys
from mcp_guard.audit import AuditLog
from mcp_guard.store import open_store
log = AuditLog(open_store(sys.argv[1]), durability="normal")
for i in range(int(sys.argv[3])):
    log.append("call", sys.argv[2], {"tool": "t", "i": i})
"""


def test_eight_processes_keep_one_chain(log, db):
    log.append("session.start", None, {"intent": "x"})  # the schema exists before the workers start
    per = 60
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(db), f"p{n}", str(per)]) for n in range(8)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 8
    result = log.verify()
    assert result.ok and result.count == 1 + 8 * per
    for n in range(8):
        assert sorted(r.data["i"] for r in log.records(session=f"p{n}")) == list(range(per))


@pytest.mark.parametrize("durability", ["full", "group", "normal"])
def test_the_proxys_appends_wait_off_the_event_loop_for_a_held_write_lock(db, durability):
    """Another process holds the write lock: the proxy's sink leaves the event loop free (with
    "normal" the call does not wait at all; with "full" it waits for its record), and the record is
    written once the lock is free."""
    import asyncio

    from mcp_guard.audit import AuditSink

    writer = AuditWriter(AuditLog(open_store(db), durability=durability))
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def main():
        sink = AuditSink(writer)

        async def record():
            await sink.record("session.start", "s1", {"intent": "x"})

        task = asyncio.create_task(record())
        ticks = 0
        for _ in range(5):  # the loop keeps turning while the lock is held
            await asyncio.sleep(0.01)
            ticks += 1
        waiting = not task.done()
        assert other.execute("SELECT count(*) FROM audit").fetchone() == (0,)
        other.execute("COMMIT")
        await task
        return ticks, waiting

    ticks, waiting = asyncio.run(main())
    writer.close()
    assert ticks == 5 and waiting == (durability != "normal")
    assert [(r.kind, r.session_id) for r in writer.log.records()] == [("session.start", "s1")]
    assert writer.log.verify().ok
    other.close()


def test_group_durability_commits_before_the_caller_goes_on_and_fsyncs_after(db):
    """"group": the awaitable resolves once the record is committed (another connection reads it), and
    the log's fsync runs after the commits it covers: closing the writer waits for the last one."""
    import asyncio

    log = AuditLog(open_store(db), durability="group")
    synced: list[int] = []  # the head another connection sees when each fsync begins
    fsync = log.sync

    def sync():
        with sqlite3.connect(db) as other:
            synced.append(other.execute("SELECT seq FROM audit_head").fetchone()[0])
        fsync()

    log.sync = sync
    writer = AuditWriter(log)

    async def main():
        seen = []
        for i in range(3):
            await writer.enqueue("call", "s", {"i": i})
            with sqlite3.connect(db) as other:
                seen.append(other.execute("SELECT count(*) FROM audit").fetchone()[0])
        return seen

    assert asyncio.run(main()) == [1, 2, 3]
    writer.close()
    assert synced and synced[-1] == 3  # the last commit was fsynced before close returned
    assert [r.data["i"] for r in log.records()] == [0, 1, 2] and log.verify().ok


def test_group_records_of_one_loop_step_are_committed_together_on_the_loop_and_order_is_kept(db):
    """"group", nothing queued and every lock free: the records asked for in one step of the event loop
    are committed in one transaction once it ends, on the loop (no hop to the writer thread and back).
    Records queued behind a held lock stay first: the next record goes behind them, not around them."""
    import asyncio

    writer = AuditWriter(AuditLog(open_store(db), durability="group"))
    other = sqlite3.connect(db, isolation_level=None)
    batches: list[tuple[int, bool]] = []  # (records, committed at once) of each commit tried on the loop
    write_now = writer.log.write_now

    def counted(prepared):
        records = write_now(prepared)
        batches.append((len(prepared), records is not None))
        return records

    writer.log.write_now = counted  # type: ignore[method-assign]

    async def main():
        first, second = writer.enqueue("call", "s", {"i": 0}), writer.enqueue("call", "s", {"i": 1})
        assert other.execute("SELECT count(*) FROM audit").fetchone() == (0,)  # not before the step ends
        assert [(await first).seq, (await second).seq] == [1, 2]
        assert batches == [(2, True)]  # one transaction, on the loop
        assert other.execute("SELECT count(*) FROM audit").fetchone() == (2,)
        other.execute("BEGIN IMMEDIATE")  # another process writes: records queue for the thread
        held = [writer.enqueue("call", "s", {"i": i}) for i in (2, 3, 4)]
        await asyncio.sleep(0.05)
        assert not any(w.done() for w in held) and batches[-1] == (3, False)
        other.execute("COMMIT")
        after = writer.enqueue("call", "s", {"i": 5})  # queued behind them, or written after them
        await asyncio.gather(*held, after)

    asyncio.run(main())
    writer.close()
    assert [r.data["i"] for r in writer.log.records()] == [0, 1, 2, 3, 4, 5]
    assert writer.log.verify().ok
    other.close()


def test_commits_on_the_loop_still_checkpoint_the_wal(db):
    """Commits made on the event loop leave the WAL's checkpoint to the writer thread: it still runs
    once every 64 commits, so the WAL of a busy log does not grow without end."""
    import asyncio

    log = AuditLog(open_store(db), durability="group")
    checkpoints = []
    checkpoint = log._db.checkpoint
    log._db.checkpoint = lambda: (checkpoints.append(1), checkpoint())  # type: ignore[method-assign]
    writer = AuditWriter(log)

    on_loop = []  # each commit tried on the loop: made there (True) or handed to the thread
    write_now = log.write_now

    def counted(prepared):
        records = write_now(prepared)
        on_loop.append(records is not None)
        return records

    log.write_now = counted  # type: ignore[method-assign]

    async def main():
        for i in range(200):
            await writer.enqueue("call", "s", {"i": i})
        return sum(on_loop)  # not while the thread checkpoints: then the thread writes it

    assert asyncio.run(main()) > 150
    writer.close()
    # (how many ran depends on when the thread got to run; none would leave all 200 in the WAL)
    assert checkpoints and log._commits < 64 and log.verify().count == 200


def test_normal_durability_waits_only_when_the_queue_is_long(db):
    """Without waiting, a writer held back would let the queue grow without end: past `max_queued`
    records, "normal" callers wait for their record too; none is dropped."""
    import asyncio

    writer = AuditWriter(AuditLog(open_store(db), durability="normal"), max_queued=10)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def main():
        waits = [writer.enqueue("call", "s", {"i": i}) for i in range(50)]
        pending = sum(not asyncio.ensure_future(w).done() for w in waits)
        other.execute("COMMIT")
        await asyncio.gather(*waits)
        return pending

    pending = asyncio.run(main())
    writer.close()
    assert 0 < pending < 50
    assert [r.data["i"] for r in writer.log.records()] == list(range(50))
    other.close()


def test_normal_durability_past_the_limit_waits_for_one_batch_not_the_whole_queue(db):
    """A "normal" caller facing a long queue goes on once the writer has written one more batch,
    not when its own record is written: behind a long queue (other processes holding the lock), that
    took seconds. The queue stays bounded all the same, and nothing is dropped."""
    import asyncio

    log = AuditLog(open_store(db), durability="normal")
    written: list[int] = []  # batches written so far, as each is
    write = log._write
    go = threading.Event()

    def slow_write(prepared):
        go.wait(10)  # the first batch waits until every record is queued
        time.sleep(0.1)  # a slow disk, or a lock held by other processes
        out = write(prepared)
        written.append(len(prepared))
        return out

    log._write = slow_write
    writer = AuditWriter(log, max_batch=4, max_queued=8)

    async def main():
        waits = [writer.enqueue("call", "s", {"i": i}) for i in range(40)]
        last = asyncio.ensure_future(waits[-1])
        await asyncio.sleep(0)
        assert not last.done()  # past the limit: it waits
        go.set()
        await last
        return len(written)

    batches_when_released = asyncio.run(main())
    writer.close()
    assert 1 <= batches_when_released < 40 // 4  # before the batch that holds its own record
    assert [r.data["i"] for r in writer.log.records()] == list(range(40))


@pytest.mark.parametrize("durability", ["full", "group", "normal"])
def test_contention_benchmark_loses_nothing(tmp_path, durability):
    """The contention benchmark, short: 4 proxy-like processes appending at full speed for 3 s."""
    from tests.support import REPO

    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "bench_audit_contention"), "--procs", "4", "--seconds", "3",
         "--durability", durability, "--dir", str(tmp_path), "--json"],
        capture_output=True, text=True, timeout=180,
    )
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["chain_ok"], res["chain"]
    assert res["lost"] == 0
    assert len(res["per_process"]) == 4 and all(n > 0 for n in res["per_process"].values())
    assert res["records"] == res["total"]


def test_verify_while_another_process_appends(log, db):
    """verify reads one snapshot: records committed meanwhile are no false alarm."""
    log.append("session.start", None, {})
    proc = subprocess.Popen([sys.executable, "-c", _WORKER, str(db), "w", "1500"])
    try:
        while proc.poll() is None:
            result = log.verify()
            assert result.ok, result.summary()
    finally:
        assert proc.wait(timeout=120) == 0
    assert log.verify().count == 1501


def test_group_commit_writer_keeps_every_record(log):
    writer = AuditWriter(log)
    futures = []

    def submit(t: int) -> None:
        for i in range(50):
            futures.append(writer.submit("call", f"t{t}", {"i": i}))

    threads = [threading.Thread(target=submit, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with pytest.raises(ValueError):
        writer.submit("Bad Kind", None, {})
    writer.close()
    assert len({f.result().seq for f in futures}) == 200
    result = log.verify()
    assert result.ok and result.count == 200


# --- export -----------------------------------------------------------------------------------


def test_export_verifies_and_catches_file_tampering(log):
    fill(log)
    out = io.StringIO()
    assert log.export_jsonl(out) == 10
    lines = out.getvalue().splitlines()
    assert json.loads(lines[0])["head_seq"] == 10 and len(lines) == 11
    assert verify_jsonl(io.StringIO(out.getvalue())).ok

    def check(lines: list[str]):
        return problems(verify_jsonl(io.StringIO("\n".join(lines) + "\n")))

    edited = lines.copy()
    edited[3] = edited[3].replace('"i": 2', '"i": 7')
    assert check(edited) == [(3, "contents do not match its hash (edited)")]
    assert check(lines[:5] + lines[6:]) == [(6, "record 5 missing before it (deleted)")]
    assert check(lines[:-1])[0][0] == 10  # the header's head shows the cut end
    swapped = lines.copy()
    swapped[5], swapped[6] = swapped[6], swapped[5]
    assert check(swapped)[0] == (6, "reordered: comes before record 5")


def test_session_export_keeps_the_whole_chain(log):
    fill(log)
    out = io.StringIO()
    assert log.export_jsonl(out, session="s1") == 5
    lines = out.getvalue().splitlines()
    records = [json.loads(x) for x in lines[1:]]
    assert all(("data" in r) == (r["session"] == "s1") for r in records)
    assert verify_jsonl(io.StringIO(out.getvalue())).ok
    # Relabelling another session's record, or dropping one of the exported session's, shows.
    relabelled = lines.copy()
    relabelled[1] = relabelled[1].replace('"session": "s0"', '"session": "s1"')
    assert problems(verify_jsonl(io.StringIO("\n".join(relabelled))))[0] == (
        1,
        "contents do not match its hash (edited)",
    )
    assert problems(verify_jsonl(io.StringIO("\n".join(lines[:2] + lines[3:]))))[0][0] == 3


def test_not_an_export_is_refused():
    with pytest.raises(AuditError, match="not an mcp-guard audit export"):
        verify_jsonl(io.StringIO("hello\n"))
    with pytest.raises(AuditError):
        verify_jsonl(io.StringIO(""))


# --- report -----------------------------------------------------------------------------------


def test_report_counts_per_session_and_tool(log):
    log.append("session.start", "a", {"intent": "summarise the inbox", "profile": "reader", "owner": "ops"})

    def call(session, tool, decision, guard="intent", rule=""):
        log.append("call", session, call_data(tool=tool, upstream="mail", arguments={}, decision=decision,
                                              guard=guard, rule=rule))

    call("a", "read", "allow")
    call("a", "read", "allow")
    call("a", "send", "deny")
    call("a", "send", "ask")
    call("a", "send", "deny", guard="manifest")  # denied, but not by the intent guard
    call("a", "send", "deny", guard="manifest", rule="held-for-review")  # a tool not reviewed yet: apart
    call("a", "send", "allow", rule="approved:ap-1")  # the held call, made again after its approval
    call("a", "forward", "allow", rule="person:unnamed")  # asked in the client: yes
    call("a", "forward", "deny", rule="person:unnamed")  # asked in the client: no
    call("b", "read", "allow")
    log.append("approval", "a", {"tool": "send", "approved": True})
    data = report(log)
    a, b = data["sessions"]
    assert (a["session"], a["intent"], a["profile"], a["owner"]) == ("a", "summarise the inbox", "reader", "ops")
    counts = ("calls", "allowed", "denied", "unreviewed", "asked", "approved", "outside_intent")
    assert [(t["tool"], *(t[c] for c in counts)) for t in a["tools"]] == [
        ("forward", 2, 1, 1, 0, 2, 1, 2), ("read", 2, 2, 0, 0, 0, 0, 0), ("send", 5, 1, 2, 1, 1, 1, 3)]
    assert tuple(a["totals"][c] for c in counts) == (9, 4, 3, 1, 3, 2, 5)
    assert (b["session"], b["intent"], b["totals"]["calls"]) == ("b", None, 1)
    assert data["totals"]["calls"] == 10
    assert [s["session"] for s in report(log, session="b")["sessions"]] == ["b"]


# --- CLI --------------------------------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_verify_intact_and_tampered(log, db, capsys, home):
    fill(log)
    code, out, _ = run(capsys, "audit", "verify", "--db", str(db))
    assert code == 0 and "intact: 10 records" in out
    tamper(db, "DELETE FROM audit WHERE seq = 3")
    code, _, err = run(capsys, "audit", "verify", "--db", str(db))
    assert code == 1
    assert "record 4: record 3 missing before it (deleted)" in err
    assert err.strip().splitlines()[-1].startswith("mcp-guard: error: ")
    code, out, _ = run(capsys, "audit", "verify", "--db", str(db), "--json")
    assert code == 1 and json.loads(out)["problems"][0] == {"seq": 4, "what": "record 3 missing before it (deleted)"}


def test_cli_export_and_verify_file(log, db, tmp_path, capsys, home):
    fill(log)
    export = tmp_path / "audit.jsonl"
    assert run(capsys, "audit", "export", "--db", str(db), str(export))[0] == 0
    assert run(capsys, "audit", "verify", "--file", str(export))[0] == 0
    code, out, _ = run(capsys, "audit", "export", "--db", str(db), "--session", "s0", "-")
    assert code == 0 and len(out.splitlines()) == 11
    lines = export.read_text().splitlines()
    export.write_text("\n".join(lines[:4] + lines[5:]) + "\n")
    code, _, err = run(capsys, "audit", "verify", "--file", str(export))
    assert code == 1 and "record 5: record 4 missing before it (deleted)" in err
    code, _, err = run(capsys, "audit", "verify", "--file", str(tmp_path / "none.jsonl"))
    assert code == 2 and "cannot read" in err


def test_cli_anchor(log, db, capsys, home):
    fill(log, 3)
    code, out, _ = run(capsys, "audit", "head", "--db", str(db))
    anchor = out.strip()
    assert code == 0 and anchor.startswith("3:")
    assert run(capsys, "audit", "verify", "--db", str(db), "--anchor", anchor)[0] == 0
    code, _, err = run(capsys, "audit", "verify", "--db", str(db), "--anchor", "3:" + "f" * 64)
    assert code == 1 and "record 3: does not match its anchor" in err
    code, _, err = run(capsys, "audit", "verify", "--db", str(db), "--anchor", "nonsense")
    assert code == 2 and "bad anchor" in err


def test_cli_show_and_report(log, db, capsys, home):
    log.append("session.start", "s1", {"intent": "read mail", "profile": None, "owner": "me"})
    log.append("call", "s1", call_data(tool="send", upstream="mail", arguments={}, decision="deny", guard="intent"))
    code, out, _ = run(capsys, "audit", "show", "--db", str(db), "--json", "--kind", "call")
    assert code == 0 and [json.loads(x)["seq"] for x in out.splitlines()] == [2]
    code, out, _ = run(capsys, "audit", "show", "--db", str(db), "--session", "s1")
    assert code == 0 and "session.start" in out and "mail/send → deny" in out
    code, out, _ = run(capsys, "report", "--db", str(db), "--json")
    assert code == 0 and json.loads(out)["totals"]["outside_intent"] == 1
    code, out, _ = run(capsys, "report", "--db", str(db))
    assert code == 0 and "1 outside the declared intent" in out
    long_name = "get_the_quarterly_revenue_figures_for_every_region_and_every_product_line"
    log.append("call", "s1", call_data(tool=long_name, upstream="warehouse", arguments={}, decision="deny",
                                       guard="manifest", rule="held-for-review"))
    code, out, _ = run(capsys, "report", "--db", str(db))  # not a terminal: rich's 80 columns
    assert code == 0 and "…" not in out and long_name in "".join(c for c in out if c not in "│ \n")
    assert "1 denied, 1 refused as not yet reviewed" in out
    long_intent = "read mail " + "and then some more of it " * 8
    log.append("session.start", "s2", {"intent": long_intent, "profile": None, "owner": "me"})
    log.append("call", "s2", call_data(tool="read", upstream="mail", arguments={}, decision="allow", guard="intent"))
    code, out, _ = run(capsys, "report", "--db", str(db), "--session", "s2")
    assert code == 0 and f"session s2: {long_intent!r}" in out  # the heading on one line, however long
    assert "1 session: 1 call, 1 allowed" in out
    with pytest.raises(SystemExit) as refused:  # argparse's usage error: one line, exit 2
        main(["audit", "show", "--db", str(db), "--last", "-1"])
    assert refused.value.code == 2 and "1 or more" in capsys.readouterr().err


def test_report_last_sessions_and_a_misspelt_option(log, db, capsys):
    """`report --last N`: the N sessions the log saw begin last, totals over them only; an option the
    command does not take is refused with that command's usage (what it does take), exit 2."""
    for sid in ("s1", "s2", "s3"):
        log.append("session.start", sid, {"intent": f"task of {sid}", "profile": None, "owner": "me"})
        log.append("call", sid, call_data(tool="read", upstream="mail", arguments={}, decision="allow"))
    log.append("call", "s1", call_data(tool="read", upstream="mail", arguments={}, decision="allow"))
    code, out, _ = run(capsys, "report", "--db", str(db), "--json", "--last", "2")
    data = json.loads(out)
    assert code == 0 and [s["session"] for s in data["sessions"]] == ["s2", "s3"]
    assert data["totals"]["calls"] == 2
    with pytest.raises(SystemExit) as refused:
        main(["report", "--db", str(db), "--lst", "2"])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "usage: mcp-guard report" in err and "[--last N]" in err
    assert "unrecognized arguments: --lst 2" in err and "(did you mean '--last'?)" in err
    with pytest.raises(SystemExit) as refused:
        main(["audit", "verfy", "--db", str(db)])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "invalid choice: 'verfy'" in err and "(did you mean 'verify'?)" in err


def test_report_read_by_a_reader_that_stops_early_exits_0(log, db):
    """`mcp-guard report | head -1`: the pipe closes early, as it does for `audit show`: exit 0, no traceback."""
    for i in range(300):
        log.append("call", f"s{i}", call_data(tool="read", upstream="mail", arguments={}, decision="allow"))
    done = subprocess.run(f"{sys.executable} -m mcp_guard report --db {db} | head -1; exit ${{PIPESTATUS[0]}}",
                          shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("session s0") and "Traceback" not in done.stderr


def test_cli_damaged_database(log, db, capsys, home):
    log.append_many([("call", "s", {"text": "x" * 200, "i": i}) for i in range(2000)])
    log.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(db, "r+b") as f:  # overwrite pages in the middle of the file
        f.seek(20 * 4096)
        f.write(b"\xff" * 8 * 4096)
    for argv in (["audit", "verify"], ["audit", "show"], ["report"], ["audit", "export", "-"]):
        code, _, err = run(capsys, *argv, "--db", str(db))
        assert code != 0 and "database disk image is malformed" in err, argv


def test_cli_missing_and_corrupt_database(tmp_path, home):
    """Run as a real process: one line on stderr, a non-zero exit, never a traceback."""
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not sqlite" * 100)
    cases = [
        (["audit", "verify", "--db", str(tmp_path / "missing.db")], 2, "no audit database there"),
        (["audit", "verify", "--db", str(corrupt)], 2, "file is not a database"),
        (["report", "--db", str(corrupt)], 2, "file is not a database"),
        (["audit", "verify", "--file", str(corrupt)], 1, "not an mcp-guard audit export"),
    ]
    for argv, code, message in cases:
        proc = subprocess.run([sys.executable, "-m", "mcp_guard", *argv], capture_output=True, text=True)
        assert proc.returncode == code, (argv, proc.stderr)
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


# --- end to end through `mcp-guard run` -----------------------------------------------------


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_calls_through_mcp_guard_run_are_audited(tmp_path, home, capsys):
    import anyio
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    from tests.support import FIXTURES

    cfg = tmp_path / "mcp-guard.toml"
    cfg.write_text(
        '[storage]\npath = "guard.db"\n[intent]\nmode = "off"\n[upstreams.echo]\ntrust = "tofu"\n'
        f"command = {json.dumps(sys.executable)}\nargs = [{json.dumps(str(FIXTURES / 'echo_server.py'))}]\n",
        encoding="utf-8",
    )
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "mcp_guard", "--config", str(cfg), "run", "--upstream", "echo"]
    )
    with anyio.fail_after(120), open(tmp_path / "proxy.log", "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            result = await client.call_tool("echo", {"text": "audited hello"})
            assert not result.is_error, result
    code, out, _ = run(capsys, "--config", str(cfg), "audit", "verify")
    assert code == 0 and "intact" in out
    code, out, _ = run(capsys, "--config", str(cfg), "audit", "show", "--kind", "call", "--json")
    calls = [json.loads(line)["data"] for line in out.splitlines()]
    assert [(c["upstream"], c["tool"], c["decision"]) for c in calls] == [("echo", "echo", "allow")]
    assert calls[0]["arguments"] == {"text": "audited hello"}
    code, out, _ = run(capsys, "--config", str(cfg), "report", "--json")
    assert code == 0 and json.loads(out)["totals"]["calls"] == 1


def test_reviews_and_approvals_are_in_the_chain(tmp_path):
    """A reviewer's decision and a person's approval of a held call are audit records too."""
    from mcp_guard import approvals
    from mcp_guard.review import ReviewQueue

    store = open_store(tmp_path / "guard.db")
    queue = ReviewQueue(store)
    item = queue.record("files", "tool", [{"name": "read", "inputSchema": {"type": "object"}}])["read"]
    queue.decide(item.id, "approve", "read-only", reviewer="ana")
    held = approvals.hold(store, "s-1", "files/delete", {"path": "a"}, "destructive call")
    approvals.decide(store, held, True, "bob", "cleanup the user asked for on the phone")
    records = list(AuditLog(store).records())
    review, approval = [r for r in records if r.kind in ("review", "approval")]
    assert review.data["id"] == item.id and review.data["reviewer"] == "ana" and review.data["state"] == "approved"
    assert approval.session_id == "s-1" and approval.data["by"] == "bob" and approval.data["decision"] == "approved"
    # the person's reason and the guard's are kept apart (newcomer, session 10)
    assert approval.data["reason"] == "cleanup the user asked for on the phone"
    assert approval.data["held_because"] == "destructive call"
    assert AuditLog(store).verify().ok


def test_triggers_on_the_audit_tables_refuse_appends_and_fail_verify(log, db):
    """A trigger planted by another process (RAISE(IGNORE)) would drop records with the chain intact."""
    fill(log, 3)
    tamper(db, "CREATE TRIGGER quiet BEFORE INSERT ON audit BEGIN SELECT RAISE(IGNORE); END")
    with pytest.raises(AuditError, match="audit tables have triggers: trigger quiet"):
        log.append("call", "s", {"tool": "t"})
    result = log.verify()
    assert not result.ok and "audit tables have triggers: trigger quiet" in result.summary()
    tamper(db, "DROP TRIGGER quiet")
    log.append("call", "s", {"tool": "t"})
    assert log.verify().ok and log.head()[0] == 4


def test_appenders_queue_on_a_lock_file_that_only_appending_creates(db):
    """Processes appending to one database queue on `<db>-audit.lock`; a reader never creates it, and
    a process killed while holding it does not stop the others (the kernel releases it)."""
    import signal
    import subprocess
    import textwrap

    log = AuditLog(open_store(db))
    lock = db.parent / f"{db.name}-audit.lock"
    assert log.verify().ok and list(log.records()) == [] and not lock.exists()
    log.append("call", "s1", {"i": 1})
    assert lock.exists()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, os, sys, time
        fd = os.open({str(lock)!r}, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    log.append("call", "s1", {"i": 2})
    assert [r.data["i"] for r in log.records()] == [1, 2] and log.verify().ok
    log.close()
