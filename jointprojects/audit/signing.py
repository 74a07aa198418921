"""The instance's Ed25519 signing key and what it signs (docs/EVIDENCE.md "Signatures").

Kept low (audit is early in the features' order) so that statements may seal an acceptance
and evidence may sign checkpoints and bundles with the one key. The key lives outside the
database: the file named by ``JOINTPROJECTS_SIGNING_KEY``, or ``signing_key.pem`` generated
into the instance folder (mode 0600) the first time it is needed. What is signed is
:func:`reports.evidence.message` of a payload; signatures are base64.
"""

from __future__ import annotations

import os
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
from jointprojects.audit.services import chain_head
from jointprojects.extensions import db
from reports.evidence import GENESIS, encode_signature, fingerprint, message


def key_path() -> Path:
    configured = current_app.config.get("SIGNING_KEY") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / "signing_key.pem"


def signing_key() -> Ed25519PrivateKey:
    """The instance's key: the file named by ``JOINTPROJECTS_SIGNING_KEY``, or
    ``signing_key.pem`` generated into the instance folder (mode 0600) when first needed."""
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile: use theirs
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def public_key_pem() -> str:
    return signing_key().public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def instance_fingerprint() -> str:
    return fingerprint(signing_key().public_key())


def sign(payload: dict[str, Any]) -> str:
    """The instance's signature (base64) of the payload's canonical bytes."""
    return encode_signature(signing_key().sign(message(payload)))


def sign_bytes(data: bytes) -> bytes:
    return signing_key().sign(data)


def head_now() -> tuple[int, str]:
    """The chain head in this transaction: the id of the newest audit row and its hash
    (``(0, 64 zeros)`` on an empty log). The chain-head row is locked as an append locks
    it, so nothing is appended between reading it and this transaction's end."""
    connection = db.session.connection()
    chain_head(connection)
    row = connection.execute(select(AuditEntry.id, AuditEntry.hash)
                             .order_by(AuditEntry.id.desc()).limit(1)).first()
    if row is None:
        return 0, GENESIS
    return int(row[0]), str(row[1])
