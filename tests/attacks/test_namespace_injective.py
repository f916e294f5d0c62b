"""Class: namespaced names that lead to two upstreams (issue 10, finding 13).

With several upstreams a tool is exposed as UPSTREAM<sep>TOOL. Upstream names that could expose
the same name (`mail` and `mail_` with `__`: both give `mail___send_email`) are refused when the
config is read, with a one-line error; every config that is accepted routes each name back to the
one upstream that exposed it.
"""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcp_guard.config import parse_config
from mcp_guard.errors import ConfigError
from mcp_guard.proxy.routing import Router
from tests.attacks.client import write_config
from tests.clients import GUARD


def _config(names: list[str], separator: str = "__"):
    return parse_config({"proxy": {"separator": separator},
                         "upstreams": {n: {"command": "true"} for n in names}})


@pytest.mark.parametrize("names, separator", [
    (["mail", "mail_"], "__"), (["a", "a-"], "--"), (["x.", "x"], ".."), (["mail", "mail__x"], "__"),
    (["s", "s::"], "::"), (["ab", "ab_"], "__"),
])
def test_namespace_injective_ambiguous_names_refused(names, separator):
    with pytest.raises(ConfigError, match="ambiguous|contains the separator"):
        _config(names, separator)


def test_namespace_injective_one_line_error_from_run(tmp_path):
    config = write_config(tmp_path / "mcp-guard.toml", {"mail": (["true"], ""), "mail_": (["true"], "")})
    proc = subprocess.run([*GUARD, "--config", str(config), "run"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "ambiguous" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


NAME = st.text(alphabet="ab_-.", min_size=1, max_size=5).filter(lambda n: n[0].isalnum())
TOOL = st.text(alphabet="ab_-.", min_size=1, max_size=5)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(names=st.lists(NAME, min_size=2, max_size=4, unique=True), separator=st.sampled_from(["__", "_", "-", ".."]),
       tools=st.lists(TOOL, min_size=1, max_size=3))
def test_namespace_injective_every_accepted_config_routes_back(names, separator, tools):
    try:
        _config(names, separator)
    except ConfigError:
        return
    router = Router(names, separator)
    exposed = {}
    for upstream in names:
        for tool in tools:
            name = router.expose(upstream, tool)
            assert exposed.setdefault(name, (upstream, tool)) == (upstream, tool), name  # no two owners
            assert router.resolve(name) == (upstream, tool)
