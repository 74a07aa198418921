"""API: special arrangements, signatures, amendments, consents and termination notice."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.inputs import Reader, json_body, run
from jointprojects.auth import policy
from jointprojects.extensions import db
from jointprojects.money import percent_to_json, to_json
from jointprojects.special_arrangements import amendments, queries, services
from jointprojects.special_arrangements.models import ShareVersion, SpecialArrangement


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def version_json(version: ShareVersion, currency: str) -> dict[str, Any]:
    return {
        "number": version.number,
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
        "signatures": [
            {
                "organization": s.organization.code,
                "date": _iso(s.date),
                "recorded_by_admin": s.recorded_by_admin,
            }
            for s in sa.signatures
        ],
        "versions": [version_json(v, sa.currency) for v in sa.share_versions],
    }


def read_shares(body: Reader, key: str = "shares") -> list[services.ShareData]:
    return [
        services.ShareData(
            organization=r.str("organization"),
            percent=r.data.get("percent"),
            category=r.str("category", required=False) or None,
        )
        for r in body.objects(key)
    ]


def read_ceilings(body: Reader) -> list[services.CeilingData]:
    return [
        services.CeilingData(organization=r.str("organization"), amount=r.data.get("amount"))
        for r in body.objects("ceilings", required=False)
    ]


@bp.get("/arrangements")
def list_arrangements():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    page, per_page = page_params()
    query = (
        queries.arrangement_query(
            search=request.args.get("q", ""),
            status=request.args.get("status", ""),
            kind=request.args.get("kind", ""),
            project=request.args.get("project", ""),
            organization=request.args.get("organization", ""),
            on=date.today(),
        )
        .order_by(None)
        .order_by(SpecialArrangement.start_date, SpecialArrangement.id)
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list_response([arrangement_json(a) for a in items], int(total or 0))


@bp.get("/arrangements/<reference>")
def get_arrangement(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    return arrangement_json(services.get_arrangement(reference))


@bp.post("/arrangements")
def create_arrangement():  # type: ignore[no-untyped-def]
    ensure(policy.ARRANGEMENT_WRITE)
    body = Reader(json_body())
    data = services.ArrangementData(
        reference=body.str("reference", max_length=60),
        project=body.str("project"),
        title=body.str("title"),
        kind=body.str("kind", required=False) or "joint_action",
        parties=body.list("parties"),
        currency=body.str("currency"),
        start_date=body.date("start_date"),
        end_date=body.date("end_date", required=False),
        modalities=[
            services.ModalityData(
                organization=r.str("organization"),
                role=r.str("role", required=False) or "",
                responsibilities=r.str("responsibilities", required=False, max_length=5000) or "",
                in_kind_contribution=r.str("in_kind_contribution", required=False, max_length=5000)
                or "",
            )
            for r in body.objects("modalities", required=False)
        ],
        shares=read_shares(body),
        ceilings=read_ceilings(body),
    )
    sa = run(body, services.create_arrangement, data, api_user())
    return arrangement_json(sa), 201


@bp.post("/arrangements/<reference>/signatures")
def sign_arrangement(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.ARRANGEMENT_SIGN)
    sa = services.get_arrangement(reference)
    body = Reader(json_body())
    org, on = body.str("organization"), body.date("date")
    signatory = body.str("signatory", required=False) or ""
    body.errors.raise_if_any()
    signature = services.sign(sa, org, on, api_user(), signatory)
    return {
        "organization": signature.organization.code,
        "date": _iso(signature.date),
        "status": sa.status_on(date.today()),
        "entry_into_force": _iso(sa.entry_into_force),
    }, 201


@bp.post("/arrangements/<reference>/amendments")
def propose_amendment(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.AMENDMENT_PROPOSE)
    sa = services.get_arrangement(reference)
    body = Reader(json_body())
    effective, reason = body.date("effective_date"), body.str("reason", max_length=5000)
    shares, ceilings = read_shares(body), read_ceilings(body)
    body.errors.raise_if_any()
    version = amendments.propose_amendment(sa, effective, shares, ceilings, reason, api_user())
    return {**version_json(version, sa.currency), "number": version.number}, 201


@bp.post("/arrangements/<reference>/amendments/<int:number>/consents")
def consent_to_amendment(reference: str, number: int):  # type: ignore[no-untyped-def]
    ensure(policy.AMENDMENT_CONSENT)
    sa = services.get_arrangement(reference)
    version = amendments.get_amendment(sa, number)
    body = Reader(json_body())
    org, on = body.str("organization"), body.date("date")
    body.errors.raise_if_any()
    amendments.consent(sa, version, org, on, api_user())
    return version_json(version, sa.currency), 201


@bp.post("/arrangements/<reference>/termination")
def give_notice(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.TERMINATION_NOTICE)
    sa = services.get_arrangement(reference)
    body = Reader(json_body())
    org, notice = body.str("organization"), body.date("notice_date")
    body.errors.raise_if_any()
    services.give_notice(sa, org, notice, api_user())
    return {
        "organization": org,
        "notice_date": _iso(sa.termination_notice_date),
        "effective_date": _iso(sa.termination_effective_date),
    }, 201
