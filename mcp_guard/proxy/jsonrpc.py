"""JSON-RPC 2.0 messages as plain dicts: parse once, build errors, serialise.

The relay works on dicts straight from `orjson` rather than SDK models: a typed round trip costs
about a millisecond per message and drops fields the models do not know.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# Implementation-defined server errors (-32000 … -32099).
UPSTREAM_UNAVAILABLE = -32001
UPSTREAM_TIMEOUT = -32002
MESSAGE_TOO_LARGE = -32003
REFUSED = -32004

Message = dict[str, Any]
RequestId = str | int


class MalformedMessage(Exception):
    """A line that is not a JSON-RPC message; `request_id` is set when one could still be read."""

    def __init__(self, reason: str, request_id: RequestId | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request_id = request_id


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
        raise MalformedMessage(f"not valid JSON: {err}", peek_id(raw)) from None
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
            raise MalformedMessage("'params' must be an object", _valid_id(msg.get("id")))
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
