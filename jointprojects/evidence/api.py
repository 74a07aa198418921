"""API: the evidence bundle of an arrangement, organization keys, checkpoints and the
organizations' signatures (API.md "Evidence")."""

from __future__ import annotations

from typing import Any

from flask import Response

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import PageQuery, read, run
from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.evidence import schemas, signatures
from jointprojects.evidence.bundle import build_bundle
from jointprojects.evidence.models import OrganizationKey
from jointprojects.organizations.services import get_organization
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.statements.services import get_statement

ZIP = "application/zip"


@bp.get("/arrangements/<reference>/evidence.zip")
@operation("The arrangement's evidence bundle: its audit rows with the chain's links, its "
           "records, statements and workbooks, the checkpoints, the sealed decisions, the "
           "organizations' signatures and public keys, a manifest signed with the instance's "
           "Ed25519 key; `jointprojects verify FILE.zip` checks it offline", content_type=ZIP)
def arrangement_evidence(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.REPORT_DOWNLOAD)
    sa = get_arrangement(reference)
    data = build_bundle(sa)
    audit.record("download", sa, after={"report": f"evidence-{sa.reference}.zip"},
                 user=api_user())
    response = Response(data, mimetype=ZIP)
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"evidence-{sa.reference}.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def key_out(key: OrganizationKey) -> dict[str, Any]:
    return {"id": key.id, "organization": key.organization.code,
            "public_key": key.public_key, "fingerprint": key.fingerprint,
            "registered_at": key.registered_at.isoformat(),
            "retired_at": key.retired_at.isoformat() if key.retired_at else None,
            "in_use": key.retired_at is None}


@bp.get("/organizations/<organization>/keys")
@operation("The organization's Ed25519 public keys: the one in use and the retired ones",
           response=schemas.KeyOut, many=True, query=PageQuery)
def organization_keys(organization: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    page, per_page = page_params()
    keys = signatures.keys_of(get_organization(organization, "organization"))
    shown = keys[(page - 1) * per_page:page * per_page]
    return list_response([key_out(k) for k in shown], len(keys))


@bp.post("/organizations/<organization>/keys")
@operation("Register the organization's public key (its leadership or finance, or an "
           "admin); the key in use before is retired, kept, and what it signed still "
           "verifies", status=201, body=schemas.OrganizationKeyIn, response=schemas.KeyOut)
def register_organization_key(organization: str):  # type: ignore[no-untyped-def]
    ensure(policy.EVIDENCE_SIGN)
    body = read(schemas.OrganizationKeyIn)
    key = run(body, signatures.register_key, organization, body.values.get("public_key"),
              api_user())
    return key_out(key), 201


@bp.get("/checkpoints")
@operation("Every checkpoint of the audit chain, newest first, each as an organization "
           "keeps it (the file `jointprojects verify --checkpoint` takes)",
           response=schemas.CheckpointOut, many=True, query=PageQuery)
def list_checkpoints():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    page, per_page = page_params()
    found = signatures.checkpoints(limit=per_page, offset=(page - 1) * per_page)
    return list_response([signatures.checkpoint_json(cp) for cp in found],
                         signatures.checkpoint_count())


@bp.get("/checkpoints/<int:checkpoint_id>")
@operation("One checkpoint as an organization keeps it", response=schemas.CheckpointOut)
def get_checkpoint(checkpoint_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    return signatures.checkpoint_json(signatures.get_checkpoint(checkpoint_id))


@bp.post("/checkpoints/<int:checkpoint_id>/signatures")
@operation("An organization's signature of the checkpoint, made with its private key on its "
           "own machine; refused unless it holds for the organization's registered key",
           status=201, body=schemas.CheckpointSignatureIn, response=schemas.CheckpointOut)
def sign_checkpoint(checkpoint_id: int):  # type: ignore[no-untyped-def]
    ensure(policy.EVIDENCE_SIGN)
    cp = signatures.get_checkpoint(checkpoint_id)
    body = read(schemas.CheckpointSignatureIn)
    v = body.values
    run(body, signatures.sign_checkpoint, cp, v.get("organization"), v.get("signature"),
        api_user())
    return signatures.checkpoint_json(cp), 201


@bp.get("/arrangements/<reference>/statements/<int:number>/acknowledgements/<organization>")
@operation("A party's decision on the statement as sealed by the instance (the statement's "
           "figures, its workbook's SHA-256, the chain head) with the signatures of it",
           response=schemas.AcceptanceOut)
def get_sealed_decision(reference: str, number: int, organization: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    sa = get_arrangement(reference)
    ack = signatures.get_acknowledgement(get_statement(sa, number), organization)
    return signatures.acceptance_json(ack)


@bp.post("/arrangements/<reference>/statements/<int:number>/acknowledgements/<organization>"
         "/signatures")
@operation("A party's signature of the decision's seal, by its registered key",
           status=201, body=schemas.DecisionSignatureIn, response=schemas.AcceptanceOut)
def sign_sealed_decision(reference: str, number: int, organization: str):  # type: ignore[no-untyped-def]
    ensure(policy.EVIDENCE_SIGN)
    sa = get_arrangement(reference)
    ack = signatures.get_acknowledgement(get_statement(sa, number), organization)
    body = read(schemas.DecisionSignatureIn)
    v = body.values
    run(body, signatures.sign_acceptance, sa, ack, v.get("organization"), v.get("signature"),
        api_user())
    return signatures.acceptance_json(ack), 201
