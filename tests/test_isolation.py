"""Each stdio server in its own user and PID namespaces (proxy/channels.py): what it sees, and what
happens where the system cannot do it."""

from __future__ import annotations

import logging
import signal
import sys

import pytest

from mcp_guard import system
from mcp_guard.proxy import channels
from mcp_guard.proxy.channels import ChildProcess, isolation_prefix

LOOK = ("import os; print(os.getpid(), sorted(p for p in os.listdir('/proc') if p.isdigit()) == ['1'], "
        "os.environ.get('MARK'))")


def _run(isolate: bool) -> str:
    child = ChildProcess([sys.executable, "-c", LOOK], {"MARK": "kept"}, None, echo_stderr=False, isolate=isolate)
    try:
        out = child.stdout.read().decode()
        child.popen.wait(30)
    finally:
        child.stdin.close()
        child.stdout.close()
    return out.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux namespaces")
def test_an_isolated_server_sees_only_itself_with_its_environment():
    if not isolation_prefix():
        pytest.skip("unprivileged user namespaces are unavailable here")
    assert _run(True) == "1 True kept"
    pid, alone, mark = _run(False).split()
    assert pid != "1" and alone == "False" and mark == "kept"


def test_a_missing_command_is_reported_as_missing_when_isolated(tmp_path):
    with pytest.raises(FileNotFoundError):
        ChildProcess(["no-such-server-xyz"], {"PATH": str(tmp_path)}, None, isolate=True)
    with pytest.raises(FileNotFoundError):
        ChildProcess([str(tmp_path / "absent")], {}, None, isolate=True)


def test_without_unshare_servers_start_plainly_and_the_proxy_says_so(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(system, "SYSTEM_PATH", str(tmp_path))  # no unshare here
    monkeypatch.setattr(channels, "_isolation", None)
    with caplog.at_level(logging.WARNING, logger="mcp_guard"):
        assert isolation_prefix() == []
        assert isolation_prefix() == []
    warnings = [r.getMessage() for r in caplog.records if "NOT isolated" in r.getMessage()]
    assert len(warnings) == 1 and "isolate = false" in warnings[0]


def test_probe_refusal_is_reported(monkeypatch, tmp_path):
    fake = tmp_path / "unshare"
    fake.write_text("#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n")
    fake.chmod(0o755)
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    monkeypatch.setattr(system, "SYSTEM_PATH", str(tmp_path))
    prefix, why = channels._probe_isolation()
    assert prefix == [] and "Operation not permitted" in why


def test_unshare_comes_from_the_system_folders_whatever_the_path_says(monkeypatch, tmp_path):
    """Whoever starts mcp-guard sets its PATH (a project's client entry can): the program run with a
    server's whole environment, secrets included, must not be one that PATH chooses."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    fake = tmp_path / "unshare"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    prefix, why = channels._probe_isolation()
    assert str(fake) not in prefix
    assert not prefix or prefix[0] == system.system_program("unshare")
    writable = tmp_path / "sys"
    writable.mkdir()
    (writable / "unshare").write_text("#!/bin/sh\nexit 0\n")
    (writable / "unshare").chmod(0o777)  # anyone may change it: not the system's program
    monkeypatch.setattr(system, "SYSTEM_PATH", str(writable))
    assert system.system_program("unshare") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux namespaces")
def test_ending_an_isolated_server_knows_whether_it_handles_sigterm():
    """A namespace's init ignores a signal it has no handler for: such a server is killed at once
    (what SIGTERM would have done), one with a handler gets SIGTERM and its grace."""
    import time

    if not isolation_prefix():
        pytest.skip("unprivileged user namespaces are unavailable here")
    plain = "import sys; print('up', flush=True); sys.stdin.read()"
    handles = "import signal, sys; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); " + plain
    started = [ChildProcess([sys.executable, "-c", code], {}, None, echo_stderr=False) for code in (plain, handles)]
    try:
        for child in started:
            assert child.stdout.readline() == b"up\n"
        time.sleep(0.2)  # past the handler's installation (it precedes the line anyway)
        assert [channels._namespace_init_catches(c.pid, signal.SIGTERM) for c in started] == [False, True]
    finally:
        for child in started:
            child.discard()


@pytest.mark.parametrize(("evil", "crm", "refused"), [
    ("isolate = false", "", True),  # isolated crm, readable by the plain evil: refused
    ("isolate = false", "isolate = false", False),  # crm's exposure accepted by its own isolate = false
    ("", "", False),  # both isolated
], ids=["plain-beside-isolated-secrets", "both-plain", "both-isolated"])
def test_a_plain_server_beside_an_isolated_one_with_secrets_is_refused(tmp_path, evil, crm, refused):
    """The owner of a user namespace holds every capability in it: a same-user server outside the
    namespaces reads an isolated server's environment, so the config cannot promise otherwise."""
    from mcp_guard.config import load_config
    from mcp_guard.errors import ConfigError

    path = tmp_path / "mcp-guard.toml"
    path.write_text(f'[upstreams.evil]\ncommand = "srv"\n{evil}\n'
                    f'[upstreams.crm]\ncommand = "srv"\nsecrets = {{ T = "env:T_SOURCE" }}\n{crm}\n'
                    '[upstreams.web]\nurl = "http://127.0.0.1:9/mcp"\n')
    if refused:
        with pytest.raises(ConfigError, match="isolate = false on evil.*isolated crm"):
            load_config(path)
    else:
        assert set(load_config(path).upstreams) == {"evil", "crm", "web"}
