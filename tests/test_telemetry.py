"""Metrics at `serve`'s `/metrics` (read with prometheus_client's own parser) and OpenTelemetry traces
of real calls (the SDK's in-memory exporter), with the `traceparent` an upstream receives."""

from __future__ import annotations

import json

import anyio
import httpx2 as httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from prometheus_client.parser import text_string_to_metric_families

from mcp_guard.config import load_config
from mcp_guard.proxy.channels import StreamChannel
from mcp_guard.proxy.runner import Proxy, new_session
from tests.clients import fixture, serving, upstream_toml, write_config

pytestmark = pytest.mark.anyio

SHARED = fixture("shared_server.py")
ECHO = fixture("echo_server.py")


@pytest.fixture
def anyio_backend():
    return "asyncio"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, parsed by prometheus_client: (name, sorted labels) -> value."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_metrics_after_real_calls(tmp_path, home):
    config = write_config(tmp_path / "mcp-guard.toml",
                          upstream_toml("tools", SHARED, 'trust = "tofu"\ntools.deny = ["crash"]')
                          + upstream_toml("held", ECHO))  # trust = "review": its tools wait for a person
    with serving(config) as base:
        async with streamable_http_client(f"{base}/mcp") as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            await s.list_tools()
            for text in ("one", "two"):
                assert (await s.call_tool("tools__echo", {"text": text})).content[0].text == text
            denied = await s.call_tool("tools__crash", {})
            assert denied.is_error
            held = await s.call_tool("held__echo", {"text": "x"})
            assert held.is_error and "awaits review" in held.content[0].text
        scrape = httpx.get(f"{base}/metrics")
    assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")
    samples = _samples(scrape.text)

    def calls(upstream: str, tool: str, decision: str) -> float:
        return samples.get(("mcp_guard_calls_total", (("decision", decision), ("tool", tool),
                                                      ("upstream", upstream))), 0)

    assert calls("tools", "echo", "allow") == 2
    assert calls("tools", "crash", "deny") == 1
    assert calls("held", "echo", "deny") == 1
    assert samples[("mcp_guard_call_proxy_seconds_count", (("upstream", "tools"),))] == 3
    assert samples[("mcp_guard_call_upstream_seconds_count", (("upstream", "tools"),))] == 2  # denied: not reached
    assert ("mcp_guard_call_upstream_seconds_count", (("upstream", "held"),)) not in samples
    assert samples[("mcp_guard_held_items", (("kind", "review"),))] >= 2  # held's echo and blob
    assert samples[("mcp_guard_held_items", (("kind", "call"),))] == 0
    assert samples[("mcp_guard_audit_lag_seconds_count", ())] >= 4  # session start and each call at least
    assert samples[("mcp_guard_audit_pending_records", ())] == 0


def test_metrics_need_the_serve_token_when_one_is_set(tmp_path, home):
    config = write_config(tmp_path / "mcp-guard.toml", '[serve]\ntoken = "env:TEST_GUARD_TOKEN"\n\n'
                          + upstream_toml("echo", ECHO, 'trust = "tofu"'))
    with serving(config, env={"TEST_GUARD_TOKEN": "s3cret-token"}) as base:
        assert httpx.get(f"{base}/metrics").status_code == 401
        assert httpx.get(f"{base}/metrics", headers={"authorization": "Bearer nope"}).status_code == 401
        assert httpx.get(f"{base}/metrics", headers={"host": "evil.example"}).status_code == 421
        good = httpx.get(f"{base}/metrics", headers={"authorization": "Bearer s3cret-token"})
        assert good.status_code == 200 and "mcp_guard_calls" in good.text


async def test_one_span_per_call_and_the_upstream_sees_its_traceparent(tmp_path, home):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    path = write_config(tmp_path / "mcp-guard.toml",
                        upstream_toml("tools", SHARED, 'trust = "tofu"\ntools.deny = ["crash"]'))
    proxy = Proxy(load_config(path), ["tools"])
    proxy.enable_telemetry(provider)
    to_proxy, from_client = anyio.create_memory_object_stream(64)
    to_client, from_proxy = anyio.create_memory_object_stream(64)
    client_trace = "0af7651916cd43dd8448eb211c80319c"
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(proxy.serve_session, StreamChannel(from_client, to_client, label="client",
                                                             server_side=True), new_session())
            async with ClientSession(from_proxy, to_proxy) as s:
                await s.initialize()
                seen = json.loads((await s.call_tool("meta", {})).content[0].text)
                assert (await s.call_tool("crash", {})).is_error
                child = json.loads((await s.call_tool(
                    "meta", {}, meta={"traceparent": f"00-{client_trace}-b7ad6b7169203331-01"})).content[0].text)
            await to_proxy.aclose()
            tg.cancel_scope.cancel()
    finally:
        proxy.close()
    spans = exporter.get_finished_spans()
    assert [(s.name, s.attributes["mcp_guard.decision"]) for s in spans] == [
        ("tools/call meta", "allow"), ("tools/call crash", "deny"), ("tools/call meta", "allow")]
    first, denied, third = spans
    assert denied.attributes["mcp_guard.guard"] and denied.attributes["gen_ai.tool.name"] == "crash"
    assert {(s.attributes["mcp_guard.upstream"], s.attributes["mcp_guard.tool"]) for s in spans} == {
        ("tools", "meta"), ("tools", "crash")}
    # W3C trace context: the server got the proxy's span as its parent, in `_meta`.
    ctx = first.get_span_context()
    assert seen["traceparent"] == f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"
    # A client's own traceparent makes the proxy's span its child, and the server sees the proxy's.
    third_ctx = third.get_span_context()
    assert f"{third_ctx.trace_id:032x}" == client_trace and third.parent.span_id == 0xB7AD6B7169203331
    assert child["traceparent"].startswith(f"00-{client_trace}-{third_ctx.span_id:016x}-")
