"""The two protocol eras, as the relay needs them.

Handshake era (2024-11-05 … 2025-11-25): `initialize` opens a session that carries the protocol
version and the client's capabilities. 2026-07-28 ("modern"): no session; every request carries the
version, client info and capabilities in its `_meta` (the envelope), `server/discover` replaces
`initialize`, change notifications ride `subscriptions/listen` streams, and a server asks the client
for input by answering `resultType: "input_required"` instead of sending it requests.

Plain dicts and the spec's key strings only: this runs on the hot path and must not import the SDK.
"""

from __future__ import annotations

from typing import Any

from mcp_guard.proxy.jsonrpc import Message

HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
MODERN_VERSIONS = ("2026-07-28",)
LATEST_HANDSHAKE = HANDSHAKE_VERSIONS[-1]
LATEST_MODERN = MODERN_VERSIONS[-1]

VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
CLIENT_INFO_KEY = "io.modelcontextprotocol/clientInfo"
CLIENT_CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities"
SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo"
SUBSCRIPTION_ID_KEY = "io.modelcontextprotocol/subscriptionId"
ENVELOPE_KEYS = (VERSION_KEY, CLIENT_INFO_KEY, CLIENT_CAPABILITIES_KEY)
LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel"

UNSUPPORTED_PROTOCOL_VERSION = -32022  # the revision's error for a version the peer does not serve
HEADER_MISMATCH = -32020  # the revision's error for Mcp-Method / Mcp-Name headers that contradict the body

# Methods the 2026-07-28 revision removed, with what replaced them (said in the refusal).
REMOVED_IN_MODERN = {
    "logging/setLevel": "log delivery is requested per request (_meta io.modelcontextprotocol/logLevel)",
    "resources/subscribe": "resource updates are requested on subscriptions/listen",
    "resources/unsubscribe": "resource updates are requested on subscriptions/listen",
}
# Server-to-client requests: a 2026-07-28 client takes none (input_required results replace them).
SERVER_REQUESTS = frozenset({"sampling/createMessage", "elicitation/create", "roots/list"})
LIST_CHANGED_FLAGS = {
    "notifications/tools/list_changed": "toolsListChanged",
    "notifications/prompts/list_changed": "promptsListChanged",
    "notifications/resources/list_changed": "resourcesListChanged",
}

LISTEN_METHODS = frozenset({*LIST_CHANGED_FLAGS, "notifications/resources/updated"})


def envelope_of(msg: Message) -> dict[str, Any] | None:
    """The request's `_meta` if it carries the 2026-07-28 envelope (the version key is the signal:
    a handshake request's `_meta` holds a progress token at most)."""
    params = msg.get("params")
    if not isinstance(params, dict):
        return None
    meta = params.get("_meta")
    return meta if isinstance(meta, dict) and VERSION_KEY in meta else None


def envelope(version: str, client_info: dict[str, Any], capabilities: dict[str, Any]) -> dict[str, Any]:
    return {VERSION_KEY: version, CLIENT_INFO_KEY: client_info, CLIENT_CAPABILITIES_KEY: capabilities}


def client_of(meta: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The client info and capabilities an envelope declares (empty where absent or malformed)."""
    info, caps = meta.get(CLIENT_INFO_KEY), meta.get(CLIENT_CAPABILITIES_KEY)
    return (info if isinstance(info, dict) else {}), (caps if isinstance(caps, dict) else {})


def without_envelope(msg: Message) -> Message:
    """The request as a handshake-era server must see it: the envelope keys dropped from `_meta`
    (an SDK 2.3.0 server on a handshake connection refuses enveloped requests)."""
    params = msg["params"]
    meta = {k: v for k, v in params["_meta"].items() if k not in ENVELOPE_KEYS}
    rest = {k: v for k, v in params.items() if k != "_meta"}
    return {**msg, "params": {**rest, "_meta": meta} if meta else rest}


def with_envelope(msg: Message, env: dict[str, Any]) -> Message:
    """The request as a 2026-07-28 server must see it: the envelope added to its `_meta`."""
    params = msg.get("params")
    params = params if isinstance(params, dict) else {}
    meta = params.get("_meta")
    meta = meta if isinstance(meta, dict) else {}
    return {**msg, "params": {**params, "_meta": {**meta, **env}}}


def unsupported(rid: Any, requested: Any, supported: list[str]) -> Message:
    return {"jsonrpc": "2.0", "id": rid, "error": {
        "code": UNSUPPORTED_PROTOCOL_VERSION,
        "message": f"mcp-guard: unsupported protocol version {requested!r}",
        "data": {"supported": supported, "requested": requested if isinstance(requested, str) else str(requested)},
    }}


def uncached_list(result: dict[str, Any]) -> dict[str, Any]:
    """A list result (or a resource read) as it reaches a 2026-07-28 client. Review can hide or reveal an item at any
    moment (an approval, a rejection, a rug pull caught on the next list), and what a session sees
    depends on its profile: so the list may not be reused later (`ttlMs: 0`) nor shared with another
    authorization context (`cacheScope: "private"`), whatever the server said about its own list."""
    return {**result, "ttlMs": 0, "cacheScope": "private", "resultType": result.get("resultType", "complete")}


def complete(msg: Message, raw: bytes | None) -> tuple[Message, bytes | None]:
    """A response as a 2026-07-28 client must see it: a result says its `resultType` (a handshake
    server's results, and the proxy's own, have none; absent means "complete")."""
    result = msg.get("result")
    if isinstance(result, dict) and "resultType" not in result:
        return {**msg, "result": {**result, "resultType": "complete"}}, None
    return msg, raw


# An "ask" put to a 2026-07-28 client in band (see Relay._ask_in_band).
ASK_KEY = "mcp-guard-approve"
STATE_PREFIX = "mcp-guard:"


def new_state() -> str:
    import secrets

    return STATE_PREFIX + secrets.token_urlsafe(16)


def fingerprint(name: str, arguments: dict[str, Any], inputs: dict[str, Any] | None = None) -> str:
    """What a question was about: the call's name, arguments and every other input judged with them
    (a retry's other inputResponses and the server's requestState); an answer covers exactly these."""
    import json

    return json.dumps([name, arguments, inputs or {}], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def own_state(params: dict[str, Any]) -> str | None:
    """The `requestState` of a retry answering one of the proxy's questions, if it is one."""
    state = params.get("requestState")
    return state if isinstance(state, str) and state.startswith(STATE_PREFIX) else None


def without_own_state(params: dict[str, Any]) -> dict[str, Any]:
    """A retry's params as the server must see them: the proxy's question and its answer are its own."""
    out = {k: v for k, v in params.items() if k != "requestState"}
    responses = out.get("inputResponses")
    if isinstance(responses, dict):
        rest = {k: v for k, v in responses.items() if k != ASK_KEY}
        if rest:
            out["inputResponses"] = rest
        else:
            del out["inputResponses"]
    return out


def question(text: str, state: str) -> dict[str, Any]:
    """An `input_required` result asking the person, through the client, to allow a call."""
    return {
        "resultType": "input_required",
        "inputRequests": {ASK_KEY: {"method": "elicitation/create", "params": {
            "mode": "form",
            "message": text,
            "requestedSchema": {
                "type": "object",
                "properties": {"approve": {"type": "boolean", "title": "Allow this call?"}},
                "required": ["approve"],
            },
        }}},
        "requestState": state,
    }
