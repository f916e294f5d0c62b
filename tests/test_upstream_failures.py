"""A failing upstream's cause reaches whoever started it: its exit code and the end of its stderr in
our log under `run` (the client's error says only how it ended), `doctor`, `scan`, `bom generate` and
`bom check`; a missing
program is "command not found"; a config error under `run` reaches the client as a JSON-RPC error."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.clients import GUARD

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
BOOM = ('import sys\nprint("loading settings", file=sys.stderr)\n'
        'print("boom: missing API key", file=sys.stderr)\nsys.exit(3)\n')


@pytest.fixture
def project(tmp_path, home):
    (tmp_path / "boom.py").write_text(BOOM)
    (tmp_path / "mcp-guard.toml").write_text(
        f'[upstreams.boom]\ncommand = {json.dumps(sys.executable)}\nargs = ["boom.py"]\n'
        '[upstreams.gone]\ncommand = "no-such-mcp-server-binary"\n')
    return tmp_path


def guard(project, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([*GUARD, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=project)


def _answer(out: str) -> dict:
    return next(json.loads(line) for line in out.splitlines() if line.strip())


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text and "FileNotFoundError" not in text and "Errno" not in text, text


def test_run_tells_the_client_and_its_log_how_the_server_ended(project):
    done = guard(project, "--config", "mcp-guard.toml", "run", "--upstream", "boom", stdin=json.dumps(INIT) + "\n")
    message = _answer(done.stdout)["error"]["message"]
    # The client hears how it ended; what the server wrote (its words could address the model) stays
    # in the operator's log.
    assert "exited with code 3" in message and "mcp-guard's stderr" in message
    assert "boom: missing API key" not in message
    assert "exited with code 3" in done.stderr and "boom: missing API key" in done.stderr
    _no_traceback(done.stderr)


def test_run_names_a_missing_program(project):
    done = guard(project, "--config", "mcp-guard.toml", "run", "--upstream", "gone", stdin=json.dumps(INIT) + "\n")
    assert "command not found: no-such-mcp-server-binary" in _answer(done.stdout)["error"]["message"]
    _no_traceback(done.stderr)


def test_run_sends_a_config_error_to_the_client(project):
    (project / "mcp-guard.toml").write_text('[upstreams.x]\ncomand = "y"\n')
    done = guard(project, "--config", "mcp-guard.toml", "run", stdin=json.dumps(INIT) + "\n")
    error = _answer(done.stdout)["error"]
    assert error["message"].startswith("mcp-guard cannot start: ") and "upstreams.x.comand" in error["message"]
    assert done.returncode == 2
    assert "upstreams.x.comand" in done.stderr
    _no_traceback(done.stderr)


@pytest.mark.parametrize("command", [["doctor"], ["scan", "boom"], ["bom", "generate"], ["bom", "check"]])
def test_commands_that_start_a_server_show_how_it_ended(project, command):
    if command == ["bom", "check"]:
        (project / "bom").mkdir()
        guard(project, "bom", "generate")  # writes a BOM even though the servers fail
    done = guard(project, *command)
    shown = done.stdout + done.stderr
    assert "exited with code 3" in shown and "boom: missing API key" in shown, shown
    if command != ["scan", "boom"]:
        assert "command not found: no-such-mcp-server-binary" in shown, shown
    assert done.returncode != 0
    _no_traceback(shown)


def test_an_http_upstreams_failure_is_described_from_the_sdks_own_http_errors():
    """The SDK's HTTP client is httpx2: its errors name what went wrong (a status, a refused
    connection), and describing one needs no other HTTP library installed."""
    import httpx2

    from mcp_guard.proxy.upstream import _describe

    request = httpx2.Request("POST", "http://127.0.0.1:9/mcp")
    status = httpx2.HTTPStatusError("nope", request=request, response=httpx2.Response(401, request=request))
    assert _describe(status) == "answered HTTP 401"
    refused = httpx2.ConnectError("All connection attempts failed", request=request)
    assert _describe(refused) == "All connection attempts failed"
