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


# -- protocol errors ---------------------------------------------------------------------------------
# A request the proxy cannot serve is answered with a JSON-RPC error; the class says which code, so
# no code is recovered from a message's wording. Standard codes, then the implementation-defined
# server errors (-32000 … -32099).

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
UPSTREAM_UNAVAILABLE = -32001
UPSTREAM_TIMEOUT = -32002
MESSAGE_TOO_LARGE = -32003
REFUSED = -32004


class ProtocolError(Exception):
    """A request answered with a JSON-RPC error: `code`, the `message` sent, optional `data`."""

    code = INTERNAL_ERROR
    prefix = "mcp-guard: "  # the message as sent names who refused

    def __init__(self, reason: str, data: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.data = data

    @property
    def message(self) -> str:
        return self.prefix + self.reason


class ParseError(ProtocolError):
    code = PARSE_ERROR


class InvalidRequest(ProtocolError):
    code = INVALID_REQUEST


class MethodNotFound(ProtocolError):
    code = METHOD_NOT_FOUND


class InvalidParams(ProtocolError):
    """A request whose params do not have the shape its method requires."""

    code = INVALID_PARAMS


class MessageTooLarge(ProtocolError):
    code = MESSAGE_TOO_LARGE


class NotInitialized(InvalidRequest):
    """A request other than initialize or ping came before initialize."""


class UpstreamUnavailable(ProtocolError):
    """An upstream is not running (or could not be started); the reason names it."""

    code = UPSTREAM_UNAVAILABLE
    prefix = ""


class Refused(ProtocolError):
    code = REFUSED
    prefix = ""


class EraRefused(ProtocolError):
    """A request the session's era does not take; its code depends on why (the message is complete)."""

    prefix = ""

    def __init__(self, code: int, message: str, data: object = None) -> None:
        super().__init__(message, data)
        self.code = code
