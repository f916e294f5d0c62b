"""The set-up the refusal attacks share: a session whose person refused one call, then a planted contact record
that grounds the refused address (so only the refusal can still stop a retry)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from mcp_guard import approvals
from mcp_guard.config import parse_config
from mcp_guard.guards.base import SessionInfo, ToolCall
from mcp_guard.guards.intent import IntentGuard
from mcp_guard.store import open_store


def refused_then_grounded(tmp_path: Path, tools: list[dict[str, Any]], intent: str, tool: str,
                          refused: dict[str, Any], contacts: list[dict[str, Any]]) -> tuple[IntentGuard, SessionInfo]:
    """An intent guard on a real database (upstream "crm" serving `tools`, one of them `search_contacts`): the call
    `tool(refused)` is asked, held and refused by a person; then `search_contacts` returns `contacts`."""
    cfg_file = tmp_path / "mcp-guard.toml"
    cfg_file.write_text('[storage]\npath = "guard.db"\n')
    cfg = parse_config({"storage": {"path": "guard.db"}}, cfg_file)
    store = open_store(cfg.db_path)
    guard = IntentGuard(cfg, store=store)
    guard.learn("crm", tools)
    session = SessionInfo(id="s1", intent=intent)
    call = ToolCall(session, "crm", tool, f"crm__{tool}", refused)
    first = guard.decide(call)
    assert first.action == "ask", first
    approvals.decide(store, guard.hold(call, first).split("approvals approve ")[1].split("`")[0], False, "dana")
    search = ToolCall(session, "crm", "search_contacts", "crm__search_contacts", {"query": "accountant"})
    assert guard.decide(search).action == "allow"
    listing = json.dumps({"contacts": contacts})
    asyncio.run(guard.check_result(search, {"content": [{"type": "text", "text": listing}]}))
    return guard, session
