"""Organization keys, checkpoints and the organizations' signatures (docs/EVIDENCE.md
"Signatures", "Checkpoints", "Organization keys").

Who: an organization's key is registered, replaced and used to sign for it by its own
leadership or finance users, or by an administrator (``policy.EVIDENCE_SIGN``, on behalf of
one organization); every change is audited. A signature is only taken when it holds for the
organization's registered key: the database never holds an organization's signature that
its key did not make (``verify --database`` checks them again, the bundle's verifier too).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from jointprojects.audit import services as audit
from jointprojects.audit import signing
from jointprojects.auth import policy
from jointprojects.errors import Collector, Conflict, DomainError, Message, NotFound, message_of
from jointprojects.evidence.models import (
    AcceptanceSignature,
    Checkpoint,
    CheckpointSignature,
    OrganizationKey,
)
from jointprojects.extensions import db
from jointprojects.organizations.models import Organization
from jointprojects.organizations.services import get_organization
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements.models import Statement, StatementAcknowledgement
from reports.evidence import (
    checkpoint_payload,
    decode_signature,
    fingerprint,
    public_key,
    signature_holds,
    timestamp,
)

#: Who made a checkpoint when no user did.
COMMAND_LINE = "command line (jointprojects checkpoint)"
DAILY_JOB = "daily job"
MAX_PEM = 2000


# --- organization keys -------------------------------------------------------------------------

def keys_of(org: Organization) -> list[OrganizationKey]:
    """Every key the organization registered, the one in use first, then the retired ones
    newest first."""
    keys = db.session.scalars(select(OrganizationKey).filter_by(organization_id=org.id)
                              .order_by(OrganizationKey.id.desc()))
    return sorted(keys, key=lambda k: k.retired_at is not None)


def active_key(org: Organization) -> OrganizationKey | None:
    return db.session.scalar(select(OrganizationKey).filter_by(
        organization_id=org.id, retired_at=None).order_by(OrganizationKey.id.desc()).limit(1))


def key_snapshot(key: OrganizationKey) -> dict[str, Any]:
    return audit.snapshot(key, extra={"organization": key.organization.code})


def register_key(organization: str | None, pem: str | None, user: Any) -> OrganizationKey:
    """Register ``pem`` (an Ed25519 public key, SubjectPublicKeyInfo PEM) as the key of
    ``organization``; the key it replaces is retired, kept, and what it signed still
    verifies."""
    errors = Collector()
    code = (organization or "").strip()
    if not code:
        errors.add("organization", "Choose the organization whose key this is.")
    text = (pem or "").strip()
    key = None
    if not text:
        errors.add("public_key", "Paste the public key (the lines from -----BEGIN PUBLIC "
                                 "KEY----- to -----END PUBLIC KEY-----).")
    elif len(text) > MAX_PEM:
        errors.add("public_key", Message("The public key must be at most %(limit)s characters: "
                                         "paste the public key, never the private one.",
                                         limit=MAX_PEM))
    elif "PRIVATE KEY" in text:
        errors.add("public_key", "This is a private key: keep it on your own machine and "
                                 "paste its public key instead (openssl pkey -in KEY -pubout).")
    else:
        try:
            key = public_key(text)
        except ValueError as exc:
            errors.add("public_key", Message("The public key cannot be read: %(problem)s. Paste "
                                             "an Ed25519 public key in PEM form.",
                                             problem=message_of(exc)))
    errors.raise_if_any()
    org = get_organization(code)
    policy.ensure(user, policy.EVIDENCE_SIGN, org.code)
    assert key is not None  # noqa: S101 - narrowed by the errors above
    print_ = fingerprint(key)
    existing = db.session.scalar(select(OrganizationKey).filter_by(fingerprint=print_))
    if existing is not None:
        owner = existing.organization.code
        raise Conflict(Message("This key is already registered (to %(owner)s, fingerprint "
                               "%(fingerprint)s).", owner=owner, fingerprint=short(print_)),
                       "public_key")
    now = datetime.now(UTC).replace(tzinfo=None)
    for old in db.session.scalars(select(OrganizationKey).filter_by(organization_id=org.id,
                                                                    retired_at=None)):
        before = key_snapshot(old)
        old.retired_at = now
        audit.record("update", old, parent=org, before=before, after=key_snapshot(old),
                     user=user)
    record = OrganizationKey(organization=org, public_key=text + "\n", fingerprint=print_,
                             registered_by=user, registered_at=now)
    db.session.add(record)
    db.session.flush()
    audit.record("create", record, parent=org, after=key_snapshot(record), user=user)
    return record


def short(print_: str) -> str:
    """A fingerprint as pages show it: its first 32 hex digits in groups of four."""
    return " ".join(print_[i:i + 4] for i in range(0, 32, 4))


# --- checkpoints -------------------------------------------------------------------------------

def get_checkpoint(checkpoint_id: int) -> Checkpoint:
    cp = db.session.get(Checkpoint, checkpoint_id)
    if cp is None:
        raise NotFound("Unknown checkpoint.", field="id")
    return cp


def checkpoint_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Checkpoint)) or 0)


def checkpoints(limit: int | None = None, offset: int = 0) -> list[Checkpoint]:
    """The checkpoints, newest first, with their signatures."""
    query = (select(Checkpoint).options(selectinload(Checkpoint.signatures)
                                        .joinedload(CheckpointSignature.organization),
                                        selectinload(Checkpoint.signatures)
                                        .joinedload(CheckpointSignature.key))
             .order_by(Checkpoint.id.desc()))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.scalars(query))


def latest_checkpoint() -> Checkpoint | None:
    found = checkpoints(limit=1)
    return found[0] if found else None


def payload_of(cp: Checkpoint) -> dict[str, Any]:
    return checkpoint_payload(cp.sequence, cp.hash, cp.at)


def checkpoint_snapshot(cp: Checkpoint) -> dict[str, Any]:
    return audit.snapshot(cp)


def make_checkpoint(made_by: str, user: Any | None = None) -> Checkpoint:
    """Sign the chain head now with the instance's key and keep it. The checkpoint's own
    audit row comes after the head it signs."""
    sequence, head = signing.head_now()
    at = datetime.now(UTC).replace(tzinfo=None)
    payload = checkpoint_payload(sequence, head, at)
    cp = Checkpoint(sequence=sequence, hash=head, at=at, made_by=made_by,
                    instance_signature=signing.sign(payload),
                    instance_fingerprint=signing.instance_fingerprint())
    db.session.add(cp)
    db.session.flush()
    audit.record("create", cp, after=checkpoint_snapshot(cp), user=user)
    return cp


def signature_json(sig: CheckpointSignature | AcceptanceSignature) -> dict[str, Any]:
    return {"organization": sig.organization.code, "fingerprint": sig.key.fingerprint,
            "signature": sig.signature, "recorded_at": timestamp(sig.recorded_at)}


def checkpoint_json(cp: Checkpoint) -> dict[str, Any]:
    """A checkpoint as an organization keeps it (``GET /api/v1/checkpoints``, the page's
    download, ``jointprojects checkpoint sign``, ``verify --checkpoint``)."""
    return {"id": cp.id, "payload": payload_of(cp), "instance_signature": cp.instance_signature,
            "instance_fingerprint": cp.instance_fingerprint, "made_by": cp.made_by,
            "signatures": [signature_json(s) for s in cp.signatures]}


def _signature(organization: str | None, signature: str | None, user: Any,
               payload: dict[str, Any], what: str,
               party_codes: list[str] | None = None) -> tuple[Organization, OrganizationKey, str]:
    """Check an organization's signature of ``payload``: its right, its registered key,
    the base64, and that the signature holds. Returns the organization, the key and the
    signature as stored (base64 without whitespace)."""
    errors = Collector()
    code = (organization or "").strip()
    text = "".join((signature or "").split())
    if not code:
        errors.add("organization", "Choose the organization that signs.")
    if not text:
        errors.add("signature", "Paste the signature (base64) that `jointprojects checkpoint "
                                "sign --key YOUR_KEY FILE.json` printed.")
    elif len(text) > 100:
        errors.add("signature", "The signature is too long: an Ed25519 signature in base64 "
                                "has 88 characters.")
    else:
        try:
            decode_signature(text)
        except ValueError as exc:
            errors.add("signature", Message("The signature cannot be read (%(problem)s): paste the "
                                            "base64 line `jointprojects checkpoint sign` "
                                            "printed.", problem=message_of(exc)))
    errors.raise_if_any()
    org = get_organization(code)
    policy.ensure(user, policy.EVIDENCE_SIGN, org.code)
    if party_codes is not None and org.code not in party_codes:
        raise DomainError(Message("%(code)s is not a party to this arrangement: only its "
                                  "parties sign %(what)s.", code=org.code, what=what),
                          "organization")
    key = active_key(org)
    if key is None:
        raise Conflict(Message("%(code)s has no registered key: register its public key first "
                               "(the organization's Keys page).", code=org.code),
                       "organization")
    if not signature_holds(public_key(key.public_key), text, payload):
        raise DomainError(Message("This signature does not hold for %(code)s's registered key "
                                  "(%(fingerprint)s): sign %(what)s with %(code)s's private "
                                  "key, the one whose public key is registered.",
                                  code=org.code, fingerprint=short(key.fingerprint), what=what),
                          "signature")
    return org, key, text


def sign_checkpoint(cp: Checkpoint, organization: str | None, signature: str | None,
                    user: Any) -> CheckpointSignature:
    """Take an organization's signature of a checkpoint (made off-site with its private key),
    verified against its registered key."""
    org, key, text = _signature(organization, signature, user, payload_of(cp),
                                Message("checkpoint %(id)s", id=cp.id))
    if any(s.organization_id == org.id for s in cp.signatures):
        raise Conflict(Message("%(code)s has already signed checkpoint %(id)s.", code=org.code,
                               id=cp.id), "organization")
    record = CheckpointSignature(checkpoint=cp, organization=org, key=key, signature=text,
                                 recorded_by=user)
    db.session.add(record)
    db.session.flush()
    audit.record("sign", record, parent=cp, user=user, after=audit.snapshot(
        record, extra={"organization": org.code, "fingerprint": key.fingerprint}))
    return record


# --- acceptances -------------------------------------------------------------------------------

def get_acknowledgement(st: Statement, organization: str) -> StatementAcknowledgement:
    found = next((a for a in st.acknowledgements if a.organization.code == organization), None)
    if found is None:
        raise NotFound(Message("%(code)s has not decided on statement %(number)s.",
                               code=organization, number=st.number), field="organization")
    return found


def acceptance_signatures(ack: StatementAcknowledgement) -> list[AcceptanceSignature]:
    return list(db.session.scalars(select(AcceptanceSignature)
                                   .filter_by(acknowledgement_id=ack.id)
                                   .order_by(AcceptanceSignature.id)))


def acceptance_json(ack: StatementAcknowledgement) -> dict[str, Any]:
    """An acceptance's seal as an organization signs and keeps it."""
    return {"id": ack.id, "payload": ack.seal, "instance_signature": ack.seal_signature,
            "signatures": [signature_json(s) for s in acceptance_signatures(ack)]}


def sign_acceptance(sa: SpecialArrangement, ack: StatementAcknowledgement,
                    organization: str | None, signature: str | None,
                    user: Any) -> AcceptanceSignature:
    """A party's signature of an acceptance's seal (the statement's digest and the chain
    head when it was decided), verified against its registered key."""
    if not ack.seal:
        raise Conflict("This decision was recorded before decisions were sealed: there is "
                       "nothing to sign.")
    org, key, text = _signature(organization, signature, user, ack.seal,
                                Message("the decision's seal"), sa.party_codes)
    if any(s.organization_id == org.id for s in acceptance_signatures(ack)):
        raise Conflict(Message("%(code)s has already signed this decision.", code=org.code),
                       "organization")
    record = AcceptanceSignature(acknowledgement=ack, organization=org, key=key,
                                 signature=text, recorded_by=user)
    db.session.add(record)
    db.session.flush()
    audit.record("sign", record, parent=sa, user=user, after=audit.snapshot(
        record, extra={"organization": org.code, "fingerprint": key.fingerprint}))
    return record
