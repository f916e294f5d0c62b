"""Which config `run` and `wrap` use when none is named: a folder's ./mcp-guard.toml (a repository the
user opens) never chooses the command or policy of the user's own servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from mcp_guard.cli import main
from tests.support import FIXTURES, PYTHON

ECHO = str(FIXTURES / "echo_server.py")
GUARD = str(Path(sys.executable).parent / "mcp-guard")


@pytest.fixture
def project(home: Path, monkeypatch) -> Path:
    p = home / "work" / "repo"
    p.mkdir(parents=True)
    monkeypatch.chdir(p)  # where a client starts the servers of the project it has open
    return p


def user_config(home: Path) -> Path:
    return home / ".config" / "mcp-guard" / "mcp-guard.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_guard(args: list[str], cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([GUARD, *args], cwd=cwd, input=stdin, capture_output=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"})


def list_tools(args: list[str], cwd: Path) -> tuple[list[str], str]:
    """Start `mcp-guard ARGS` as a client does, list its tools; the names and mcp-guard's stderr."""
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    errfile = cwd.parent / "stderr.txt"
    params = StdioServerParameters(command=GUARD, args=args, cwd=cwd,
                                   env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"})

    async def session() -> list[str]:
        with anyio.fail_after(60), errfile.open("w") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as s:
                await s.initialize()
                return [t.name for t in (await s.list_tools()).tools]

    names = anyio.run(session)
    return names, errfile.read_text()


def test_run_does_not_read_the_folders_config(home, project):
    """A user-scope entry with no --config, started in a repository that brings its own config:
    the repository's file (here: its own database, where it could have approved anything) is not
    read; the user's config is, and stderr says which file was left out."""
    write(user_config(home), f'[upstreams.echo]\ncommand = "{PYTHON}"\nargs = ["{ECHO}"]\n')
    planted = write(project / "mcp-guard.toml", '[storage]\npath = "planted.db"\n[intent]\nmode = "off"\n')
    names, err = list_tools(["run", "--name", "echo", "--", PYTHON, ECHO], project)
    assert names == []  # held for review in the user's database: nothing was approved there
    assert not (project / "planted.db").exists()
    assert (home / ".local" / "state" / "mcp-guard" / "guard.db").exists()
    assert f"{planted} is not read" in err and f"using {user_config(home)}" in err


@pytest.mark.parametrize("user_has_it", [True, False])
def test_run_refuses_a_server_the_folders_config_defines_otherwise(home, project, user_has_it):
    """The folder's file names the very server this entry runs, with another policy: neither file
    is silently preferred; the run stops with one line naming the file and what to do."""
    if user_has_it:
        write(user_config(home), f'[upstreams.echo]\ncommand = "{PYTHON}"\nargs = ["{ECHO}"]\n')
    write(project / "mcp-guard.toml",
          f'[upstreams.echo]\ncommand = "{PYTHON}"\nargs = ["{ECHO}"]\ntrust = "tofu"\n')
    done = run_guard(["run", "--name", "echo", "--", PYTHON, ECHO], project)
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert "Traceback" not in done.stderr.decode()
    said = "otherwise than" if user_has_it else "which no config in use defines"  # (newcomer, session 10)
    assert lines[-1].startswith("mcp-guard: error: ") and f"defines upstream 'echo', {said}" in lines[-1]
    assert "add --config" in lines[-1]
    # --upstream NAME, which only a config can define, is refused the same way.
    done = run_guard(["run", "--upstream", "echo"], project)
    assert done.returncode == 2 and f"defines upstream 'echo', {said}".encode() in done.stderr


def test_run_with_config_named_reads_the_folders_file(home, project):
    """Naming the file (what `wrap` writes into a project entry) is the way to use it."""
    write(project / "mcp-guard.toml",
          f'[upstreams.echo]\ncommand = "{PYTHON}"\nargs = ["{ECHO}"]\ntrust = "tofu"\n')
    names, err = list_tools(["--config", "mcp-guard.toml", "run", "--upstream", "echo"], project)
    assert sorted(names) == ["blob", "echo"]  # trust on first use: the project's own policy applies
    assert "is not read" not in err


def test_the_same_definition_in_both_files_is_no_clash(home, project):
    same = f'[upstreams.echo]\ncommand = "{PYTHON}"\nargs = ["{ECHO}"]\n'
    write(user_config(home), same)
    write(project / "mcp-guard.toml", same)
    names, err = list_tools(["run", "--upstream", "echo"], project)
    assert names == [] and "is not read" in err


CLIENT_ENTRY = {"command": "uvx", "args": ["mcp-server-time"]}


def test_wrap_names_the_user_config_in_user_scope_entries_inside_a_project(home, project, capsys):
    """`wrap` run inside a repository that has a mcp-guard.toml: user-scope servers are registered
    in the user's config and their entries name it; the repository's file is left alone."""
    planted = write(project / "mcp-guard.toml", "[intent]\nmode = \"off\"\n")
    before = planted.read_bytes()
    write(home / ".claude.json", json.dumps({"mcpServers": {"time": CLIENT_ENTRY}}))
    assert main(["wrap", "--client", "claude-code", "--scope", "user", "--no-review"]) == 0
    entry = json.loads((home / ".claude.json").read_text())["mcpServers"]["time"]
    assert entry["args"][:3] == ["--config", str(user_config(home)), "run"]
    assert "time" in user_config(home).read_text()
    assert planted.read_bytes() == before
    out = capsys.readouterr().out
    assert f"review these servers with `mcp-guard --config {user_config(home)} review list`" in out


def test_wrap_project_scope_uses_and_names_the_project_file(home, project):
    """Project scope with a project config: servers go into that file, and the entry names it by the
    name it has in the project folder (where Claude Code starts project servers)."""
    cfg = write(project / "mcp-guard.toml", "[proxy]\ncall_timeout = 30.0\n")
    write(project / ".mcp.json", json.dumps({"mcpServers": {"time": CLIENT_ENTRY}}))
    assert main(["wrap", "--client", "claude-code", "--scope", "project", "--no-review"]) == 0
    entry = json.loads((project / ".mcp.json").read_text())["mcpServers"]["time"]
    assert entry["args"][:3] == ["--config", "mcp-guard.toml", "run"]
    assert "[upstreams.time]" in cfg.read_text()
    assert not user_config(home).exists()
