"""Helpers of the signature tests: an organization's key pair, registered, and what it signs."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select, text

from jointprojects.audit.models import AuditEntry
from jointprojects.extensions import db
from reports.evidence import encode_signature, message, row_hash
from tests.append_only import triggers_off


def pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.PEM,
                                         PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def signed(key: Ed25519PrivateKey, payload: dict[str, Any]) -> str:
    return encode_signature(key.sign(message(payload)))


def rewrite_chain_from(row_id: int, change: dict[str, Any]) -> None:
    """What a database administrator who knows the (public) algorithm could do: change an
    audit row behind the application, then recompute every hash after it so the chain holds
    again, and move the chain head."""
    conn = db.session.connection()
    with triggers_off(conn):
        sets = ", ".join(f"{k} = :{k}" for k in change)
        conn.execute(text(f"UPDATE audit_entry SET {sets} WHERE id = :i"),
                     {**change, "i": row_id})
        db.session.expire_all()
        entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        prev = entries[0].prev_hash
        for entry in entries:
            new = row_hash(prev, {n: getattr(entry, n) for n in (
                "action", "address", "after", "at", "before", "entity", "entity_id",
                "parent_entity", "parent_id", "user_agent", "user_id")})
            if entry.id >= row_id:
                conn.execute(text("UPDATE audit_entry SET prev_hash = :p, hash = :h "
                                  "WHERE id = :i"), {"p": prev, "h": new, "i": entry.id})
            prev = new
        conn.execute(text("UPDATE audit_chain_head SET hash = :h WHERE id = 1"), {"h": prev})
    db.session.commit()
    db.session.expire_all()
