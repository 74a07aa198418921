"""The evidence bundle of an arrangement (docs/EVIDENCE.md "The bundle") and the instance's
Ed25519 signing key."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from flask import current_app
from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import utcnow
from jointprojects.evidence.services import chain_links, live_records, log_rows
from jointprojects.extensions import db
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements.models import Statement
from jointprojects.statements.services import workbook_of
from reports.evidence import MANIFEST, PUBLIC_KEY, SIGNATURE, plain, sha256, timestamp


def key_path() -> Path:
    configured = current_app.config.get("SIGNING_KEY") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / "signing_key.pem"


def signing_key() -> Ed25519PrivateKey:
    """The instance's key, kept outside the database: the file named by
    ``JOINTPROJECTS_SIGNING_KEY``, or ``signing_key.pem`` generated into the instance folder
    (mode 0600) the first time it is needed."""
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def public_key_pem() -> str:
    return signing_key().public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (Decimal, date, datetime)):
        return plain(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _json(data: Any) -> bytes:
    """Compact JSON (the C encoder: the files of an arrangement with 100,000 expenses are
    written in about a second), keys sorted."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_jsonable).encode("utf-8")


def _log_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "at": timestamp(row["at"])}


def build_bundle(sa: SpecialArrangement) -> bytes:
    """The zip: ``log.json`` (the arrangement's audit rows in full), ``chain.json`` (every
    row's id and links, no content), ``records.json`` (the current state of its expenses,
    signatures and statements), ``statements/N.xlsx`` (the frozen workbooks),
    ``manifest.json`` (SHA-256 of every file, the statements' digests, the chain head),
    ``manifest.sig`` (Ed25519 over the manifest's bytes) and ``public_key.pem``."""
    # The head is read under the same snapshot as the rows: nothing appended meanwhile
    # can make the links and the rows disagree (a row after the last link is not shown).
    last = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0
    links = [link for link in chain_links() if link["id"] <= last]
    rows = [_log_row(r) for r in log_rows(sa) if r["id"] <= last]
    files: dict[str, bytes] = {
        "chain.json": _json(links),
        "log.json": _json(rows),
        "records.json": _json(live_records(sa)),
    }
    statements = []
    for st in db.session.scalars(select(Statement).filter_by(arrangement_id=sa.id)
                                 .order_by(Statement.number)):
        workbook = workbook_of(st)
        name = f"statements/{st.number}.xlsx"
        files[name] = workbook.content
        statements.append({"id": st.id, "number": st.number, "status": st.status,
                           "workbook": name, "workbook_sha256": st.sha256})
    public = public_key_pem().encode("ascii")
    files[PUBLIC_KEY] = public
    manifest = _json({
        "format": "jointprojects-evidence/1",
        "arrangement": sa.reference,
        "generated_at": timestamp(utcnow()),
        "head": links[-1]["hash"] if links else None,
        "head_id": links[-1]["id"] if links else None,
        "signed_by": "the jointprojects instance",
        "statements": statements,
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    })
    signature = signing_key().sign(manifest).hex().encode("ascii")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr(MANIFEST, manifest)
        archive.writestr(SIGNATURE, signature)
    return out.getvalue()
