"""Verify the exact bytes of an artifact against a sigstore bundle or in-toto attestations.

Accepted evidence files: a sigstore bundle (a signature over the file, or a DSSE envelope holding an
in-toto statement), a PEP 740 attestation or provenance object, and npm's attestations document.
sigstore checks signature, certificate chain, transparency log and the identity policy; for DSSE it
does not compare the statement's subject with the artifact, so that is done here, on the same bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from sigstore.errors import Error as SigstoreError
from sigstore.errors import VerificationError
from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier
from sigstore.verify.policy import VerificationPolicy

from mcp_guard.provenance.files import MAX_EVIDENCE, read_file
from mcp_guard.provenance.policy import IdentityPolicy, issuer_of, load_trusted_root, signer_identities

Outcome = Literal["verified", "pinned", "invalid", "unsupported", "missing"]
OUTCOME_LABELS = {
    "verified": "verified",
    "pinned": "pinned (digest only)",
    "invalid": "invalid",
    "unsupported": "unsupported format",
    "missing": "missing",
}
_INTOTO = "application/vnd.in-toto+json"
_SLSA_PREFIX = "https://slsa.dev/provenance/"


@dataclass(frozen=True, slots=True)
class Result:
    """What verifying one artifact showed. `ok` is true for verified and pinned only."""

    outcome: Outcome
    detail: str
    artifact: str | None = None  # file name or path as named
    sha256: str | None = None
    purl: str | None = None
    kind: str | None = None  # sigstore-bundle | dsse | pep740 | npm-provenance | digest
    bundle: str | None = None  # evidence file
    bundle_sha256: str | None = None
    signer: str | None = None
    issuer: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("verified", "pinned")

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def line(self) -> str:
        """One line a person can read: outcome, what, and why."""
        what = self.purl or self.artifact or "artifact"
        return f"{what}: {self.label}: {self.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None} | {"label": self.label, "ok": self.ok}


class Unsupported(Exception):
    """The evidence file is in a form this verifier cannot check (not the same as a bad signature)."""


@dataclass(frozen=True, slots=True)
class _Evidence:
    kind: str
    bundle: Bundle
    dsse: bool  # a DSSE envelope (statement about the artifact) rather than a signature over it


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


# Transparency log entry types sigstore-python verifies, for a DSSE envelope and for a plain signature.
_DSSE_ENTRIES = {("dsse", "0.0.1"), ("hashedrekord", "0.0.2")}
_SIGNATURE_ENTRIES = {("hashedrekord", "0.0.1"), ("hashedrekord", "0.0.2")}


def _load_bundle(obj: Any) -> Bundle:
    if not isinstance(obj, dict):
        raise Unsupported("attestation holds no sigstore bundle")
    # Checked before loading: old npm provenance uses intoto/0.0.2 entries, which no longer verify.
    entries = (obj.get("verificationMaterial") or {}).get("tlogEntries") or []
    allowed = _DSSE_ENTRIES if "dsseEnvelope" in obj else _SIGNATURE_ENTRIES
    for entry in entries:
        kind = (entry.get("kindVersion") or {}) if isinstance(entry, dict) else {}
        if (kind.get("kind"), kind.get("version")) not in allowed:
            raise Unsupported(f"transparency log entry type {kind.get('kind')}/{kind.get('version')} is not supported")
    try:
        return Bundle.from_json(json.dumps(obj))
    except SigstoreError as err:
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()][:3]
        raise Unsupported(f"sigstore cannot load this bundle ({'; '.join(lines)})") from None


def load_evidence(raw: bytes) -> list[_Evidence]:
    """Parse an evidence file into the sigstore bundles to check; `Unsupported` when it cannot."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Unsupported("not JSON: expected a sigstore bundle or an attestation file") from None
    if not isinstance(doc, dict):
        raise Unsupported("not a sigstore bundle or attestation file")
    if "mediaType" in doc and "verificationMaterial" in doc:
        b = _load_bundle(doc)
        dsse = "dsseEnvelope" in doc
        return [_Evidence("dsse" if dsse else "sigstore-bundle", b, dsse)]
    if "attestations" in doc and isinstance(doc["attestations"], list):  # npm's attestations document
        slsa = [a for a in doc["attestations"] if str(a.get("predicateType", "")).startswith(_SLSA_PREFIX)]
        if not slsa:
            raise Unsupported("npm attestations without SLSA provenance (a publish attestation alone names no builder)")
        return [_Evidence("npm-provenance", _load_bundle(a.get("bundle")), True) for a in slsa]
    if "attestation_bundles" in doc or "envelope" in doc:  # PEP 740 provenance or one attestation
        return [_Evidence("pep740", b, True) for b in _pep740_bundles(doc)]
    raise Unsupported("not a sigstore bundle, PEP 740 attestation or npm attestations document")


def _pep740_bundles(doc: dict[str, Any]) -> Iterator[Bundle]:
    from pydantic import ValidationError
    from pypi_attestations import Attestation, AttestationError, Provenance

    try:
        if "attestation_bundles" in doc:
            atts = [a for ab in Provenance.model_validate(doc).attestation_bundles for a in ab.attestations]
        else:
            atts = [Attestation.model_validate(doc)]
        bundles = [a.to_bundle() for a in atts]
    except (ValidationError, AttestationError, SigstoreError) as err:
        raise Unsupported(f"PEP 740 attestation cannot be read ({_first_line(err)})") from None
    if not bundles:
        raise Unsupported("PEP 740 provenance holds no attestation")
    yield from bundles


def _check_subject(payload_type: str, payload: bytes, digests: dict[str, str]) -> None:
    """The in-toto statement must name these exact bytes (sigstore leaves this to the caller)."""
    if payload_type != _INTOTO:
        raise VerificationError(f"DSSE payload is {payload_type!r}, not an in-toto statement")
    try:
        statement = json.loads(payload)
        subjects = statement["subject"]
    except (ValueError, KeyError, TypeError):
        raise VerificationError("DSSE payload is not an in-toto statement") from None
    for subject in subjects if isinstance(subjects, list) else []:
        named = subject.get("digest", {}) if isinstance(subject, dict) else {}
        common = [alg for alg in ("sha512", "sha256") if alg in named]
        if common and all(hmac.compare_digest(str(named[alg]).lower(), digests[alg]) for alg in common):
            return
    raise VerificationError("no in-toto subject has this artifact's digest (statement is about other bytes)")


def verify_bytes(
    data: bytes,
    evidence: bytes,
    policy: VerificationPolicy,
    trusted_root: TrustedRoot,
) -> tuple[str, str | None, str | None]:
    """Verify `data` against an evidence file; return (kind, signer, issuer).

    Raises `Unsupported` when the evidence cannot be checked and `VerificationError` when it fails.
    """
    items = load_evidence(evidence)
    verifier = Verifier(trusted_root=trusted_root)
    digests = {"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()}
    for item in items:
        if item.dsse:
            payload_type, payload = verifier.verify_dsse(item.bundle, policy)
            _check_subject(payload_type, payload, digests)
        else:
            verifier.verify_artifact(data, item.bundle, policy)
    cert = items[0].bundle.signing_certificate
    signer = ", ".join(sorted(signer_identities(cert))) or None
    return items[0].kind, signer, issuer_of(cert)


def check(
    data: bytes | None,
    *,
    artifact: str | None,
    evidence: Path | None,
    identity: IdentityPolicy,
    sha256: str | None = None,
    sha512: str | None = None,
    trusted_root: str | None = None,
    purl: str | None = None,
    looked_in: str | None = None,
) -> Result:
    """Every check for one artifact, strongest evidence first, folded into one named outcome.

    `data` None means the artifact could not be obtained; `evidence` None means no attestation was
    found (`looked_in` says where it was looked for). Policy and trust-root mistakes raise
    `ProvenanceError`, since they are the operator's to fix, not the artifact's fault.
    """
    base = {"artifact": artifact, "purl": purl}
    if data is None:
        return Result("missing", f"artifact not found: {artifact or 'no artifact named'}", **base)
    digests = {"sha256": hashlib.sha256(data).hexdigest()}
    base["sha256"] = digests["sha256"]
    pins = {alg: pin.lower() for alg, pin in (("sha256", sha256), ("sha512", sha512)) if pin}
    if "sha512" in pins:
        digests["sha512"] = hashlib.sha512(data).hexdigest()
    for alg, pin in pins.items():
        if not hmac.compare_digest(digests[alg], pin):
            return Result("invalid", f"{alg} is {digests[alg]}, pinned {pin}", kind="digest", **base)
    if evidence is None:
        if pins:
            which = " and ".join(pins) + (" match the pins" if len(pins) > 1 else " matches the pin")
            return Result("pinned", f"{which}; no signature checked", kind="digest", **base)
        where = f" (looked in {looked_in})" if looked_in else ""
        fix = (
            "give its sigstore bundle or attestation file (bundle = PATH, or --bundle), put it beside the "
            "artifact as NAME.sigstore.json or NAME.provenance, or pin the artifact's sha256"
        )
        return Result("missing", f"no attestation or bundle for this artifact{where}: {fix}", **base)
    try:
        raw = read_file(evidence, MAX_EVIDENCE)
    except FileNotFoundError:
        return Result("missing", f"attestation file {evidence}: not found", **base)
    except OSError as err:
        return Result("invalid", f"attestation file {err}", **base)
    base |= {"bundle": str(evidence), "bundle_sha256": hashlib.sha256(raw).hexdigest()}
    policy = identity.to_sigstore()  # raises ProvenanceError on an empty or unsafe policy
    root = load_trusted_root(trusted_root)
    try:
        kind, signer, issuer = verify_bytes(data, raw, policy, root)
    except Unsupported as err:
        return Result("unsupported", str(err), **base)
    except (SigstoreError, ValueError) as err:  # a malformed certificate or entry is a failure too
        return Result("invalid", _first_line(err), **base)
    return Result("verified", f"signed by {signer} ({issuer})", kind=kind, signer=signer, issuer=issuer, **base)
