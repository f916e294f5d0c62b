"""`bom check` and `review list` tell one story: a difference the check finds is pending review, with
the id the check prints; a machine without a database gets no database, and is told what to run."""

from __future__ import annotations

import json
from pathlib import Path

from mcp_guard.cli import main
from tests.support import PYTHON

# A server whose tool text depends on its argument, as a folder argument shows up in many servers'.
SERVER = '''
import sys
from mcp.server import MCPServer

server = MCPServer("notes")


@server.tool(description=f"Read a note kept under {sys.argv[1]}.", structured_output=False)
def read_note(name: str) -> str:
    return name


server.run()
'''


def config(folder: Path, tmp_path: Path, where: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mcp-guard.toml"
    path.write_text(f'[storage]\npath = "{tmp_path / "guard.db"}"\n[bom]\npath = "{tmp_path / "aibom.cdx.json"}"\n'
                    f'[upstreams.notes]\ncommand = {json.dumps(PYTHON)}\n'
                    f'args = [{json.dumps(str(tmp_path / "notes.py"))}, "{where}"]\n')
    return str(path)


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_two_configs_one_database_agree(home, tmp_path, capsys):
    (tmp_path / "notes.py").write_text(SERVER)
    first = config(tmp_path / "a", tmp_path, "/srv/a")
    second = config(tmp_path / "b", tmp_path, "/srv/b")  # the same name, other arguments, one database
    assert run(capsys, "--config", first, "bom", "generate")[0] == 0
    assert run(capsys, "--config", first, "review", "approve", "--upstream", "notes", "--all", "--yes",
               "--reason", "ok")[0] == 0
    assert run(capsys, "--config", first, "bom", "check")[0] == 0

    code, out = run(capsys, "--config", second, "bom", "check", "--json")
    assert code == 1
    [change] = json.loads(out.split("\nmcp-guard: error:")[0])["upstreams"]["notes"]["changes"]
    assert change["name"] == "read_note" and change["status"] == "changed" and change["review_state"] == "pending"
    code, out = run(capsys, "--config", second, "review", "list", "--json")
    assert [(i["id"], i["state"]) for i in json.loads(out)] == [(change["review_id"], "pending")]
    code, out = run(capsys, "--config", second, "bom", "check")
    assert code == 1 and f"[review id {change['review_id']}, pending: mcp-guard review show" in out


def test_a_check_without_a_database_creates_none_and_says_what_to_run(home, tmp_path, capsys):
    (tmp_path / "notes.py").write_text(SERVER)
    first = config(tmp_path / "a", tmp_path, "/srv/a")
    assert run(capsys, "--config", first, "bom", "generate")[0] == 0
    for db in tmp_path.glob("guard.db*"):
        db.unlink()  # the BOM alone, as on a fresh CI machine
    code, out = run(capsys, "--config", first, "bom", "check")
    assert code == 1 and "[not recorded for review on this machine: `mcp-guard bom generate` records it]" in out
    assert not list(tmp_path.glob("guard.db*"))


def test_a_server_that_cannot_start_is_not_called_a_difference(home, tmp_path, capsys):
    (tmp_path / "notes.py").write_text(SERVER)
    first = config(tmp_path / "a", tmp_path, "/srv/a")
    assert run(capsys, "--config", first, "bom", "generate")[0] == 0
    assert run(capsys, "--config", first, "review", "approve", "--upstream", "notes", "--all", "--yes",
               "--reason", "ok")[0] == 0
    (tmp_path / "notes.py").unlink()
    code, out = run(capsys, "--config", first, "bom", "check")
    assert code == 1
    assert out.strip().splitlines()[-1] == ("mcp-guard: error: 1 upstream(s) could not be checked: make them "
                                            "start, then check again")
