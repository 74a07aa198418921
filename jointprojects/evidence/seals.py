"""The signatures of the live database, checked as the bundle's verifier checks them
(``verify --database``), and their shapes in a bundle (``keys.json``, ``acceptances.json``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import func, select

from jointprojects.audit import signing
from jointprojects.audit.models import AuditEntry
from jointprojects.evidence import signatures
from jointprojects.evidence.models import OrganizationKey
from jointprojects.extensions import db
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements.models import Statement, StatementAcknowledgement
from jointprojects.statements.services import SEALED_FIGURES, statement_snapshot
from reports.evidence import (
    Problem,
    check_checkpoint,
    check_kept_checkpoints,
    check_keys_logged,
    check_sealed_workbooks,
    check_signatures,
    registered_keys,
    signature_holds,
    timestamp,
)

_ENTRY = AuditEntry.__table__
_CHUNK = 500


def key_json(key: OrganizationKey) -> dict[str, Any]:
    return {"id": key.id, "public_key": key.public_key, "fingerprint": key.fingerprint,
            "registered_at": timestamp(key.registered_at),
            "retired_at": timestamp(key.retired_at) if key.retired_at else None}


def keys_json(keys: Iterable[OrganizationKey]) -> dict[str, Any]:
    """``keys.json``: the instance's public key and each organization's keys."""
    out: dict[str, list[dict[str, Any]]] = {}
    for key in keys:
        out.setdefault(key.organization.code, []).append(key_json(key))
    return {"instance": {"public_key": signing.public_key_pem(),
                         "fingerprint": signing.instance_fingerprint()},
            "organizations": out}


def _stream(query: Any) -> Iterator[dict[str, Any]]:
    result = db.session.execute(query)
    yield from (dict(row) for row in result.mappings())


def key_log_rows(key_ids: Sequence[int]) -> Iterator[dict[str, Any]]:
    """The audit rows of these organization keys (their registration and retirement)."""
    for start in range(0, len(key_ids), _CHUNK):
        yield from _stream(select(_ENTRY).where(
            _ENTRY.c.entity == OrganizationKey.__tablename__,
            _ENTRY.c.entity_id.in_(key_ids[start:start + _CHUNK])).order_by(_ENTRY.c.id))


def acceptances_json(sa: SpecialArrangement | None = None) -> list[dict[str, Any]]:
    """The sealed decisions on statements (of one arrangement, or all), with the
    organizations' signatures of them."""
    query = (select(StatementAcknowledgement).join(Statement)
             .order_by(StatementAcknowledgement.id))
    if sa is not None:
        query = query.where(Statement.arrangement_id == sa.id)
    # a decision recorded before decisions were sealed has none (SQL or JSON null)
    return [signatures.acceptance_json(ack) for ack in db.session.scalars(query) if ack.seal]


def hashes_of(ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted({int(i) for i in ids if int(i) > 0})
    out: dict[int, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        for row_id, digest in db.session.execute(
                select(_ENTRY.c.id, _ENTRY.c.hash)
                .where(_ENTRY.c.id.in_(wanted[start:start + _CHUNK]))):
            out[int(row_id)] = str(digest)
    return out


def _kept(raw: Sequence[bytes]) -> list[dict[str, Any]] | Problem:
    kept: list[dict[str, Any]] = []
    for number, data in enumerate(raw, 1):
        try:
            item = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            return Problem(f"kept checkpoint {number}: not a checkpoint file (JSON)")
        items = item if isinstance(item, list) else [item]
        if not all(isinstance(c, dict) and isinstance(c.get("payload"), dict) for c in items):
            return Problem(f"kept checkpoint {number}: not a checkpoint file")
        kept.extend(items)
    return kept


def check_database_signatures(raw_kept: Sequence[bytes] = ()) -> tuple[Problem | None, set[str]]:
    """Every organization key (registered through the application), every checkpoint (the
    instance's signature, its hash on the chain), every organization's signature of a
    checkpoint or an acceptance (by a key registered to it, holding), every acceptance's
    seal (the instance's signature, the statement's figures now, the chain head then), and
    the checkpoints an organization kept. Returns the first problem and the organizations
    whose signatures hold."""
    signers: set[str] = set()
    kept = _kept(raw_kept)
    if isinstance(kept, Problem):
        return kept, signers
    keys = list(db.session.scalars(select(OrganizationKey).order_by(OrganizationKey.id)))
    entries = [{**key_json(k), "organization": k.organization.code} for k in keys]
    problem = check_keys_logged(entries, key_log_rows([k.id for k in keys]))
    if problem:
        return problem, signers
    registered = registered_keys(keys_json(keys))
    instance = signing.signing_key().public_key()
    checkpoints = signatures.checkpoints()
    acceptances = acceptances_json()
    head_id = db.session.scalar(select(func.max(_ENTRY.c.id))) or 0
    hashes = hashes_of([cp.sequence for cp in checkpoints]
                       + [int((a["payload"] or {}).get("head_id") or 0) for a in acceptances]
                       + [int(c["payload"].get("sequence") or 0) for c in kept])
    for cp in checkpoints:
        problem = check_checkpoint(signatures.checkpoint_json(cp), instance, hashes,
                                   registered, signers)
        if problem:
            return problem, signers
    for acceptance in acceptances:
        problem = _check_acceptance_now(acceptance, instance, hashes, registered, signers)
        if problem:
            return problem, signers
    return (check_kept_checkpoints(kept, instance, hashes, head_id, registered, signers),
            signers)


def _check_acceptance_now(acceptance: dict[str, Any], instance: Any, hashes: dict[int, str],
                          registered: Any, signers: set[str]) -> Problem | None:
    payload = acceptance["payload"]
    name = (f"{payload.get('organization')}'s {payload.get('decision')} of statement "
            f"#{payload.get('statement_id')}")
    if not signature_holds(instance, str(acceptance.get("instance_signature")), payload):
        return Problem(f"{name}: the instance's seal does not hold")
    st = db.session.get(Statement, int(payload["statement_id"]))
    if st is None:
        return Problem(f"{name}: the statement is missing")
    snap = statement_snapshot(st)
    for column in SEALED_FIGURES:
        if json.dumps(snap.get(column), sort_keys=True) != json.dumps(
                (payload.get("figures") or {}).get(column), sort_keys=True):
            return Problem(f"{name}: the statement's {column} differs from what was accepted")
    problem = check_sealed_workbooks(name, payload, st.workbook_digests())
    if problem:
        return problem
    sequence = int(payload.get("head_id") or 0)
    if sequence and hashes.get(sequence) != payload.get("head_hash"):
        return Problem(f"audit row #{sequence}: its hash differs from the chain head sealed "
                       f"with {name}: a row at or before it was rewritten")
    return check_signatures(name, payload, acceptance.get("signatures") or [], registered,
                            signers)

