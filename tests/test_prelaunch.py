"""`run` starts a plain configured server before it validates its config, and keeps it only if the
validated config launches it the same way (proxy/prelaunch.py, issue #11's cold start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mcp_guard.config import load_config
from mcp_guard.proxy import prelaunch
from mcp_guard.store import open_store
from tests.support import PYTHON

GUARD = str(Path(sys.executable).parent / "mcp-guard")
# A server that says it started (its pid, in a file) and then waits for its input to end.
STARTS = "import os, sys; open(sys.argv[1], 'w').write(str(os.getpid())); sys.stdin.read()"


def _entry(marker: Path, **extra: str) -> str:
    lines = [f"command = {json.dumps(PYTHON)}", f"args = {json.dumps(['-c', STARTS, str(marker)])}"]
    return "\n".join([*lines, *(f"{k} = {v}" for k, v in extra.items())]) + "\n"


def _running(marker: Path) -> bool:
    """Whether a process with `marker` on its command line runs (its pid inside a namespace is not ours)."""
    for proc in Path("/proc").iterdir():
        try:
            if str(marker).encode() in (proc / "cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def test_what_runs_before_the_early_launch_leaves_pydantic_unloaded():
    code = textwrap.dedent("""
        import sys
        import mcp_guard.cli, mcp_guard.proxy.own_process, mcp_guard.proxy.prelaunch
        print("pydantic" in sys.modules, "mcp_guard.config" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def _accepted(config: Path) -> None:
    """As `run` does once the config passed its checks."""
    validated = load_config(config)
    store = open_store(validated.db_path)
    try:
        prelaunch.accepted(store, validated)
    finally:
        store.close()


def test_a_plain_entry_is_kept_when_the_validated_config_launches_it_the_same(home, tmp_path):
    config = tmp_path / "guard.toml"
    config.write_text("[upstreams.s]\n" + _entry(tmp_path / "pid", env='{ GREETING = "hi" }'))
    _accepted(config)
    early = prelaunch.start_written(str(config), ["s"])
    try:
        assert list(early) == ["s"]
        spec, process = early["s"]
        assert spec.env["GREETING"] == "hi" and spec.cwd == str(tmp_path.resolve())
        kept = prelaunch.keep(early, load_config(config), ["s"], {"s": {}})
        assert kept == {"s": process} and process.returncode is None
    finally:
        for _, process in early.values():
            process.discard()


def test_an_early_server_launched_otherwise_by_the_validated_config_is_ended(home, tmp_path):
    config = tmp_path / "guard.toml"
    config.write_text("[upstreams.s]\n" + _entry(tmp_path / "pid"))
    _accepted(config)
    early = prelaunch.start_written(str(config), None)
    _, process = early["s"]
    # The session's environment differs from the one it was started with (e.g. a granted secret).
    assert prelaunch.keep(early, load_config(config), ["s"], {"s": {"TOKEN": "x"}}) == {}
    assert process.returncode is not None


@pytest.mark.parametrize("extra", [
    {"secrets": '{ TOKEN = "env:SOME_TOKEN" }'},
    {"pass_env": '["SOME_VAR"]'},
    {"provenance": '{ mode = "enforce", sha256 = "' + "0" * 64 + '" }'},
    {"isolate": "false"},
    {"cwd": '"relative/folder"'},
    {"env": '{ N = 1 }'},
])
def test_an_entry_with_something_to_check_first_is_not_started_early(home, tmp_path, extra):
    config = tmp_path / "guard.toml"
    config.write_text("[upstreams.s]\n" + _entry(tmp_path / "pid", **extra))
    assert prelaunch.start_written(str(config), ["s"]) == {}


def test_a_command_given_as_a_relative_path_is_not_started_early(home, tmp_path):
    config = tmp_path / "guard.toml"
    config.write_text('[upstreams.s]\ncommand = "./server.py"\n')
    assert prelaunch.start_written(str(config), ["s"]) == {}
    config.write_text("[upstreams.s\n")  # not TOML: the regular load says so
    assert prelaunch.start_written(str(config), ["s"]) == {}


def test_only_a_config_text_run_accepted_before_starts_early(home, tmp_path):
    config = tmp_path / "guard.toml"
    config.write_text("[upstreams.s]\n" + _entry(tmp_path / "pid"))
    assert prelaunch.start_written(str(config), ["s"]) == {}  # never validated: the regular launch starts it
    _accepted(config)
    config.write_text("[upstreams.s]\n" + _entry(tmp_path / "pid") + "# edited\n")
    assert prelaunch.start_written(str(config), ["s"]) == {}  # another text: validated again first
    _accepted(config)
    early = prelaunch.start_written(str(config), ["s"])
    try:
        assert list(early) == ["s"]
    finally:
        for _, process in early.values():
            process.discard()


def test_a_refused_config_starts_no_server_and_says_what_it_always_said(home, tmp_path):
    config = tmp_path / "guard.toml"
    marker = tmp_path / "pid"
    config.write_text("[upstreams.s]\n" + _entry(marker))
    _accepted(config)  # the entry ran before; now a setting nobody validated is added
    config.write_text("[proxy]\nno_such_setting = 1\n[upstreams.s]\n" + _entry(marker))
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    with subprocess.Popen([GUARD, "--config", str(config), "run", "--upstream", "s"], cwd=tmp_path, env=env,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as guard:
        out, err = guard.communicate("", timeout=60)
    assert guard.returncode == 2
    assert err.strip().splitlines() == [f"mcp-guard: error: {config.resolve()}: proxy.no_such_setting: "
                                        "unknown key (check its spelling)"]
    assert not marker.exists() and not _running(marker)  # never started


def test_each_command_is_built_by_the_module_the_table_names():
    import argparse
    import importlib

    from mcp_guard import cli

    registered = {}
    for name in cli.COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers(parser_class=cli.CommandParser)
        importlib.import_module(f"mcp_guard.cli.{name}").register(sub)
        registered.update(dict.fromkeys(sub.choices, name))
    assert cli.COMMANDS == registered


@pytest.mark.parametrize(("argv", "module"), [
    (["run", "--upstream", "x"], "proxy"),
    (["--config", "scan", "run"], "proxy"),  # a config file named like a command is not the command
    (["-c", "f.toml", "audit", "verify"], "audit"),
    (["--config=f.toml", "wrap"], "clients"),
    (["--version"], None),
    (["--help", "run"], None),
    (["no-such-command"], None),
    ([], None),
])
def test_the_parser_is_built_for_the_command_the_line_names(argv, module):
    from mcp_guard import cli

    assert cli.named_module(argv) == module


def test_a_mistyped_command_still_lists_every_command(capsys):
    from mcp_guard import cli

    with pytest.raises(SystemExit):
        cli.main(["--config", "f.toml", "rn"])
    err = capsys.readouterr().err
    assert "invalid choice: 'rn'" in err and "doctor" in err and "run" in err
