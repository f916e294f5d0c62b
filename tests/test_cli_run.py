"""What the command line says when it cannot do what it was asked, and what its headings promise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_guard.cli import main
from tests.support import FIXTURES, PYTHON

GUARD = str(Path(sys.executable).parent / "mcp-guard")
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


def run_guard(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run([GUARD, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, env=env)


def test_run_of_a_missing_program_says_so_without_a_client(home, tmp_path):
    """No client ever sends initialize (stdin ends at once): one line, exit 2, not a silent 0."""
    done = run_guard(["run", "--", "no-such-mcp-server-program"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "mcp-guard: error: upstream 'no-such-mcp-server-program' could not be started: command not found: "
        "no-such-mcp-server-program"]
    done = run_guard(["run", "--", "./not-here.py"], tmp_path)
    assert done.returncode == 2 and "command not found: ./not-here.py" in done.stderr


def test_run_of_a_missing_program_tells_the_client_too(home, tmp_path):
    done = run_guard(["run", "--", "no-such-mcp-server-program"], tmp_path, json.dumps(INIT) + "\n")
    answer = json.loads(done.stdout.splitlines()[0])
    assert answer["id"] == 1 and "command not found: no-such-mcp-server-program" in answer["error"]["message"]
    assert done.returncode == 2


def test_one_missing_program_of_several_is_named_and_the_others_served(home, tmp_path):
    config = tmp_path / "guard.toml"
    echo = json.dumps(str(FIXTURES / "echo_server.py"))
    config.write_text(f'[upstreams.echo]\ncommand = {json.dumps(PYTHON)}\nargs = [{echo}]\n'
                      '[upstreams.gone]\ncommand = "no-such-mcp-server-program"\n')
    done = run_guard(["--config", str(config), "run"], tmp_path, json.dumps(INIT) + "\n")
    assert ("upstream 'gone' could not be started: command not found: no-such-mcp-server-program "
            "(the other upstreams are served)") in done.stderr
    answer = json.loads(done.stdout.splitlines()[0])
    assert "result" in answer and done.returncode == 0


def test_audit_show_last_says_how_many_of_how_many(home, tmp_path, capsys):
    from mcp_guard.audit import AuditLog
    from mcp_guard.store import open_store

    db = tmp_path / "guard.db"
    log = AuditLog(open_store(db))
    for n in range(5):
        log.append("call", "s1" if n % 2 else "s2", {"upstream": "fs", "tool": "read", "decision": "allow"})
    assert main(["audit", "show", "--db", str(db), "--last", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "audit log: last 2 of 5 records"
    assert main(["audit", "show", "--db", str(db), "--last", "9"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "audit log: 5 records"
    assert main(["audit", "show", "--db", str(db), "--session", "s1", "--last", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "audit log: last 1 of 2 records of session s1"


def test_first_hour_mistakes_are_one_clear_line(home, tmp_path, capsys):
    """Each is what a newcomer types early: a folder as --config, `serve` with nothing to serve, a
    project folder that does not exist. One line naming the fix, exit 2, no traceback."""
    cases = [
        (["--config", str(tmp_path), "review", "list"],
         f"{tmp_path}: is a folder; give the config file (e.g. {tmp_path / 'mcp-guard.toml'})"),
        (["serve", "--port", "0"], "serve: no upstreams: define [upstreams.NAME] in a config file"),
        (["wrap", "--project", str(tmp_path / "nope")], f"--project {tmp_path / 'nope'}: no such folder"),
        (["unwrap", "--project", str(tmp_path / "nope")], f"--project {tmp_path / 'nope'}: no such folder"),
        (["doctor", "--project", str(tmp_path / "nope")], f"--project {tmp_path / 'nope'}: no such folder"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"mcp-guard: error: {message}"), (argv, err)
    assert not (home / ".local" / "state" / "mcp-guard").exists()  # nothing was created on the way


def test_run_whose_output_is_a_file_answers_and_records(home, tmp_path):
    """A client's stdout is a pipe, but a script's may be a file or /dev/null: the event loop cannot watch
    those (uvloop aborted the process, losing the session's audit), so they are written from a thread."""
    config = tmp_path / "guard.toml"
    echo = json.dumps(str(FIXTURES / "echo_server.py"))
    config.write_text(f'[storage]\npath = "guard.db"\n[upstreams.echo]\ncommand = {json.dumps(PYTHON)}\n'
                      f'args = [{echo}]\ntrust = "tofu"\n')
    messages = [INIT, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}]
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    for sink in (tmp_path / "out.jsonl", Path(os.devnull)):
        with sink.open("wb") as out:
            done = subprocess.run([GUARD, "--config", str(config), "run", "--upstream", "echo"], cwd=tmp_path,
                                  input="".join(json.dumps(m) + "\n" for m in messages).encode(), stdout=out,
                                  stderr=subprocess.PIPE, timeout=60, env=env)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    answers = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [a["id"] for a in answers] == [1, 2] and answers[1]["result"]["tools"], answers
    shown = run_guard(["--config", str(config), "audit", "show"], tmp_path)
    assert shown.stdout.count("session.start") == 2 and shown.stdout.count("session.end") == 2, shown.stdout


def test_config_is_taken_after_the_command_too(home, tmp_path, capsys):
    """`mcp-guard run --config F` is how a newcomer writes it (argparse refused it once); a --config
    before the command still counts, and one after it wins, as the last option given does."""
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    first.write_text("[upstreams.a]\ncomand = 'x'\n")
    second.write_text("[upstreams.b]\ncomand = 'x'\n")
    for argv, named in ((["review", "list", "--config", str(first)], "upstreams.a.comand"),
                        (["review", "list", "-c", str(first)], "upstreams.a.comand"),
                        (["--config", str(first), "review", "list"], "upstreams.a.comand"),
                        (["--config", str(first), "review", "list", "--config", str(second)], "upstreams.b.comand")):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("mcp-guard: error: ") and named in err, (argv, err)


def test_a_commands_option_written_before_the_command_says_where_it_goes(home, capsys):
    """`mcp-guard -v run`: argparse names `-v` unrecognized; "did you mean '-v'?" would send the person in a circle."""
    with pytest.raises(SystemExit) as refused:
        main(["-v", "run"])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "unrecognized arguments: -v" in err
    assert "-v is an option of 'mcp-guard run': write it after 'run'" in err and "did you mean" not in err


def test_an_option_only_other_commands_take_is_named_with_them(capsys):
    """`mcp-guard --verbose review list`: --verbose belongs to the proxy commands, which the error names."""
    with pytest.raises(SystemExit) as refused:
        main(["--verbose", "review", "list"])
    err = capsys.readouterr().err
    assert refused.value.code == 2
    assert "--verbose is an option of 'mcp-guard run' and 'mcp-guard serve' only" in err
    with pytest.raises(SystemExit):  # taken by many commands: the error points at this one's own list
        main(["audit", "verify", "--upstream", "x"])
    assert "`mcp-guard audit verify -h` lists this one's" in capsys.readouterr().err


def test_several_config_mistakes_come_under_one_heading(home, tmp_path, capsys):
    config = tmp_path / "guard.toml"
    config.write_text("[upstreams.a]\ncomand = 'x'\n[upstreams.b]\ncommand = 'x'\ntrust = 'maybe'\n")
    assert main(["review", "list", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == f"mcp-guard: error: {config}: 2 mistakes:"
    assert err[1] == "  upstreams.a.comand: unknown key (did you mean 'command'?)"
    assert err[2].startswith("  upstreams.b.trust: 'maybe' is not allowed: input should be 'review'")


def test_doctor_puts_a_configs_several_mistakes_on_its_one_line(home, tmp_path, capsys):
    config = tmp_path / "guard.toml"
    config.write_text("[upstreams.a]\ncomand = 'x'\n[upstreams.b]\ncommand = 'x'\ntrust = 'maybe'\n")
    main(["doctor", "--config", str(config)])
    line = next(x for x in capsys.readouterr().out.splitlines() if "mistakes" in x)
    first = "upstreams.a.comand: unknown key (did you mean 'command'?)"
    assert f"{config}: 2 mistakes: {first}; upstreams.b.trust:" in line


def test_a_mistyped_key_gets_the_nearest_key_of_its_own_table(home, tmp_path, capsys):
    config = tmp_path / "guard.toml"
    config.write_text("[upstreams.time]\ncommand = 'x'\n[upstreams.time.provenance]\nmdoe = 'enforce'\n"
                      "[profiles.support]\nallow = ['*']\n[serve]\nprot = 8000\n[intnet]\ntext = 'x'\n")
    assert main(["review", "list", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "upstreams.time.provenance.mdoe: unknown key (did you mean 'mode'?)" in err
    assert "serve.prot: unknown key (did you mean 'port'?)" in err
    assert "intnet: unknown key (did you mean 'intent'?)" in err
    assert "profiles.support.owner: missing (this key is required)" in err


def test_a_commands_option_with_its_value_before_the_command_is_named_as_such(capsys):
    """`mcp-guard --name time run`: argparse reads "time" as the command; the error says it is --name's value."""
    with pytest.raises(SystemExit) as refused:
        main(["--name", "time", "run", "--", "mcp-server-time"])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "invalid choice: 'time'" in err
    assert "--name time is an option of 'mcp-guard run': write it after the command" in err
    with pytest.raises(SystemExit):  # a word that is no command and follows no option: no such hint
        main(["frob"])
    assert "write it after" not in capsys.readouterr().err
