"""What an operator watches: Prometheus metrics and OpenTelemetry traces of the calls mcp-guard judges.

One object, `Telemetry`, per proxy process:
- `observed(handler)` wraps the `tools/call` handler: each call gets a span (when traces are on,
  a child of the `traceparent` the client put in `params._meta`, W3C trace context) and, at its
  end, one `CallOutcome` given to `observe_call`;
- inside the call, `note_decision(call, decision)` records what the guards decided, and the
  upstream connection brackets its exchange with `upstream_started()` / `upstream_ended()` and
  carries the span on with `with_traceparent(msg)` (the call's own `traceparent` in `_meta`);
  these read the call being served from a context variable, so nothing is passed through the relay;
- `render()` is the text of `/metrics`; `watch_audit(writer)` times audit records until they are
  on disk; `held` (a callable) counts what waits for a person when scraped.

Metrics (`mcp_guard_` prefix): `calls_total{upstream,tool,decision}`, `call_proxy_seconds` (the
proxy's own time: the call's whole time less the upstream's) and `call_upstream_seconds`
histograms by upstream, `held_items{kind}` (review items pending; calls held for a person),
`audit_lag_seconds` (from a record's submission to its commit) and `audit_pending_records`.

Tool names come from clients: past `MAX_TOOLS` names per upstream the label is `(other)`, so a
client cannot grow the metrics without bound. Traces are off unless configured (`[telemetry]
traces = "otlp"`, which needs the `otlp` extra) or a tracer provider is given (tests).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp_guard.config import TelemetrySettings
    from mcp_guard.guards.base import Decision, ToolCall

log = logging.getLogger("mcp_guard.telemetry")

MAX_TOOLS = 500  # distinct tool labels per upstream
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

Message = dict[str, Any]


@dataclass(slots=True)
class CallOutcome:
    """One tools/call as the operator sees it."""

    upstream: str  # "" when the call named no known upstream
    tool: str
    decision: str  # allow | deny | ask | withheld (the result) | error (not judged: bad request, no route)
    seconds: float  # the whole call, in the proxy
    upstream_seconds: float | None  # the upstream's part; None when it was not reached


class _Call:
    """The call being served, in a context variable of its task."""

    __slots__ = ("started", "upstream", "tool", "decision", "up_started", "up_seconds", "span")

    def __init__(self, span: Any) -> None:
        self.started = time.perf_counter()
        self.upstream = ""
        self.tool = ""
        self.decision: str | None = None
        self.up_started: float | None = None
        self.up_seconds: float | None = None
        self.span = span


_current: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("mcp_guard_call", default=None)


def note_decision(call: ToolCall, decision: Decision, *, stage: str = "call") -> None:
    """What the guards decided about the call being served (its result, with stage="result")."""
    current = _current.get()
    if current is None:
        return
    current.upstream, current.tool = call.upstream, call.tool
    if stage == "result":
        current.decision = "withheld"
    elif decision.allowed:
        current.decision = "allow"
    else:
        current.decision = decision.action  # deny, or ask (put to a person or held)
    if current.span is not None:
        current.span.set_attribute("mcp_guard.upstream", call.upstream)
        current.span.set_attribute("mcp_guard.tool", call.tool)
        current.span.set_attribute("mcp_guard.decision", current.decision)
        current.span.set_attribute("mcp_guard.guard", decision.guard or "")
        if decision.rule:
            current.span.set_attribute("mcp_guard.rule", decision.rule)


def upstream_started() -> None:
    current = _current.get()
    if current is not None:
        current.up_started = time.perf_counter()


def upstream_ended() -> None:
    current = _current.get()
    if current is not None and current.up_started is not None:
        current.up_seconds = time.perf_counter() - current.up_started


def with_traceparent(msg: Message) -> Message:
    """The request with the call's span as W3C `traceparent` (and `tracestate`) in `params._meta`;
    unchanged when no span is being recorded."""
    current = _current.get()
    if current is None or current.span is None:
        return msg
    from opentelemetry.trace import set_span_in_context
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    params = msg.get("params")
    params = params if isinstance(params, dict) else {}
    meta = params.get("_meta")
    carrier: dict[str, Any] = {k: v for k, v in meta.items() if k not in ("traceparent", "tracestate")} \
        if isinstance(meta, dict) else {}
    TraceContextTextMapPropagator().inject(carrier, context=set_span_in_context(current.span))
    return {**msg, "params": {**params, "_meta": carrier}}


class Telemetry:
    def __init__(self, settings: TelemetrySettings | None = None, *, tracer_provider: Any = None,
                 held: Callable[[], dict[str, int]] | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self.calls = Counter("mcp_guard_calls", "tools/call requests by upstream, tool and decision",
                             ["upstream", "tool", "decision"], registry=self.registry)
        self.proxy_seconds = Histogram("mcp_guard_call_proxy_seconds", "The proxy's own time per call "
                                       "(the whole call less the upstream's part)", ["upstream"],
                                       buckets=LATENCY_BUCKETS, registry=self.registry)
        self.upstream_seconds = Histogram("mcp_guard_call_upstream_seconds", "The upstream's time per call",
                                          ["upstream"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.audit_lag = Histogram("mcp_guard_audit_lag_seconds", "From an audit record's submission to its "
                                   "commit", buckets=LATENCY_BUCKETS, registry=self.registry)
        self.audit_pending = Gauge("mcp_guard_audit_pending_records", "Audit records submitted and not yet "
                                   "committed", registry=self.registry)
        if held is not None:
            self.registry.register(_HeldCollector(held))
        self._tools: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self.tracer = None
        if tracer_provider is None and settings is not None and settings.traces == "otlp":
            tracer_provider = _otlp_provider(settings)
        if tracer_provider is not None:
            from mcp_guard import __version__

            self.tracer = tracer_provider.get_tracer("mcp-guard", __version__)

    # -- calls -----------------------------------------------------------------------------------

    def observed(self, handler: Callable[[Message, bytes | None], Awaitable[Any]]
                 ) -> Callable[[Message, bytes | None], Awaitable[Any]]:
        """The tools/call handler, with a span and an outcome for each call."""

        async def observe(msg: Message, raw: bytes | None) -> Any:
            with self._span(msg) as span:
                current = _Call(span)
                token = _current.set(current)
                response = None
                try:
                    response = await handler(msg, raw)
                    return response
                finally:
                    _current.reset(token)
                    self.observe_call(self._outcome(current, msg, response))

        return observe

    def _outcome(self, current: _Call, msg: Message, response: Any) -> CallOutcome:
        decision = current.decision
        if decision is None:
            decision = "error"
        if current.span is not None:
            current.span.set_attribute("mcp_guard.decision", decision)
            if isinstance(response, tuple) and isinstance(response[0], dict):
                answer = response[0]
                result = answer.get("result")
                if "error" in answer or (isinstance(result, dict) and result.get("isError")):
                    from opentelemetry.trace import Status, StatusCode

                    current.span.set_status(Status(StatusCode.ERROR))
        name = current.tool
        if not name:
            params = msg.get("params")
            name = params.get("name") if isinstance(params, dict) and isinstance(params.get("name"), str) else ""
        return CallOutcome(current.upstream, name, decision, time.perf_counter() - current.started, current.up_seconds)

    def observe_call(self, outcome: CallOutcome) -> None:
        tool = self._tool_label(outcome.upstream, outcome.tool) if outcome.upstream else "(unknown)"
        self.calls.labels(outcome.upstream, tool, outcome.decision).inc()
        own = outcome.seconds - (outcome.upstream_seconds or 0.0)
        self.proxy_seconds.labels(outcome.upstream).observe(max(own, 0.0))
        if outcome.upstream_seconds is not None:
            self.upstream_seconds.labels(outcome.upstream).observe(outcome.upstream_seconds)

    def _tool_label(self, upstream: str, tool: str) -> str:
        with self._lock:
            seen = self._tools.setdefault(upstream, set())
            if tool in seen:
                return tool
            if len(seen) >= MAX_TOOLS:
                return "(other)"
            seen.add(tool)
            return tool

    def _span(self, msg: Message) -> Any:
        """The call's span (a child of the client's `traceparent`, if it sent one), or nothing."""
        if self.tracer is None:
            return _no_span()
        from opentelemetry.trace import SpanKind
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        params = msg.get("params")
        params = params if isinstance(params, dict) else {}
        meta = params.get("_meta")
        parent = None
        if isinstance(meta, dict) and isinstance(meta.get("traceparent"), str):
            carrier = {k: meta[k] for k in ("traceparent", "tracestate") if isinstance(meta.get(k), str)}
            parent = TraceContextTextMapPropagator().extract(carrier)
        name = params.get("name") if isinstance(params.get("name"), str) else ""
        return self.tracer.start_as_current_span(
            f"tools/call {name}".strip(), context=parent, kind=SpanKind.SERVER,
            attributes={"mcp.method.name": "tools/call", "gen_ai.tool.name": name},
            record_exception=True)

    # -- the audit trail -------------------------------------------------------------------------

    def watch_audit(self, writer: Any) -> None:
        """Time each record from submission to commit (`writer.submit` returns a Future resolved then)."""
        submit = writer.submit

        def timed(kind: str, session_id: str | None, data: Any) -> Any:
            fut = submit(kind, session_id, data)
            start = time.perf_counter()
            self.audit_pending.inc()

            def done(_: Any) -> None:
                self.audit_pending.dec()
                self.audit_lag.observe(time.perf_counter() - start)

            fut.add_done_callback(done)
            return fut

        writer.submit = timed

    # -- /metrics --------------------------------------------------------------------------------

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _no_span:  # noqa: N801 - used like a context manager function
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


class _HeldCollector:
    """`held_items{kind}`, counted when scraped (the store is the truth: other processes hold too)."""

    def __init__(self, count: Callable[[], dict[str, int]]) -> None:
        self._count = count

    def describe(self) -> Iterator[Any]:
        return iter(())

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily("mcp_guard_held_items", "What waits for a person: review items pending, "
                                   "calls held for approval", labels=["kind"])
        try:
            counts = self._count()
        except Exception as err:  # noqa: BLE001 - a scrape must not fail on a busy database
            log.warning("held items not counted: %s", err)
            counts = {}
        for kind, n in counts.items():
            family.add_metric([kind], n)
        yield family


def _otlp_provider(settings: TelemetrySettings) -> Any:
    from mcp_guard.errors import ConfigError

    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        raise ConfigError("telemetry.traces = \"otlp\" needs the OTLP exporter: "
                          "pip install 'mcp-guard[otlp]'") from None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint) if settings.otlp_endpoint else OTLPSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider
