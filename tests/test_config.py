"""The config file format: the README's example is valid, and mistakes name the file and field."""

from __future__ import annotations

import re
import tomllib

import pytest

from mcp_guard.config import load_config, parse_config
from mcp_guard.errors import ConfigError
from tests.support import REPO


def test_the_readme_example_is_a_valid_config():
    block = re.search(r"```toml\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    assert block, "README.md has no toml example"
    config = parse_config(tomllib.loads(block.group(1)))
    assert config.upstreams["filesystem"].provenance.mode == "enforce"
    assert config.profiles["support"].grants == ["CRM_TOKEN"]
    assert config.upstreams["crm"].transport == "streamable-http"


def test_defaults_are_the_safe_ones(home):
    config = load_config()  # no file anywhere
    assert config.serve.host == "127.0.0.1" and config.serve.token is None
    assert config.intent.mode == "enforce" and config.audit.durability == "group"
    up = parse_config({"upstreams": {"x": {"command": "srv"}}}).upstreams["x"]
    assert up.trust == "review" and up.transport == "stdio" and up.scan.results == "record"


@pytest.mark.parametrize("text, where", [
    ("[upstreams.x]\ncommand = 'a'\ntrust = 'sometimes'\n", "upstreams.x.trust"),
    ("[serve]\nport = 'eighty'\n", "serve.port"),
    ("[profiles.p]\nallow = ['*']\n", "profiles.p.owner"),
])
def test_a_mistake_names_the_file_and_field(tmp_path, text, where):
    path = tmp_path / "mcp-guard.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.message.startswith(f"{path.resolve()}: {where}:")
