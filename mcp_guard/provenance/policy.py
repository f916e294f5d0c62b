"""Who must have signed an artifact (an identity policy) and which roots of trust say so.

The policy is built from sigstore's own policy objects (`Identity`, `AllOf`, `AnyOf`, the OIDC
extension checks), plus two small ones sigstore lacks: a signer identity matched by a regular
expression, and the workflow file that ran the build.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cryptography.x509 import (
    Certificate,
    ExtensionNotFound,
    ObjectIdentifier,
    OtherName,
    RFC822Name,
    SubjectAlternativeName,
    UniformResourceIdentifier,
)
from sigstore.errors import VerificationError
from sigstore.models import ClientTrustConfig, TrustedRoot
from sigstore.verify import policy as sp
from sigstore_models.trustroot import v1 as trustroot_v1

from mcp_guard.errors import ProvenanceError
from mcp_guard.provenance.files import MAX_EVIDENCE, read_file

_ISSUER_OID = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
_GITHUB_REF_OID = ObjectIdentifier("1.3.6.1.4.1.57264.1.6")
_OTHERNAME_OID = ObjectIdentifier("1.3.6.1.4.1.57264.1.7")
_ISSUER_V2_OID = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
_REPOSITORY_URI_OID = ObjectIdentifier("1.3.6.1.4.1.57264.1.12")
_REF_OID = ObjectIdentifier("1.3.6.1.4.1.57264.1.14")
_BUILD_SIGNER_URI_OID = ObjectIdentifier("1.3.6.1.4.1.57264.1.9")
_BUILD_CONFIG_URI_OID = ObjectIdentifier("1.3.6.1.4.1.57264.1.18")

# Code forges whose OIDC issuer lets "owner/name" stand for a repository URL.
_FORGES = {
    "https://token.actions.githubusercontent.com": "https://github.com",
    "https://gitlab.com": "https://gitlab.com",
}

# The trust roots that ship inside the sigstore package: read from there, never from the user's cache.
_SHIPPED_ROOTS = {
    "production": "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev",
    "staging": "https%3A%2F%2Ftuf-repo-cdn.sigstage.dev",
}


def signer_identities(cert: Certificate) -> set[str]:
    """Every identity a Fulcio certificate names (email, URI, or sigstore's own other-name)."""
    try:
        san = cert.extensions.get_extension_for_class(SubjectAlternativeName).value
    except ExtensionNotFound:
        return set()
    found = set(san.get_values_for_type(RFC822Name)) | set(san.get_values_for_type(UniformResourceIdentifier))
    found.update(o.value.decode() for o in san.get_values_for_type(OtherName) if o.type_id == _OTHERNAME_OID)
    return found


def _der_utf8(der: bytes) -> str:
    """Decode a DER UTF8String (how Fulcio's newer extensions hold their value)."""
    if len(der) < 2 or der[0] != 0x0C:
        raise VerificationError("malformed certificate extension")
    length, offset = der[1], 2
    if length & 0x80:
        n = length & 0x7F
        length, offset = int.from_bytes(der[2 : 2 + n], "big"), 2 + n
    return der[offset : offset + length].decode()


class Identity:
    """The signer identity (SAN) is exactly this one (sigstore's `Identity`, with a shorter message)."""

    def __init__(self, identity: str) -> None:
        self._identity = identity

    def verify(self, cert: Certificate) -> None:
        sans = signer_identities(cert)
        if self._identity not in sans:
            raise VerificationError(f"signer is {', '.join(sorted(sans)) or 'nobody'}, expected {self._identity}")


class IdentityPattern:
    """The signer identity (SAN) must fully match a regular expression."""

    def __init__(self, pattern: str) -> None:
        self._re = re.compile(pattern)

    def verify(self, cert: Certificate) -> None:
        sans = signer_identities(cert)
        if not any(self._re.fullmatch(s) for s in sans):
            signer = ", ".join(sorted(sans)) or "nobody"
            raise VerificationError(f"signer is {signer}, which does not match {self._re.pattern!r}")


class Workflow:
    """The build ran the named workflow file (GitHub: `.github/workflows/<file>`; GitLab: a CI path)."""

    def __init__(self, workflow: str) -> None:
        self._workflow = workflow.strip("/")

    def verify(self, cert: Certificate) -> None:
        for oid in (_BUILD_CONFIG_URI_OID, _BUILD_SIGNER_URI_OID):
            uri = _extension_text(cert, oid)
            if uri is None:
                continue
            path = uri.split("@", 1)[0]
            if path.endswith("/.github/workflows/" + self._workflow) or path.endswith("//" + self._workflow):
                return
            if "/" in self._workflow and path.endswith("/" + self._workflow):
                return
            raise VerificationError(f"built by {path}, not by workflow {self._workflow!r}")
        raise VerificationError("certificate names no build workflow")


class Expect:
    """One named expectation met by any of its sigstore checks; says what was found when it fails.

    (sigstore's `AnyOf` only reports "0 of N policies succeeded", which tells a person nothing.)
    """

    def __init__(self, what: str, expected: str, checks: list[sp.VerificationPolicy], *oids: ObjectIdentifier):
        self._what, self._expected, self._any, self._oids = what, expected, sp.AnyOf(checks), oids

    def verify(self, cert: Certificate) -> None:
        try:
            self._any.verify(cert)
        except VerificationError:
            found = next((v for oid in self._oids if (v := _extension_text(cert, oid))), None)
            raise VerificationError(
                f"{self._what} is {found!r}, expected {self._expected!r}"
                if found
                else f"certificate names no {self._what}, expected {self._expected!r}"
            ) from None


def _extension_text(cert: Certificate, oid: ObjectIdentifier) -> str | None:
    """An OIDC claim extension's text, whether DER-wrapped (newer OIDs) or raw (older ones)."""
    try:
        raw = cert.extensions.get_extension_for_oid(oid).value.public_bytes()
    except ExtensionNotFound:
        return None
    try:
        return _der_utf8(raw)
    except (VerificationError, UnicodeDecodeError):
        return raw.decode(errors="replace")


def issuer_of(cert: Certificate) -> str | None:
    return _extension_text(cert, _ISSUER_V2_OID) or _extension_text(cert, _ISSUER_OID)


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    """The expected signer: an OIDC issuer plus an exact identity, a pattern, or a repository."""

    issuer: str | None = None
    identity: str | None = None
    identity_pattern: str | None = None
    repository: str | None = None
    ref: str | None = None
    workflow: str | None = None

    @classmethod
    def from_config(cls, p: object) -> IdentityPolicy:
        return cls(**{f.name: getattr(p, f.name, None) for f in fields(cls)})

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def repository_url(self) -> str | None:
        if not self.repository:
            return None
        if "://" in self.repository:
            return self.repository.rstrip("/")
        forge = _FORGES.get(self.issuer or "")
        if forge is None:
            raise ProvenanceError(
                f"repository {self.repository!r}: give its full URL (issuer {self.issuer!r} is not a known forge)"
            )
        return f"{forge}/{self.repository.strip('/')}"

    def to_sigstore(self) -> sp.VerificationPolicy:
        """The sigstore policy; refuses a policy that would accept anybody's signature."""
        if not self.issuer or not (self.identity or self.identity_pattern or self.repository):
            raise ProvenanceError(
                "an identity policy needs 'issuer' and one of 'identity', 'identity_pattern' or 'repository'"
            )
        if self.identity_pattern:
            try:
                re.compile(self.identity_pattern)
            except re.error as err:
                raise ProvenanceError(f"identity_pattern {self.identity_pattern!r}: {err}") from None
        # Older certificates carry the issuer in the v1 extension only, newer ones in v2 as well.
        issuer = [sp.OIDCIssuerV2(self.issuer), sp.OIDCIssuer(self.issuer)]
        checks: list[sp.VerificationPolicy] = [Expect("issuer", self.issuer, issuer, _ISSUER_V2_OID, _ISSUER_OID)]
        if self.identity:
            checks.append(Identity(self.identity))
        if self.identity_pattern:
            checks.append(IdentityPattern(self.identity_pattern))
        if url := self.repository_url():
            repo: list[sp.VerificationPolicy] = [sp.OIDCSourceRepositoryURI(url)]
            if url.startswith("https://github.com/"):
                repo.append(sp.GitHubWorkflowRepository(url.removeprefix("https://github.com/")))
            checks.append(Expect("source repository", url, repo, _REPOSITORY_URI_OID))
        if self.ref:
            ref = [sp.OIDCSourceRepositoryRef(self.ref), sp.GitHubWorkflowRef(self.ref)]
            checks.append(Expect("source ref", self.ref, ref, _REF_OID, _GITHUB_REF_OID))
        if self.workflow:
            checks.append(Workflow(self.workflow))
        return sp.AllOf(checks)


def load_trusted_root(spec: str | None = None) -> TrustedRoot:
    """A pinned trust root: "production" (default) or "staging" as shipped inside the sigstore
    package, or a file holding a trusted_root.json or a client trust config (private instances)."""
    return _load_trusted_root(spec or "production")


@lru_cache(maxsize=8)
def _load_trusted_root(spec: str) -> TrustedRoot:
    if spec in _SHIPPED_ROOTS:
        ref = resources.files("sigstore") / "_store" / _SHIPPED_ROOTS[spec] / "trusted_root.json"
        raw = ref.read_text(encoding="utf-8")
    else:
        try:
            raw = read_file(Path(spec).expanduser(), MAX_EVIDENCE).decode("utf-8", "replace")
        except OSError as err:
            raise ProvenanceError(f"trusted root {spec}: cannot read it: {err.strerror or err}") from None
    try:
        if "clienttrustconfig" in str(json.loads(raw).get("mediaType", "")):
            return ClientTrustConfig.from_json(raw).trusted_root
        return TrustedRoot(trustroot_v1.TrustedRoot.from_json(raw))
    except Exception as err:  # noqa: BLE001 - whatever the parser says, it is the same user error
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ProvenanceError(f"trusted root {spec}: not a sigstore trusted root or trust config: {reason}") from None
