"""API: joint projects."""

from __future__ import annotations

from typing import Any

from flask import request

from jointprojects.api import bp, ensure, list_response, page_params
from jointprojects.api.inputs import Reader, json_body, run
from jointprojects.auth import policy
from jointprojects.extensions import db
from jointprojects.projects import services
from jointprojects.projects.models import Project


def project_json(project: Project) -> dict[str, Any]:
    return {
        "code": project.code,
        "title": project.title,
        "description": project.description,
        "areas": [a.code for a in project.areas],
        "lead_organization": project.lead_organization.code,
        "start_date": project.start_date.isoformat(),
        "end_date": project.end_date.isoformat() if project.end_date else None,
        "status": project.status,
        "arrangements": [a.reference for a in project.arrangements],
    }


@bp.get("/projects")
def list_projects():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    page, per_page = page_params()
    query = services.project_query(
        search=request.args.get("q", ""), status=request.args.get("status", "")
    )
    query = query.order_by(None).order_by(Project.start_date, Project.id)
    from sqlalchemy import func, select

    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list_response([project_json(p) for p in items], int(total or 0))


@bp.get("/projects/<code>")
def get_project(code: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    return project_json(services.get_project(code))


@bp.post("/projects")
def create_project():  # type: ignore[no-untyped-def]
    ensure(policy.PROJECT_WRITE)
    body = Reader(json_body())
    data = services.ProjectData(
        code=body.str("code", max_length=40),
        title=body.str("title"),
        description=body.str("description", required=False, max_length=5000) or "",
        areas=body.list("areas"),
        lead_organization=body.str("lead_organization"),
        start_date=body.date("start_date"),
        end_date=body.date("end_date", required=False),
        status=body.str("status", required=False) or "planned",
    )
    project = run(body, services.create_project, data)
    return project_json(project), 201
