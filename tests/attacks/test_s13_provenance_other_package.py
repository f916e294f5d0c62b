"""Class: an artifact of another package, or another version, passes as the configured package (session 13,
attacker).

An upstream's provenance names the package to run (`package = "pkg:pypi/NAME@VERSION"`) and the signer
it must come from (issuer, repository, workflow). The check verifies the artifact's bytes against its
attestation and the signer against the policy, and records the configured purl as what was verified,
but never compares that purl with the artifact: neither with the name its attestation's statement gives
its subject (PEP 740: the distribution's file name; npm: the package's purl) nor with the name and version
the artifact itself declares. So any artifact the same repository and workflow ever published passes:
an older release with a known hole in place of the configured version (a downgrade), or another package of
the same repository (a monorepo publishes many from one workflow), and the provenance record and the
AI-BOM say the configured package and version were verified. Fixed: the name and version the verified
bytes declare (`provenance/declared.py`) must be the configured package's, or the result is `invalid`.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.clients import GUARD
from tests.support import shared

GITHUB = "https://token.actions.githubusercontent.com"
SDIST = "pypi_attestations-0.0.19.tar.gz"


@pytest.mark.parametrize("purl", ["pkg:pypi/pypi-attestations@0.0.21", "pkg:pypi/pypi-attestations-plugin@0.0.19"])
def test_an_artifact_of_another_package_or_version_is_not_verified_as_the_configured_one(home, tmp_path, purl):
    folder = shared("fixtures", "supply-chain", "pypi-attestations-assets")
    for name in (SDIST, SDIST + ".provenance"):
        shutil.copy(folder / name, tmp_path / name)
    name = purl.removeprefix("pkg:pypi/").split("@")[0]
    config = tmp_path / "mcp-guard.toml"
    config.write_text(
        '[storage]\npath = "guard.db"\n'
        f'[upstreams.attest]\ncommand = "uvx"\nargs = ["{name}"]\n'
        f'provenance = {{ mode = "enforce", package = "{purl}", artifact = {json.dumps(str(tmp_path / SDIST))}, '
        f'issuer = "{GITHUB}", repository = "trailofbits/pypi-attestations", workflow = "release.yml" }}\n')
    done = subprocess.run([*GUARD, "--config", str(config), "verify", "attest", "--json"], capture_output=True,
                          text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    [result] = json.loads(done.stdout)["results"]
    assert result["outcome"] not in ("verified", "pinned"), \
        f"{SDIST} recorded as {result['purl']}: {result['outcome']} ({result['detail']})"
    assert done.returncode != 0


def test_a_pinned_npm_tarball_of_another_version_is_not_the_configured_one(home, tmp_path):
    """The same for a pin: the bytes are the pinned ones, but not the version the policy names."""
    import hashlib

    tarball = shared("fixtures", "supply-chain", "npm-pacote-sigstore-0.4.0", "sigstore-0.4.0.tgz")
    config = tmp_path / "mcp-guard.toml"
    config.write_text(
        '[storage]\npath = "guard.db"\n'
        '[upstreams.sig]\ncommand = "npx"\nargs = ["-y", "sigstore@0.5.0"]\n'
        f'provenance = {{ mode = "enforce", package = "pkg:npm/sigstore@0.5.0", artifact = {json.dumps(str(tarball))}, '
        f'sha256 = "{hashlib.sha256(tarball.read_bytes()).hexdigest()}" }}\n')
    done = subprocess.run([*GUARD, "--config", str(config), "verify", "sig", "--json"], capture_output=True,
                          text=True, timeout=120)
    [result] = json.loads(done.stdout)["results"]
    assert result["outcome"] == "invalid" and "0.4.0" in result["detail"], result
