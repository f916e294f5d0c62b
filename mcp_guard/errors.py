"""Errors meant for a person: each carries one line saying what is wrong and what to do.

The CLI prints `mcp-guard: error: <message>` and exits with `exit_code`; it never shows a traceback
for these. Code that fails on bad input raises one of these, never a bare exception.
"""


class GuardError(Exception):
    """Base of every user-facing mcp-guard error."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(GuardError):
    """The config file is missing, unreadable or invalid."""


class StoreError(GuardError):
    """The database cannot be opened or is from an incompatible version."""


class BomError(GuardError):
    """The AI-BOM file is missing, corrupt or fails the schema."""


class ReviewError(GuardError):
    """A review command names something that does not exist or is not allowed."""


class ProvenanceError(GuardError):
    """An artifact could not be verified (the outcome says why)."""


class AuditError(GuardError):
    """The audit log is broken or was tampered with."""

    exit_code = 1


class CheckFailed(GuardError):
    """A check ran and found a problem (bom check, audit verify, doctor): exit 1, not a usage error."""

    exit_code = 1
