"""JSON-RPC 2.0 messages as plain dicts: parse once, build errors, serialise.

The relay works on dicts straight from `orjson` rather than SDK models: a typed round trip costs
about a millisecond per message and drops fields the models do not know.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from mcp_guard.errors import (  # noqa: E402 - the codes live with the error classes that carry them
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    MESSAGE_TOO_LARGE,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    REFUSED,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNAVAILABLE,
    ProtocolError,
)

__all__ = ["INTERNAL_ERROR", "INVALID_PARAMS", "INVALID_REQUEST", "MESSAGE_TOO_LARGE", "METHOD_NOT_FOUND",
           "PARSE_ERROR", "REFUSED", "UPSTREAM_TIMEOUT", "UPSTREAM_UNAVAILABLE"]

Message = dict[str, Any]
RequestId = str | int


class MalformedMessage(ProtocolError):
    """A line that is not a JSON-RPC message; `request_id` is set when one could still be read, and
    `code` says what is wrong (the JSON-RPC code its sender is answered with)."""

    def __init__(self, reason: str, request_id: RequestId | None = None, code: int = INVALID_REQUEST) -> None:
        super().__init__(reason)
        self.request_id = request_id
        self.code = code


_ID_PEEK = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,20})')


def peek_id(raw: bytes) -> RequestId | None:
    """Best-effort id of a message too large or too broken to parse, so its sender gets an answer."""
    m = _ID_PEEK.search(raw[:4096])
    if not m:
        return None
    try:
        return orjson.loads(m.group(1))
    except orjson.JSONDecodeError:
        return None


def parse(raw: bytes) -> Message:
    try:
        msg = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise MalformedMessage(f"not valid JSON: {err}", peek_id(raw), PARSE_ERROR) from None
    if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
        rid = msg.get("id") if isinstance(msg, dict) else None
        raise MalformedMessage("not a JSON-RPC 2.0 message (expected an object with jsonrpc '2.0')", _valid_id(rid))
    if "method" in msg:
        if not isinstance(msg["method"], str):
            raise MalformedMessage("'method' must be a string", _valid_id(msg.get("id")))
        # MCP names every parameter: by-position (list) params are refused here, once, so that no
        # handler meets a shape it does not expect.
        params = msg.get("params")
        if params is not None and not isinstance(params, dict):
            raise MalformedMessage("'params' must be an object", _valid_id(msg.get("id")), INVALID_PARAMS)
    elif "id" not in msg or ("result" not in msg and "error" not in msg):
        raise MalformedMessage("neither a request, a notification nor a response")
    if "id" in msg and _valid_id(msg["id"]) is None and not ("error" in msg and msg["id"] is None):
        raise MalformedMessage("'id' must be a string or an integer")
    return msg


def valid_id(rid: Any) -> RequestId | None:
    """`rid` if it can be a request id (a string or an integer), else None."""
    return _valid_id(rid)


def _valid_id(rid: Any) -> RequestId | None:
    return rid if isinstance(rid, str | int) and not isinstance(rid, bool) else None


def dumps(msg: Message) -> bytes:
    return orjson.dumps(msg)


def request(rid: RequestId, method: str, params: dict | None = None) -> Message:
    msg: Message = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def notification(method: str, params: dict | None = None) -> Message:
    msg: Message = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def result(rid: RequestId, value: dict) -> Message:
    return {"jsonrpc": "2.0", "id": rid, "result": value}


def error(rid: RequestId | None, code: int, message: str, data: Any = None) -> Message:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": rid, "error": err}


def tool_error_result(text: str) -> dict:
    """A tools/call result the model reads as a failed call, with the reason as its text."""
    return {"content": [{"type": "text", "text": text}], "isError": True}


class RemoteError(Exception):
    """An upstream (or the client) answered a request of the proxy's own with a JSON-RPC error."""

    def __init__(self, err: dict) -> None:
        super().__init__(err.get("message", "error"))
        self.error = err
