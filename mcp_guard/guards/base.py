"""The contract between the relay and the guards.

The relay calls every guard, in order, at each interception point; a guard overrides only the hooks
it needs. Hooks receive plain dicts (the JSON-RPC payloads as they are on the wire, camelCase), so a
guard that forwards an item forwards every field of it, known or not.

Order of a tools/call (see `mcp_guard.proxy.gate`): `check_call` of each guard until one does not
allow; an "ask" put to a person (`on_approved` of each guard when they say yes); then the upstream;
then `check_result` of each guard. Every decision is written to the audit log before the answer goes out.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Action = Literal["allow", "deny", "ask"]


@dataclass(frozen=True, slots=True)
class Decision:
    """A guard's answer, with a reason a person can read in one sentence."""

    action: Action
    reason: str = ""
    guard: str = ""  # which guard decided
    rule: str = ""  # which rule of that guard, for the audit log and reports
    question: str = ""  # for "ask": what to put to the person

    @property
    def allowed(self) -> bool:
        return self.action == "allow"


ALLOW = Decision("allow")


def allow(reason: str = "", *, guard: str = "", rule: str = "") -> Decision:
    return Decision("allow", reason, guard, rule)


def deny(reason: str, *, guard: str = "", rule: str = "") -> Decision:
    return Decision("deny", reason, guard, rule)


def ask(reason: str, question: str, *, guard: str = "", rule: str = "") -> Decision:
    return Decision("ask", reason, guard, rule, question)


class Upstream(Protocol):
    """What a guard may see of and do with one upstream server, whatever its transport."""

    name: str  # the name in the config (the namespace prefix)
    server_info: dict[str, Any]  # initialize result: serverInfo
    capabilities: dict[str, Any]
    instructions: str | None

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request of the proxy's own to the server and return its result."""
        ...


@dataclass(slots=True)
class SessionInfo:
    """One downstream client session."""

    id: str
    client_info: dict[str, Any] = field(default_factory=dict)
    client_capabilities: dict[str, Any] = field(default_factory=dict)
    intent: str | None = None
    profile: str | None = None
    # Guards may keep per-session state here under their own name (budgets, calls made so far).
    state: dict[str, Any] = field(default_factory=dict)
    # This client connection's own: one guard session (a `session start` token) may have several,
    # each with server processes of its own, so what a process serves is kept under this, not `id`.
    connection: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(slots=True)
class ToolCall:
    """A tools/call on its way to an upstream."""

    session: SessionInfo
    upstream: str  # config name of the upstream
    tool: str  # the tool's name on the upstream
    exposed_name: str  # the name the client used (namespaced when several upstreams)
    arguments: dict[str, Any]
    meta: dict[str, Any] | None = None
    # What else reaches the server with the call (2026-07-28: answers to its own questions in
    # `inputResponses`, its `requestState`): a value there is judged like one in the arguments.
    inputs: dict[str, Any] | None = None
    # The call was allowed already and is judged again for what its `inputs` add: a handshake-era
    # client's answer to the server's elicitation during the call (never charged to a budget twice).
    answering: bool = False
    # What guards read off this very call's arguments, kept by them so that each is computed once per
    # call (the fields above are never changed once the call is parsed).
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(slots=True)
class LaunchSpec:
    """How an upstream is about to be started; a guard may refuse it or point it at a verified copy."""

    upstream: str
    command: str | None
    args: list[str]
    env: dict[str, str | None]  # the whole environment the process gets (None: a name left out)
    cwd: str | None
    url: str | None


class LaunchRefused(Exception):
    """Raised by `prepare_launch` to stop an upstream from starting; the message reaches the client."""


ListKind = Literal["tools", "prompts", "resources", "resourceTemplates"]
ReadKind = Literal["prompt", "resource"]


class Guard:
    """Base class: every hook is a no-op that allows."""

    name = "guard"

    async def prepare_launch(self, spec: LaunchSpec) -> LaunchSpec:
        return spec

    async def on_session_start(self, session: SessionInfo) -> Mapping[str, Any] | None:
        """A session begins; what the guard returns goes into its `session.start` audit record."""
        return None

    async def filter_initialize(self, session: SessionInfo, upstream: Upstream,
                                result: dict[str, Any]) -> dict[str, Any]:
        """An upstream's initialize result (identity, instructions) on its way to the client."""
        return result

    async def on_upstream_ready(self, session: SessionInfo, upstream: Upstream) -> None:
        """After the upstream's initialize; a guard may fetch its lists here."""
        return None

    async def filter_list(
        self, session: SessionInfo, upstream: Upstream, kind: ListKind, items: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Items the upstream listed (its own names); return those the client may see."""
        return items

    async def on_list_changed(self, session: SessionInfo, upstream: Upstream, kind: ListKind) -> None:
        """The upstream said a list changed; calls wait until every guard's hook has returned."""
        return None

    async def check_call(self, call: ToolCall) -> Decision:
        return ALLOW

    async def check_answer(self, call: ToolCall) -> Decision:
        """A client's answer to a server's request made outside any call (`call.tool` is the request's
        method, its answer in `call.inputs`): data that reaches the server on its own."""
        return ALLOW

    async def on_approved(self, call: ToolCall) -> Decision | None:
        """A person said yes to a call some guard asked about: it goes ahead like an allowed one,
        unless this returns a refusal (what it counts, a budget, has no room left)."""
        return None

    async def check_read(self, session: SessionInfo, upstream: str, kind: ReadKind, name: str,
                         arguments: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> Decision:
        """A prompts/get (`name` is the prompt's name) or resources/read (`name` is the URI); `arguments`
        are the values the request hands the server (a prompt's arguments, a completion's); `meta` the
        request's `_meta` as forwarded (a progress token, trace context: for the secrets guard)."""
        return ALLOW

    async def check_result(self, call: ToolCall, result: dict[str, Any]) -> dict[str, Any] | Decision:
        """Return the result to send on (possibly changed), or a deny Decision to withhold it."""
        return result

    async def check_message(self, session: SessionInfo, upstream: str,
                            msg: dict[str, Any]) -> dict[str, Any] | Decision:
        """Any other message a server sends toward the model: a JSON-RPC error, the answer to
        prompts/get, resources/read or completion, a notification (logs, progress), a request
        (sampling, elicitation). Return it (possibly changed), or a deny
        Decision to withhold it."""
        return msg

    async def on_session_end(self, session: SessionInfo) -> None:
        return None
