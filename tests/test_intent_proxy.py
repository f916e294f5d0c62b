"""End to end through `mcp-guard run` with the real notes server and the real `mcp` client.

These run once the proxy builds `IntentGuard` into its chain (and hands each session's granted
secrets to its upstream); until then they skip, saying so.
"""

from __future__ import annotations

import pytest
from mcp import types

from mcp_guard.audit.log import AuditLog
from mcp_guard.audit.reports import report
from mcp_guard.cli import main
from mcp_guard.config import load_config
from mcp_guard.store import open_store
from tests.clients import ERAS, fixture, guarded, upstream_toml, write_config

pytestmark = pytest.mark.anyio
NOTES = fixture("intent_server.py")


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def _isolated(home):
    """Every proxy here runs with an empty HOME."""


def config(tmp_path, extra: str = "") -> str:
    text = upstream_toml("notes", NOTES, 'trust = "tofu"\nsecrets = { CRM_TOKEN = "env:VAULT_CRM" }\n')
    text += '[storage]\npath = "guard.db"\n' + extra
    return str(write_config(tmp_path / "mcp-guard.toml", text))


INTENT = "Find the note about Q3 and send it to kai@corp.example"


def text(result) -> str:
    return result.content[0].text


@pytest.mark.parametrize("era", ERAS)
async def test_out_of_scope_call_denied_with_its_reason(tmp_path, era):
    cfg = config(tmp_path)
    async with guarded(["--upstream", "notes", "--intent", INTENT], env={"MCP_GUARD_CONFIG": cfg}, era=era) as s:
        ok = await s.call_tool("send_note", {"to": "kai@corp.example", "body": "Q3"})
        assert not ok.is_error and text(ok) == "sent to kai@corp.example"
        bad = await s.call_tool("send_note", {"to": "eve@evil.example", "body": "Q3"})
        assert bad.is_error and "eve@evil.example" in text(bad) and "request" in text(bad)


@pytest.mark.parametrize("era", ERAS)
async def test_ask_answered_through_elicitation(tmp_path, era):
    """Handshake: an elicitation request to the client. 2026-07-28: an input_required result whose
    question the client answers in its retry."""
    cfg = config(tmp_path)
    answers = iter([True, False])
    questions: list[str] = []

    async def elicitation(ctx, params):
        questions.append(params.message)
        return types.ElicitResult(action="accept", content={"approve": next(answers)})

    async with guarded(
        ["--upstream", "notes", "--intent", INTENT], env={"MCP_GUARD_CONFIG": cfg}, era=era,
        elicitation_callback=elicitation,
    ) as s:
        first = await s.call_tool("delete_note", {"note_id": "3"})
        assert not first.is_error and text(first) == "deleted 3"
        second = await s.call_tool("delete_note", {"note_id": "4"})
        assert second.is_error
    assert len(questions) == 2 and "delete_note" in questions[0]


@pytest.mark.parametrize("era", ERAS)
async def test_held_call_approved_from_the_cli_passes_once(tmp_path, era):
    cfg = config(tmp_path)
    async with guarded(["--upstream", "notes", "--intent", INTENT], env={"MCP_GUARD_CONFIG": cfg}, era=era) as s:
        held = await s.call_tool("delete_note", {"note_id": "3"})
        assert held.is_error and "mcp-guard approvals approve" in text(held)
        approval_id = text(held).split("approvals approve ")[1].split("`")[0].split()[0]
        assert main(["--config", cfg, "approvals", "approve", approval_id]) == 0
        passed = await s.call_tool("delete_note", {"note_id": "3"})
        assert not passed.is_error and text(passed) == "deleted 3"
        again = await s.call_tool("delete_note", {"note_id": "3"})
        assert again.is_error
    # The trail says a person approved it: the retried call's record, and the report's counts.
    log = AuditLog(open_store(load_config(cfg).db_path))
    calls = [r.data for r in log.records() if r.kind == "call" and r.data["tool"] == "delete_note"]
    assert [(c["decision"], c["rule"]) for c in calls][1] == ("allow", f"approved:{approval_id}")
    totals = report(log)["totals"]
    assert (totals["asked"], totals["approved"], totals["outside_intent"]) == (2, 1, 3)


async def test_budget_exhausted(tmp_path):
    cfg = config(
        tmp_path,
        '[profiles.triage]\nowner = "ops"\nallow = ["notes/search_*"]\n'
        '[profiles.triage.budget]\nper_tool = { "notes/search_*" = 2 }\n',
    )
    async with guarded(
        ["--upstream", "notes", "--intent", "look for notes", "--profile", "triage"], env={"MCP_GUARD_CONFIG": cfg}
    ) as s:
        results = [await s.call_tool("search_notes", {"query": "q"}) for _ in range(3)]
        assert [r.is_error for r in results] == [False, False, True]
        assert "notes/search_*" in text(results[2])


async def test_secret_reaches_the_upstream_only_in_a_granted_session(tmp_path):
    cfg = config(
        tmp_path,
        '[profiles.sales]\nowner = "o"\nallow = ["*"]\ngrants = ["CRM_TOKEN"]\n'
        '[profiles.guest]\nowner = "o"\nallow = ["*"]\n',
    )
    env = {"MCP_GUARD_CONFIG": cfg, "VAULT_CRM": "s3cr3t-token-value", "CRM_TOKEN": "leaked-from-parent"}
    seen = {}
    for profile in ("sales", "guest"):
        async with guarded(["--upstream", "notes", "--intent", "x", "--profile", profile], env=env) as s:
            seen[profile] = text(await s.call_tool("secret_status", {}))
    assert seen["sales"].startswith("set:") and seen["guest"] == "unset"


async def test_held_calls_of_an_ended_run_session_are_no_longer_pending(tmp_path, capsys):
    """A `run` process that ended can retry nothing: what it held leaves the list, and approving it says why."""
    cfg = config(tmp_path)
    async with guarded(["--upstream", "notes", "--intent", INTENT], env={"MCP_GUARD_CONFIG": cfg}) as s:
        held = await s.call_tool("delete_note", {"note_id": "3"})
        approval_id = text(held).split("approvals approve ")[1].split("`")[0].split()[0]
        assert main(["--config", cfg, "approvals", "list"]) == 0 and approval_id in capsys.readouterr().out
    assert main(["--config", cfg, "approvals", "list"]) == 0
    assert approval_id not in capsys.readouterr().out
    assert main(["--config", cfg, "approvals", "approve", approval_id]) != 0
    assert "session that has ended" in capsys.readouterr().err
