"""ResultScanGuard: tool results are scanned for injected instructions and hidden text.

Per upstream (`[upstreams.NAME.scan] results = ...`): `off`, `record` (findings to the audit log,
result unchanged), `neutralise` (hidden characters and escapes stripped, every text wrapped in
untrusted-data markers, findings recorded) or `block` (a result with a finding is withheld: the
relay answers with an error that names the finding). Findings below `min_severity` are ignored.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread

from mcp_guard.config import Config, ScanPolicy
from mcp_guard.guards.base import Decision, Guard, ToolCall, deny
from mcp_guard.scan import RANK, Finding, neutralise_result, scan_result

log = logging.getLogger(__name__)

AUDIT_KIND = "scan.result"
STATE_KEY = "result_scan"  # session.state[STATE_KEY]: the findings of this session, newest last
MAX_KEPT = 100  # per session, in session.state
MAX_RECORDED = 20  # per result, in the audit log


class ResultScanGuard(Guard):
    name = "result_scan"

    def __init__(self, config: Config, store: Any = None, audit: Any = None) -> None:
        """`audit`: an AuditWriter (`append_async`) or anything with `append(kind, session_id, data)`;
        by default an AuditLog on `store` (or the config's database), opened when first needed."""
        self.config = config
        self._store = store
        self._audit = audit
        self._default = ScanPolicy()

    def policy(self, upstream: str) -> ScanPolicy:
        cfg = self.config.upstreams.get(upstream)
        return cfg.scan if cfg else self._default

    async def check_result(self, call: ToolCall, result: dict[str, Any]) -> dict[str, Any] | Decision:
        policy = self.policy(call.upstream)
        if policy.results == "off":
            return result
        floor = RANK[policy.min_severity]
        findings = [f for f in scan_result(result) if RANK[f.severity] >= floor]
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
