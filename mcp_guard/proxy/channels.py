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
import subprocess
import sys

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import anyio

from mcp_guard import system
from mcp_guard.intent.credentials import scrub_text
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
        # asyncio's lock takes an uncontended acquire without yielding; anyio's yields every time.
        self._lock = asyncio.Lock()
        self.label = label

    async def receive(self) -> tuple[Message, bytes | None]:
        """The next message and its raw line (newline included, so it is forwarded without a copy)."""
        while True:
            nl = self._buf.find(b"\n", self._scanned)
            if nl >= 0:
                if nl + 1 == len(self._buf):  # the usual case: the buffer holds exactly one message
                    line, self._buf = bytes(self._buf), bytearray()
                else:
                    line = bytes(self._buf[: nl + 1])
                    del self._buf[: nl + 1]
                self._scanned = 0
                if self._oversized is not None:
                    size, rid = self._oversized + len(line), self._oversized_id
                    self._oversized = self._oversized_id = None
                    raise MalformedMessage(f"message of {size} bytes exceeds the limit of {self._max} bytes", rid,
                                           jsonrpc.MESSAGE_TOO_LARGE)
                if len(line) > self._max:
                    raise MalformedMessage(f"message of {len(line)} bytes exceeds the limit of {self._max} bytes",
                                           jsonrpc.peek_id(line[:4096]), jsonrpc.MESSAGE_TOO_LARGE)
                if len(line) < 8 and not line.strip():
                    continue
                return jsonrpc.parse(line), line
            if len(self._buf) > self._max:
                if self._oversized is None:
                    self._oversized, self._oversized_id = 0, jsonrpc.peek_id(bytes(self._buf[:4096]))
                self._oversized += len(self._buf)
                self._buf.clear()
            self._scanned = len(self._buf)
            chunk = await self._read(READ_SIZE)
            if not chunk:
                raise anyio.EndOfStream
            self._buf += chunk

    async def send(self, msg: Message, raw: bytes | None = None, related_id: RequestId | None = None) -> None:
        data = raw if raw is not None and raw.endswith(b"\n") else jsonrpc.dumps(msg) + b"\n"
        async with self._lock:
            await self._write(data)

    async def aclose(self) -> None:
        await self._close()


PIPE_SIZE = 1 << 20  # 1 MiB pipes: a large result crosses in one hop instead of sixteen
READ_SIZE = 1 << 20


def _widen_pipe(fd: int) -> None:
    """Ask Linux for a larger pipe buffer; elsewhere, or when refused, the default stays."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", 1031) if fcntl else None
    if setpipe is None:
        return
    try:
        fcntl.fcntl(fd, setpipe, PIPE_SIZE)
    except OSError:
        pass


def _pollable(fd: int) -> bool:
    """Whether the event loop can watch `fd`: /dev/null and regular files are refused by epoll
    (only later, inside the loop's callback), so they are read in a thread instead."""
    import selectors

    with selectors.DefaultSelector() as probe:
        try:
            probe.register(fd, selectors.EVENT_READ)
        except (OSError, ValueError):
            return False
    return True


class _WriteProtocol(asyncio.streams.FlowControlMixin):
    """A write pipe's protocol that reports the reader at the other end going away."""

    def __init__(self, on_lost: Callable[[], None] | None) -> None:
        super().__init__()
        self._on_lost = on_lost

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._on_lost is not None:
            self._on_lost()


async def pipe_channel(read_file: Any, write_file: Any, *, max_bytes: int, label: str,
                       end_with_output: bool = False) -> LineChannel:
    """A channel over two file objects; pipes go through the event loop, anything else a thread.

    With `end_with_output`, the input ends (BrokenResourceError) once the other end of the output
    is closed: a client that stopped reading is gone, whatever it still sends."""
    loop = asyncio.get_running_loop()
    read: Callable[[int], Awaitable[bytes]]
    reader: asyncio.StreamReader | None = None
    try:
        if not _pollable(read_file.fileno()):
            raise ValueError("not pollable")
        _widen_pipe(read_file.fileno())
        reader = asyncio.StreamReader(limit=2**31)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), read_file)
        read = reader.read
    except (ValueError, OSError):  # not a pipe, socket or character device
        async def read(n: int) -> bytes:
            return await anyio.to_thread.run_sync(read_file.read1, n)

    write: Callable[[bytes], Awaitable[None]]
    close: Callable[[], Awaitable[None]]
    try:
        if not _pollable(write_file.fileno()):  # a file or /dev/null: uvloop aborts the process on one
            raise ValueError("not pollable")
        _widen_pipe(write_file.fileno())

        def output_lost() -> None:
            if end_with_output and reader is not None and reader.exception() is None:
                reader.set_exception(anyio.BrokenResourceError(f"{label} closed its end of the output"))

        transport, protocol = await loop.connect_write_pipe(lambda: _WriteProtocol(output_lost), write_file)
        writer = asyncio.StreamWriter(transport, protocol, None, loop)

        async def write(data: bytes) -> None:
            if writer.is_closing():
                raise anyio.BrokenResourceError(f"{label} is gone")
            writer.write(data)
            try:
                await writer.drain()
            except (ConnectionResetError, BrokenPipeError) as err:
                raise anyio.BrokenResourceError(f"{label} is gone") from err

        async def close() -> None:
            writer.close()
    except (ValueError, OSError):
        async def write(data: bytes) -> None:
            try:
                await anyio.to_thread.run_sync(lambda: (write_file.write(data), write_file.flush()))
            except OSError as err:
                raise anyio.BrokenResourceError(f"{label} is gone") from err

        async def close() -> None:
            return None

    return LineChannel(read, write, close, max_bytes=max_bytes, label=label)


async def own_stdio(max_bytes: int) -> LineChannel:
    """This process's stdin/stdout as a channel (the client side of `mcp-guard run`)."""
    return await pipe_channel(sys.stdin.buffer, sys.stdout.buffer, max_bytes=max_bytes, label="client",
                              end_with_output=True)


class ChildProcess:
    """A started stdio server: its process and our ends of its pipes.

    Started with plain `subprocess.Popen`, so it can be started before the event loop runs (the
    proxy starts a server first thing, and its start-up overlaps the proxy's own)."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None, *,
                 echo_stderr: bool = True, isolate: bool = True) -> None:
        to_child, child_stdin = os.pipe()
        child_stdout, from_child = os.pipe()
        wrapper = isolation_prefix() if isolate else []
        if wrapper:  # `unshare` would report a missing command as its own exit: say it as Popen would
            _check_runnable(argv[0], env, cwd)
        try:
            self.popen = subprocess.Popen([*wrapper, *argv], stdin=to_child, stdout=from_child, stderr=subprocess.PIPE,
                                          env=env, cwd=cwd, start_new_session=True)
        except BaseException:
            for fd in (to_child, child_stdin, child_stdout, from_child):
                os.close(fd)
            raise
        os.close(to_child)
        os.close(from_child)
        self.stdout = os.fdopen(child_stdout, "rb", buffering=0)
        self.stdin = os.fdopen(child_stdin, "wb", buffering=0)
        self.pid = self.popen.pid
        self.argv = argv
        self.isolated = bool(wrapper)
        self.stderr = StderrTail(self.popen.stderr, echo=echo_stderr)

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def exit_status(self, *, stderr: bool = True) -> str:
        """How it ended, for a person: its exit code or signal, then the last lines of its stderr
        (`stderr=False`: only say it has some; the server chose those words, so they are for the
        operator, never for a client or its model)."""
        code = self.returncode
        if code is None:
            status = "is running"
        elif code < 0:
            status = f"was killed by signal {-code}"
        else:
            status = f"exited with code {code}"
        tail = self.stderr.tail()
        if tail and not stderr:
            return (f"{status}; its stderr went to mcp-guard's stderr (the client's log of this server; "
                    "`mcp-guard doctor` shows it too)")
        return f"{status}; its stderr ends: {tail}" if tail else status

    def discard(self) -> None:
        """End a process that was started but never used, with its whole group (and namespace)."""
        self.stdin.close()
        self.stdout.close()
        init = _namespace_init(self.pid) if self.isolated else None
        _signal_group(self.pid, signal.SIGKILL)
        _signal_init(init, signal.SIGKILL, close=True)
        self.popen.wait()

    async def wait(self) -> int:
        # Only at exit: polling costs nothing while the server runs, and needs no child watcher.
        while self.popen.poll() is None:
            await anyio.sleep(0.02)
        return self.popen.returncode


class StderrTail:
    """A server's stderr, passed on to ours line by line (it is the server's own log), with its last
    lines kept so that a failure can say what the server said. A thread reads it: the process may
    start before any event loop runs, and its stderr must never fill and block it."""

    LINES = 5
    WIDTH = 300

    def __init__(self, pipe: Any, *, echo: bool = True) -> None:
        import collections
        import threading

        self._lines: collections.deque[str] = collections.deque(maxlen=self.LINES)
        self._done = threading.Event()
        self._echo = echo
        threading.Thread(target=self._pump, args=(pipe,), name="mcp-guard-stderr", daemon=True).start()

    def _pump(self, pipe: Any) -> None:
        out = getattr(sys.stderr, "buffer", None) if self._echo else None
        try:
            for line in pipe:
                text = line.decode("utf-8", "replace").rstrip()
                clean = scrub_text(text)
                if clean != text:  # a secret it was given goes into no log
                    text, line = clean, clean.encode() + b"\n"
                if text:
                    self._lines.append(text if len(text) <= self.WIDTH else text[: self.WIDTH] + "…")
                if out is not None:
                    try:
                        out.write(line)
                        out.flush()
                    except (OSError, ValueError):  # our stderr is gone: keep reading, so the server never blocks
                        out = None
        except (OSError, ValueError):
            pass
        finally:
            self._done.set()
            pipe.close()

    def tail(self, wait: float = 0.5) -> str:
        """The last lines, joined with " | "; waits a moment for what an exited server still has in the pipe."""
        self._done.wait(wait)
        return " | ".join(self._lines)


class ProcessChannel:
    """A child process speaking stdio; closing it ends its whole process group (no zombies)."""

    def __init__(self, process: ChildProcess, lines: LineChannel) -> None:
        self.process = process
        self._lines = lines
        self.label = lines.label

    @classmethod
    async def attach(cls, process: ChildProcess, *, max_bytes: int, label: str) -> ProcessChannel:
        lines = await pipe_channel(process.stdout, process.stdin, max_bytes=max_bytes, label=label)
        return cls(process, lines)

    async def receive(self) -> tuple[Message, bytes | None]:
        return await self._lines.receive()

    async def send(self, msg: Message, raw: bytes | None = None, related_id: RequestId | None = None) -> None:
        await self._lines.send(msg, raw, related_id)

    async def aclose(self) -> None:
        await self._lines.aclose()  # closes its stdin: a well-behaved server exits now
        await self._terminate()

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    async def _terminate(self) -> None:
        """After stdin is closed: a moment to exit, then SIGTERM, SIGKILL to the group; reap the child."""
        proc = self.process
        with anyio.CancelScope(shield=True):
            # The server under `unshare` can leave the group and undo `--kill-child`: it is signalled by its
            # own pid too, and its end (its PID namespace's init) ends every process it started.
            init = _namespace_init(proc.pid) if proc.isolated and proc.returncode is None else None
            for sig, grace in ((None, 0.5), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
                if sig == signal.SIGTERM and proc.isolated and not _namespace_init_catches(proc.pid, sig):
                    sig = signal.SIGKILL  # what SIGTERM would do to it, were it not its namespace's init
                if sig is not None and proc.returncode is None:
                    _signal_group(proc.pid, sig)
                    _signal_init(init, sig)
                with anyio.move_on_after(grace):
                    await proc.wait()
                if proc.returncode is not None:
                    break
            # Children that outlive the leader (npx → node) still share its group.
            _signal_group(proc.pid, signal.SIGKILL)
            _signal_init(init, signal.SIGKILL, close=True)


def _namespace_init_catches(unshare_pid: int, sig: int) -> bool:
    """Whether the server under `unshare` (its PID namespace's init, which the kernel shields from a
    signal it has no handler for) handles `sig`; True when that cannot be read (then it gets its grace)."""
    try:
        with open(f"/proc/{unshare_pid}/task/{unshare_pid}/children") as f:
            init = f.read().split()[0]
        with open(f"/proc/{init}/status") as f:
            caught = next(int(line.split()[1], 16) for line in f if line.startswith("SigCgt:"))
    except (OSError, IndexError, StopIteration, ValueError):
        return True
    return bool(caught >> (sig - 1) & 1)


def _namespace_init(unshare_pid: int) -> int | None:
    """A pidfd of the server `unshare` started (its PID namespace's init), None when there is none (not
    yet, or no more). A pidfd cannot come to mean another process, as a reused pid could."""
    children = f"/proc/{unshare_pid}/task/{unshare_pid}/children"
    try:
        with open(children) as f:
            pid = int(f.read().split()[0])
        fd = os.pidfd_open(pid)
    except (OSError, IndexError, ValueError, AttributeError):  # AttributeError: no pidfd_open (not Linux)
        return None
    try:  # still `unshare`'s child once the pidfd is open: then it is the process that was read
        with open(children) as f:
            if str(pid) in f.read().split():
                return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _signal_init(fd: int | None, sig: int, *, close: bool = False) -> None:
    if fd is None:
        return
    try:
        signal.pidfd_send_signal(fd, sig)
    except OSError:  # it has ended
        pass
    if close:
        os.close(fd)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def start_process(command: str, args: list[str], env: dict[str, str], cwd: str | None, *,
                  isolate: bool = True) -> ChildProcess:
    """Start a server with exactly `env` as its environment (built by `credentials.upstream_env`:
    nothing of ours leaks in by default); its stderr goes to ours, and it leads a process group."""
    return ChildProcess([command, *args], dict(env), cwd, isolate=isolate)


# A server starts in its own user, PID and mount namespaces with its own /proc: it sees no other
# process of the host. A second user and mount namespace inside the first locks that /proc in place
# (mounts a less privileged namespace inherits cannot be taken apart): root of its namespaces, the
# server cannot unmount it to uncover the host's, nor mount another. So no isolated server can name,
# let alone read, another's /proc/PID/environ (the secrets its profile grants). The uid, the
# environment, the working directory and the files it sees stay as they were.
_UNSHARE = ("--user", "--map-current-user", "--pid", "--fork", "--mount-proc", "--kill-child", "--")
_LOCK = ("--user", "--map-current-user", "--mount", "--")
_isolation: list[str] | None = None


def isolation_prefix() -> list[str]:
    """The command that starts a server isolated (util-linux `unshare`), found and tried once; []
    where this system cannot (not Linux, no `unshare`, unprivileged user namespaces disabled),
    and then it says so, loudly, once."""
    global _isolation
    if _isolation is None:
        _isolation, why = _probe_isolation()
        if why:
            import logging

            logging.getLogger("mcp_guard").warning(
                "WARNING: servers are NOT isolated from each other (%s): a stdio server can read the "
                "environment, with its secrets, of every other server this proxy starts. Set "
                "`isolate = false` on an upstream to accept this for it.", why)
    return _isolation


def isolation_unavailable() -> str:
    """Why this system cannot start servers isolated ("" when it can), without the warning."""
    return _probe_isolation()[1]


def _check_runnable(command: str, env: dict[str, str], cwd: str | None) -> None:
    """FileNotFoundError / PermissionError when `command` cannot be run, found the way exec finds it
    (a name without a slash on the environment's PATH; relative entries from `cwd`)."""
    dirs = [""] if os.sep in command else os.get_exec_path(env)
    candidates = [os.path.join(cwd or "", d, command) for d in dirs]
    if not any(os.path.isfile(c) for c in candidates):
        raise FileNotFoundError(2, "No such file or directory", command)
    if not any(os.path.isfile(c) and os.access(c, os.X_OK) for c in candidates):
        raise PermissionError(13, "Permission denied", command)


def _probe_isolation() -> tuple[list[str], str]:
    if not sys.platform.startswith("linux"):
        return [], f"process isolation needs Linux namespaces, this is {sys.platform}"
    tool = system.system_program("unshare")  # never one on our PATH, which a project's client entry can set
    if tool is None:
        return [], f"util-linux `unshare` is not in the system's folders ({system.SYSTEM_PATH})"
    prefix = [tool, *_UNSHARE, tool, *_LOCK]
    try:  # with nothing of our environment (it holds the secrets' sources)
        probe = subprocess.run([*prefix, tool, "--version"], capture_output=True, timeout=10,
                               env={"PATH": system.SYSTEM_PATH, "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError) as err:
        return [], f"`unshare` failed: {err}"
    if probe.returncode != 0:
        said = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        return [], f"unprivileged user namespaces are unavailable: {said[-1] if said else probe.returncode}"
    return prefix, ""


def remote_http_client(proxy: str | None = None, owner: str | None = None) -> Any:
    """An SDK client factory (`McpHttpClientFactory`) for a `url` upstream: the SDK's own client, blind
    to the proxy and CA variables of mcp-guard's environment (HTTP(S)_PROXY, ALL_PROXY, SSL_CERT_FILE,
    .netrc). Whoever starts mcp-guard sets that environment (a project's client entry can), and the
    upstream's configured headers (its credentials) would go wherever they point. `proxy` is the
    upstream entry's own; `owner` its name (its credentials reach no other upstream)."""
    import httpx2
    from mcp.shared._httpx_utils import MCP_DEFAULT_SSE_READ_TIMEOUT, MCP_DEFAULT_TIMEOUT

    def factory(headers: dict[str, str] | None = None, timeout: Any = None, auth: Any = None) -> Any:
        if headers:  # its credentials: never shown to the model, another server or a log
            from mcp_guard.intent.credentials import remember_headers

            remember_headers(headers, owner)
        return httpx2.AsyncClient(
            headers=headers, auth=auth, trust_env=False, proxy=proxy,
            timeout=timeout or httpx2.Timeout(MCP_DEFAULT_TIMEOUT, read=MCP_DEFAULT_SSE_READ_TIMEOUT))

    return factory


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
            rid = msg.get("id")
            if not (("result" in msg or "error" in msg) and type(rid) in (str, int)):
                raise MalformedMessage(f"cannot send message: {err}") from None
            # An answer the transport cannot carry (e.g. a `result` that is not an object) still answers
            # the request: with an error, else the client would wait forever.
            reason = str(err).splitlines()[0][:200]
            model = self._adapter.validate_python(jsonrpc.error(
                rid, jsonrpc.INTERNAL_ERROR, f"mcp-guard: the upstream's answer cannot be sent as MCP: {reason}"))
        metadata = None
        if self._metadata is not None and related_id is not None:
            metadata = self._metadata(related_request_id=related_id)
        elif self._metadata is None and "method" in msg and "id" in msg:
            metadata = _routing_metadata(msg)  # a 2026-07-28 request names itself in its headers too
        try:
            await self._write.send(self._session_message(model, metadata))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise anyio.BrokenResourceError(f"{self.label} is gone") from None

    async def aclose(self) -> None:
        await self._write.aclose()


def _routing_metadata(msg: Message) -> Any:
    """The per-request HTTP headers of a 2026-07-28 request (`MCP-Protocol-Version`, `Mcp-Method`,
    `Mcp-Name`), which a server of the revision checks against the body; None for other requests."""
    from mcp_guard.proxy.eras import VERSION_KEY, envelope_of

    env = envelope_of(msg)
    if env is None:
        return None
    from mcp.shared.inbound import NAME_BEARING_METHODS, encode_header_value
    from mcp.shared.message import ClientMessageMetadata

    headers = {"MCP-Protocol-Version": str(env[VERSION_KEY]), "Mcp-Method": msg["method"]}
    name_key = NAME_BEARING_METHODS.get(msg["method"])
    name = msg["params"].get(name_key) if name_key else None
    if isinstance(name, str):
        headers["Mcp-Name"] = encode_header_value(name)
    return ClientMessageMetadata(headers=headers)


def loop_options() -> dict[str, Any]:
    """anyio's options for the proxy's event loop: uvloop where it is installed (its loop, transports
    and timers are C; measured on a loaded 2-CPU machine, 3 alternating runs of 2000 calls: the proxy's
    CPU per call 5-6% lower, relay only and with every guard), else the standard asyncio loop.
    `MCP_GUARD_LOOP=asyncio` chooses the standard one."""
    if os.environ.get("MCP_GUARD_LOOP", "").lower() == "asyncio":
        return {}
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return {}
    return {"use_uvloop": True}
