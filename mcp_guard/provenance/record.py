"""Where verification results go: the `verifications` table, the audit log and the AI-BOM.

The audit log and the BOM are other features' modules; they are imported lazily and skipped when
absent, so provenance works (and is tested) on its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from mcp_guard.canonical import now
from mcp_guard.provenance.verify import Result
from mcp_guard.store import Store


def record(
    store: Store | None, upstream: str, result: Result, *, mode: str | None = None, audit_log: Any = None
) -> None:
    """Keep the last result per (upstream, artifact digest) and append it to the audit log.

    `audit_log` is the caller's own `AuditLog` when it has one; otherwise one is opened on `store`.
    """
    if store is None:
        return
    row = {
        "upstream": upstream,
        "artifact_digest": result.sha256 or "",
        "outcome": result.outcome,
        "detail": json.dumps(result.to_dict() | ({"mode": mode} if mode else {}), sort_keys=True),
        "at": now(),
    }
    store.execute(
        "INSERT INTO verifications (upstream, artifact_digest, outcome, detail, at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (upstream, artifact_digest) DO UPDATE SET outcome = excluded.outcome, "
        "detail = excluded.detail, at = excluded.at",
        list(row.values()),
    )
    data = {"upstream": upstream, "mode": mode} | result.to_dict()
    if audit_log is not None:
        audit_log.append("provenance", None, data)
        return
    from mcp_guard import audit

    audit.record(store, "provenance", None, data)


def record_in_bom(bom_path: Path, upstream: str, result: Result) -> bool:
    """Write the result onto the upstream's component of the AI-BOM (when there is a BOM file)."""
    from mcp_guard import bom

    if not bom_path.is_file():
        return False
    bundle = result.bundle
    if bundle:  # the BOM lives in git: name the evidence relative to it when it is beside it
        with contextlib.suppress(ValueError):
            bundle = os.path.relpath(Path(bundle).resolve(), bom_path.parent.resolve())
            bundle = bundle if not bundle.startswith("..") else result.bundle
    try:
        doc = bom.read_bom(bom_path)
        component = bom.record_provenance(
            doc,
            upstream,
            result.outcome,
            result.detail,
            bundle,
            result.bundle_sha256,
            artifact_sha256=result.sha256,
            identity=result.signer,
        )
        if bundle and result.bundle_sha256:
            _reference_evidence(component, bundle, result.bundle_sha256)
        bom.write_bom(doc, bom_path)
    except Exception as err:  # noqa: BLE001 - the BOM is a report; a failure there must not hide the result
        print(f"mcp-guard: warning: provenance not written to {bom_path}: {err}", file=sys.stderr)
        return False
    return True


def _reference_evidence(component: Any, bundle: str, sha256: str) -> None:
    """An external reference of type attestation: the evidence file and its hash (replaces the last)."""
    from cyclonedx.model import ExternalReference, ExternalReferenceType, HashAlgorithm, HashType, XsUri

    kept = [r for r in component.external_references if r.type != ExternalReferenceType.ATTESTATION]
    ref = ExternalReference(
        type=ExternalReferenceType.ATTESTATION,
        url=XsUri(Path(bundle).as_posix()),
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sha256)],
        comment="provenance evidence verified by mcp-guard",
    )
    component.external_references = [*kept, ref]
