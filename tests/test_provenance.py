"""Provenance: real signed artifacts from ../shared, verified offline with an empty HOME."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import anyio
import pytest

from mcp_guard.cli import main
from mcp_guard.config import parse_config
from mcp_guard.errors import ProvenanceError
from mcp_guard.guards.base import LaunchRefused, LaunchSpec
from mcp_guard.guards.provenance import ProvenanceGuard
from mcp_guard.provenance import IdentityPolicy, Package, check
from mcp_guard.store import open_store
from tests.support import shared

GITHUB = "https://token.actions.githubusercontent.com"
RFC8785_SIGNER = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"
RFC8785 = IdentityPolicy(issuer=GITHUB, identity=RFC8785_SIGNER)
PYPI_ATTESTATIONS = IdentityPolicy(issuer=GITHUB, repository="trailofbits/pypi-attestations", workflow="release.yml")


def sigstore_asset(name: str) -> Path:
    return shared("fixtures", "supply-chain", "sigstore-python-assets", name)


def pep740_asset(name: str) -> Path:
    return shared("fixtures", "supply-chain", "pypi-attestations-assets", name)


def npm_asset(name: str) -> Path:
    return shared("fixtures", "supply-chain", "npm-pacote-sigstore-0.4.0", name)


def verify_file(artifact: Path, evidence: Path | None, identity: IdentityPolicy, **kw):
    return check(artifact.read_bytes(), artifact=artifact.name, evidence=evidence, identity=identity, **kw)


# --- sigstore bundles over a file ---------------------------------------------------------------


def test_production_wheel_bundle_verifies_with_its_signer(home):
    wheel = sigstore_asset("bundle_v3_github.whl")
    result = verify_file(wheel, sigstore_asset("bundle_v3_github.whl.sigstore"), RFC8785)
    assert result.outcome == "verified", result.detail
    assert result.ok and result.kind == "sigstore-bundle"
    assert result.signer == RFC8785_SIGNER and result.issuer == GITHUB
    assert result.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    # The pinned root shipped in the sigstore package was used: nothing was cached under HOME.
    assert not any(home.rglob("*sigstore*"))


@pytest.mark.parametrize(
    "identity",
    [
        IdentityPolicy(issuer=GITHUB, repository="trailofbits/rfc8785.py", ref="refs/tags/v0.1.2"),
        IdentityPolicy(issuer=GITHUB, repository="trailofbits/rfc8785.py", workflow="release.yml"),
        IdentityPolicy(issuer=GITHUB, identity_pattern=r"https://github\.com/trailofbits/rfc8785\.py/.*"),
    ],
)
def test_wheel_verifies_with_repository_ref_workflow_or_pattern(home, identity):
    result = verify_file(
        sigstore_asset("bundle_v3_github.whl"), sigstore_asset("bundle_v3_github.whl.sigstore"), identity
    )
    assert result.outcome == "verified", result.detail


@pytest.mark.parametrize(
    ("identity", "reason"),
    [
        (IdentityPolicy(issuer=GITHUB, identity=RFC8785_SIGNER.replace("v0.1.2", "v9.9.9")), "expected"),
        (IdentityPolicy(issuer="https://gitlab.com", identity=RFC8785_SIGNER), "issuer"),
        (IdentityPolicy(issuer=GITHUB, repository="someone/rfc8785.py"), "source repository"),
        (IdentityPolicy(issuer=GITHUB, repository="trailofbits/rfc8785.py", ref="refs/heads/main"), "source ref"),
        (IdentityPolicy(issuer=GITHUB, repository="trailofbits/rfc8785.py", workflow="other.yml"), "workflow"),
        (IdentityPolicy(issuer=GITHUB, identity_pattern=r"https://github\.com/evil/.*"), "does not match"),
    ],
)
def test_wheel_fails_with_another_identity(home, identity, reason):
    result = verify_file(
        sigstore_asset("bundle_v3_github.whl"), sigstore_asset("bundle_v3_github.whl.sigstore"), identity
    )
    assert result.outcome == "invalid" and not result.ok
    assert reason in result.detail


def test_wheel_with_one_changed_byte_fails(home):
    data = bytearray(sigstore_asset("bundle_v3_github.whl").read_bytes())
    data[len(data) // 2] ^= 0x01
    result = check(
        bytes(data), artifact="x.whl", evidence=sigstore_asset("bundle_v3_github.whl.sigstore"), identity=RFC8785
    )
    assert result.outcome == "invalid"
    assert "digest mismatch" in result.detail


def test_cve_2022_36056_bundle_fails(home):
    staging_signer = IdentityPolicy(issuer="https://github.com/login/oauth", identity="william@yossarian.net")
    result = verify_file(
        sigstore_asset("bundle_cve_2022_36056.txt"),
        sigstore_asset("bundle_cve_2022_36056.txt.sigstore"),
        staging_signer,
        trusted_root="staging",
    )
    assert result.outcome == "invalid"
    assert "inconsistent" in result.detail
    # Same signer and root, an honest bundle: verified, so the failure above is the bundle's.
    honest = verify_file(
        sigstore_asset("bundle_v3.txt"),
        sigstore_asset("bundle_v3.txt.sigstore"),
        staging_signer,
        trusted_root="staging",
    )
    assert honest.outcome == "verified", honest.detail


def test_staging_bundle_is_not_trusted_under_the_production_root(home):
    result = verify_file(
        sigstore_asset("bundle_v3.txt"),
        sigstore_asset("bundle_v3.txt.sigstore"),
        IdentityPolicy(issuer="https://github.com/login/oauth", identity="william@yossarian.net"),
    )
    assert result.outcome == "invalid"


def test_custom_client_trust_config(home):
    policy = IdentityPolicy(issuer="https://accounts.google.com", identity="alexis.challande@trailofbits.com")
    artifact, bundle = sigstore_asset("tsa_bundle.txt"), sigstore_asset("tsa_bundle.txt.sigstore")
    trusted = verify_file(artifact, bundle, policy, trusted_root=str(sigstore_asset("tsa_trust_config.json")))
    assert trusted.outcome == "verified", trusted.detail
    assert verify_file(artifact, bundle, policy).outcome == "invalid"  # the production root does not vouch


def test_unreadable_trusted_root_is_a_user_error(home, tmp_path):
    bad = tmp_path / "root.json"
    bad.write_text("{}")
    with pytest.raises(ProvenanceError, match="not a sigstore trusted root"):
        verify_file(
            sigstore_asset("bundle_v3_github.whl"),
            sigstore_asset("bundle_v3_github.whl.sigstore"),
            RFC8785,
            trusted_root=str(bad),
        )


@pytest.mark.parametrize(
    "identity",
    [
        IdentityPolicy(),
        IdentityPolicy(identity=RFC8785_SIGNER),  # no issuer
        IdentityPolicy(issuer=GITHUB, workflow="release.yml"),  # anybody's release.yml
    ],
)
def test_a_policy_that_would_accept_anybody_is_refused(home, identity):
    with pytest.raises(ProvenanceError, match="needs 'issuer'"):
        verify_file(sigstore_asset("bundle_v3_github.whl"), sigstore_asset("bundle_v3_github.whl.sigstore"), identity)


# --- DSSE attestations: PEP 740 and npm -----------------------------------------------------------


@pytest.mark.parametrize("suffix", [".publish.attestation", ".slsa.attestation", ".provenance"])
def test_pep740_sdist_verifies_with_its_publisher(home, suffix):
    sdist = pep740_asset("pypi_attestations-0.0.19.tar.gz")
    result = verify_file(sdist, pep740_asset(sdist.name + suffix), PYPI_ATTESTATIONS)
    assert result.outcome == "verified", result.detail
    assert result.kind == "pep740"
    assert result.signer.startswith("https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@")


def test_pep740_sdist_fails_with_another_publisher(home):
    sdist = pep740_asset("pypi_attestations-0.0.19.tar.gz")
    other = IdentityPolicy(issuer=GITHUB, repository="pypa/sampleproject", workflow="release.yml")
    result = verify_file(sdist, pep740_asset(sdist.name + ".publish.attestation"), other)
    assert result.outcome == "invalid"
    assert "pypa/sampleproject" in result.detail


def test_pep740_subject_digest_is_checked_against_the_bytes(home):
    # sigstore's verify_dsse accepts this (the signature is over the statement, which is intact);
    # only comparing the statement's subject digest with the bytes catches the swap.
    other_bytes = pep740_asset("gitlab_oidc_project-0.0.3.tar.gz").read_bytes()
    evidence = pep740_asset("pypi_attestations-0.0.19.tar.gz.publish.attestation")
    result = check(
        other_bytes, artifact="pypi_attestations-0.0.19.tar.gz", evidence=evidence, identity=PYPI_ATTESTATIONS
    )
    assert result.outcome == "invalid"
    assert "subject" in result.detail


def test_dsse_bundle_whose_subject_is_other_bytes_is_invalid(home):
    # A valid staging DSSE bundle whose statement names a.txt, checked against a different file:
    # sigstore's verify_dsse passes; the subject check is what refuses it.
    from sigstore.models import Bundle
    from sigstore.verify import Verifier

    from mcp_guard.provenance import load_trusted_root

    bundle_path = sigstore_asset("a.dsse.staging-rekor-v2.txt.sigstore.json")
    signer = IdentityPolicy(
        issuer=GITHUB,
        identity="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
        ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
    )
    bundle = Bundle.from_json(bundle_path.read_bytes())
    Verifier(trusted_root=load_trusted_root("staging")).verify_dsse(bundle, signer.to_sigstore())
    result = verify_file(sigstore_asset("a.dsse.staging-rekor-v2.txt"), bundle_path, signer, trusted_root="staging")
    assert result.outcome == "invalid" and "subject" in result.detail


def test_pep740_gitlab_publisher(home):
    sdist = pep740_asset("gitlab_oidc_project-0.0.3.tar.gz")
    policy = IdentityPolicy(
        issuer="https://gitlab.com", repository="facutuesca/gitlab-oidc-project", workflow=".gitlab-ci.yml"
    )
    result = verify_file(sdist, pep740_asset(sdist.name + ".publish.attestation"), policy)
    assert result.outcome == "verified", result.detail
    wrong = IdentityPolicy(issuer="https://gitlab.com", repository="someone/else")
    assert verify_file(sdist, pep740_asset(sdist.name + ".publish.attestation"), wrong).outcome == "invalid"


def test_old_npm_attestations_are_unsupported_format(home):
    tarball = npm_asset("sigstore-0.4.0.tgz")
    result = verify_file(
        tarball,
        npm_asset("sigstore-0.4.0.attestations.json"),
        IdentityPolicy(issuer=GITHUB, repository="sigstore/sigstore-js"),
    )
    assert result.outcome == "unsupported"
    assert result.label == "unsupported format" and not result.ok
    assert "intoto/0.0.2" in result.detail


def test_keyless_bundle_without_inclusion_proof_is_unsupported(home):
    # The artifact of this bundle is not shipped; its bundle form alone is what is unsupported.
    result = check(
        b"anything",
        artifact="Python-3.12.5.tgz",
        evidence=sigstore_asset("integration_Python-3.12.5.tgz.sigstore"),
        identity=RFC8785,
    )
    assert result.outcome == "unsupported"
    assert "inclusion proof" in result.detail


def test_garbage_evidence_is_unsupported(home, tmp_path):
    junk = tmp_path / "x.sigstore"
    junk.write_text("not json")
    result = verify_file(sigstore_asset("bundle_v3_github.whl"), junk, RFC8785)
    assert result.outcome == "unsupported"


# --- missing, pinned --------------------------------------------------------------------------


def test_missing_bundle_is_missing(home):
    result = verify_file(sigstore_asset("bundle_v3_github.whl"), None, RFC8785, looked_in="bom/attestations")
    assert result.outcome == "missing" and "bom/attestations" in result.detail
    gone = check(
        sigstore_asset("bundle_v3_github.whl").read_bytes(),
        artifact="x.whl",
        evidence=Path("no/such.sigstore"),
        identity=RFC8785,
    )
    assert gone.outcome == "missing"


def test_missing_artifact_is_missing(home):
    bundle = sigstore_asset("integration_Python-3.12.5.tgz.sigstore")
    result = check(None, artifact="Python-3.12.5.tgz", evidence=bundle, identity=RFC8785)
    assert result.outcome == "missing" and "artifact not found" in result.detail


def test_digest_pinning(home):
    data = npm_asset("sigstore-0.4.0.tgz").read_bytes()
    sha256, sha512 = hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest()
    pinned = check(data, artifact="a.tgz", evidence=None, identity=IdentityPolicy(), sha256=sha256, sha512=sha512)
    assert pinned.outcome == "pinned" and pinned.ok and pinned.label == "pinned (digest only)"
    wrong = check(data + b"\0", artifact="a.tgz", evidence=None, identity=IdentityPolicy(), sha512=sha512)
    assert wrong.outcome == "invalid" and "sha512" in wrong.detail
    # A pin and a signature: both must hold; the signature makes it "verified".
    wheel = sigstore_asset("bundle_v3_github.whl")
    both = verify_file(
        wheel,
        sigstore_asset("bundle_v3_github.whl.sigstore"),
        RFC8785,
        sha256=hashlib.sha256(wheel.read_bytes()).hexdigest(),
    )
    assert both.outcome == "verified"
    assert verify_file(wheel, sigstore_asset("bundle_v3_github.whl.sigstore"), RFC8785, sha256="0" * 64).outcome == (
        "invalid"
    )


# --- artifact identity ---------------------------------------------------------------------------


def test_server_json_becomes_a_purl(home):
    pkg = Package.from_server_json(shared("fixtures", "supply-chain", "mcp-tools", "server-filesystem.server.json"))
    assert pkg == Package("npm", "@modelcontextprotocol/server-filesystem", "0.6.3")
    assert pkg.purl == "pkg:npm/%40modelcontextprotocol/server-filesystem@0.6.3"
    assert Package.from_purl(pkg.purl) == pkg
    assert Package("pypi", "mcp-server-time", "1.0").purl == "pkg:pypi/mcp-server-time@1.0"


# --- the guard ------------------------------------------------------------------------------------


def _config(tmp_path: Path, provenance: dict, *, command: str = sys.executable, args: list[str] | None = None):
    data = {
        "storage": {"path": str(tmp_path / "guard.db")},
        "upstreams": {"srv": {"command": command, "args": args or ["-c", "pass"], "provenance": provenance}},
    }
    return parse_config(data, tmp_path / "mcp-guard.toml")


def _spec(config, name: str = "srv") -> LaunchSpec:
    up = config.upstreams[name]
    return LaunchSpec(name, up.command, list(up.args), dict(up.env), up.cwd, up.url)


WHEEL_POLICY = {"issuer": GITHUB, "identity": RFC8785_SIGNER}


def _verifications(store):
    return list(store.db["verifications"].rows)


def test_guard_enforce_refuses_a_failing_artifact(home, tmp_path):
    config = _config(
        tmp_path,
        {
            "artifact": str(sigstore_asset("bundle_v3_github.whl")),
            "issuer": GITHUB,
            "repository": "someone/else",
        },
    )
    store = open_store(None)
    guard = ProvenanceGuard(config, store)
    with pytest.raises(LaunchRefused) as refused:
        anyio.run(guard.prepare_launch, _spec(config))
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("provenance check failed: ") and "invalid" in message and "someone/else" in message
    [row] = _verifications(store)
    assert row["upstream"] == "srv" and row["outcome"] == "invalid"
    assert json.loads(row["detail"])["mode"] == "enforce"
    from mcp_guard import audit
    [entry] = list(audit.AuditLog(store).records(kind="provenance"))
    assert entry.data["upstream"] == "srv" and entry.data["outcome"] == "invalid"


def test_guard_enforce_refuses_when_attestation_is_missing(home, tmp_path):
    artifact = tmp_path / "pkg.whl"
    shutil.copyfile(sigstore_asset("bundle_v3_github.whl"), artifact)
    config = _config(tmp_path, {"artifact": str(artifact), **WHEEL_POLICY})
    with pytest.raises(LaunchRefused, match="missing: no attestation"):
        anyio.run(ProvenanceGuard(config, open_store(None)).prepare_launch, _spec(config))


def test_guard_warn_launches_and_records(home, tmp_path):
    config = _config(
        tmp_path,
        {"mode": "warn", "artifact": str(npm_asset("sigstore-0.4.0.tgz")), "sha256": "0" * 64},
    )
    store = open_store(None)
    errors = _Capture()
    spec = _spec(config)
    out = anyio.run(ProvenanceGuard(config, store, stderr=errors).prepare_launch, spec)
    assert out == spec
    assert "warn mode" in errors.text and "UNVERIFIED" in errors.text
    [row] = _verifications(store)
    assert row["outcome"] == "invalid"


def test_guard_enforce_refuses_when_the_result_cannot_be_recorded(home, tmp_path):
    data = npm_asset("sigstore-0.4.0.tgz")
    config = _config(tmp_path, {"artifact": str(data), "sha256": hashlib.sha256(data.read_bytes()).hexdigest()})
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    config.storage.path = str(blocker / "guard.db")  # its folder cannot be created
    with pytest.raises(LaunchRefused, match="could not be recorded"):
        anyio.run(ProvenanceGuard(config).prepare_launch, _spec(config))


def test_guard_off_does_nothing(home, tmp_path):
    config = _config(tmp_path, {"mode": "off", "artifact": "no-such-file"})
    store = open_store(None)
    spec = _spec(config)
    assert anyio.run(ProvenanceGuard(config, store).prepare_launch, spec) == spec
    assert _verifications(store) == []


def test_guard_launches_the_verified_copy_from_its_cache(home, tmp_path):
    # Attestations live beside the BOM (bom/attestations/), named after the artifact.
    artifact = tmp_path / "dist" / "bundle_v3_github.whl"
    artifact.parent.mkdir()
    shutil.copyfile(sigstore_asset("bundle_v3_github.whl"), artifact)
    attestations = tmp_path / "bom" / "attestations"
    attestations.mkdir(parents=True)
    shutil.copyfile(sigstore_asset("bundle_v3_github.whl.sigstore"), attestations / "bundle_v3_github.whl.sigstore")
    config = _config(
        tmp_path,
        {"artifact": "dist/bundle_v3_github.whl", **WHEEL_POLICY},
        args=["{verified_dir}/rfc8785/__init__.py", str(artifact)],
    )
    store = open_store(None)
    out = anyio.run(ProvenanceGuard(config, store).prepare_launch, _spec(config))
    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
    cached = home / ".cache" / "mcp-guard" / "artifacts" / digest
    # Run isolated (-I), with the verified copy's root first on sys.path: SCRIPT ROOT ARGS after the -c boot.
    assert out.args[:2] == ["-I", "-B"] and out.args[2] == "-c"
    assert out.args[4] == f"{cached}/unpacked/rfc8785/__init__.py"
    assert Path(out.args[4]).is_file() and out.args[5] == f"{cached}/unpacked"
    assert out.args[6] == str(cached / "bundle_v3_github.whl")
    assert (cached / "bundle_v3_github.whl").read_bytes() == artifact.read_bytes()
    [row] = _verifications(store)
    assert row["outcome"] == "verified" and row["artifact_digest"] == digest
    # A later change of the source file does not reach the launch: the copy is what was verified.
    artifact.write_bytes(b"tampered")
    with pytest.raises(LaunchRefused, match="digest mismatch"):
        anyio.run(ProvenanceGuard(config, store).prepare_launch, _spec(config))


def test_guard_launches_a_real_server_from_its_verified_copy(home, tmp_path):
    """An MCP server shipped as a pinned tarball runs from mcp-guard's cache, not from where it lay."""
    import io
    import tarfile

    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    from tests.support import FIXTURES

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        tf.add(FIXTURES / "echo_server.py", arcname="package/echo_server.py")
    tarball = tmp_path / "echo-1.0.0.tgz"
    tarball.write_bytes(buf.getvalue())
    config = _config(
        tmp_path,
        {"artifact": str(tarball), "sha256": hashlib.sha256(buf.getvalue()).hexdigest()},
        args=["{verified_dir}/package/echo_server.py"],
    )
    spec = anyio.run(ProvenanceGuard(config, open_store(None)).prepare_launch, _spec(config))
    assert spec.args[4].startswith(str(home / ".cache" / "mcp-guard" / "artifacts"))
    tarball.unlink()  # what runs no longer depends on the original file

    async def call_echo() -> str:
        params = StdioServerParameters(command=spec.command, args=spec.args)
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool("echo", {"text": "from the verified copy"})
            return result.content[0].text

    assert anyio.run(call_echo) == "from the verified copy"


def test_guard_points_npx_at_the_verified_tarball(home, tmp_path):
    tarball = npm_asset("sigstore-0.4.0.tgz")
    pin = hashlib.sha512(tarball.read_bytes()).hexdigest()
    config = _config(
        tmp_path,
        {"package": "pkg:npm/sigstore@0.4.0", "artifact": str(tarball), "sha512": pin},
        command="npx",
        args=["-y", "sigstore@0.4.0", "--flag"],
    )
    out = anyio.run(ProvenanceGuard(config, open_store(None)).prepare_launch, _spec(config))
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    cached = home / ".cache" / "mcp-guard" / "artifacts" / digest / "sigstore-0.4.0.tgz"
    project = cached.parent / "npm-project"  # an empty project folder: no `.npmrc` of the caller's is read
    assert out.command == "npx"
    assert out.args == [f"--prefix={project}", "-y", f"--package={cached}", "sigstore", "--flag"]
    assert out.env["npm_config_userconfig"] == os.devnull and not any(project.iterdir())
    assert (cached.parent / "unpacked" / "package" / "package.json").is_file()


def test_guard_points_uvx_at_the_verified_sdist(home, tmp_path):
    sdist = pep740_asset("pypi_attestations-0.0.19.tar.gz")
    config = _config(
        tmp_path,
        {
            "package": "pkg:pypi/pypi-attestations@0.0.19",
            "artifact": str(sdist),
            "bundle": str(pep740_asset(sdist.name + ".provenance")),
            "issuer": GITHUB,
            "repository": "trailofbits/pypi-attestations",
            "workflow": "release.yml",
        },
        command="uvx",
        args=["pypi-attestations==0.0.19", "verify"],
    )
    out = anyio.run(ProvenanceGuard(config, open_store(None)).prepare_launch, _spec(config))
    # --no-config: no uv.toml of the folder it starts in, or of the user's; --isolated: no installed tool
    cached = str(next((home / ".cache" / "mcp-guard").rglob(sdist.name)))
    assert out.args == ["--no-config", "--isolated", "--from", cached, "pypi-attestations", "verify"]


def test_a_pypi_packages_own_command_without_uvx_on_path_says_what_is_missing(home, tmp_path, monkeypatch):
    """The copy of a PyPI package runs by its console script through `uvx --from COPY`: a runner the
    config never named, so its absence is said as such, not as "command not found: uvx"."""
    import zipfile

    wheel = tmp_path / "demo_srv-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("demo_srv/__init__.py", "def main():\n    pass\n")
        z.writestr("demo_srv-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo-srv\nVersion: 1.0\n")
        z.writestr("demo_srv-1.0.dist-info/entry_points.txt", "[console_scripts]\ndemo-srv = demo_srv:main\n")
    pin = hashlib.sha256(wheel.read_bytes()).hexdigest()
    config = _config(tmp_path, {"package": "pkg:pypi/demo-srv@1.0", "artifact": str(wheel), "sha256": pin},
                     command="demo-srv", args=["--port", "0"])
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    spec = dataclasses.replace(_spec(config), env={"PATH": str(empty)})
    with pytest.raises(LaunchRefused) as refused:
        anyio.run(ProvenanceGuard(config, open_store(None)).prepare_launch, spec)
    assert "its own command `demo-srv` through uv's `uvx` (pip install uv), which is not on PATH" in str(
        refused.value)


class _Capture:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


# --- the CLI ---------------------------------------------------------------------------------------


def test_cli_verify_artifact_exit_codes_and_json(home, capsys):
    wheel = str(sigstore_asset("bundle_v3_github.whl"))
    assert main(["verify", "--artifact", wheel, "--issuer", GITHUB, "--identity", RFC8785_SIGNER]) == 0
    assert "verified" in capsys.readouterr().out
    code = main(["verify", "--json", "--artifact", wheel, "--issuer", GITHUB, "--repository", "a/b"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["ok"] is False
    [result] = doc["results"]
    assert result["outcome"] == "invalid" and result["bundle"].endswith(".sigstore")


def test_cli_verify_usage_errors(home, capsys):
    wheel = str(sigstore_asset("bundle_v3_github.whl"))
    assert main(["verify", "--artifact", wheel, "--identity", RFC8785_SIGNER]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mcp-guard: error:") and "issuer" in err and "Traceback" not in err
    assert main(["verify", "--issuer", GITHUB]) == 2
    assert "--issuer needs --artifact" in capsys.readouterr().err
    assert main(["verify", "--artifact", wheel, "--sha256", "abc"]) == 2
    assert "--sha256 must be 64 hexadecimal digits" in capsys.readouterr().err


def test_cli_verify_upstreams_from_config(home, tmp_path, capsys):
    tarball = npm_asset("sigstore-0.4.0.tgz")
    config = tmp_path / "mcp-guard.toml"
    config.write_text(
        f"""
[storage]
path = "guard.db"

[upstreams.good]
command = "npx"
args = ["-y", "sigstore@0.4.0"]
provenance = {{ package = "pkg:npm/sigstore@0.4.0", artifact = {json.dumps(str(tarball))}, sha256 = "{
            hashlib.sha256(tarball.read_bytes()).hexdigest()
        }" }}

[upstreams.old]
command = "npx"
args = ["-y", "sigstore@0.4.0"]
provenance = {{ artifact = {json.dumps(str(tarball))}, issuer = "{GITHUB}", repository = "sigstore/sigstore-js" }}
""",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "verify", "good", "--json"]) == 0
    [good] = json.loads(capsys.readouterr().out)["results"]
    assert good["upstream"] == "good" and good["outcome"] == "pinned" and good["purl"] == "pkg:npm/sigstore@0.4.0"
    # Every upstream: "old" finds its npm attestations beside the tarball, in a format sigstore cannot load.
    assert main(["--config", str(config), "verify"]) == 1
    out = capsys.readouterr().out
    assert "unsupported format" in out and "pinned" in out and "1 of 2" in out
    store = open_store(tmp_path / "guard.db")
    outcomes = {r["upstream"]: r["outcome"] for r in store.db["verifications"].rows}
    assert outcomes == {"good": "pinned", "old": "unsupported"}
    from cyclonedx.model.bom import Bom

    from mcp_guard import bom

    bom_path = tmp_path / "bom" / "aibom.cdx.json"
    bom.write_bom(Bom(), bom_path)
    assert main(["--config", str(config), "verify", "good"]) == 0
    capsys.readouterr()
    [component] = json.loads(bom_path.read_text())["components"]
    props = {p["name"]: p["value"] for p in component["properties"]}
    assert props["mcp-guard:upstream"] == "good" and props["mcp-guard:provenance:status"] == "pinned"
    assert {"alg": "SHA-256", "content": good["sha256"]} in component["hashes"]
    # "old" has evidence: the BOM references it, relative to the BOM when it lies beside it, with its hash.
    attestations = tmp_path / "bom" / "attestations"
    attestations.mkdir()
    shutil.copyfile(npm_asset("sigstore-0.4.0.attestations.json"), attestations / "sigstore-0.4.0.attestations.json")
    assert main(["--config", str(config), "verify", "old"]) == 1
    capsys.readouterr()
    old = next(c for c in json.loads(bom_path.read_text())["components"] if c["name"] == "old")
    [ref] = old["externalReferences"]
    assert ref["type"] == "attestation" and ref["url"] == "attestations/sigstore-0.4.0.attestations.json"
    evidence = (attestations / "sigstore-0.4.0.attestations.json").read_bytes()
    assert ref["hashes"] == [{"alg": "SHA-256", "content": hashlib.sha256(evidence).hexdigest()}]
    props = {p["name"]: p["value"] for p in old["properties"]}
    assert props["mcp-guard:provenance:status"] == "unsupported"
    assert main(["--config", str(config), "verify", "nope"]) == 2
    assert "no upstream named 'nope'" in capsys.readouterr().err


# --- end to end: mcp-guard run ---------------------------------------------------------------------


def _run_config(tmp_path: Path, mode: str) -> Path:
    from tests.clients import fixture, upstream_toml, write_config

    wheel = json.dumps(str(sigstore_asset("bundle_v3_github.whl")))
    policy = f'provenance = {{ mode = "{mode}", artifact = {wheel}, issuer = "{GITHUB}", repository = "someone/else" }}'
    text = '[storage]\npath = "guard.db"\n' + upstream_toml(
        "echo", fixture("echo_server.py"), 'trust = "tofu"\n' + policy
    )
    return write_config(tmp_path / "mcp-guard.toml", text)


def test_run_enforce_refuses_the_upstream_and_the_client_is_told(home, tmp_path):
    config = _run_config(tmp_path, "enforce")
    from tests.clients import GUARD, RawClient

    client = RawClient([*GUARD, "--config", str(config), "run", "--upstream", "echo"])
    try:
        answer = client.request(
            "initialize",
            {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
        )
    finally:
        code = client.close()
    assert code == 1  # it served nothing: the exit says so too
    message = answer["error"]["message"]
    assert "refused to launch upstream 'echo'" in message
    assert "provenance check failed" in message and "invalid" in message and "someone/else" in message
    store = open_store(tmp_path / "guard.db")
    assert [r["outcome"] for r in store.db["verifications"].rows] == ["invalid"]
    from mcp_guard.audit import AuditLog

    [entry] = list(AuditLog(store).records(kind="provenance"))
    assert entry.data["upstream"] == "echo" and entry.data["mode"] == "enforce"


def test_run_warn_launches_loudly_and_records(home, tmp_path):
    config = _run_config(tmp_path, "warn")
    from tests.clients import GUARD, RawClient

    client = RawClient([*GUARD, "--config", str(config), "run", "--upstream", "echo"])
    try:
        client.handshake()
        listed = client.request("tools/list")
        client.proc.stdin.close()
        client.proc.wait(20)
        stderr = client.proc.stderr.read().decode()
    finally:
        client.close()
    assert "echo" in [t["name"] for t in listed["result"]["tools"]]
    assert "WARNING (provenance warn mode) upstream 'echo' launched UNVERIFIED" in stderr
    rows = list(open_store(tmp_path / "guard.db").db["verifications"].rows)
    assert [(r["outcome"], json.loads(r["detail"])["mode"]) for r in rows] == [("invalid", "warn")]


def test_cli_custom_trust_root_for_a_private_instance(home, tmp_path, capsys):
    artifact, bundle = sigstore_asset("tsa_bundle.txt"), sigstore_asset("tsa_bundle.txt.sigstore")
    root = sigstore_asset("tsa_trust_config.json")
    policy = ["--issuer", "https://accounts.google.com", "--identity", "alexis.challande@trailofbits.com"]
    assert (
        main(["verify", "--artifact", str(artifact), "--bundle", str(bundle), "--trusted-root", str(root), *policy])
        == 0
    )
    assert main(["verify", "--artifact", str(artifact), "--bundle", str(bundle), *policy]) == 1
    capsys.readouterr()
    # The same through an upstream's policy, its trusted_root relative to the config file.
    shutil.copyfile(root, tmp_path / "private-root.json")
    config = _config(
        tmp_path,
        {
            "artifact": str(artifact),
            "bundle": str(bundle),
            "trusted_root": "private-root.json",
            "issuer": "https://accounts.google.com",
            "identity": "alexis.challande@trailofbits.com",
        },
    )
    from mcp_guard.provenance import check_upstream

    assert check_upstream(config, "srv").result.outcome == "verified"


def test_config_rejects_a_malformed_pin(home, tmp_path):
    from mcp_guard.errors import ConfigError

    with pytest.raises(ConfigError, match=r"upstreams\.srv\.provenance\.sha256"):
        _config(tmp_path, {"artifact": "x.tgz", "sha256": "not-hex"})


@pytest.mark.parametrize("has_data_filter", [True, False])
def test_unpacking_refuses_links_and_escapes_on_every_python(tmp_path, monkeypatch, has_data_filter):
    """Python < 3.11.4 has no tarfile "data" filter: the same members are refused without it."""
    import io
    import tarfile

    from mcp_guard.errors import ProvenanceError
    from mcp_guard.provenance.artifacts import _unpack

    if not has_data_filter:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)

    def archive(*members: tarfile.TarInfo, payload: bytes = b"ok") -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tf:
            for m in members:
                tf.addfile(m, io.BytesIO(payload) if m.isfile() else None)
        return buf.getvalue()

    good = tarfile.TarInfo("package/index.js")
    good.size = 2
    _unpack(archive(good), "good.tgz", tmp_path / "good")
    assert (tmp_path / "good" / "package" / "index.js").read_bytes() == b"ok"

    escape = tarfile.TarInfo("../outside.js")
    escape.size = 2
    link = tarfile.TarInfo("package/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    for bad in (escape, link):
        with pytest.raises(ProvenanceError):
            _unpack(archive(bad), "bad.tgz", tmp_path / f"bad-{bad.name.replace('/', '_')}")
    assert not (tmp_path / "outside.js").exists()


# --- the launch gate: the verified copy, whole, or nothing (issue 10 item 11) ----------------------

FS_PURL = "pkg:npm/%40modelcontextprotocol/server-filesystem@2026.8.31"


def fs_tarball() -> Path:
    return shared("fixtures", "supply-chain", "mcp-tools", "modelcontextprotocol-server-filesystem-2026.8.31.tgz")


def _fs_config(tmp_path: Path, mode: str = "enforce", command: list[str] | None = None):
    """The real server-filesystem tarball, pinned, configured with COMMAND (as `wrap` registers it)."""
    tarball = fs_tarball()
    policy = {"mode": mode, "package": FS_PURL, "artifact": str(tarball),
              "sha512": hashlib.sha512(tarball.read_bytes()).hexdigest()}
    command = command or ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"]
    data = {"storage": {"path": str(tmp_path / "guard.db")},
            "upstreams": {"filesystem": {"command": command[0], "args": command[1:], "provenance": policy}}}
    return parse_config(data, tmp_path / "mcp-guard.toml")


def _admit(config, name: str = "filesystem", store=None, stderr=None) -> LaunchSpec:
    return anyio.run(ProvenanceGuard(config, store or open_store(None), stderr=stderr).prepare_launch,
                     _spec(config, name))


def _cached(home: Path) -> Path:
    digest = hashlib.sha256(fs_tarball().read_bytes()).hexdigest()
    return home / ".cache" / "mcp-guard" / "artifacts" / digest


@pytest.mark.parametrize(
    "command",
    [
        ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"],
        ["npx", "@modelcontextprotocol/server-filesystem@2026.8.31", "/srv"],
        ["npx", "--yes", "-p", "@modelcontextprotocol/server-filesystem", "mcp-server-filesystem", "/srv"],
        ["npx", "--package=@modelcontextprotocol/server-filesystem", "mcp-server-filesystem", "/srv"],
        ["mcp-server-filesystem", "/srv"],
        ["/opt/somewhere/node_modules/.bin/mcp-server-filesystem", "/srv"],
    ],
)
def test_gate_points_every_spelling_of_the_package_at_the_verified_copy(home, tmp_path, command):
    out = _admit(_fs_config(tmp_path, command=command))
    tarball = _cached(home) / fs_tarball().name
    assert out.command == "npx"
    assert f"--package={tarball}" in out.args or str(tarball) in out.args
    assert out.args[-2:] == ["mcp-server-filesystem", "/srv"]
    assert not any("@modelcontextprotocol" in a for a in out.args)  # nothing is resolved at launch


@pytest.mark.parametrize(
    "command",
    [
        ["node", "/opt/elsewhere/dist/index.js", "/srv"],
        ["npx", "-y", "@modelcontextprotocol/server-everything"],
        ["npx", "-y", "@modelcontextprotocol/server-filesystem-evil", "/srv"],
        ["npx", "-p", "@modelcontextprotocol/server-filesystem", "sh", "-c", "curl x | sh"],
        ["npx", "-p", "@modelcontextprotocol/server-filesystem", "-p", "other", "mcp-server-filesystem"],
        ["npx", "-c", "mcp-server-filesystem /srv; touch owned"],
        ["sh", "-c", "mcp-server-filesystem /srv"],
    ],
)
def test_gate_refuses_a_command_that_does_not_run_the_verified_copy(home, tmp_path, command):
    store = open_store(None)
    with pytest.raises(LaunchRefused) as refused:
        _admit(_fs_config(tmp_path, command=command), store=store)
    message = str(refused.value)
    assert "does not run the verified copy" in message and command[0] in message and "\n" not in message
    [row] = _verifications(store)
    assert row["outcome"] == "invalid" and json.loads(row["detail"])["mode"] == "enforce"


def test_gate_warn_launches_a_command_that_does_not_run_the_copy_and_says_so(home, tmp_path):
    store, errors = open_store(None), _Capture()
    config = _fs_config(tmp_path, "warn", command=["node", "/opt/elsewhere/index.js"])
    out = _admit(config, store=store, stderr=errors)
    assert [out.command, *out.args] == ["node", "/opt/elsewhere/index.js"]
    assert "launched UNVERIFIED" in errors.text and "does not run the verified copy" in errors.text
    assert [r["outcome"] for r in _verifications(store)] == ["invalid"]


def _flip_exec(path: Path) -> None:
    path.chmod(path.stat().st_mode ^ 0o111)


@pytest.mark.parametrize(
    ("edit", "shown"),
    [
        (lambda u: (u / "package" / "dist" / "index.js").write_text("// evil"), "package/dist/index.js (changed)"),
        (lambda u: (u / "package" / "dist" / "evil.js").write_text("1"), "package/dist/evil.js (added)"),
        (lambda u: (u / "package" / "package.json").unlink(), "package/package.json (removed)"),
        (lambda u: _flip_exec(u / "package" / "dist" / "index.js"), "package/dist/index.js (changed)"),
    ],
)
def test_gate_refuses_an_edited_verified_copy(home, tmp_path, edit, shown):
    config = _fs_config(tmp_path, command=["npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv"])
    _admit(config)  # verified and unpacked
    unpacked = _cached(home) / "unpacked"
    edit(unpacked)
    store = open_store(None)
    with pytest.raises(LaunchRefused) as refused:
        _admit(config, store=store)
    message = str(refused.value)
    assert "modified after verification" in message and shown in message and f"delete {unpacked}" in message
    [row] = _verifications(store)
    assert row["outcome"] == "invalid"
    # `verify` no longer says verified either, and deleting the copy restores it from the verified bytes.
    from mcp_guard.cli.provenance import _check_upstreams

    [(_, result)] = _check_upstreams(config, "filesystem")
    assert result.outcome == "invalid" and shown in result.detail
    shutil.rmtree(unpacked)
    assert _admit(config).command == "npx"
    assert [r.outcome for _, r in _check_upstreams(config, "filesystem")] == ["pinned"]


def test_gate_warn_launches_an_edited_copy_loudly_and_records_it(home, tmp_path):
    config = _fs_config(tmp_path, "warn")
    _admit(config)
    (_cached(home) / "unpacked" / "package" / "dist" / "index.js").write_text("// evil")
    store, errors = open_store(None), _Capture()
    out = _admit(config, store=store, stderr=errors)
    assert out.command == "npx"
    assert "UNVERIFIED" in errors.text and "modified after verification" in errors.text
    assert [r["outcome"] for r in _verifications(store)] == ["invalid"]


# --- every command that starts an upstream passes the gate (issue 14 item 8) ------------------------


def _marker_config(tmp_path: Path, mode: str) -> Path:
    """An upstream whose start leaves a file behind, under a provenance policy that fails."""
    marker = tmp_path / "started"
    code = f"import pathlib; pathlib.Path({str(marker)!r}).touch()"
    wheel = json.dumps(str(sigstore_asset("bundle_v3_github.whl")))
    policy = f'provenance = {{ mode = "{mode}", artifact = {wheel}, issuer = "{GITHUB}", repository = "someone/else" }}'
    text = (f'[storage]\npath = "guard.db"\n[upstreams.srv]\ncommand = {json.dumps(sys.executable)}\n'
            f"args = {json.dumps(['-c', code])}\n{policy}\n")
    path = tmp_path / "mcp-guard.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [["scan", "srv"], ["bom", "generate"], ["bom", "check"], ["doctor", "--project", "."]],
)
def test_operator_commands_do_not_start_what_enforce_refuses(home, tmp_path, capsys, command):
    config = _marker_config(tmp_path, "enforce")
    if command[:2] == ["bom", "check"]:
        from cyclonedx.model.bom import Bom

        from mcp_guard import bom

        bom.write_bom(Bom(), tmp_path / "bom" / "aibom.cdx.json")
    code = main(["--config", str(config), *command])
    out = capsys.readouterr()
    assert code != 0
    assert "refused to launch upstream 'srv'" in out.out + out.err and "someone/else" in out.out + out.err
    assert not (tmp_path / "started").exists()
    rows = list(open_store(tmp_path / "guard.db").db["verifications"].rows)
    assert [(r["outcome"], json.loads(r["detail"])["mode"]) for r in rows] == [("invalid", "enforce")]


def test_wrap_review_capture_does_not_start_what_enforce_refuses(home, tmp_path):
    from mcp_guard.config import load_config
    from mcp_guard.doctor import record_first_tools

    [line] = record_first_tools(load_config(_marker_config(tmp_path, "enforce")), ["srv"])
    assert line.startswith("refused: srv: not started") and "provenance check failed" in line
    assert not (tmp_path / "started").exists()


def test_operator_commands_start_it_in_warn_mode_and_say_so(home, tmp_path, capsys):
    config = _marker_config(tmp_path, "warn")
    main(["--config", str(config), "scan", "srv"])  # the server exits at once: only its start matters here
    assert (tmp_path / "started").exists()
    assert "launched UNVERIFIED" in capsys.readouterr().err


# --- the README's example and `verify` (issue 14 item 7) ---------------------------------------------


def _readme_config(tmp_path: Path) -> Path:
    """The README's configuration example as written, with the `npm pack` tarball where it says."""
    import re

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    path = tmp_path / "mcp-guard.toml"
    path.write_text('[storage]\npath = "guard.db"\n' + block, encoding="utf-8")
    artifact = parse_config_file(path).upstreams["filesystem"].provenance.artifact
    (tmp_path / artifact).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fs_tarball(), tmp_path / artifact)
    return path


def parse_config_file(path: Path):
    from mcp_guard.config import load_config

    return load_config(path)


def test_readme_provenance_example_verifies_and_launches_the_copy(home, tmp_path, capsys):
    path = _readme_config(tmp_path)
    assert main(["--config", str(path), "verify", "filesystem", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["results"]
    assert row["outcome"] == "pinned" and row["purl"] == FS_PURL
    config = parse_config_file(path)
    out = _admit(config)
    assert out.command == "npx" and f"--package={_cached(home) / fs_tarball().name}" in out.args
    # With an attestation beside the artifact, the README's issuer and repository are what is checked.
    evidence = (tmp_path / config.upstreams["filesystem"].provenance.artifact).with_suffix(".tgz.sigstore.json")
    shutil.copyfile(sigstore_asset("bundle_v3_github.whl.sigstore"), evidence)
    assert main(["--config", str(path), "verify", "filesystem"]) == 1
    assert "invalid" in capsys.readouterr().out


def test_verify_json_is_json_on_every_path(home, tmp_path, capsys):
    path = tmp_path / "mcp-guard.toml"
    path.write_text(
        '[storage]\npath = "guard.db"\n'
        '[upstreams.nopolicy]\ncommand = "x"\n'
        '[upstreams.noartifact]\ncommand = "npx"\n'
        'provenance = { package = "pkg:npm/sigstore@0.4.0", issuer = "https://issuer.example" }\n',
        encoding="utf-8",
    )
    cases = [
        (["--config", str(path), "verify", "nopolicy", "--json"], "no provenance policy"),
        (["--config", str(path), "verify", "noartifact", "--json"], "npm pack sigstore@0.4.0"),
        (["--config", str(path), "verify", "--json"], "npm pack sigstore@0.4.0"),
        (["--config", str(path), "verify", "nope", "--json"], "no upstream named 'nope'"),
        (["--config", str(tmp_path / "absent.toml"), "verify", "--json"], "absent.toml"),
        (["verify", "--json", "--artifact", "x", "--sha256", "zz"], "64 hexadecimal digits"),
    ]
    for argv, says in cases:
        code = main(argv)
        out = capsys.readouterr().out
        doc = json.loads(out)
        entry = doc["results"][0] if "results" in doc else doc
        assert code != 0 and doc["ok"] is False, argv
        assert entry["outcome"] == "error" and says in entry["message"], (argv, entry)


def test_missing_attestation_says_what_to_do(home, tmp_path):
    artifact = tmp_path / "pkg.whl"
    shutil.copyfile(sigstore_asset("bundle_v3_github.whl"), artifact)
    config = _config(tmp_path, {"artifact": str(artifact), **WHEEL_POLICY})
    from mcp_guard.provenance import check_upstream

    detail = check_upstream(config, "srv").result.detail
    assert "bundle = PATH" in detail and "sha256" in detail and str(tmp_path) in detail


# --- fetch = true: the registry's npm provenance, through npm itself ----------------------------------


@pytest.fixture
def npm_registry(monkeypatch):
    """A registry on 127.0.0.1 serving sigstore@0.4.0's packument and its real attestations document;
    npm is pointed at it as a user would (`npm_config_registry`)."""
    import http.server
    import threading

    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    attestations = npm_asset("sigstore-0.4.0.attestations.json").read_bytes()
    state = {"serve_attestations": True, "paths": []}

    class Registry(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            state["paths"].append(self.path)
            base = f"http://127.0.0.1:{self.server.server_port}"
            if self.path.startswith("/-/npm/v1/attestations/sigstore@0.4.0"):
                body = attestations
            elif self.path.rstrip("/") == "/sigstore":
                dist = {"tarball": f"{base}/sigstore/-/sigstore-0.4.0.tgz"}
                if state["serve_attestations"]:
                    dist["attestations"] = {"url": f"{base}/-/npm/v1/attestations/sigstore@0.4.0"}
                doc = {"name": "sigstore", "dist-tags": {"latest": "0.4.0"},
                       "versions": {"0.4.0": {"name": "sigstore", "version": "0.4.0", "dist": dist}}}
                body = json.dumps(doc).encode()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{server.server_port}/")
    yield state
    server.shutdown()


def test_fetch_true_reads_the_registrys_npm_provenance(home, tmp_path, npm_registry):
    artifact = tmp_path / "vendor" / "sigstore-0.4.0.tgz"  # alone: no attestation lies beside it
    artifact.parent.mkdir()
    shutil.copyfile(npm_asset("sigstore-0.4.0.tgz"), artifact)
    policy = {"package": "pkg:npm/sigstore@0.4.0", "artifact": str(artifact),
              "fetch": True, "issuer": GITHUB, "repository": "sigstore/sigstore-js"}
    from mcp_guard.provenance import check_upstream

    result = check_upstream(_config(tmp_path, policy), "srv").result
    # Found and read: this old npm provenance is a format sigstore can no longer load (not "missing").
    assert result.outcome == "unsupported", result.detail
    served = npm_asset("sigstore-0.4.0.attestations.json").read_bytes()
    assert result.bundle and Path(result.bundle).read_bytes() == served
    assert any(p.startswith("/-/npm/v1/attestations/") for p in npm_registry["paths"])
    npm_registry["serve_attestations"] = False
    shutil.rmtree(home / ".npm", ignore_errors=True)  # npm's own cache of the packument
    result = check_upstream(_config(tmp_path, policy), "srv").result
    assert result.outcome == "missing" and "the npm registry" in result.detail


@pytest.fixture
def python_index(monkeypatch):
    """A Python index on 127.0.0.1 whose JSON simple page (PEP 691) lists pypi-attestations 0.0.19's
    sdist with its real PEP 740 provenance; pip's configuration points at it (`PIP_INDEX_URL`)."""
    import http.server
    import threading

    sdist = "pypi_attestations-0.0.19.tar.gz"
    provenance = pep740_asset(sdist + ".provenance").read_bytes()
    state = {"paths": []}

    class Index(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            state["paths"].append(self.path)
            if self.path == "/simple/pypi-attestations/":
                entry = {"filename": sdist, "url": f"../../files/{sdist}", "hashes": {},
                         "provenance": f"/integrity/pypi-attestations/0.0.19/{sdist}/provenance"}
                body = json.dumps({"meta": {"api-version": "1.1"}, "name": "pypi-attestations",
                                   "files": [entry]}).encode()
            elif self.path == f"/integrity/pypi-attestations/0.0.19/{sdist}/provenance":
                body = provenance
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{server.server_port}/simple/")
    yield state
    server.shutdown()


def test_fetch_true_reads_the_indexs_pep740_provenance(home, tmp_path, python_index):
    artifact = tmp_path / "vendor" / "pypi_attestations-0.0.19.tar.gz"
    artifact.parent.mkdir()
    shutil.copyfile(pep740_asset(artifact.name), artifact)
    policy = {"package": "pkg:pypi/pypi-attestations@0.0.19", "artifact": str(artifact), "fetch": True,
              "issuer": GITHUB, "repository": "trailofbits/pypi-attestations", "workflow": "release.yml"}
    from mcp_guard.provenance import check_upstream

    result = check_upstream(_config(tmp_path, policy), "srv").result
    assert result.outcome == "verified" and result.kind == "pep740", result.detail
    assert any(p.startswith("/integrity/") for p in python_index["paths"])
    # Another publisher's policy fails on the same fetched provenance.
    policy["repository"] = "someone/else"
    assert check_upstream(_config(tmp_path, policy), "srv").result.outcome == "invalid"


@pytest.mark.parametrize(
    "artifact",
    [
        ("mcp-tools", "modelcontextprotocol-server-filesystem-2026.8.31.tgz"),
        ("mcp-tools", "modelcontextprotocol-server-everything-2026.8.31.tgz"),
        ("pypi-attestations-assets", "pypi_attestations-0.0.19.tar.gz"),
        ("pypi-attestations-assets", "rfc8785-0.1.2-py3-none-any.whl"),
        ("npm-pacote-sigstore-0.4.0", "sigstore-0.4.0.tgz"),
    ],
)
def test_intact_copy_is_recognised_without_unpacking_again(home, tmp_path, artifact):
    """The per-launch check computes the unpacked tree from the verified bytes in memory; it must agree
    with a real unpacking, or every launch would fall back to unpacking afresh."""
    from mcp_guard.provenance.artifacts import _unpack, archive_manifest, tree_manifest

    path = shared("fixtures", "supply-chain", *artifact)
    dest = tmp_path / "unpacked"
    dest.mkdir()
    _unpack(path.read_bytes(), path.name, dest)
    assert archive_manifest(path.read_bytes(), path.name, dest) == tree_manifest(dest)


def test_gate_refuses_an_edited_copy_of_a_signed_wheel(home, tmp_path):
    """The production-signed rfc8785 wheel: verified by its signer, run from the cache, then edited."""
    wheel = tmp_path / "dist" / "bundle_v3_github.whl"
    wheel.parent.mkdir()
    shutil.copyfile(sigstore_asset("bundle_v3_github.whl"), wheel)
    shutil.copyfile(sigstore_asset("bundle_v3_github.whl.sigstore"), wheel.parent / (wheel.name + ".sigstore"))
    config = _config(tmp_path, {"artifact": str(wheel), **WHEEL_POLICY},
                     args=["{verified_dir}/rfc8785/__init__.py"])
    store = open_store(None)
    out = anyio.run(ProvenanceGuard(config, store).prepare_launch, _spec(config))
    assert out.env["PYTHONDONTWRITEBYTECODE"] == "1"  # no .pyc is written into the checked tree
    unpacked = Path(out.args[4]).parents[1]
    (unpacked / "rfc8785" / "_impl.py").write_text("import os  # not what was signed\n")
    with pytest.raises(LaunchRefused, match=r"modified after verification: rfc8785/_impl.py \(changed\)"):
        anyio.run(ProvenanceGuard(config, store).prepare_launch, _spec(config))
    assert [r["outcome"] for r in _verifications(store)] == ["invalid"]  # same digest: the last result


def test_verify_says_what_a_launch_would_meet(home, tmp_path, capsys):
    """`verify` judges as the launch gate does: a command that does not run the copy is not "pinned"."""
    config = tmp_path / "mcp-guard.toml"
    tarball = json.dumps(str(fs_tarball()))
    pin = hashlib.sha256(fs_tarball().read_bytes()).hexdigest()
    config.write_text(
        '[storage]\npath = "guard.db"\n'
        f'[upstreams.fs]\ncommand = "node"\nargs = ["/opt/elsewhere/index.js"]\n'
        f'provenance = {{ package = "{FS_PURL}", artifact = {tarball}, sha256 = "{pin}" }}\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "verify", "fs", "--json"]) == 1
    [row] = json.loads(capsys.readouterr().out)["results"]
    assert row["outcome"] == "invalid"
    assert "`node /opt/elsewhere/index.js` does not run the verified copy" in row["detail"]


def test_verify_judges_the_environment_pass_env_hands_over(home, tmp_path, capsys, monkeypatch):
    """`verify` sees the variables a launch would get from `pass_env`, not only the entry's `env`."""
    config = tmp_path / "mcp-guard.toml"
    tarball = json.dumps(str(fs_tarball()))
    pin = hashlib.sha256(fs_tarball().read_bytes()).hexdigest()
    config.write_text(
        '[storage]\npath = "guard.db"\n'
        '[upstreams.fs]\ncommand = "node"\nargs = ["{verified_dir}/package/dist/index.js"]\n'
        'pass_env = ["NODE_OPTIONS"]\n'
        f'provenance = {{ package = "{FS_PURL}", artifact = {tarball}, sha256 = "{pin}" }}\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "verify", "fs", "--json"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("NODE_OPTIONS", "--require /tmp/elsewhere.js")
    assert main(["--config", str(config), "verify", "fs", "--json"]) == 1
    [row] = json.loads(capsys.readouterr().out)["results"]
    assert row["outcome"] == "invalid" and "its environment sets NODE_OPTIONS" in row["detail"]


def test_run_enforce_refuses_the_wrap_form_with_another_command(home, tmp_path):
    """`mcp-guard run --name NAME -- CMD …` (what `wrap` writes) under an enforce policy for NAME: a
    command that is not the verified package is refused at launch, and the client is told why."""
    from tests.clients import GUARD, RawClient

    tarball = json.dumps(str(fs_tarball()))
    pin = hashlib.sha256(fs_tarball().read_bytes()).hexdigest()
    marker = tmp_path / "started"
    command = [sys.executable, "-c", f"import pathlib; pathlib.Path({str(marker)!r}).touch()"]
    config = tmp_path / "mcp-guard.toml"
    config.write_text(  # registered with the command its client entry runs, as `wrap` does
        f'[storage]\npath = "guard.db"\n[upstreams.filesystem]\ncommand = {json.dumps(command[0])}\n'
        f'args = {json.dumps(command[1:])}\n'
        f'provenance = {{ package = "{FS_PURL}", artifact = {tarball}, sha256 = "{pin}" }}\n',
        encoding="utf-8",
    )
    client = RawClient([*GUARD, "--config", str(config), "run", "--name", "filesystem", "--", *command])
    try:
        answer = client.request(
            "initialize",
            {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
        )
    finally:
        client.close()
    message = answer["error"]["message"]
    assert "refused to launch upstream 'filesystem'" in message and "does not run the verified copy" in message
    assert not marker.exists()


@pytest.mark.parametrize("env, loads", [
    ({"NODE_OPTIONS": "--require x"}, ["NODE_OPTIONS"]),
    ({"node_options": "--require x"}, ["node_options"]),  # any case
    ({"Npm_Config_Script_Shell": "/tmp/sh"}, ["Npm_Config_Script_Shell"]),
    ({"npm_config_userconfig": "/tmp/rc", "npm_config_globalconfig": "/tmp/rc"},
     ["npm_config_globalconfig", "npm_config_userconfig"]),
    ({"PYTHONWARNINGS": "ignore::evil.Category"}, ["PYTHONWARNINGS"]),  # imports the category's module
    ({"ld_preload": "/tmp/x.so", "LD_AUDIT": "/tmp/a.so"}, ["LD_AUDIT", "ld_preload"]),
    ({"UV_PYTHON": "/tmp/python3"}, ["UV_PYTHON"]),
    ({"BASH_ENV": "/tmp/rc", "DYLD_INSERT_LIBRARIES": "/tmp/x"}, ["BASH_ENV", "DYLD_INSERT_LIBRARIES"]),
    # what chooses no code passes: unbuffered output, CA certificates, quieter npm, the usual variables
    ({"PYTHONUNBUFFERED": "1", "NODE_EXTRA_CA_CERTS": "/etc/ca.pem", "npm_config_loglevel": "warn",
      "NODE_ENV": "production", "PATH": "/usr/bin", "HOME": "/home/u", "API_KEY": "x"}, []),
])
def test_code_loading_environment_is_found_by_family_in_any_case(env, loads):
    from mcp_guard.provenance.artifacts import code_env

    assert code_env(env) == loads


@pytest.mark.parametrize("name, version", [
    ("tinypkg", "file:/tmp/evil"), ("tinypkg", "github:owner/repo"), ("tinypkg", "https://example.org/t.tgz"),
    ("tinypkg", "^1.0.0"), ("tinypkg", "latest"), ("tinypkg", "1.0"), ("/tmp/evil", "1.0.0"),
    ("tinypkg", "1.0.0 || file:x"),
])
def test_fetch_takes_only_an_exact_registry_release(name, version):
    from mcp_guard.provenance.artifacts import exact

    with pytest.raises(ProvenanceError, match="exact version"):
        exact(Package("npm", name, version))


def test_fetch_exact_releases_pass():
    from mcp_guard.provenance.artifacts import exact

    for pkg in (Package("npm", "@modelcontextprotocol/server-filesystem", "2026.8.31"),
                Package("npm", "tinypkg", "1.0.0-rc.1+build.5"), Package("pypi", "mcp-server-time", "2025.9.25"),
                Package("pypi", "pkg_x", "1.0rc1.post2")):
        exact(pkg)
    for bad in ("git+https://x/y", "1.0 ; os_name", ">=1.0", "1.0.0+local"):
        with pytest.raises(ProvenanceError):
            exact(Package("pypi", "pkg", bad))


@pytest.mark.parametrize("options", [["--node-options=--require=/tmp/x.js"], ["--script-shell", "/tmp/sh"],
                                     ["--userconfig", "/tmp/rc"], ["-c", "sh -c id"], ["--prefix", "/tmp/repo"]])
def test_npx_options_that_may_choose_code_are_refused_in_one_line(home, tmp_path, options):
    tarball = npm_asset("sigstore-0.4.0.tgz")
    config = _config(tmp_path, {"package": "pkg:npm/sigstore@0.4.0", "artifact": str(tarball),
                                "sha512": hashlib.sha512(tarball.read_bytes()).hexdigest()},
                     command="npx", args=[*options, "-y", "sigstore@0.4.0"])
    with pytest.raises(LaunchRefused) as refused:
        anyio.run(ProvenanceGuard(config, open_store(None)).prepare_launch, _spec(config))
    message = str(refused.value)
    assert f"`npx` option {options[0].partition('=')[0]}" in message and "\n" not in message
