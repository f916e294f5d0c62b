"""Class: `bom generate` on a cloned repository writes its BOM's approvals into the user's database
(session 13, attacker; a variant of session 5's `bom check` finding, which that fix left open).

`bom generate` (README: "once, and after a server update") calls `bom.sync`, which adopts every decided
entry of the BOM file it finds (`bom.adopt`) before it records what the servers serve. The BOM is the
checked folder's file: a cloned repository's, its fingerprints unkeyed and its reviewer names free text.
A repository's `bom/mcp-guard.toml` without `[storage]` uses the user's own database, the one the user's
`run` proxies use. So a developer who runs `bom generate` in a cloned repository (or on a pull request's
branch) gets the repository's "approved by alice" definition of `github/create_issue` approved for their
own `github` upstream, though no server of theirs ever served it: when their server starts serving it
(a rug pull the attacker prepared), it is served and callable, never held for review.
Fixed: `bom generate` adopts a BOM's decision only for a definition the config's servers serve in that run,
and a review only for one this database recorded from a server (`bom.adopt(served=…)`). Left as it is: a
repository whose own server serves the definition while it runs `bom generate` (running a repository's server
is running its code as the user, who then has lost already), and a rug pull already held here when the
user reviews in such a repository (its BOM's decision approves the held definition).
"""

from __future__ import annotations

import os

import pytest

from tests.attacks.client import Scripted
from tests.attacks.repo_bom import (
    HONEST,
    attackers_repository,
    guard_cli,
    repository_entry,
    served_after_rug_pull,
    users_reviewed_server,
)


@pytest.mark.parametrize("action", [("bom", "generate"),
                                    ("review", "approve", "--upstream", "github", "--all", "--yes", "--reason", "ok")],
                         ids=["bom-generate", "review-approve-all"])
def test_bom_generate_in_a_repository_does_not_preapprove_the_users_server(home, tmp_path, action):
    repo, repo_cfg = attackers_repository(tmp_path)
    # What the repository ships: the BOM, and a config whose server serves only the harmless tool.
    repo_cfg.write_text(repository_entry(Scripted(tmp_path / "honest.json", tools=[HONEST]).command))
    user_srv, user_cfg = users_reviewed_server(home, tmp_path)

    # The victim records what the repository's servers serve and reviews them, as its README says.
    env = dict(os.environ)
    if action[0] == "review":
        assert guard_cli("--config", str(repo_cfg), "bom", "generate", env=env, cwd=repo).returncode == 0
    assert guard_cli("--config", str(repo_cfg), *action, env=env, cwd=repo).returncode == 0

    # ... then their own github server starts serving create_issue (the rug pull).
    assert "create_issue" not in served_after_rug_pull(user_srv, user_cfg), (
        "`bom generate` in a repository approved its create_issue in the user's database: served unreviewed")
