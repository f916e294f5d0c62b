"""Class: held resources read under another name (issue 10, finding 7).

A held (unreviewed) resource must not be readable by any spelling of its URI (RFC 3986 variants:
scheme and host case, percent-encoding, dot segments, a fragment, a trailing or doubled slash), nor
through a held resource template, nor reachable by `completion/complete` or `resources/subscribe`.
"""

from __future__ import annotations

import pytest

from tests.attacks.client import Attacker, Scripted, write_config

SECRET = "file:///srv/Secret.txt"
RESOURCES = [{"uri": SECRET, "name": "secret", "description": "Held until reviewed."}]
TEMPLATES = [{"uriTemplate": "notes://day/{date}", "name": "day", "description": "Held until reviewed."}]
PROMPTS = [{"name": "summary", "description": "Held until reviewed.", "arguments": [{"name": "topic"}]}]
VARIANTS = [
    SECRET, "FILE:///srv/Secret.txt", "file:///SRV/secret.txt", "file:///srv/Secret.txt/", "file:///srv/%53ecret.txt",
    "file:///srv/Secret%2Etxt", "file:///srv/Secret.txt#top", "file:///srv/./Secret.txt", "file:///srv/x/../Secret.txt",
    "file://localhost/srv/Secret.txt", "file:///srv//Secret.txt", "file:///srv\\Secret.txt", "file:///srv/%2553ecret.txt",
    "file:/srv/Secret.txt", "file:///srv/Secret.txt?download=1", "file:///srv/Secret.txt;v=2", "file:///srv/Secret.txt.",
    "file:///srv/Secret.txt%23x", "file:///srv/Secret.tx%74", "file:///srv/Secret.txt/.",
    "notes://day/2026-12-01", "NOTES://day/2026-12-01/", "notes://day/../day/x#y",
]


def _proxy(tmp_path, namespaced: bool):
    spec = Scripted(tmp_path / "spec.json", resources=RESOURCES, resourceTemplates=TEMPLATES, prompts=PROMPTS)
    upstreams = {"files": (spec.command, "")}
    if namespaced:
        other = Scripted(tmp_path / "other.json")
        upstreams["other"] = (other.command, "")
    return spec, write_config(tmp_path / "mcp-guard.toml", upstreams)


@pytest.mark.parametrize("namespaced", [False, True])
def test_resource_uri_variants_of_held_items_refused(tmp_path, namespaced):
    spec, config = _proxy(tmp_path, namespaced)
    with Attacker(config, *([] if namespaced else ["--upstream", "files"])) as client:
        client.open()
        for uri in VARIANTS:
            for method in ("resources/read", "resources/subscribe"):
                answer = client.request(method, {"uri": uri})
                assert "error" in answer, (method, uri, answer)
        prompt = "files__summary" if namespaced else "summary"
        for ref in ({"type": "ref/prompt", "name": prompt}, {"type": "ref/resource", "uri": "notes://day/{date}"},
                    {"type": "ref/resource", "uri": "FILE:///srv/Secret.txt/"}):
            answer = client.request("completion/complete", {"ref": ref, "argument": {"name": "x", "value": ""}})
            assert "error" in answer, (ref, answer)
        if not namespaced:  # an unrelated URI the server never listed is not an item of review
            assert "result" in client.request("resources/read", {"uri": "weather://today"})
    for method in ("resources/read", "resources/subscribe", "completion/complete"):
        reached = [m["params"] for m in spec.received(method)]
        assert reached == ([{"uri": "weather://today"}] if method == "resources/read" and not namespaced else []), \
            reached
