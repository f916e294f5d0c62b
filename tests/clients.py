"""Clients the proxy tests drive: the real `mcp` SDK client, and a raw line client for exact bytes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.support import FIXTURES, PYTHON

GUARD = [PYTHON, "-m", "mcp_guard"]


def fixture(name: str) -> list[str]:
    return [PYTHON, str(FIXTURES / name)]


def write_config(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def upstream_toml(name: str, command: list[str], extra: str = "") -> str:
    return f"[upstreams.{name}]\ncommand = {json.dumps(command[0])}\nargs = {json.dumps(command[1:])}\n{extra}\n"


# The protocol eras an end-to-end test runs in: the initialize handshake, and 2026-07-28 (stateless).
ERAS = ("handshake", "2026-07-28")


@contextlib.asynccontextmanager
async def guarded(run_args: list[str], *, env: dict[str, str] | None = None, era: str = "handshake",
                  **callbacks: Any) -> AsyncIterator[Any]:
    """An initialized SDK client session with `mcp-guard run RUN_ARGS` as its server. In the
    2026-07-28 era it is the SDK's `Client` in its default mode, which must negotiate that era."""
    params = StdioServerParameters(command=GUARD[0], args=[*GUARD[1:], "run", *run_args],
                                   env={**os.environ, **(env or {})})
    if era != "handshake":
        from mcp.client import Client

        async with Client(params, **callbacks) as client:
            assert client.protocol_version == era, f"negotiated {client.protocol_version}, not {era}"
            yield client
        return
    async with stdio_client(params) as (read, write), ClientSession(read, write, **callbacks) as session:
        await session.initialize()
        yield session


class RawClient:
    """Speaks newline-delimited JSON-RPC to a process, so tests see exactly what goes over the wire."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        import queue
        import threading

        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env={**os.environ, **(env or {})})
        self._next = 0
        self._lines: queue.Queue[bytes] = queue.Queue()
        # A thread reads stdout: select() on a buffered pipe misses lines already in Python's buffer.
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip():
                self._lines.put(line)
        self._lines.put(b"")

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise BrokenPipeError(f"the process closed its stdin; {self._ended()}") from None

    def _ended(self) -> str:
        """How the process ended, with the tail of what it wrote to stderr (for a test's failure message)."""
        try:
            code = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            return "it is still running"
        raw = self.proc.stderr.read() if self.proc.stderr else b""
        self.proc.stderr = io.BytesIO(raw)  # type: ignore[assignment] - still there for the test to read
        return f"it exited with {code}; its stderr ends with:\n{raw.decode(errors='replace')[-3000:]}"

    def _so_far(self) -> str:
        """What a still-running process has written to stderr so far, without waiting (for a timeout's message:
        a process that never answers says where it stopped)."""
        if self.proc.poll() is not None:
            return self._ended()
        stderr = self.proc.stderr
        if stderr is None or not hasattr(stderr, "fileno"):
            return "it is still running"
        os.set_blocking(stderr.fileno(), False)
        try:
            raw = stderr.read() or b""
        finally:
            os.set_blocking(stderr.fileno(), True)
        return f"it is still running; its stderr so far ends with:\n{raw.decode(errors='replace')[-3000:]}"

    def send(self, msg: dict[str, Any]) -> None:
        self.send_raw(json.dumps(msg).encode() + b"\n")

    def read(self, timeout: float = 20.0) -> dict[str, Any]:
        import queue

        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no message within {timeout} s; {self._so_far()}") from None
        if not line:
            raise EOFError(f"the process closed its stdout; {self._ended()}")
        return json.loads(line)

    def new_request(self, method: str, params: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        """A request with the next id of this client."""
        self._next += 1
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next, "method": method, **extra}
        if params is not None:
            msg["params"] = params
        return msg

    def request(self, method: str, params: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        """Send a request and return its response, skipping notifications sent meanwhile."""
        msg = self.new_request(method, params, **extra)
        rid = msg["id"]
        self.send(msg)
        while True:
            answer = self.read()
            if answer.get("id") == rid and "method" not in answer:
                return answer

    def handshake(self) -> dict[str, Any]:
        init = self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                           "clientInfo": {"name": "raw-test", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return init

    def close(self, timeout: float = 10.0) -> int:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            if self.proc.stderr:
                self.proc.stderr.close()

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode()


def guard_raw(run_args: list[str], env: dict[str, str] | None = None) -> RawClient:
    return RawClient([*GUARD, "run", *run_args], env)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it counts as gone only once reaped, which is what we want to see.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def host_pid(pid: int, ancestor: int) -> int:
    """`pid` as a server reports it, as this process sees it: mcp-guard starts a server in its own PID
    namespace (where it is 1), so it is the descendant of `ancestor` whose innermost pid that is."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{entry}/stat") as f:
                children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    todo = list(children.get(ancestor, []))
    while todo:
        candidate = todo.pop()
        todo += children.get(candidate, [])
        try:
            with open(f"/proc/{candidate}/status") as f:
                nspid = next((ln.split()[1:] for ln in f if ln.startswith("NSpid:")), [])
        except OSError:
            continue
        if len(nspid) > 1 and int(nspid[-1]) == pid:
            return candidate
    return pid


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def python_env() -> dict[str, str]:
    """Environment where the fixtures import this checkout's packages."""
    return {"PYTHONPATH": str(Path(__file__).resolve().parents[1]) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def start_serve(config: Path, *extra: str, env: dict[str, str] | None = None,
                group: bool = False) -> tuple[subprocess.Popen, str]:
    """Start `mcp-guard serve` on a free port and wait until it listens: (process, base URL
    http://127.0.0.1:PORT). Its stderr is drained meanwhile, so it never blocks on a full pipe.
    `group`: in a process group of its own (so a test can kill it and its servers at once)."""
    import re
    import threading

    proc = subprocess.Popen([*GUARD, "--config", str(config), "serve", "--port", "0", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, start_new_session=group)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        found = re.search(r"at (http://[^/]+)/mcp", line)
        if found:
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, found.group(1)
    proc.wait(15)
    proc.stderr.close()
    raise RuntimeError("mcp-guard serve did not start: " + "".join(seen))


@contextlib.contextmanager
def serving(config: Path, *extra: str, env: dict[str, str] | None = None):
    """`mcp-guard serve` on a free port; yields its base URL (http://127.0.0.1:PORT)."""
    proc, url = start_serve(config, *extra, env=env)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise


class HttpSession:
    """One streamable-HTTP session of `serve`, spoken in raw JSON-RPC (with a bearer `token` if given)."""

    HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}

    def __init__(self, http: Any, base: str, token: str | None = None) -> None:
        self.http, self.base, self.token, self.sid, self.ids = http, base, token, None, 0

    def _headers(self) -> dict[str, str]:
        headers = dict(self.HEADERS)
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if self.sid:
            headers |= {"mcp-session-id": self.sid, "mcp-protocol-version": "2025-06-18"}
        return headers

    def rpc(self, method: str, params: dict | None = None) -> dict:
        self.ids += 1
        msg = {"jsonrpc": "2.0", "id": self.ids, "method": method, **({"params": params} if params else {})}
        answer = self.http.post(f"{self.base}/mcp", json=msg, headers=self._headers())
        self.sid = self.sid or answer.headers.get("mcp-session-id")
        if answer.headers.get("content-type", "").startswith("application/json"):
            return answer.json()
        for line in answer.text.splitlines():
            if line.startswith("data:") and f'"id":{self.ids}' in line.replace(" ", ""):
                return json.loads(line[5:])
        raise AssertionError(f"no answer to {method}: {answer.status_code} {answer.text[:300]}")

    def open(self) -> None:
        self.rpc("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                "clientInfo": {"name": "t", "version": "1"}})
        self.http.post(f"{self.base}/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"},
                       headers=self._headers())

    def tools(self) -> list[str]:
        return [t["name"] for t in self.rpc("tools/list")["result"]["tools"]]
