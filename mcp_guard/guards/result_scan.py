"""ResultScanGuard: tool results are scanned for injected instructions and hidden text.

Per upstream (`[upstreams.NAME.scan] results = ...`): `off`, `record` (findings to the audit log,
result unchanged), `neutralise` (hidden characters and escapes stripped, every text wrapped in
untrusted-data markers, findings recorded) or `block` (a result with a finding is withheld: the
relay answers with an error that names the finding). Findings below `min_severity` are ignored.

Where (the scanner's `scan_text` / `scan_result` judge what): tool results; every other text a server
sends toward the model (`check_message`): JSON-RPC errors (message and data), prompts and resource
contents, notifications (logs, progress), server-initiated requests (sampling, elicitation), walked at
any depth. Under
`block` and `neutralise`, a payload nested deeper than the scanner walks is withheld whole (nothing
honest needs it, and what is not walked is not judged); a message other than a tool result that
carries a finding is withheld too (there is no "data" frame to wrap a log line or an error in).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from mcp_guard import result_pass
from mcp_guard.config import Config, ScanPolicy
from mcp_guard.guards.base import Decision, Guard, ListKind, SessionInfo, ToolCall, Upstream, deny

if TYPE_CHECKING:
    from mcp_guard.audit import AuditSink
    from mcp_guard.scan import Finding

log = logging.getLogger(__name__)

AUDIT_KIND = "scan.result"
STATE_KEY = "result_scan"  # session.state[STATE_KEY]: the findings of this session, newest last
MAX_KEPT = 100  # per session, in session.state
MAX_RECORDED = 20  # per result, in the audit log
BACKGROUND_GRACE = 10.0  # seconds a closing session waits for record-mode scans still running
MAX_BACKGROUND = 256  # record-mode scans of server messages in flight, at most
# A result with at most this many characters of text is scanned on the event loop: a worker thread's
# hand-off costs more than such a scan, and a scan holds the GIL in a thread too. Larger ones go to a
# thread, so the loop keeps serving other requests between its switch intervals.
INLINE_SCAN_CHARS = 16 * 1024


def _sc() -> Any:
    """The scanner: its signal tables take 0.2-0.4 s of CPU to build, so it is imported in a thread
    once the client has listed (`filter_list`), not before the proxy can answer its first list."""
    from mcp_guard import scan

    return scan


def _warm() -> None:
    try:
        _sc()
    except Exception:  # noqa: BLE001 - the first scan imports it again and reports the error there
        pass


class ResultScanGuard(Guard):
    name = "result_scan"

    def __init__(self, config: Config, store: Any = None, audit: AuditSink | None = None) -> None:
        """`audit`: the proxy's audit sink; by default one over `store` (or the config's database),
        opened when first needed."""
        self.config = config
        self._store = store
        self._audit = audit
        self._default = ScanPolicy()
        self._background: set[asyncio.Task[None]] = set()  # record-mode scans after the answer
        self._warming = False

    async def filter_list(self, session: SessionInfo, upstream: Upstream, kind: ListKind,
                          items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Lists pass unchanged; the first one starts importing the scanner in a thread: the client
        is ready to call (its first result needs the scanner), and its start did not wait for it."""
        if not self._warming:
            self._warming = True
            threading.Thread(target=_warm, name="mcp-guard-scanner-import", daemon=True).start()
        return items

    def policy(self, upstream: str) -> ScanPolicy:
        cfg = self.config.upstreams.get(upstream)
        return cfg.scan if cfg else self._default

    async def check_result(self, call: ToolCall, result: dict[str, Any]) -> dict[str, Any] | Decision:
        policy = self.policy(call.upstream)
        if policy.results == "off":
            return result
        if policy.results == "record":
            # Recording changes nothing the client gets: scan after the answer has gone out.
            task = asyncio.get_running_loop().create_task(self._scan_and_record(call, result, policy))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return result
        if too_deep(result.get("structuredContent"), _sc().MAX_NESTING):
            await self._record(call.session, call.upstream, call.tool, policy.results, [_deep_finding()])
            return deny(f"result of {call.exposed_name} withheld: nested deeper than {_sc().MAX_NESTING} levels",
                        guard=self.name, rule="too-deep")
        findings = self._findings(result, policy)
        if findings:
            await self._record(call.session, call.upstream, call.tool, policy.results, findings)
        if policy.results == "neutralise":
            return _sc().neutralise_result(result, source=call.exposed_name, findings=findings)
        if policy.results == "block" and findings:
            worst = max(findings, key=lambda f: _sc().RANK[f.severity])
            return deny(
                f"result of {call.exposed_name} withheld: {worst.kind} ({worst.severity}) in {worst.field}: "
                f"{worst.explanation}",
                guard=self.name,
                rule=worst.kind,
            )
        return result

    @staticmethod
    def _findings(result: dict[str, Any], policy: ScanPolicy) -> list[Finding]:
        sc = _sc()
        floor = sc.RANK[policy.min_severity]
        found: list[Finding] = []
        scanned: set[tuple[str, str]] = set()
        for field, text in sc.result_texts(result):
            scanned.add((field, text))
            found += [f for f in result_pass.findings(text, field) if sc.RANK[f.severity] >= floor]
        # Every other string of the result reaches the client as well (`_meta`, annotations, fields a
        # content item should not have, blobs of a text type, the keys): scanned as text, each finding
        # once. A (field, text) scanned above is not scanned again: its findings would be the same.
        seen = {(f.kind, f.excerpt) for f in found}
        others = [t for t in message_texts(result, sc.MAX_NESTING) or [] if t not in scanned]
        for f in ResultScanGuard._text_findings(others, policy):
            if (f.kind, f.excerpt) not in seen:
                seen.add((f.kind, f.excerpt))
                found.append(f)
        return found

    async def _scan_and_record(self, call: ToolCall, result: dict[str, Any], policy: ScanPolicy) -> None:
        await anyio.sleep(0)  # let the relay send the answer first
        if _text_size(result) <= INLINE_SCAN_CHARS:
            findings = self._findings(result, policy)
        else:
            findings = await anyio.to_thread.run_sync(self._findings, result, policy)
        if findings:
            await self._record(call.session, call.upstream, call.tool, "record", findings)

    async def check_message(self, session: SessionInfo, upstream: str,
                            msg: dict[str, Any]) -> dict[str, Any] | Decision:
        policy = self.policy(upstream)
        if policy.results == "off":
            return msg
        key = "error" if "error" in msg else "result" if "result" in msg else "params"
        what = msg.get("method") or ("error" if key == "error" else "answer")
        payload = msg.get(key)
        if policy.results == "record":
            if len(self._background) >= MAX_BACKGROUND:  # a flood of messages: recording is best effort
                return msg
            scan = self._record_message(session, upstream, what, payload, policy)
            task = asyncio.get_running_loop().create_task(scan)
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return msg
        texts = message_texts(payload, _sc().MAX_NESTING)
        if texts is None:
            await self._record(session, upstream, what, policy.results, [_deep_finding()])
            return deny(f"{what} from {upstream!r} withheld: nested deeper than {_sc().MAX_NESTING} levels",
                        guard=self.name, rule="too-deep")
        findings = self._text_findings(texts, policy)
        if findings:
            await self._record(session, upstream, what, policy.results, findings)
            worst = max(findings, key=lambda f: _sc().RANK[f.severity])
            return deny(f"{what} from {upstream!r} withheld: {worst.kind} ({worst.severity}) in {worst.field}: "
                        f"{worst.explanation}", guard=self.name, rule=worst.kind)
        if policy.results == "neutralise":
            return {**msg, key: _strip_every(payload)}
        return msg

    @staticmethod
    def _text_findings(texts: list[tuple[str, str]], policy: ScanPolicy) -> list[Finding]:
        rank = _sc().RANK
        floor = rank[policy.min_severity]
        return [f for field, text in texts for f in _scan(text, field) if rank[f.severity] >= floor]

    async def _record_message(self, session: SessionInfo, upstream: str, what: str, payload: Any,
                              policy: ScanPolicy) -> None:
        await anyio.sleep(0)
        texts = message_texts(payload, _sc().MAX_NESTING)
        if texts is None:
            findings = [_deep_finding()]
        elif sum(len(t) for _, t in texts) <= INLINE_SCAN_CHARS:
            findings = self._text_findings(texts, policy)
        else:
            findings = await anyio.to_thread.run_sync(self._text_findings, texts, policy)
        if findings:
            await self._record(session, upstream, what, "record", findings)

    async def on_session_end(self, session: SessionInfo) -> None:
        """Scans still running when the session ends are finished (and recorded), within a bound."""
        pending = [t for t in self._background if not t.done()]
        if pending:
            with anyio.move_on_after(BACKGROUND_GRACE):
                await asyncio.gather(*pending, return_exceptions=True)

    async def _record(self, session: SessionInfo, upstream: str, tool: str, action: str,
                      findings: list[Finding]) -> None:
        kept = session.state.setdefault(STATE_KEY, [])
        kept.extend({"upstream": upstream, "tool": tool, **f.to_dict()} for f in findings)
        del kept[:-MAX_KEPT]
        data = {
            "upstream": upstream,
            "tool": tool,
            "action": action,
            "findings": [f.to_dict() for f in findings[:MAX_RECORDED]],
            "count": len(findings),
        }
        try:
            await (self._audit or self._open_audit()).record(AUDIT_KIND, session.id, data)
        except Exception as err:  # a failing audit must not break the call path; say so in the log
            log.warning("result scan: could not record findings for %s/%s: %s", upstream, tool, err)

    def _open_audit(self) -> AuditSink:
        from mcp_guard.audit import AuditLog, AuditSink, AuditWriter

        if self._store is None:
            from mcp_guard.store import open_store

            self._store = open_store(self.config.database)
        self._audit = AuditSink(AuditWriter(AuditLog(self._store)))
        return self._audit


def _scan(text: str, field: str) -> Iterable[Finding]:
    """The scanner's findings for a text: one pass shared with the intent record (`result_pass`), and
    remembered for short texts (the keys and enum values of results repeat in every one)."""
    return result_pass.findings(text, field)


def _text_size(result: dict[str, Any]) -> int:
    """Characters of text in a result, about (strings at any depth; keys and numbers left out)."""
    total, stack = 0, [result]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        if total > INLINE_SCAN_CHARS:
            break
    return total


MAX_BLOB_TEXT = 1 << 20  # bytes of a text-typed blob that are scanned
# Binary payloads (images, audio, blobs) are not text the model reads as words.
_BINARY_KEYS = frozenset({"blob", "data"})


def too_deep(node: Any, limit: int) -> bool:
    """Whether JSON nests deeper than `limit` levels (an explicit stack: no recursion limit to hit)."""
    stack = [(node, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def message_texts(node: Any, limit: int) -> list[tuple[str, str]] | None:
    """Every string of a payload, dict keys included, as (path, text); None if it nests past `limit`."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, str, int]] = [(node, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            found.append((path or "value", item))
        elif isinstance(item, dict | list):
            if depth >= limit:
                return None
            if isinstance(item, list):
                stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item))
                continue
            binary = "mimeType" in item or item.get("type") in ("image", "audio")
            for k, v in item.items():
                if not isinstance(k, str):
                    continue
                if len(k) > 2:  # a key is text the model may read as well
                    found.append((f"{path}.{k}(key)", k))
                if not (binary and k in _BINARY_KEYS):
                    stack.append((v, f"{path}.{k}" if path else k, depth + 1))
                elif k == "blob" and isinstance(v, str) and _textual(item.get("mimeType")):
                    decoded = _decoded_text(v)
                    if decoded is not None:
                        found.append((f"{path}.blob(decoded)" if path else "blob(decoded)", decoded))
    return found


def _textual(mime: Any) -> bool:
    """A MIME type whose bytes a client may show as text."""
    if not isinstance(mime, str):
        return False
    mime = mime.split(";", 1)[0].strip().lower()
    return mime.startswith("text/") or mime.endswith(("+json", "+xml", "/json", "/xml", "/javascript", "/yaml"))


def _decoded_text(blob: str) -> str | None:
    import base64
    import binascii

    try:
        return base64.b64decode(blob[: (MAX_BLOB_TEXT // 3 + 1) * 4], validate=False).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def _strip_every(node: Any) -> Any:
    """A copy with hidden characters and escapes removed from every string (depth already bounded)."""
    if isinstance(node, str):
        return _sc().strip_hidden(node)
    if isinstance(node, dict):
        return {k: _strip_every(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_strip_every(v) for v in node]
    return node


def _deep_finding() -> Finding:
    sc = _sc()
    return sc.Finding("too_deep", "high", "", 0, 0, "", f"JSON nested deeper than {sc.MAX_NESTING} levels: not scanned")
