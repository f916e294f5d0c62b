"""Group commit: one background thread writes every append of a process, batching what is waiting.

The event loop never waits for a write: taking SQLite's write lock can take long when other processes
hold it (the log's own retries allow up to the store's busy timeout), so only this thread waits for it.
With durability "full" a caller awaits its record's fsynced commit; with "group" its commit, and a
second thread fsyncs right after (one fsync for every commit made while the last one ran); with
"normal" it does not wait at all.

With "group", the records asked for on the event loop in one of its steps are committed together
when the step ends (calls sent in one step share one transaction), on the loop itself while nothing
is queued before them and the locks are all free at the first try (`AuditLog.write_now`, ~0.1 ms of
SQLite work): the calls they record are then answered without two thread hops (loop → writer → loop),
which cost 0.35-0.6 ms of latency. Only when a lock is held do the records go to the thread.
"normal" records are committed the same way (nobody waits for them, but the hand-over to the thread
cost more CPU than the commit), until `max_queued` of them wait in one step or the thread has work.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from typing import Any

from mcp_guard.audit.chain import AuditRecord
from mcp_guard.audit.log import AuditLog

_log = logging.getLogger("mcp_guard")
_CHECKPOINT = object()  # queued when a commit made on the event loop leaves a checkpoint due


class AuditWriter:
    """Group commit: appends from many threads or tasks share one fsynced transaction.

    `submit` returns a Future resolved with the record once it is committed; async code awaits
    `append_async(...)`, or `enqueue(...)` (what `AuditSink` uses: it waits
    only as long as the log's durability asks). One background thread writes; closing it writes what
    is queued first.
    """

    def __init__(self, log: AuditLog, max_batch: int | None = None, max_queued: int = 128) -> None:
        """`max_batch`: records in one transaction, at most. A transaction holds the processes' write
        lock, so with several processes appending, a record that waits for a batch waits for the
        others' batches first. Where callers wait for their records ("full", "group") a batch is
        what they have in flight; "normal" callers do not wait, so its batches are kept short (32),
        and its queue too (`max_queued`): past it a caller waits for the next batch."""
        self.log = log
        self.max_batch = max_batch or (32 if log.durability == "normal" else 512)
        self.max_queued = max_queued  # past this many waiting records, "normal" callers wait too
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._queued = 0  # records submitted and not yet written: a record written at once must be the last
        self._queued_lock = threading.Lock()
        self._checkpoint_asked = False  # a _CHECKPOINT is queued
        # Resolved (and replaced) by the thread after each batch it takes: what a "normal" caller
        # facing a long queue waits for, one batch, never the whole queue ahead of its own record.
        self._next_batch: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="mcp-guard-audit", daemon=True)
        self._thread.start()
        self._syncer = _Syncer(log) if log.durability == "group" else None
        # Told of every record as it is handed over, with the future its commit resolves (telemetry's lag).
        self.observe: Callable[[Future[AuditRecord]], None] | None = None
        # "group" records asked for in the current step of each event loop, committed once it ends
        self._steps: dict[asyncio.AbstractEventLoop, list[tuple[Any, asyncio.Future[Any]]]] = {}

    def submit(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> Future[AuditRecord]:
        """Queue a record; bad input raises here. The canonical form is made in the caller's thread,
        so the writer thread only writes."""
        return self._submit(self.log._prepare(kind, session_id, data))

    def _submit(self, prepared: tuple[str, str | None, str, str, dict[str, Any]]) -> Future[AuditRecord]:
        fut: Future[AuditRecord] = Future()
        with self._queued_lock:
            self._queued += 1
        if self.observe is not None:
            self.observe(fut)
        self._queue.put((prepared, fut))
        return fut

    def append(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> AuditRecord:
        return self.submit(kind, session_id, data).result()

    def enqueue(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> Awaitable[Any]:
        """Queue a record from the event loop, which it never blocks. With durability "full" the
        awaitable resolves once the record is fsynced, with "group" once it is committed (the fsync
        follows at once, off this path), so a call can wait for its record; with "normal" it is
        already done: the record is written in the background (a failure is logged),
        and records still queued when the process is killed outright are lost. When more than
        `max_queued` records wait (the disk or other processes hold the writer back), a "normal"
        caller awaits the writer's next batch: the queue stays bounded (a long queue also makes the
        garbage collector stall the loop) and nothing is dropped, and the caller never waits for the
        whole queue ahead of its record (seconds, when several processes share the database)."""
        prepared = self.log._prepare(kind, session_id, data)
        if self.log.durability == "group":
            return self._in_step(prepared)
        if self.log.durability == "normal":
            # Committed at the step's end on the loop too, where it can be: no caller waits, but the
            # hand-over to the thread (queue, wake-up, futures) cost more CPU than the commit itself.
            loop = asyncio.get_running_loop()
            step = self._steps.get(loop)
            if not self._queued and (step is None or len(step) < self.max_queued):
                self._in_step(prepared).add_done_callback(_retrieved)
                done = loop.create_future()
                done.set_result(None)
                return done
            if step:  # the thread writes from now on: the step's records first, in order
                self._hand_over(self._steps.pop(loop))
        fut = self._submit(prepared)
        if self.log.durability != "normal":
            return asyncio.wrap_future(fut)
        if self._queue.qsize() > self.max_queued:
            # shielded: a caller cancelled (at shutdown) must not cancel what the others wait for
            return asyncio.shield(asyncio.wrap_future(self._next_batch))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    def _in_step(self, prepared: tuple[str, str | None, str, str, dict[str, Any]]) -> asyncio.Future[Any]:
        """A "group" record asked for on the event loop: the records asked for in one step of the loop
        are committed together once that step ends (`_commit_step`), so calls sent in one step share
        one transaction."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()
        step = self._steps.setdefault(loop, [])
        if not step:
            loop.call_soon(self._commit_step, loop)
        step.append((prepared, done))
        return done

    def _commit_step(self, loop: asyncio.AbstractEventLoop) -> None:
        """Commit a step's records on the loop itself if nothing is queued before them (order is kept)
        and every lock is free at the first try (~0.1 ms of SQLite work, no thread hop); else hand
        them to the writer thread, as any other record."""
        step = self._steps.pop(loop, [])
        if not step:
            return
        records = None
        if not self._queued:
            try:
                records = self.log.write_now([prepared for prepared, _ in step])
            except BaseException as err:  # as the thread would: the callers refuse what they record
                _log.error("audit: %d record(s) not written: %s", len(step), err)
                for _, done in step:
                    if not done.cancelled():  # a waiter that has gone: the record failed all the same
                        done.set_exception(err)
                return
        if records is None:
            self._hand_over(step)
            return
        self._committed()
        for (_, done), record in zip(step, records, strict=True):
            if not done.cancelled():
                done.set_result(record)
            if self.observe is not None:  # committed already: a lag of (nearly) nothing
                now: Future[AuditRecord] = Future()
                self.observe(now)
                now.set_result(record)

    def _hand_over(self, step: list[tuple[Any, asyncio.Future[Any]]]) -> None:
        """A step's records to the writer thread, in order; each caller's future follows its record's."""
        for prepared, done in step:
            asyncio.wrap_future(self._submit(prepared)).add_done_callback(functools.partial(_copy, done))

    async def append_async(self, kind: str, session_id: str | None, data: Mapping[str, Any]) -> AuditRecord:
        """Await the commit without blocking the event loop (asyncio)."""
        return await asyncio.wrap_future(self.submit(kind, session_id, data))

    def close(self) -> None:
        """Write what is queued, then stop the thread; with "group", fsync what it wrote."""
        for step in self._steps.values():  # a loop that stopped before its step's end: written here
            for prepared, _ in step:
                self._submit(prepared)
        self._steps.clear()
        self._queue.put(None)
        self._thread.join()
        if self._syncer is not None:
            self._syncer.request()  # a commit whose wake-up the loop had not yet run is fsynced too
            self._syncer.close()

    def _run(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if None in batch:
                stop = True
            if _CHECKPOINT in batch:
                self._checkpoint_asked = False  # (checkpointed below)
            batch = [b for b in batch if b is not None and b is not _CHECKPOINT]  # a checkpoint: below
            prepared = [item[0] for item in batch]
            # A waiter may have gone (its task cancelled at shutdown): the record is written all
            # the same, and only waiters still listening are told; a running future cannot be cancelled.
            listening = [item[1].set_running_or_notify_cancel() for item in batch]
            waiters = [item[1] if on else None for item, on in zip(batch, listening, strict=True)]
            try:
                records = self.log._write(prepared)
            except BaseException as err:  # handed to every waiter, and logged for those that do not wait
                _log.error("audit: %d record(s) not written: %s", len(waiters), err)
                for fut in waiters:
                    if fut is not None:
                        fut.set_exception(err)
                continue
            finally:
                with self._queued_lock:
                    self._queued -= len(batch)
                taken, self._next_batch = self._next_batch, Future()
                if taken.set_running_or_notify_cancel():
                    taken.set_result(None)
            for fut, rec in zip(waiters, records, strict=True):
                if fut is not None:
                    fut.set_result(rec)
            if records and self._syncer is not None:
                self._syncer.request()
            self.log.checkpoint()  # after the waiters have their answer, and outside the processes' queue

    def _committed(self) -> None:
        """After a commit made outside the thread: the fsync, and a checkpoint in the thread when due."""
        if self._syncer is not None:
            self._syncer.request()
        if self.log.checkpoint_due() and not self._checkpoint_asked:
            self._checkpoint_asked = True
            self._queue.put(_CHECKPOINT)


def _copy(done: asyncio.Future[Any], source: asyncio.Future[Any]) -> None:
    """Hand a record's outcome from the writer thread's future on to the one its caller awaits."""
    if done.cancelled():
        return
    if source.cancelled():
        done.cancel()
    elif source.exception() is not None:
        done.set_exception(source.exception())  # type: ignore[arg-type]
    else:
        done.set_result(source.result())


def _retrieved(done: asyncio.Future[Any]) -> None:
    """A "normal" record's own future, which nobody awaits: its failure is logged where it happens."""
    if not done.cancelled():
        done.exception()


class _Syncer:
    """Durability "group": one thread fsyncs the log after commits, one fsync covering every commit
    made before it began, so the writer commits the next records meanwhile. A failed fsync is logged
    as an error naming what may not be on disk: never silent."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self._cond = threading.Condition()
        self._asked = 0  # commits asked to be made durable
        self._done = 0  # of those, made durable (or failed, logged)
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="mcp-guard-audit-sync", daemon=True)
        self._thread.start()

    def request(self) -> None:
        with self._cond:
            self._asked += 1
            self._cond.notify_all()

    def close(self) -> None:
        """Fsync what was committed, then stop."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._asked == self._done and not self._stop:
                    self._cond.wait()
                if self._asked == self._done:  # stopping, and nothing left
                    return
                target = self._asked
            try:
                self.log.sync()
            except OSError as err:
                _log.error("audit: %d commit(s) of the audit log may not be on disk (fsync failed: %s)",
                           target - self._done, err)
            with self._cond:
                self._done = target
