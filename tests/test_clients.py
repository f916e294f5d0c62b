"""`mcp-guard wrap` / `unwrap` / `doctor` on real-shaped client config files, in a temporary HOME."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from mcp_guard.cli import main
from mcp_guard.clients import jsonedit
from tests.support import FIXTURES, PYTHON

ECHO = str(FIXTURES / "echo_server.py")

# What each client writes, as it writes it (Claude Code: JSON.stringify with 2 spaces).
CLAUDE_PROJECT = """{
  "mcpServers": {
    "time": {
      "type": "stdio",
      "command": "uvx",
      "args": [
        "mcp-server-time",
        "--local-timezone=Europe/Paris"
      ],
      "env": {}
    },
    "docs": {
      "type": "http",
      "url": "https://docs.example.test/mcp",
      "headers": {
        "X-Team": "platform"
      }
    }
  }
}
"""

CLAUDE_USER = """{
  "numStartups": 12,
  "installMethod": "global",
  "autoUpdates": false,
  "tipsHistory": {
    "new-user-warmup": 1
  },
  "mcpServers": {
    "memory": {
      "type": "stdio",
      "command": "npx",
      "args": [
        "-y",
        "@modelcontextprotocol/server-memory"
      ],
      "env": {
        "MEMORY_FILE_PATH": "/home/me/.memory.json"
      }
    },
    "events": {
      "type": "sse",
      "url": "http://127.0.0.1:8931/sse"
    }
  },
  "projects": {
    "PROJECT": {
      "allowedTools": [],
      "mcpContextUris": [],
      "mcpServers": {
        "git": {
          "type": "stdio",
          "command": "uvx",
          "args": [
            "mcp-server-git",
            "--repository",
            "."
          ],
          "env": {}
        }
      },
      "enabledMcpjsonServers": [],
      "hasTrustDialogAccepted": true
    },
    "/home/me/other": {
      "allowedTools": [],
      "mcpServers": {
        "fs": {
          "type": "stdio",
          "command": "npx",
          "args": [
            "-y",
            "@modelcontextprotocol/server-filesystem",
            "/home/me/other"
          ],
          "env": {}
        }
      }
    }
  },
  "userID": "0000000000000000000000000000000000000000000000000000000000000000"
}
"""

CLAUDE_DESKTOP = """{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Desktop"]
    }
  },
  "globalShortcut": "Ctrl+Space"
}
"""

CURSOR = """{
    "mcpServers": {
        "github": {
            "command": "docker",
            "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
            "env": {
                "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_example"
            }
        },
        "linear": {
            "url": "https://mcp.linear.example.test/sse"
        }
    }
}
"""

VSCODE = """{
\t// Secrets asked for once, stored by VS Code.
\t"inputs": [
\t\t{
\t\t\t"type": "promptString",
\t\t\t"id": "perplexity-key",
\t\t\t"description": "Perplexity API Key",
\t\t\t"password": true
\t\t}
\t],
\t"servers": {
\t\t/* a local one */
\t\t"perplexity": {
\t\t\t"type": "stdio",
\t\t\t"command": "npx",
\t\t\t"args": ["-y", "server-perplexity-ask"],
\t\t\t"env": {
\t\t\t\t"PERPLEXITY_API_KEY": "${input:perplexity-key}"
\t\t\t},
\t\t},
\t\t"fetch": {"type": "http", "url": "http://localhost:3001/mcp"},
\t}
}
"""


def cases(home: Path, project: Path) -> dict[str, tuple[Path, str, list[str]]]:
    """client/scope -> (file, content, wrap arguments)."""
    cfg = home / ".config"
    files = {
        "claude-code/project": (project / ".mcp.json", CLAUDE_PROJECT),
        "claude-code/user": (home / ".claude.json", CLAUDE_USER),
        "claude-code/local": (home / ".claude.json", CLAUDE_USER),
        "claude-desktop/user": (cfg / "Claude" / "claude_desktop_config.json", CLAUDE_DESKTOP),
        "cursor/user": (home / ".cursor" / "mcp.json", CURSOR),
        "cursor/project": (project / ".cursor" / "mcp.json", CURSOR),
        "vscode/project": (project / ".vscode" / "mcp.json", VSCODE),
        "vscode/user": (cfg / "Code" / "User" / "mcp.json", VSCODE),
    }
    return {
        case: (path, text, ["--client", *case.split("/")[:1], "--scope", case.split("/")[1]])
        for case, (path, text) in files.items()
    }


@pytest.fixture
def project(home: Path) -> Path:
    p = home / "work" / "app"
    p.mkdir(parents=True)
    return p


def guard_cmd() -> str:
    """What `wrap` writes as the command, by its documented rule: `mcp-guard` by name when it is on
    PATH (but not only through an activated virtual environment), else its full path, so a client that
    starts without this environment's PATH still finds it. Whether a venv is active must not change a
    test's outcome."""
    found = shutil.which("mcp-guard")
    venv = os.environ.get("VIRTUAL_ENV")
    if found and venv and Path(found).resolve().is_relative_to(Path(venv).resolve()):
        return str(Path(found).absolute())
    return "mcp-guard" if found else str(Path(sys.executable).parent / "mcp-guard")


def venv_on_path(monkeypatch, tmp_path: Path) -> Path:
    """An activated virtual environment whose bin folder alone holds an `mcp-guard` on PATH."""
    venv = tmp_path / "venv"
    exe = venv / "bin" / "mcp-guard"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return exe


def test_wrap_names_mcp_guard_by_its_full_path_when_only_a_venv_puts_it_on_path(home, project, capsys, monkeypatch):
    exe = venv_on_path(monkeypatch, home)
    put(project / ".mcp.json", json.dumps({"mcpServers": {"echo": echo_entry()}}, indent=2))
    assert guard("wrap", "--client", "claude-code", "--no-review", project=project) == 0
    wrapped = json.loads((project / ".mcp.json").read_text())["mcpServers"]["echo"]
    assert wrapped["command"] == str(exe)
    err = capsys.readouterr().err
    assert "virtual environment" in err and str(exe) in err and "may not find it" in err
    # Without an activated venv, on PATH by name as before.
    monkeypatch.delenv("VIRTUAL_ENV")
    assert guard("unwrap", "--client", "claude-code", project=project) == 0
    assert guard("wrap", "--client", "claude-code", "--no-review", project=project) == 0
    assert json.loads((project / ".mcp.json").read_text())["mcpServers"]["echo"]["command"] == "mcp-guard"
    assert "virtual environment" not in capsys.readouterr().err


def test_doctor_warns_when_only_a_venv_puts_mcp_guard_on_path(home, project, capsys, monkeypatch):
    exe = venv_on_path(monkeypatch, home)
    assert guard("doctor", "--offline", project=project) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "mcp-guard on PATH" in x)
    assert line.startswith("warn") and str(exe) in line and "virtual environment" in line, line


def test_doctor_names_the_full_path_to_use_when_mcp_guard_is_not_on_path(home, project, capsys, monkeypatch):
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("PATH", f"/usr/bin{os.pathsep}/bin")
    assert guard("doctor", "--offline", project=project) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "mcp-guard on PATH" in x)
    assert line.startswith("warn") and str(Path(sys.executable).parent / "mcp-guard") in line, line


def test_doctor_warns_when_an_upstreams_command_is_found_only_through_a_venv(home, project, capsys, monkeypatch):
    exe = venv_on_path(monkeypatch, home)
    server = exe.parent / "venv-only-server"
    server.write_text("#!/bin/sh\n")
    server.chmod(0o755)
    cfg = home / ".config" / "mcp-guard" / "mcp-guard.toml"
    put(cfg, '[upstreams.local]\ncommand = "venv-only-server"\n[upstreams.system]\ncommand = "sh"\n')
    assert guard("doctor", "--offline", project=project) == 0
    lines = capsys.readouterr().out.splitlines()
    local = [x for x in lines if x.startswith("warn") and "upstream local" in x]
    assert len(local) == 1 and str(server) in local[0] and "virtual environment" in local[0], lines
    assert not any("upstream system" in x and "virtual environment" in x for x in lines), lines


def test_wrap_warns_when_a_servers_command_is_found_only_through_a_venv(home, project, capsys, monkeypatch):
    """The client starts the wrapped server outside this shell: a command found by name only through the
    activated venv would not start there (newcomer, session 8)."""
    exe = venv_on_path(monkeypatch, home)
    server = exe.parent / "venv-only-server"
    server.write_text("#!/bin/sh\n")
    server.chmod(0o755)
    put(project / ".mcp.json", json.dumps({"mcpServers": {"local": {"command": "venv-only-server"},
                                                          "system": {"command": "sh"},
                                                          "pathed": {"command": str(server)}}}, indent=2))
    assert guard("wrap", "--client", "claude-code", "--no-review", project=project) == 0
    warned = [x for x in capsys.readouterr().err.splitlines() if "found only through" in x]
    # A command given by its full path is found without any PATH (newcomer, session 9): no warning.
    assert len(warned) == 1 and "'local'" in warned[0] and str(server) in warned[0], warned


def put(path: Path, text: str, project: Path | None = None) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.replace("PROJECT", str(project)).encode() if project else text.encode()
    path.write_bytes(data)
    return data


def guard(*argv: str, project: Path | None = None) -> int:
    extra = ["--project", str(project)] if project else []
    return main([*argv, *extra])


def servers(path: Path, *container: str) -> dict:
    return jsonedit.parse(path.read_text(), comments=True).get(*container).value


def user_cfg(home: Path) -> list[str]:
    """What `wrap` puts before `run` in every entry it writes with the user's config: its name."""
    return ["--config", str(home / ".config" / "mcp-guard" / "mcp-guard.toml")]


def toml(home: Path) -> dict:
    return tomllib.loads((home / ".config" / "mcp-guard" / "mcp-guard.toml").read_text())


CONTAINERS = {"vscode": ("servers",), "default": ("mcpServers",)}


def container_of(case: str, project: Path) -> tuple[str, ...]:
    if case == "claude-code/local":
        return ("projects", str(project), "mcpServers")
    return CONTAINERS["vscode"] if case.startswith("vscode") else CONTAINERS["default"]


@pytest.mark.parametrize(
    "case",
    [
        "claude-code/project",
        "claude-code/user",
        "claude-code/local",
        "claude-desktop/user",
        "cursor/user",
        "cursor/project",
        "vscode/project",
        "vscode/user",
    ],
)
def test_wrap_idempotent_then_unwrap_byte_identical(case, home, project, capsys):
    path, text, argv = cases(home, project)[case]
    original = put(path, text, project)
    before = servers(path, *container_of(case, project))

    assert guard("wrap", *argv, "--no-review", project=project) == 0
    wrapped = path.read_bytes()
    after = servers(path, *container_of(case, project))
    assert list(after) == list(before)  # same servers, same order
    registered = toml(home)["upstreams"]
    for name, entry in before.items():
        new = after[name]
        assert new["command"] == guard_cmd()
        if "command" in entry:  # stdio: the original command line stays in view, env kept
            command_line = [entry["command"], *entry.get("args", [])]
            assert new["args"] == [*user_cfg(home), "run", "--name", name, "--", *command_line]
            assert new.get("env") == entry.get("env")
            assert registered[name]["command"] == entry["command"]
            assert registered[name]["args"] == entry.get("args", [])
            # The client starts a project's server in the project; mcp-guard, where the config says
            # (else the config's folder, here the user's): a project entry registered there says so.
            user_scope = case.endswith("/user")
            assert registered[name].get("cwd") == (entry.get("cwd") if user_scope else entry.get("cwd", str(project)))
        else:  # remote: mcp-guard's config holds the URL
            assert new["args"] == [*user_cfg(home), "run", "--upstream", name]
            assert "url" not in new and "headers" not in new
            assert registered[name]["url"] == entry["url"]
        for key in entry.keys() - {"command", "args", "url", "headers", "type"}:
            assert new[key] == entry[key]
    # Every key outside the servers object is untouched.
    whole_before = jsonedit.parse(original.decode(), comments=True).value
    whole_after = jsonedit.parse(wrapped.decode(), comments=True).value
    strip = container_of(case, project)
    for d in (whole_before, whole_after):
        target = d
        for key in strip[:-1]:
            target = target[key]
        target.pop(strip[-1])
    assert whole_after == whole_before
    config_text = (home / ".config" / "mcp-guard" / "mcp-guard.toml").read_bytes()

    capsys.readouterr()
    assert guard("wrap", *argv, "--no-review", project=project) == 0  # idempotent
    assert path.read_bytes() == wrapped
    assert (home / ".config" / "mcp-guard" / "mcp-guard.toml").read_bytes() == config_text
    assert "already runs through mcp-guard" in capsys.readouterr().out

    assert guard("unwrap", *argv, project=project) == 0
    assert path.read_bytes() == original


def test_all_clients_and_scopes_in_one_run(home, project, capsys):
    files = {}
    for case, (path, text, _) in cases(home, project).items():
        if case not in ("vscode/user", "cursor/user", "claude-code/local"):  # files shared between cases
            files[path] = put(path, text, project)
    assert guard("wrap", "--no-review", project=project) == 0
    out = capsys.readouterr().out
    assert all(path.read_bytes() != data for path, data in files.items())
    # One .claude.json holds user and local scopes: both wrapped, one backup of it.
    assert "claude-code local scope" in out and "claude-code user scope" in out
    backups = list((home / ".local" / "state" / "mcp-guard" / "backups").iterdir())
    assert len(backups) == len(files)
    assert guard("unwrap", project=project) == 0
    assert all(path.read_bytes() == data for path, data in files.items())


def test_dry_run_writes_nothing_and_shows_the_diff(home, project, capsys):
    path = project / ".mcp.json"
    original = put(path, CLAUDE_PROJECT)
    assert guard("wrap", "--dry-run", project=project) == 0
    out = capsys.readouterr().out
    assert f"--- {path}" in out and f'+      "command": {json.dumps(guard_cmd())},' in out
    assert "+[upstreams.time]" in out
    assert "dry run: nothing written" in out
    assert path.read_bytes() == original
    assert not (home / ".config" / "mcp-guard").exists()
    assert not (home / ".local" / "state" / "mcp-guard").exists()


def test_backup_holds_the_original_and_is_private(home, project):
    path = home / ".claude.json"
    original = put(path, CLAUDE_USER, project)
    path.chmod(0o644)
    assert guard("wrap", "--no-review", project=project) == 0
    (backup,) = (home / ".local" / "state" / "mcp-guard" / "backups").iterdir()
    assert backup.read_bytes() == original
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # the file keeps its own permissions
    assert stat.S_IMODE((home / ".config" / "mcp-guard" / "mcp-guard.toml").stat().st_mode) == 0o600


def test_indent_style_is_kept(home, project):
    # Four spaces (Cursor's file) and a one-line entry (hand-written) keep their style.
    path = project / ".mcp.json"
    put(
        path,
        '{\n    "mcpServers": {\n        "a": {"command": "x", "args": ["1"]},\n        "b": {\n'
        '            "command": "y"\n        }\n    }\n}\n',
    )
    assert guard("wrap", "--no-review", project=project) == 0
    lines = path.read_text().splitlines()
    cfg = json.dumps(user_cfg(home)[1])
    assert lines[2] == (
        f'        "a": {{"command": {json.dumps(guard_cmd())}, "args": ["--config", {cfg}, "run", "--name", "a", '
        '"--", "x", "1"]},'
    )
    assert lines[3:8] == [
        '        "b": {',
        f'            "command": {json.dumps(guard_cmd())},',
        '            "args": [',
        '                "--config",',
        f'                {cfg},',
    ]


def test_crlf_and_minified_files_round_trip(home, project):
    crlf = project / ".mcp.json"
    data = put(crlf, CLAUDE_PROJECT.replace("\n", "\r\n"))
    desktop = home / ".config" / "Claude" / "claude_desktop_config.json"
    mini = put(desktop, json.dumps(json.loads(CLAUDE_DESKTOP), separators=(",", ":")))
    assert guard("wrap", "--no-review", project=project) == 0
    assert "\n" not in desktop.read_text() and f'"command":{json.dumps(guard_cmd())}' in desktop.read_text()
    wrapped = crlf.read_bytes()
    assert f'"command": {json.dumps(guard_cmd())}'.encode() in wrapped and b"\n" not in wrapped.replace(b"\r\n", b"")
    assert guard("unwrap", project=project) == 0
    assert crlf.read_bytes() == data and desktop.read_bytes() == mini


def test_bad_json_names_file_and_position_and_touches_nothing(home, project, capsys):
    good = put(home / ".claude.json", CLAUDE_USER, project)
    bad_path = project / ".mcp.json"
    bad = put(bad_path, '{\n  "mcpServers": {\n    "x": {"command": "a",}\n  }\n}\n')
    assert guard("wrap", "--no-review", project=project) == 2
    err = capsys.readouterr().err
    assert f"{bad_path}: not valid JSON" in err and "line 3 column" in err and "left untouched" in err
    assert "Traceback" not in err
    assert bad_path.read_bytes() == bad
    assert (home / ".claude.json").read_bytes() == good  # nothing is written when any file is bad
    assert not (home / ".config" / "mcp-guard").exists()


def test_unknown_entry_shape_names_the_entry(home, project, capsys):
    path = project / ".cursor" / "mcp.json"
    data = put(
        path,
        '{"mcpServers": {"ok": {"command": "a"}, "ws": {"type": "ws", "url": "ws://x"}, '
        '"num": {"command": 5}, "list": [1]}}',
    )
    assert guard("wrap", "--client", "cursor", "--no-review", project=project) == 2
    err = capsys.readouterr().err
    assert f"{path}: /mcpServers/ws: unknown server entry shape: type 'ws' is not one" in err
    assert f"{path}: /mcpServers/num: unknown server entry shape: 'command' must be a non-empty string" in err
    assert f"{path}: /mcpServers/list: unknown server entry shape: is a list, not an object" in err
    assert path.read_bytes() == data


def test_servers_object_of_the_wrong_type(home, project, capsys):
    path = project / ".mcp.json"
    data = put(path, '{"mcpServers": ["a"]}')
    assert guard("wrap", project=project) == 2
    assert f"{path}: /mcpServers is not an object of servers" in capsys.readouterr().err
    assert path.read_bytes() == data


def test_read_only_file_is_left_alone(home, project, capsys):
    path = project / ".mcp.json"
    data = put(path, CLAUDE_PROJECT)
    path.chmod(0o444)
    assert guard("wrap", "--no-review", project=project) == 2
    assert f"{path}: file is read-only" in capsys.readouterr().err
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any folder")
def test_unwritable_folder_is_left_alone(home, project, capsys):
    path = project / ".mcp.json"
    data = put(path, CLAUDE_PROJECT)
    project.chmod(0o555)
    try:
        assert guard("wrap", "--no-review", project=project) == 2
        assert f"{path}: its folder is not writable" in capsys.readouterr().err
        assert path.read_bytes() == data
    finally:
        project.chmod(0o755)


def test_symlinked_config_is_written_through_the_link(home, project):
    real = home / "dotfiles" / "claude.json"
    put(real, CLAUDE_USER, project)
    (home / ".claude.json").symlink_to(real)
    assert guard("wrap", "--scope", "user", "--no-review", project=project) == 0
    assert (home / ".claude.json").is_symlink()
    assert json.loads(real.read_text())["mcpServers"]["memory"]["command"] == guard_cmd()


def test_unwrap_without_record_rebuilds_from_the_command_line(home, project, capsys):
    path = project / ".mcp.json"
    put(path, CLAUDE_PROJECT)
    assert guard("wrap", "--no-review", project=project) == 0
    (home / ".local" / "state" / "mcp-guard" / "guard.db").unlink()
    assert guard("unwrap", project=project) == 0
    assert "rebuilt from its wrapped command line" in capsys.readouterr().out
    assert json.loads(path.read_text()) == json.loads(CLAUDE_PROJECT)


def test_same_name_different_server_gets_its_own_upstream(home, project):
    put(home / ".claude.json", CLAUDE_USER, project)
    put(
        project / ".mcp.json",
        '{\n  "mcpServers": {\n    "git": {"command": "git-mcp"},\n    "my server__x": {"command": "x"}\n  }\n}\n',
    )
    assert guard("wrap", "--client", "claude-code", "--no-review", project=project) == 0
    ups = toml(home)["upstreams"]
    # Project scope comes first and keeps the name; the local-scope server of the same name is renamed.
    assert ups["git"]["command"] == "git-mcp" and ups["git-2"]["args"] == ["mcp-server-git", "--repository", "."]
    assert ups["my-server-x"]["command"] == "x"  # a name the proxy accepts
    local = json.loads((home / ".claude.json").read_text())["projects"][str(project)]["mcpServers"]
    assert local["git"]["args"][:5] == [*user_cfg(home), "run", "--name", "git-2"]


def test_wrapping_anew_after_a_typo_says_why_the_server_gets_a_new_name(home, project, capsys):
    path = project / ".mcp.json"
    put(path, '{"mcpServers": {"fs": {"command": "mcp-server-filesytem"}}}')
    assert guard("wrap", "--no-review", project=project) == 0
    assert guard("unwrap", project=project) == 0
    put(path, '{"mcpServers": {"fs": {"command": "mcp-server-filesystem"}}}')
    capsys.readouterr()
    assert guard("wrap", "--no-review", project=project) == 0
    out = capsys.readouterr().out
    ups = toml(home)["upstreams"]
    assert ups["fs"]["command"] == "mcp-server-filesytem" and ups["fs-2"]["command"] == "mcp-server-filesystem"
    assert "note: fs: upstream 'fs' is already registered" in out and "becomes 'fs-2'" in out
    assert "[upstreams.fs]" in out


def test_existing_config_keeps_its_comments(home, project):
    cfg = home / ".config" / "mcp-guard" / "mcp-guard.toml"
    put(cfg, "# team policy\n[proxy]\ncall_timeout = 30.0  # seconds\n")
    put(project / ".mcp.json", CLAUDE_PROJECT)
    assert guard("wrap", "--no-review", project=project) == 0
    text = cfg.read_text()
    assert text.startswith("# team policy\n[proxy]\ncall_timeout = 30.0  # seconds\n")
    assert "[upstreams.time]" in text


def test_other_config_file_is_named_in_the_entry(home, project):
    cfg = home / "elsewhere" / "guard.toml"
    put(project / ".mcp.json", CLAUDE_PROJECT)
    assert main(["--config", str(cfg), "wrap", "--no-review", "--project", str(project)]) == 0
    entry = json.loads((project / ".mcp.json").read_text())["mcpServers"]["time"]
    assert entry["args"][:3] == ["--config", str(cfg), "run"]
    assert "time" in tomllib.loads(cfg.read_text())["upstreams"]


def echo_entry() -> dict:
    return {"type": "stdio", "command": PYTHON, "args": [ECHO], "env": {"ECHO_MODE": "test"}}


def test_wrap_records_first_tool_list_as_pending(home, project, capsys):
    from mcp_guard import review
    put(project / ".mcp.json", json.dumps({"mcpServers": {"echo": echo_entry()}}, indent=2))
    assert guard("wrap", project=project) == 0
    out = capsys.readouterr().out
    assert "echo: 2 tools recorded, 2 pending review" in out
    from mcp_guard.store import open_store

    store = open_store(home / ".local" / "state" / "mcp-guard" / "guard.db")
    states = {i.name: i.state for i in review.ReviewQueue(store).items(upstream="echo")}
    assert states == {"echo": "pending", "blob": "pending"}
    store.close()
    assert guard("doctor", "--offline", project=project) == 0
    assert "warn  review echo: 2 definition(s) held until reviewed" in capsys.readouterr().out


def test_doctor_reports_each_part(home, project, capsys):
    put(project / ".mcp.json", json.dumps({"mcpServers": {"echo": echo_entry()}}, indent=2))
    put(home / ".cursor" / "mcp.json", '{"mcpServers": {"plain": {"command": "some-server"}}}')
    assert guard("wrap", "--client", "claude-code", "--no-review", project=project) == 0
    capsys.readouterr()
    assert guard("doctor", project=project) == 0
    out = capsys.readouterr().out
    assert "ok    config: " in out and "1 upstream(s)" in out
    assert "ok    database: " in out
    assert "ok    upstream echo: reachable: echo" in out and "2 tools" in out
    assert "warn  provenance echo: no [upstreams.echo.provenance] policy" in out
    assert "ok    claude-code project: echo" in out
    assert "warn  cursor user: plain" in out and "mcp-guard wrap --client cursor --scope user --server plain" in out


def test_doctor_fails_on_a_wrapped_entry_whose_command_its_table_no_longer_has(home, project, capsys):
    """The newcomer's typo fixed in mcp-guard's config only: the entry still runs the old command, which
    `run` refuses; doctor says so and names both."""
    put(project / ".mcp.json", json.dumps({"mcpServers": {"echo": echo_entry()}}, indent=2))
    assert guard("wrap", "--client", "claude-code", "--no-review", project=project) == 0
    cfg = home / ".config" / "mcp-guard" / "mcp-guard.toml"
    cfg.write_text(cfg.read_text().replace("echo_server.py", "echo_server_v2.py"))
    capsys.readouterr()
    assert guard("doctor", "--offline", project=project) == 1
    out = capsys.readouterr().out
    assert "fail  claude-code project: echo" in out and "is configured with" in out and "echo_server_v2.py" in out


def test_doctor_fails_on_unreachable_upstream_and_bad_config(home, project, capsys):
    cfg = home / ".config" / "mcp-guard" / "mcp-guard.toml"
    put(cfg, f'[upstreams.broken]\ncommand = "{sys.executable}"\nargs = ["-c", "raise SystemExit(3)"]\n')
    assert guard("doctor", "--timeout", "10", project=project) == 1
    out = capsys.readouterr().out
    assert "fail  upstream broken: unreachable: " in out and "check its command runs on its own" in out
    put(cfg, "[upstreams.x]\ncomand = 'typo'\n")
    assert guard("doctor", project=project) == 1
    assert "fail  config: " in capsys.readouterr().out


@pytest.mark.parametrize(
    "text, where",
    [
        ('{"a": 1,}', "line 1 column 9"),
        ('{\n  "a": tru\n}', "line 2 column 8"),
        ("{} x", "line 1 column 4"),
        ('{"a": "b', "line 1 column 7"),
    ],
)
def test_json_errors_say_where(text, where):
    with pytest.raises(jsonedit.JsonSyntaxError, match=where):
        jsonedit.parse(text)


def test_jsonc_comments_and_trailing_commas():
    node = jsonedit.parse('// c\n{"a": [1, 2,], /* x */ "b": {"c": null,},}', comments=True)
    assert node.value == {"a": [1, 2], "b": {"c": None}}
    assert node.get("b", "c").value is None
    with pytest.raises(jsonedit.JsonSyntaxError):
        jsonedit.parse('{"a": 1} // c')


ENV_SERVER = '''
import os
from mcp.server import MCPServer

server = MCPServer("envy")


@server.tool(structured_output=False)
def getenv(name: str) -> str:
    """The value of one environment variable."""
    return os.environ.get(name, "<unset>")


server.run()
'''


def test_wrapped_entry_runs_through_mcp_guard_with_its_env(home, project):
    """Start the wrapped entry the way a client does: its command, args and env, over stdio."""
    import anyio
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, get_default_environment, stdio_client

    script = project / "envy.py"
    script.write_text(ENV_SERVER)
    entry = {"command": PYTHON, "args": [str(script)], "env": {"GREETING": "hello"}}
    put(project / ".mcp.json", json.dumps({"mcpServers": {"envy": entry}}, indent=2))
    assert guard("wrap", project=project) == 0
    wrapped = json.loads((project / ".mcp.json").read_text())["mcpServers"]["envy"]
    assert wrapped["command"] == guard_cmd() and wrapped["env"] == {"GREETING": "hello"}
    from mcp_guard import review
    from mcp_guard.store import open_store

    queue = review.ReviewQueue(open_store(home / ".local" / "state" / "mcp-guard" / "guard.db"))
    for item in queue.items(upstream="envy"):
        assert item.state == "pending"  # recorded on wrap, approved by nobody
        queue.decide(item.id, "approve", "test fixture", reviewer="test")

    command = wrapped["command"]
    if command == "mcp-guard":  # on PATH in a client's environment; here, beside this Python
        command = str(Path(sys.executable).parent / "mcp-guard")
    params = StdioServerParameters(
        command=command, args=wrapped["args"], env={**get_default_environment(), **wrapped["env"]}, cwd=project
    )

    async def session() -> tuple[list[str], str]:
        with anyio.fail_after(60):
            errlog = open(os.devnull, "w")  # noqa: SIM115 - closed with the process below
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as s:
                await s.initialize()
                tools = [t.name for t in (await s.list_tools()).tools]
                result = await s.call_tool(tools[0], {"name": "GREETING"})
            errlog.close()
            return tools, result.content[0].text

    tools, value = anyio.run(session)
    assert len(tools) == 1 and tools[0].endswith("getenv")
    assert value == "hello"  # the client's env reached the server through mcp-guard


def test_remote_header_with_variable_is_not_wrapped_until_configured(home, project, capsys):
    path = project / ".mcp.json"
    text = '{"mcpServers": {"d": {"type": "http", "url": "http://x.test/mcp", "headers": {"A": "Bearer ${TOK}"}}}}'
    data = put(path, text)
    assert guard("wrap", "--no-review", project=project) == 0
    assert "d: not wrapped: header 'A' uses a ${VAR} reference" in capsys.readouterr().out
    assert path.read_bytes() == data
    cfg = home / ".config" / "mcp-guard" / "mcp-guard.toml"
    put(cfg, '[upstreams.d]\nurl = "http://x.test/mcp"\nheaders = {A = "Bearer secret"}\n')
    assert guard("wrap", "--no-review", project=project) == 0
    assert json.loads(path.read_text())["mcpServers"]["d"]["args"] == [*user_cfg(home), "run", "--upstream", "d"]
    assert "secret" in cfg.read_text()


@pytest.mark.parametrize("outcome, status", [("verified", "ok"), ("invalid", "fail")])
def test_doctor_shows_the_last_provenance_outcome(home, project, capsys, outcome, status):
    cfg = home / ".config" / "mcp-guard" / "mcp-guard.toml"
    put(cfg, '[upstreams.t]\ncommand = "some-server"\n[upstreams.t.provenance]\npackage = "pkg:pypi/x@1"\n')
    from mcp_guard.store import open_store

    store = open_store(home / ".local" / "state" / "mcp-guard" / "guard.db")
    row = {"upstream": "t", "artifact_digest": "ab", "outcome": outcome, "detail": "{}", "at": "2026-11-26T00:00:00"}
    store.db["verifications"].insert(row)
    store.close()
    assert guard("doctor", "--offline", project=project) == (0 if status == "ok" else 1)
    out = capsys.readouterr().out
    assert f"{status:<4}  provenance t: {outcome} at 2026-11-26T00:00:00" in out
    assert "ok    upstream t: stdio: not probed (--offline)" in out


def test_server_filter_wraps_and_unwraps_only_the_named_server(home, project):
    path = home / ".claude.json"
    original = put(path, CLAUDE_USER, project)
    assert guard("wrap", "--scope", "user", "--server", "events", "--no-review", project=project) == 0
    user = json.loads(path.read_text())["mcpServers"]
    assert user["events"]["command"] == guard_cmd() and user["memory"]["command"] == "npx"
    assert list(toml(home)["upstreams"]) == ["events"]
    assert toml(home)["upstreams"]["events"] == {"url": "http://127.0.0.1:8931/sse", "transport": "sse"}
    assert guard("wrap", "--no-review", project=project) == 0  # the rest, later
    assert guard("unwrap", "--server", "memory", project=project) == 0
    assert json.loads(path.read_text())["mcpServers"]["memory"]["command"] == "npx"
    assert json.loads(path.read_text())["mcpServers"]["events"]["command"] == guard_cmd()
    assert guard("unwrap", project=project) == 0
    assert path.read_bytes() == original


@pytest.mark.parametrize("on_path", [True, False])
def test_wrapped_command_is_found_with_or_without_mcp_guard_on_path(home, project, monkeypatch, on_path):
    """On PATH: the bare name (the entry survives a reinstall elsewhere). Not on PATH (no venv
    activated): the full path of the installed mcp-guard, which a client can start as it is."""
    beside = Path(sys.executable).parent / "mcp-guard"
    if not beside.exists():
        pytest.skip("mcp-guard is not installed beside this Python: run scripts/install-test-deps")
    empty = home / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", os.pathsep.join([str(beside.parent)] if on_path else [str(empty)]))
    put(project / ".mcp.json", CLAUDE_PROJECT)
    assert guard("wrap", "--no-review", project=project) == 0
    command = json.loads((project / ".mcp.json").read_text())["mcpServers"]["time"]["command"]
    if on_path:
        assert command == "mcp-guard"
    else:
        assert Path(command).is_absolute() and Path(command) == beside
        assert os.access(command, os.X_OK)


def test_wrapped_entries_secrets_stay_out_of_the_database(home, project):
    """The original entries (env keys, headers) are kept beside the backups, private, not in the
    database (which a team may share); unwrap restores them byte for byte, and rebuilds an entry
    whose kept text is gone rather than failing."""
    path = project / ".mcp.json"
    original = put(path, CLAUDE_PROJECT.replace('"X-Team": "platform"', '"Authorization": "Bearer sk-HEADER-123"')
                   .replace('"env": {}', '"env": {"API_KEY": "sk-ENV-456"}'))
    assert guard("wrap", "--no-review", project=project) == 0
    state = home / ".local" / "state" / "mcp-guard"
    for db in state.glob("guard.db*"):
        assert b"sk-HEADER-123" not in db.read_bytes() and b"sk-ENV-456" not in db.read_bytes()
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
    kept = list((state / "wrapped-entries").iterdir())
    assert len(kept) == 2 and all(stat.S_IMODE(k.stat().st_mode) == 0o600 for k in kept)
    assert stat.S_IMODE((state / "wrapped-entries").stat().st_mode) == 0o700
    assert guard("unwrap", project=project) == 0
    assert path.read_bytes() == original
    assert not list((state / "wrapped-entries").iterdir())

    assert guard("wrap", "--no-review", project=project) == 0
    for k in (state / "wrapped-entries").iterdir():
        k.unlink()
    assert guard("unwrap", project=project) == 0
    assert b"uvx" in path.read_bytes() and b"mcp-guard" not in path.read_bytes()


def test_doctor_warns_of_a_wrapped_entry_that_names_no_config(home, project, capsys):
    """An entry wrapped before `wrap` named its config runs with the user's config only: doctor says
    so and how to rewrite it."""
    entry = {"command": "mcp-guard", "args": ["run", "--name", "time", "--", "uvx", "mcp-server-time"]}
    put(project / ".mcp.json", json.dumps({"mcpServers": {"time": entry}}))
    assert guard("doctor", "--offline", project=project) == 0
    out = capsys.readouterr().out
    assert "warn  claude-code project: time (" in out and "names no config" in out
    assert "mcp-guard unwrap --client claude-code --scope project --server time, then wrap again" in out


def test_doctor_says_whether_servers_run_isolated(home, project, capsys, monkeypatch):
    from mcp_guard import system
    from mcp_guard.proxy import channels

    assert guard("doctor", "--offline", project=project) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "server isolation" in x)
    assert line.startswith("ok" if not channels.isolation_unavailable() else "warn"), line
    monkeypatch.setattr(system, "SYSTEM_PATH", str(home))  # no `unshare` in the system folders
    assert guard("doctor", "--offline", project=project) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "server isolation" in x)
    assert line.startswith("warn") and "isolate" in line, line


def test_a_config_wrap_creates_takes_the_ai_bom_runs_without_a_config_kept(home, project, capsys):
    """Runs without a config keep the AI-BOM in the state folder; once `wrap` creates the user's config,
    the BOM's home is beside it. The approved BOM comes along, so `bom check` reads the same approvals."""
    state_bom = home / ".local" / "state" / "mcp-guard" / "bom" / "aibom.cdx.json"
    approved = put(state_bom, '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}\n')
    put(project / ".mcp.json", json.dumps({"mcpServers": {"echo": echo_entry()}}, indent=2))
    assert guard("wrap", "--no-review", project=project) == 0
    config_bom = home / ".config" / "mcp-guard" / "bom" / "aibom.cdx.json"
    assert config_bom.read_bytes() == approved
    assert f"copied {state_bom} to {config_bom}" in capsys.readouterr().out
    # A config that existed already keeps its own BOM: nothing is copied over it.
    put(state_bom, '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [], "other": 1}\n')
    put(project / ".mcp.json", json.dumps({"mcpServers": {"echo2": echo_entry()}}, indent=2))
    assert guard("wrap", "--no-review", project=project) == 0
    assert config_bom.read_bytes() == approved and "copied" not in capsys.readouterr().out
