"""ResultScanGuard: tool results are scanned for injected instructions and hidden text.

Per upstream (`[upstreams.NAME.scan] results = ...`): `off`, `record` (findings to the audit log,
result unchanged), `neutralise` (hidden characters and escapes stripped, every text wrapped in
untrusted-data markers, findings recorded) or `block` (a result with a finding is withheld: the
relay answers with an error that names the finding). Findings below `min_severity` are ignored.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio.to_thread

from mcp_guard.config import Config, ScanPolicy
from mcp_guard.guards.base import Decision, Guard, SessionInfo, ToolCall, deny
from mcp_guard.scan import RANK, Finding, neutralise_result, scan_result

log = logging.getLogger(__name__)

AUDIT_KIND = "scan.result"
STATE_KEY = "result_scan"  # session.state[STATE_KEY]: the findings of this session, newest last
MAX_KEPT = 100  # per session, in session.state
MAX_RECORDED = 20  # per result, in the audit log
BACKGROUND_GRACE = 10.0  # seconds a closing session waits for record-mode scans still running


class ResultScanGuard(Guard):
    name = "result_scan"

    def __init__(self, config: Config, store: Any = None, audit: Any = None) -> None:
        """`audit`: an AuditWriter (`append_async`) or anything with `append(kind, session_id, data)`;
        by default an AuditLog on `store` (or the config's database), opened when first needed."""
        self.config = config
        self._store = store
        self._audit = audit
        self._default = ScanPolicy()
        self._background: set[asyncio.Task[None]] = set()  # record-mode scans after the answer

    def policy(self, upstream: str) -> ScanPolicy:
        cfg = self.config.upstreams.get(upstream)
        return cfg.scan if cfg else self._default

    async def check_result(self, call: ToolCall, result: dict[str, Any]) -> dict[str, Any] | Decision:
        policy = self.policy(call.upstream)
        if policy.results == "off":
            return result
        if policy.results == "record":
            # Recording changes nothing the client gets: scan after the answer has gone out.
            task = asyncio.get_running_loop().create_task(self._scan_and_record(call, result, policy))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return result
        findings = self._findings(result, policy)
        if findings:
            await self._record(call, policy.results, findings)
        if policy.results == "neutralise":
            return neutralise_result(result, source=call.exposed_name, findings=findings)
        if policy.results == "block" and findings:
            worst = max(findings, key=lambda f: RANK[f.severity])
            return deny(
                f"result of {call.exposed_name} withheld: {worst.kind} ({worst.severity}) in {worst.field}: "
                f"{worst.explanation}",
                guard=self.name,
                rule=worst.kind,
            )
        return result

    @staticmethod
    def _findings(result: dict[str, Any], policy: ScanPolicy) -> list[Finding]:
        floor = RANK[policy.min_severity]
        return [f for f in scan_result(result) if RANK[f.severity] >= floor]

    async def _scan_and_record(self, call: ToolCall, result: dict[str, Any], policy: ScanPolicy) -> None:
        await anyio.sleep(0)  # let the relay send the answer first
        findings = await anyio.to_thread.run_sync(self._findings, result, policy)
        if findings:
            await self._record(call, "record", findings)

    async def on_session_end(self, session: SessionInfo) -> None:
        """Scans still running when the session ends are finished (and recorded), within a bound."""
        pending = [t for t in self._background if not t.done()]
        if pending:
            with anyio.move_on_after(BACKGROUND_GRACE):
                await asyncio.gather(*pending, return_exceptions=True)

    async def _record(self, call: ToolCall, action: str, findings: list[Finding]) -> None:
        kept = call.session.state.setdefault(STATE_KEY, [])
        kept.extend({"upstream": call.upstream, "tool": call.tool, **f.to_dict()} for f in findings)
        del kept[:-MAX_KEPT]
        data = {
            "upstream": call.upstream,
            "tool": call.tool,
            "action": action,
            "findings": [f.to_dict() for f in findings[:MAX_RECORDED]],
            "count": len(findings),
        }
        try:
            audit = self._audit or self._open_audit()
            if hasattr(audit, "append_async"):  # the proxy's group-committing writer
                await audit.append_async(AUDIT_KIND, call.session.id, data)
            elif audit is not None:  # a plain AuditLog: its append blocks on the disk
                await anyio.to_thread.run_sync(audit.append, AUDIT_KIND, call.session.id, data)
        except Exception as err:  # a failing audit must not break the call path; say so in the log
            log.warning("result scan: could not record findings for %s: %s", call.exposed_name, err)

    def _open_audit(self) -> Any:
        from mcp_guard.audit import AuditLog

        if self._store is None:
            from mcp_guard.store import open_store

            self._store = open_store(self.config.db_path)
        self._audit = AuditLog(self._store)
        return self._audit
