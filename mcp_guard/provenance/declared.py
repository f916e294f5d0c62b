"""Which package an artifact says it is: the name and version its own metadata declares.

A signature says who built the bytes, not which of their packages or releases they are: a repository
whose one workflow publishes several packages, or every release of one, signs them all alike. So the
package a policy names (`package`, `server_json`) is compared with what the verified bytes declare (npm:
`package/package.json`; a wheel: `*.dist-info/METADATA`; an sdist: `*/PKG-INFO`), and another package
or another version is refused, as an older release with a known hole would otherwise pass.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from email.parser import HeaderParser

_MAX_METADATA = 4 * 2**20  # a manifest larger than this is not read (and so not told)


def declared(data: bytes, filename: str) -> tuple[str, str | None] | None:
    """(name, version) as the artifact's own metadata gives them; None when it declares none readable."""
    try:
        if filename.endswith((".whl", ".zip")):
            return _zip(data)
        if filename.endswith((".tgz", ".tar.gz", ".tar")):
            return _tarball(data)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, ValueError, KeyError, UnicodeDecodeError):
        return None
    return None


def mismatch(ecosystem: str, name: str, version: str | None, data: bytes, filename: str) -> str | None:
    """Why the artifact is not `name`@`version` of `ecosystem` (npm, pypi), or None when it is. An npm or
    PyPI artifact that declares no name is refused too: which package it is cannot be told."""
    if ecosystem not in ("npm", "pypi"):
        return None
    found = declared(data, filename)
    if found is None:
        return f"the artifact declares no {ecosystem} package name and version, so it cannot be told to be {name}"
    got_name, got_version = found
    same = _same_pypi if ecosystem == "pypi" else _same_npm
    if not same(got_name, name):
        return f"the artifact is the package {got_name!r}, not {name!r}"
    if version is not None and (got_version is None or not same(got_version, version, version=True)):
        return f"the artifact is {got_name} version {got_version or '(none declared)'}, not {version}"
    return None


def _same_npm(a: str, b: str, *, version: bool = False) -> bool:
    return a.strip().removeprefix("v") == b.strip().removeprefix("v") if version else a == b


def _same_pypi(a: str, b: str, *, version: bool = False) -> bool:
    if not version:  # PEP 503: runs of -, _ and . are one, letter case aside
        return re.sub(r"[-_.]+", "-", a).lower() == re.sub(r"[-_.]+", "-", b).lower()
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a.strip() == b.strip()


def _zip(data: bytes) -> tuple[str, str | None] | None:
    """A wheel's `*.dist-info/METADATA`, else a zipped sdist's `*/PKG-INFO`: exactly one of them."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for pattern in (r"[^/]+\.dist-info/METADATA", r"[^/]+/PKG-INFO"):
            metas = [i for i in zf.infolist() if re.fullmatch(pattern, i.filename)]
            if metas:
                if len(metas) != 1 or metas[0].file_size > _MAX_METADATA:
                    return None
                return _core_metadata(zf.read(metas[0]).decode("utf-8"))
    return None


def _tarball(data: bytes) -> tuple[str, str | None] | None:
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        members = {m.name: m for m in tf.getmembers() if m.isfile()}
        npm = members.get("package/package.json")
        if npm is not None:
            doc = json.loads(_read(tf, npm))
            name, version = doc.get("name"), doc.get("version")
            if isinstance(name, str) and name:
                return name, version if isinstance(version, str) else None
            return None
        infos = [m for n, m in members.items() if re.fullmatch(r"[^/]+/PKG-INFO", n)]
        if len(infos) == 1:
            return _core_metadata(_read(tf, infos[0]).decode("utf-8"))
    return None


def _read(tf: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    if member.size > _MAX_METADATA:
        raise ValueError("metadata too large")
    f = tf.extractfile(member)
    return f.read() if f else b""


def _core_metadata(text: str) -> tuple[str, str | None] | None:
    """Name and Version of Python core metadata (the headers of METADATA / PKG-INFO)."""
    headers = HeaderParser().parsestr(text, headersonly=True)
    name, version = headers.get("Name"), headers.get("Version")
    return (name.strip(), version.strip() if version else None) if name and name.strip() else None
