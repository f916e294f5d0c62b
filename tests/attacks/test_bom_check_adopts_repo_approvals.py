"""(s5 attack b) Class: review state / `bom check` writes a repository's approvals into the user's database.

`bom check` is the read-only-looking CI gate. Now, "where the config's database exists", it records
what the servers serve in it, and before that it calls `bom.adopt(queue, doc)`: every approved entry of
the BOM file (a file in the repository being checked, its fingerprints unkeyed, its reviewer names free
text) becomes approved in the database - even when the check itself FAILS (here: the repo config's
server cannot even be started). A repository's `bom/mcp-guard.toml` without `[storage]` uses the user's
own database ($XDG_STATE_HOME/mcp-guard/guard.db), the one the user's `run` proxies use. So a developer
who runs the gate on a cloned repository / a PR branch gets its "approved by alice" definition of
`github/create_issue` approved for their own `github` upstream: when that server starts serving it (a
rug pull the attacker prepared), it is served and callable, never held for review.

Expected: `bom check` changes no decision in the database (or adopts nothing when it fails).
Actual: the repository's approval is adopted, and the user's proxy serves the tool unreviewed.
"""

from __future__ import annotations

import os

import pytest

from tests.attacks.repo_bom import attackers_repository, guard_cli, served_after_rug_pull, users_reviewed_server


@pytest.mark.parametrize("checked", [False, True], ids=["control-no-check", "after-bom-check"])
def test_bom_check_approves_the_repositorys_definitions_in_the_users_database(home, tmp_path, checked):
    repo, repo_cfg = attackers_repository(tmp_path)
    # What the repository ships: the BOM, and a config whose server does not even start.
    repo_cfg.write_text('[upstreams.github]\ncommand = "/nonexistent/github-server"\n')
    user_srv, user_cfg = users_reviewed_server(home, tmp_path)

    # The victim runs the gate on the repository: it fails ...
    if checked:
        check = guard_cli("--config", str(repo_cfg), "bom", "check", env=dict(os.environ), cwd=repo)
        assert check.returncode != 0, check.stdout

    # ... then their own github server starts serving create_issue (the rug pull).
    assert "create_issue" not in served_after_rug_pull(user_srv, user_cfg), (
        "a failed `bom check` of a repository approved its create_issue in the user's database: served unreviewed")
