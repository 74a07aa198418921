"""API: special arrangements, signatures, amendments, consents and termination notice."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import read, read_query, run
from jointprojects.auth import policy
from jointprojects.extensions import db
from jointprojects.money import percent_to_json, to_json
from jointprojects.special_arrangements import amendments, queries, schemas, services
from jointprojects.special_arrangements.models import ShareVersion, Signature, SpecialArrangement


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def version_json(version: ShareVersion, currency: str) -> dict[str, Any]:
    return {
        "number": version.number,
        "amendment": version.amendment_number,
        "effective_date": _iso(version.effective_date),
        "status": version.status,
        "reason": version.reason,
        "shares": [
            {
                "organization": s.organization.code,
                "category": s.category,
                "percent": percent_to_json(s.percent),
            }
            for s in version.shares
        ],
        "ceilings": [
            {"organization": c.organization.code, "amount": to_json(c.amount, currency)}
            for c in version.ceilings
        ],
        "consents": [
            {"organization": c.organization.code, "date": _iso(c.date)} for c in version.consents
        ],
    }


def signature_json(s: Signature) -> dict[str, Any]:
    return {
        "organization": s.organization.code,
        "date": _iso(s.date),
        "signatory_name": s.signatory,
        "signatory_title": s.signatory_title,
        "signed_by_recorder": s.signed_by_recorder,
        "recorded_by": s.recorded_by.email if s.recorded_by else None,
        "recorded_at": s.recorded_at.isoformat() + "Z" if s.recorded_at else None,
        "recorded_by_admin": s.recorded_by_admin,
    }


def arrangement_json(sa: SpecialArrangement) -> dict[str, Any]:
    return {
        "reference": sa.reference,
        "project": sa.project.code,
        "title": sa.title,
        "kind": sa.kind,
        "article": sa.article,
        "parties": sa.party_codes,
        "currency": sa.currency,
        "start_date": _iso(sa.start_date),
        "end_date": _iso(sa.end_date),
        "status": sa.status_on(date.today()),
        "entry_into_force": _iso(sa.entry_into_force),
        "termination": {
            "notice_date": _iso(sa.termination_notice_date),
            "effective_date": _iso(sa.termination_effective_date),
            "organization": sa.terminated_by.code if sa.terminated_by else None,
        }
        if sa.termination_notice_date
        else None,
        "modalities": [
            {
                "organization": p.organization.code,
                "role": p.role,
                "responsibilities": p.responsibilities,
                "in_kind_contribution": p.in_kind_contribution,
            }
            for p in sa.parties
        ],
        "signatures": [signature_json(s) for s in sa.signatures],
        "awaited": [
            {"organization": a.organization, "for": a.what, "version": a.version,
             "sentence": a.sentence}
            for a in queries.awaited_parties(sa)
        ],
        "versions": [version_json(v, sa.currency) for v in sa.share_versions],
    }


@bp.get("/arrangements")
@operation("List special arrangements", query=schemas.ArrangementQuery,
           response=schemas.Arrangement, many=True)
def list_arrangements():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    args = read_query(schemas.ArrangementQuery)
    page, per_page = page_params(args)
    query = (
        queries.arrangement_query(
            search=args["q"] or "",
            status=args["status"] or "",
            kind=args["kind"] or "",
            project=args["project"] or "",
            organization=args["organization"] or "",
            on=date.today(),
        )
        .where(policy.visible_arrangements_clause(api_user()))
        .order_by(None)
        .order_by(SpecialArrangement.start_date, SpecialArrangement.id)
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list_response([arrangement_json(a) for a in items], int(total or 0))


@bp.get("/arrangements/<reference>")
@operation("Read a special arrangement with its versions", response=schemas.Arrangement)
def get_arrangement(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    return arrangement_json(services.get_arrangement(reference))


@bp.post("/arrangements")
@operation("Create a special arrangement (draft)", status=201, body=schemas.ArrangementIn,
           response=schemas.Arrangement)
def create_arrangement():  # type: ignore[no-untyped-def]
    ensure(policy.ARRANGEMENT_WRITE)
    body = read(schemas.ArrangementIn)
    sa = run(body, services.create_arrangement, body.value, api_user())
    return arrangement_json(sa), 201


@bp.post("/arrangements/<reference>/signatures")
@operation("Record a party's signature; the last one brings the arrangement into force",
           status=201, body=schemas.SignatureIn, response=schemas.Signed)
def sign_arrangement(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.ARRANGEMENT_SIGN)
    sa = services.get_arrangement(reference)
    body = read(schemas.SignatureIn)
    v = body.value
    body.raise_if_any()
    # Optional for compatibility (API.md): without a name the recording user is the
    # signatory, and the record says so (``signed_by_recorder``).
    signature = services.sign(sa, v["organization"], v["date"], api_user(),
                              v["signatory_name"] or v["signatory"] or "",
                              v["signatory_title"] or "")
    return {
        **signature_json(signature),
        "status": sa.status_on(date.today()),
        "entry_into_force": _iso(sa.entry_into_force),
    }, 201


@bp.post("/arrangements/<reference>/amendments")
@operation("Propose an amendment of the shares", status=201, body=schemas.AmendmentIn,
           response=schemas.Amendment)
def propose_amendment(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.AMENDMENT_PROPOSE)
    sa = services.get_arrangement(reference)
    body = read(schemas.AmendmentIn)
    v = body.value
    body.raise_if_any()
    version = amendments.propose_amendment(sa, v["effective_date"], v["shares"] or [],
                                         v["ceilings"] or [], v["reason"], api_user())
    return amendment_json(version, sa.currency), 201


def amendment_json(version: ShareVersion, currency: str) -> dict[str, Any]:
    """An amendment: ``number`` is the amendment's (1 for the first; the one in
    ``.../amendments/<number>/consents``), ``version`` that of its shares (the original
    shares are version 1)."""
    return {**version_json(version, currency), "number": version.amendment_number,
            "version": version.number}


@bp.post("/arrangements/<reference>/amendments/<int:number>/consents")
@operation("Record a party's consent to an amendment", status=201, body=schemas.PartyDateIn,
           response=schemas.Amendment)
def consent_to_amendment(reference: str, number: int):  # type: ignore[no-untyped-def]
    ensure(policy.AMENDMENT_CONSENT)
    sa = services.get_arrangement(reference)
    version = amendments.get_amendment(sa, number)
    body = read(schemas.PartyDateIn)
    body.raise_if_any()
    amendments.consent(sa, version, body.value["organization"], body.value["date"], api_user())
    return amendment_json(version, sa.currency), 201


@bp.post("/arrangements/<reference>/termination")
@operation("Give notice of termination (Art. 10.3)", status=201, body=schemas.TerminationIn,
           response=schemas.Notice)
def give_notice(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.TERMINATION_NOTICE)
    sa = services.get_arrangement(reference)
    body = read(schemas.TerminationIn)
    body.raise_if_any()
    org, notice = body.value["organization"], body.value["notice_date"]
    services.give_notice(sa, org, notice, api_user())
    return {
        "organization": org,
        "notice_date": _iso(sa.termination_notice_date),
        "effective_date": _iso(sa.termination_effective_date),
    }, 201
