"""Provenance: verify an upstream's artifact against an identity policy, and run what was verified.

Public surface: `IdentityPolicy`, `Result` (outcomes verified / pinned / invalid / unsupported /
missing), `check` (one artifact's bytes and evidence), `check_upstream` and `prepare` (an upstream
from the config), `load_trusted_root`; `gate.admit` is the one launch gate every command passes.
"""

from mcp_guard.provenance.artifacts import Checked, Package, Prepared, check_upstream, prepare
from mcp_guard.provenance.policy import IdentityPolicy, load_trusted_root
from mcp_guard.provenance.verify import OUTCOME_LABELS, Result, check

__all__ = [
    "OUTCOME_LABELS",
    "Checked",
    "IdentityPolicy",
    "Package",
    "Prepared",
    "Result",
    "check",
    "check_upstream",
    "load_trusted_root",
    "prepare",
]
