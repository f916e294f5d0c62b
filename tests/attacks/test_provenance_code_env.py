"""Class: provenance enforce launches code other than the verified copy, through the environment.

The gate refuses a launch whose upstream `env` sets a variable that makes the runtime load other code
(`NODE_OPTIONS`, `PYTHONPATH`, `LD_PRELOAD`, …, and `npm_config_node_options`). It looks at the
entry's `env` only, by exact name:
- `pass_env = ["NODE_OPTIONS"]` (what `wrap` writes for every variable of a client entry's `env`)
  hands the variable over from mcp-guard's own environment, unchecked;
- npm reads its `npm_config_*` variables without regard to case, so `NPM_CONFIG_NODE_OPTIONS`
  (not in the list) makes npx start the verified package with `NODE_OPTIONS=--require EVIL`.
Either way the enforce policy is met while EVIL runs first, in the server process.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.attacks.supply_chain import enforce_config, evil_js, session
from tests.clients import GUARD


def test_pass_env_node_options_in_run_is_refused(home, tmp_path):
    """HELD: `run` judges the whole environment the server gets (pass_env included)."""
    script, marker = evil_js(tmp_path)
    config = enforce_config(tmp_path, "node", ["{verified_dir}/package/index.js"], 'pass_env = ["NODE_OPTIONS"]\n')
    answer = session(config, env={"NODE_OPTIONS": f"--require {script}"})
    assert not marker.exists(), f"enforce ran code other than the verified copy (NODE_OPTIONS via pass_env): {answer}"


@pytest.mark.parametrize("command", [["bom", "generate"], ["scan", "tiny"], ["doctor"]])
def test_pass_env_node_options_in_operator_commands(home, tmp_path, command):
    """The operator commands' gate (`admit_configured`) judges the entry's `env` only; the server is then
    started with `pass_env` added, so `NODE_OPTIONS` from the operator's shell runs first."""
    script, marker = evil_js(tmp_path)
    config = enforce_config(tmp_path, "node", ["{verified_dir}/package/index.js"], 'pass_env = ["NODE_OPTIONS"]\n')
    done = subprocess.run([*GUARD, "--config", str(config), *command], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NODE_OPTIONS": f"--require {script}"})
    assert not marker.exists(), (
        f"`mcp-guard {' '.join(command)}` ran code other than the verified copy under enforce: "
        f"exit {done.returncode}, {(done.stdout + done.stderr)[-300:]}")


@pytest.mark.parametrize("name", ["NPM_CONFIG_NODE_OPTIONS", "Npm_Config_Node_Options"])
def test_npm_config_case_variant_runs_other_code(home, tmp_path, name):
    if not shutil.which("npx"):
        pytest.skip("npx not installed")
    script, marker = evil_js(tmp_path)
    extra = f'env = {{ {name} = "--require {script}" }}\n'
    config = enforce_config(tmp_path, "npx", ["-y", "tinypkg"], extra)
    answer = session(config, timeout=120)
    assert "result" in answer or "error" in answer, "no answer at all: npx could not run here"
    assert not marker.exists(), f"enforce ran code other than the verified copy ({name} in env): {answer}"
