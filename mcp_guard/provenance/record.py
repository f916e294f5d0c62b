"""Where verification results go: the `verifications` table, the audit log and the AI-BOM.

The audit log and the BOM are other features' modules; they are imported lazily and skipped when
absent, so provenance works (and is tested) on its own.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from mcp_guard.provenance.verify import Result
from mcp_guard.store import Store


def record(store: Store | None, upstream: str, result: Result, *, mode: str | None = None) -> None:
    """Keep the last result per (upstream, artifact digest) and append it to the audit log."""
    if store is None:
        return
    row = {
        "upstream": upstream,
        "artifact_digest": result.sha256 or "",
        "outcome": result.outcome,
        "detail": json.dumps(result.to_dict() | ({"mode": mode} if mode else {}), sort_keys=True),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    store.db["verifications"].upsert(row, pk=("upstream", "artifact_digest"))
    audit(store, upstream, result, mode)


def audit(store: Store, upstream: str, result: Result, mode: str | None) -> None:
    try:
        from mcp_guard.audit import AuditLog
    except ImportError:
        return  # the audit feature is not installed in this build
    data = {"upstream": upstream, "mode": mode} | result.to_dict()
    AuditLog(store).append("provenance", None, data)


def last_results(store: Store, upstream: str | None = None) -> list[dict]:
    where, params = ("upstream = ?", [upstream]) if upstream else (None, None)
    return list(store.db["verifications"].rows_where(where, params, order_by="at desc"))


def record_in_bom(bom_path: Path, upstream: str, result: Result) -> bool:
    """Write the result onto the upstream's component of the AI-BOM, when the BOM feature offers it."""
    try:
        from mcp_guard import bom
    except ImportError:
        return False
    fn = getattr(bom, "record_provenance", None)
    if fn is None or not bom_path.is_file():
        return False
    try:
        fn(bom_path, upstream, result.to_dict())
    except Exception as err:  # noqa: BLE001 - the BOM is a report; a failure there must not hide the result
        print(f"mcp-guard: warning: provenance not written to {bom_path}: {err}", file=sys.stderr)
        return False
    return True
