"""The audit trail: a hash-chained log of what happened, in the `audit` table of the store.

- `chain`: records, canonical data, hashes, and verification of a chain (database or exported file)
- `data`: what a record holds (a call's arguments, sensitive ones as digests) and redaction of secrets
- `log`: `AuditLog`, the store-backed append, read, verify and export
- `writer`: `AuditWriter`, the one background thread that writes a process's appends (group commit)
- `sink`: `AuditSink`, what the relay, the call gate and the guards record through
- `reports`: per-session and per-tool counts
- `attest`: the records that vouch for review decisions and held-call approvals kept outside the chain
"""

from mcp_guard.audit.attest import (
    append_in_transaction,
    intact_review,
    latest_approval,
    latest_review,
    latest_review_seq,
)
from mcp_guard.audit.chain import (
    FORMAT,
    FORMAT_VERSION,
    GENESIS,
    AuditRecord,
    Problem,
    VerifyResult,
    parse_anchor,
    record_hash,
    verify_jsonl,
)
from mcp_guard.audit.data import REDACTED, call_data, call_record, redact
from mcp_guard.audit.log import AuditLog, Durability, audit_triggers, record, refuse_triggers
from mcp_guard.audit.reports import report
from mcp_guard.audit.sink import AuditSink
from mcp_guard.audit.writer import AuditWriter
from mcp_guard.canonical import canonical, digest

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "GENESIS",
    "REDACTED",
    "AuditLog",
    "AuditRecord",
    "AuditSink",
    "AuditWriter",
    "Durability",
    "Problem",
    "VerifyResult",
    "append_in_transaction",
    "audit_triggers",
    "call_data",
    "call_record",
    "canonical",
    "digest",
    "latest_approval",
    "latest_review",
    "latest_review_seq",
    "intact_review",
    "parse_anchor",
    "record",
    "record_hash",
    "redact",
    "refuse_triggers",
    "report",
    "verify_jsonl",
]
