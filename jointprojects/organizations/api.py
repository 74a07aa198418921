"""API: organizations."""

from __future__ import annotations

from typing import Any

from jointprojects.api import bp, ensure, list_response
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import read, run
from jointprojects.auth import policy
from jointprojects.organizations import schemas, services
from jointprojects.organizations.models import Organization


def organization_json(org: Organization) -> dict[str, Any]:
    return {"code": org.code, "name": org.name, "currency": org.currency}


@bp.get("/organizations")
@operation("List organizations", response=schemas.Organization, many=True)
def list_organizations():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    orgs = services.list_organizations()
    return list_response([organization_json(o) for o in orgs], len(orgs))


@bp.post("/organizations")
@operation("Create an organization (admin)", status=201, body=schemas.OrganizationIn,
           response=schemas.Organization)
def create_organization():  # type: ignore[no-untyped-def]
    ensure(policy.ORGANIZATION_WRITE)
    body = read(schemas.OrganizationIn)
    v = body.value
    org = run(body, services.create_organization, v["code"], v["name"], v["currency"])
    return organization_json(org), 201
