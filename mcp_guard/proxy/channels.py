"""One side of the relay as a stream of JSON-RPC messages, whatever carries them.

A `Channel` yields `(message, raw)` pairs and sends messages; `raw` is the original bytes when the
wire has them (stdio), so a message the relay does not change is forwarded byte for byte.
`receive` raises `MalformedMessage` for a bad message (the channel stays usable) and
`anyio.EndOfStream` when the other side is gone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import anyio

from mcp_guard.proxy import jsonrpc
from mcp_guard.proxy.jsonrpc import MalformedMessage, Message, RequestId


class Channel(Protocol):
    label: str

    async def receive(self) -> tuple[Message, bytes | None]: ...

    async def send(self, msg: Message, raw: bytes | None = None, related_id: RequestId | None = None) -> None: ...

    async def aclose(self) -> None: ...


class LineChannel:
    """Newline-delimited JSON-RPC over a pair of byte streams (the stdio transport)."""

    def __init__(
        self,
        read: Callable[[int], Awaitable[bytes]],
        write: Callable[[bytes], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        *,
        max_bytes: int,
        label: str,
    ) -> None:
        self._read = read
        self._write = write
        self._close = close
        self._max = max_bytes
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf already known to hold no newline
        self._oversized: int | None = None  # size discarded so far of a line over the limit
        self._oversized_id: RequestId | None = None
        self._lock = anyio.Lock()
        self.label = label

    async def receive(self) -> tuple[Message, bytes | None]:
        while True:
            nl = self._buf.find(b"\n", self._scanned)
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                self._scanned = 0
                if self._oversized is not None:
                    size, rid = self._oversized + len(line), self._oversized_id
                    self._oversized = self._oversized_id = None
                    raise MalformedMessage(f"message of {size} bytes exceeds the limit of {self._max} bytes", rid)
                line = line.strip()
                if line:
                    return jsonrpc.parse(line), line
                continue
            if len(self._buf) > self._max:
                if self._oversized is None:
                    self._oversized, self._oversized_id = 0, jsonrpc.peek_id(bytes(self._buf[:4096]))
                self._oversized += len(self._buf)
                self._buf.clear()
            self._scanned = len(self._buf)
            chunk = await self._read(65536)
            if not chunk:
                raise anyio.EndOfStream
            self._buf += chunk

    async def send(self, msg: Message, raw: bytes | None = None, related_id: RequestId | None = None) -> None:
        data = (raw if raw is not None else jsonrpc.dumps(msg)) + b"\n"
        async with self._lock:
            await self._write(data)

    async def aclose(self) -> None:
        await self._close()


async def own_stdio(max_bytes: int) -> LineChannel:
    """This process's stdin/stdout as a channel (the client side of `mcp-guard run`).

    Pipes are read through the event loop; anything else (a file, a terminal) through a thread.
    """
    loop = asyncio.get_running_loop()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        reader = asyncio.StreamReader(limit=2**31)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        read: Callable[[int], Awaitable[bytes]] = reader.read
    except ValueError:  # not a pipe, socket or character device
        async def read(n: int) -> bytes:
            return await anyio.to_thread.run_sync(stdin.read1, n)

    try:
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout)
        writer = asyncio.StreamWriter(transport, protocol, None, loop)

        async def write(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        async def close() -> None:
            writer.close()
    except ValueError:
        async def write(data: bytes) -> None:
            await anyio.to_thread.run_sync(lambda: (stdout.write(data), stdout.flush()))

        async def close() -> None:
            return None

    return LineChannel(read, write, close, max_bytes=max_bytes, label="client")


class ProcessChannel(LineChannel):
    """A child process speaking stdio; closing it ends its whole process group (no zombies)."""

    def __init__(self, process: anyio.abc.Process, *, max_bytes: int, label: str) -> None:
        assert process.stdout is not None and process.stdin is not None
        self.process = process

        async def read(n: int) -> bytes:
            try:
                return await process.stdout.receive(n)  # type: ignore[union-attr]
            except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
                return b""

        async def write(data: bytes) -> None:
            try:
                await process.stdin.send(data)  # type: ignore[union-attr]
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, BrokenPipeError, ConnectionResetError):
                raise anyio.BrokenResourceError(f"{label} is not running") from None

        super().__init__(read, write, self._terminate, max_bytes=max_bytes, label=label)

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    async def _terminate(self) -> None:
        """Close stdin, then SIGTERM and finally SIGKILL the process group, and reap the child."""
        proc = self.process
        with anyio.CancelScope(shield=True):
            try:
                await proc.stdin.aclose()  # type: ignore[union-attr]
            except Exception:
                pass
            for sig, grace in ((None, 0.5), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
                if sig is not None and proc.returncode is None:
                    _signal_group(proc.pid, sig)
                with anyio.move_on_after(grace):
                    await proc.wait()
                if proc.returncode is not None:
                    break
            # Children that outlive the leader (npx → node) still share its group.
            _signal_group(proc.pid, signal.SIGKILL)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


async def spawn(command: str, args: list[str], env: dict[str, str] | None, cwd: str | None, *,
                max_bytes: int, label: str) -> ProcessChannel:
    """Start a stdio server in its own session (process group); its stderr goes to ours."""
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update(env)
    process = await anyio.open_process(
        [command, *args], stdin=-1, stdout=-1, stderr=None, env=full_env, cwd=cwd, start_new_session=True
    )
    return ProcessChannel(process, max_bytes=max_bytes, label=label)


class StreamChannel:
    """The SDK's transport streams (HTTP client and server sides) as a channel.

    The SDK carries `SessionMessage`s holding typed models; they are converted to and from dicts at
    this edge only. `related_id` tells the streamable-HTTP server which response stream a
    server-to-client message belongs to.
    """

    def __init__(self, read_stream: Any, write_stream: Any, *, label: str, server_side: bool) -> None:
        from mcp.shared.message import ServerMessageMetadata, SessionMessage
        from mcp.types import JSONRPCMessage
        from pydantic import TypeAdapter

        self._read = read_stream
        self._write = write_stream
        self._adapter = TypeAdapter(JSONRPCMessage)
        self._session_message = SessionMessage
        self._metadata = ServerMessageMetadata if server_side else None
        self.label = label

    async def receive(self) -> tuple[Message, bytes | None]:
        try:
            item = await self._read.receive()
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise anyio.EndOfStream from None
        if isinstance(item, Exception):
            raise MalformedMessage(f"transport error: {item}")
        return item.message.model_dump(by_alias=True, mode="json", exclude_unset=True), None

    async def send(self, msg: Message, raw: bytes | None = None, related_id: RequestId | None = None) -> None:
        try:
            model = self._adapter.validate_python(msg)
        except Exception as err:  # pydantic.ValidationError: our message is not representable
            raise MalformedMessage(f"cannot send message: {err}") from None
        metadata = None
        if self._metadata is not None and related_id is not None:
            metadata = self._metadata(related_request_id=related_id)
        try:
            await self._write.send(self._session_message(model, metadata))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise anyio.BrokenResourceError(f"{self.label} is gone") from None

    async def aclose(self) -> None:
        await self._write.aclose()
