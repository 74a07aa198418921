"""API: joint projects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from jointprojects.api import api_user, bp, ensure, list_response, page_params
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import read, read_query, run
from jointprojects.auth import policy
from jointprojects.extensions import db
from jointprojects.projects import schemas, services
from jointprojects.projects.models import Project


def project_json(project: Project) -> dict[str, Any]:
    """The project as ``api_user()`` sees it: only the arrangements it may see are named."""
    return {
        "code": project.code,
        "title": project.title,
        "description": project.description,
        "areas": [a.code for a in project.areas],
        "lead_organization": project.lead_organization.code,
        "start_date": project.start_date.isoformat(),
        "end_date": project.end_date.isoformat() if project.end_date else None,
        "status": project.status,
        "arrangements": [a.reference for a in policy.visible_arrangements(api_user(), project)],
    }


@bp.get("/projects")
@operation("List joint projects (Art. 5)", query=schemas.ProjectQuery, response=schemas.Project,
           many=True)
def list_projects():  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    args = read_query(schemas.ProjectQuery)
    page, per_page = page_params(args)
    query = services.project_query(search=args["q"] or "", status=args["status"] or "") \
        .where(policy.visible_projects_clause(api_user()))
    query = query.order_by(None).order_by(Project.start_date, Project.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list_response([project_json(p) for p in items], int(total or 0))


@bp.get("/projects/<code>")
@operation("Read a joint project", response=schemas.Project)
def get_project(code: str):  # type: ignore[no-untyped-def]
    ensure(policy.READ)
    return project_json(services.get_project(code))


@bp.post("/projects")
@operation("Create a joint project", status=201, body=schemas.ProjectIn,
           response=schemas.Project)
def create_project():  # type: ignore[no-untyped-def]
    ensure(policy.PROJECT_WRITE)
    body = read(schemas.ProjectIn)
    policy.ensure_leads(api_user(), body.value.lead_organization)
    project = run(body, services.create_project, body.value)
    return project_json(project), 201
