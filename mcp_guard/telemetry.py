"""What an operator watches: Prometheus metrics and OpenTelemetry traces of the calls mcp-guard judges.

One object, `Telemetry`, per proxy process:
- `observed(handler)` wraps the `tools/call` handler: each call gets a span (when traces are on,
  a child of the `traceparent` the client put in `params._meta`, W3C trace context), kept in a
  context variable of the call's task, so the upstream connection carries it on with
  `with_traceparent(msg)` (the call's own `traceparent` in `_meta`) and nothing is passed through
  the relay;
- `observe_call` is one of the call gate's observers: it is given the gate's `CallOutcome` of
  each governed call (upstream, tool, decision, the proxy's and the upstream's time), counts it and
  puts it on the call's span; a call that never reached the gate (a bad request, no route) is
  counted as "error" when its handler ends;
- `render()` is the text of `/metrics`; `watch_audit(writer)` times audit records until they are
  on disk; `held` (a callable) counts what waits for a person when scraped.

Metrics (`mcp_guard_` prefix): `calls_total{upstream,tool,decision}`, `call_proxy_seconds` (the
proxy's own time: the call's whole time less the upstream's) and `call_upstream_seconds`
histograms by upstream, `held_items{kind}` (review items pending; calls held for a person),
`audit_lag_seconds` (from a record's submission to its commit) and `audit_pending_records`.

Tool names come from clients: a name becomes a label (and a span's name and attributes) only when
its upstream listed a tool of that name (`listed`), and is at most `MAX_LABEL` characters; any
other is `(unknown)`, so a client cannot write its own text into the operator's monitoring. Past
`MAX_TOOLS` names per upstream the label is `(other)`. Traces are off unless configured (`[telemetry]
traces = "otlp"`, which needs the `otlp` extra) or a tracer provider is given (tests).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp_guard.config import TelemetrySettings
    from mcp_guard.proxy.gate import CallOutcome

log = logging.getLogger("mcp_guard.telemetry")

MAX_TOOLS = 500  # distinct tool labels per upstream
MAX_LABEL = 128  # characters of a tool label (the protocol's longest tool name)
UNKNOWN = "(unknown)"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

Message = dict[str, Any]


class _Call:
    """The call being served, in a context variable of its task."""

    __slots__ = ("started", "observed", "span", "name")

    def __init__(self, span: Any, name: str) -> None:
        self.started = time.perf_counter()
        self.observed = False  # the gate gave its outcome
        self.span = span
        self.name = name  # the tool name the client used (its text: shown only for a listed tool)


_current: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("mcp_guard_call", default=None)


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
                 held: Callable[[], dict[str, int]] | None = None,
                 listed: Callable[[str, str], bool] | None = None) -> None:
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
        self._listed = listed or (lambda upstream, tool: False)  # (upstream, its tool name): listed by it?
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
            params = msg.get("params")
            name = params.get("name") if isinstance(params, dict) else None
            with self._span(msg) as span:
                current = _Call(span, name if isinstance(name, str) else "")
                token = _current.set(current)
                try:
                    return await handler(msg, raw)
                finally:
                    _current.reset(token)
                    if not current.observed:  # never reached the gate: a bad request, no route
                        if span is not None:
                            span.set_attribute("mcp_guard.decision", "error")
                        self._count("", "", "error", time.perf_counter() - current.started, None)

        return observe

    def observe_call(self, outcome: CallOutcome) -> None:
        """The gate's outcome of a governed request: tools/call ones are counted and timed."""
        if outcome.method != "tools/call":
            return
        label = self._tool_label(outcome.upstream, outcome.name)
        current = _current.get()
        if current is not None:
            current.observed = True
            if current.span is not None:
                current.span.update_name(f"tools/call {label}")
                current.span.set_attribute("mcp_guard.upstream", outcome.upstream)
                current.span.set_attribute("mcp_guard.tool", label)
                if label not in (UNKNOWN, "(other)") and len(current.name) <= MAX_LABEL:
                    current.span.set_attribute("gen_ai.tool.name", current.name)
                current.span.set_attribute("mcp_guard.decision", outcome.decision)
                current.span.set_attribute("mcp_guard.guard", outcome.guard or "")
                if outcome.error:
                    from opentelemetry.trace import Status, StatusCode

                    current.span.set_status(Status(StatusCode.ERROR))
        self._count(outcome.upstream, label, outcome.decision, outcome.proxy_seconds,
                    outcome.upstream_seconds if outcome.upstream_seconds else None)

    def _count(self, upstream: str, label: str, decision: str, own: float, upstream_seconds: float | None) -> None:
        self.calls.labels(upstream, label or UNKNOWN, decision).inc()
        self.proxy_seconds.labels(upstream).observe(max(own, 0.0))
        if upstream_seconds is not None:
            self.upstream_seconds.labels(upstream).observe(upstream_seconds)

    def _tool_label(self, upstream: str, tool: str) -> str:
        """The label of a call's tool: its name if its upstream listed it, else `(unknown)`."""
        if not upstream or not tool or len(tool) > MAX_LABEL or not self._listed(upstream, tool):
            return UNKNOWN
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
        # Named after the tool once the gate has routed it to a listed one (`observe_call`).
        return self.tracer.start_as_current_span(
            "tools/call", context=parent, kind=SpanKind.SERVER,
            attributes={"mcp.method.name": "tools/call"}, record_exception=True)

    # -- the audit trail -------------------------------------------------------------------------

    def watch_audit(self, writer: Any) -> None:
        """Time each record from its hand-over to its commit, whichever way the writer takes it (its
        `observe` hook gets the Future its commit resolves)."""

        def timed(fut: Any) -> None:
            start = time.perf_counter()
            self.audit_pending.inc()

            def done(_: Any) -> None:
                self.audit_pending.dec()
                self.audit_lag.observe(time.perf_counter() - start)

            fut.add_done_callback(done)

        writer.observe = timed

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
