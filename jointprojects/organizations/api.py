"""API: organizations."""

from __future__ import annotations

from typing import Any

from jointprojects.api import bp, ensure, list_response
from jointprojects.api.inputs import Reader, json_body, run
from jointprojects.auth import policy
from jointprojects.organizations import services
from jointprojects.organizations.models import Organization


def organization_json(org: Organization) -> dict[str, Any]:
    return {"code": org.code, "name": org.name, "currency": org.currency}


@bp.get("/organizations")
def list_organizations():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    orgs = services.list_organizations()
    return list_response([organization_json(o) for o in orgs], len(orgs))


@bp.post("/organizations")
def create_organization():  # type: ignore[no-untyped-def]
    ensure(policy.ORGANIZATION_WRITE)
    body = Reader(json_body())
    code, name, currency = body.str("code"), body.str("name"), body.str("currency")
    org = run(body, services.create_organization, code, name, currency)
    return organization_json(org), 201
