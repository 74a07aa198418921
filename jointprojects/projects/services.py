"""Joint projects of common interest (Art. 5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from jointprojects import bounds
from jointprojects.audit import services as audit
from jointprojects.errors import Collector, Conflict, DomainError, Message, NotFound
from jointprojects.extensions import db
from jointprojects.organizations.models import Area, Organization
from jointprojects.projects.models import Project, project_area
from jointprojects.special_arrangements.models import ArrangementParty, SpecialArrangement
from jointprojects.vocabulary import PROJECT_STATUSES, STATUS_LABELS


@dataclass
class ProjectData:
    code: str | None = None
    title: str | None = None
    description: str = ""
    areas: list[str] = field(default_factory=list)
    lead_organization: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: str = "planned"


def get_project(code: str) -> Project:
    project = db.session.scalar(select(Project).filter_by(code=code))
    if project is None:
        raise NotFound(Message("Unknown project %(code)r.", code=code), field="project")
    return project


def code_taken(code: str | None, except_id: int | None = None) -> bool:
    """Codes are unique without regard to case: "jp-1" is taken when "JP-1" exists."""
    query = select(Project.id).where(func.upper(Project.code) == (code or "").upper())
    if except_id is not None:
        query = query.where(Project.id != except_id)
    return db.session.scalar(query) is not None


def _validate(data: ProjectData, errors: Collector) -> tuple[Organization | None, list[Area]]:
    if not data.code or len(data.code) > 40:
        errors.add("code", "Enter a code of at most 40 characters.")
    elif problem := bounds.code_problem(data.code):
        errors.add("code", Message("The code %(problem)s.", problem=problem))
    if not data.title:
        errors.add("title", "Enter a title.")
    if data.start_date is None:
        errors.add("start_date", "Enter the start date.")
    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors.add("end_date", "The end date must not be before the start date.")
    bounds.check_dates(errors, start_date=data.start_date, end_date=data.end_date)
    if data.status not in PROJECT_STATUSES:
        errors.add("status", Message("Choose a status: %(value)s.",
                                     value=[Message(STATUS_LABELS[s]) for s in PROJECT_STATUSES]))
    lead = None
    if not data.lead_organization:
        errors.add("lead_organization", "Choose the lead organization.")
    else:
        lead = db.session.scalar(select(Organization).filter_by(code=data.lead_organization))
        if lead is None:
            errors.add("lead_organization", Message("Unknown organization %(lead_organization)r.",
                                                    lead_organization=data.lead_organization))
    areas: list[Area] = []
    if not data.areas:
        errors.add("areas", "Choose at least one area of cooperation (Art. 1).")
    elif not all(isinstance(a, str) for a in data.areas):
        errors.add("areas", 'Give the areas of cooperation as a list of codes such as "a".')
    else:
        known = {a.code: a for a in db.session.scalars(select(Area))}
        for index, code in enumerate(data.areas):
            if code not in known:
                errors.add(f"areas[{index}]", Message("Unknown area of cooperation %(code)r (a "
                                                      "to f).",
                                                      code=code))
            elif known[code] not in areas:
                areas.append(known[code])
    return lead, areas


def create_project(data: ProjectData) -> Project:
    errors = Collector()
    lead, areas = _validate(data, errors)
    if data.code and code_taken(data.code):
        errors.conflict("code", Message("A project with the code %(code)s already exists.",
                                        code=data.code))
    errors.raise_if_any()
    project = Project(
        code=data.code,
        title=data.title,
        description=data.description or "",
        lead_organization=lead,
        start_date=data.start_date,
        end_date=data.end_date,
        status=data.status,
        areas=areas,
    )
    db.session.add(project)
    audit.record("create", project, after=_snapshot(project))
    return project


def update_project(project: Project, data: ProjectData, expected_version: int | None) -> Project:
    if expected_version is not None and expected_version != project.version:
        raise Conflict(
            "Someone else changed this project while you were editing it. "
            "Reload the page to see their changes, then apply yours again.",
        )
    errors = Collector()
    lead, areas = _validate(data, errors)
    if data.code and code_taken(data.code, except_id=project.id):
        errors.conflict("code", Message("A project with the code %(code)s already exists.",
                                        code=data.code))
    errors.raise_if_any()
    before = _snapshot(project)
    project.code = data.code or project.code
    project.title = data.title or project.title
    project.description = data.description or ""
    project.lead_organization = lead  # type: ignore[assignment]  # not None: raise_if_any() raised otherwise
    project.start_date = data.start_date  # type: ignore[assignment]  # not None: raise_if_any() raised otherwise
    project.end_date = data.end_date
    project.status = data.status
    project.areas = areas
    audit.record("update", project, before=before, after=_snapshot(project))
    return project


def delete_project(project: Project) -> None:
    if project.arrangements:
        raise DomainError(
            "This project has special arrangements; it cannot be deleted. "
            "Set its status to Cancelled instead.",
        )
    before = _snapshot(project)
    audit.record("delete", project, before=before, after=None)
    db.session.delete(project)


def _snapshot(project: Project) -> dict[str, Any]:
    return audit.snapshot(
        project,
        extra={
            "areas": [a.code for a in project.areas],
            "lead_organization": project.lead_organization.code
            if project.lead_organization
            else None,
        },
    )


def project_conditions(search: str = "", status: str = "", area: str = "",
                       organization: str = "") -> list[Any]:
    """WHERE clauses shared by the list page, the API and the dashboard's figures.

    ``organization`` takes part in the project: it leads it or is a party to one of its
    special arrangements. The subqueries correlate only with ``project`` (fresh aliases), so the
    clauses keep their meaning inside queries that join the other tables too.
    """
    conditions: list[Any] = []
    if search:
        like = f"%{search}%"
        conditions.append(or_(Project.code.ilike(like), Project.title.ilike(like)))
    if status:
        conditions.append(Project.status == status)
    if area:
        covered = project_area.alias()
        area_id = select(Area.id).where(Area.code == area).correlate(None).scalar_subquery()
        conditions.append(exists().where(covered.c.project_id == Project.id,
                                         covered.c.area_id == area_id))
    if organization:
        org = (select(Organization.id).where(Organization.code == organization)
               .correlate(None).scalar_subquery())
        arrangement, party = aliased(SpecialArrangement), aliased(ArrangementParty)
        conditions.append(or_(
            Project.lead_organization_id == org,
            exists().where(arrangement.project_id == Project.id,
                           party.arrangement_id == arrangement.id,
                           party.organization_id == org)))
    return conditions


def project_query(search: str = "", status: str = "", area: str = "",
                  organization: str = "") -> Select[Project]:
    """Projects, latest first, with what a list row shows loaded up front (a constant number
    of queries per page)."""
    return (
        select(Project)
        .where(*project_conditions(search, status, area, organization))
        .options(joinedload(Project.lead_organization), selectinload(Project.areas),
                 selectinload(Project.arrangements))
        .order_by(Project.start_date.desc(), Project.code)
    )


def api_project_query() -> Select[Project]:
    return select(Project).order_by(Project.start_date, Project.id)


def arrangement_counts(project_ids: list[int], visible: Any) -> dict[int, int]:
    """How many arrangements each project has among those ``visible`` (a SQL condition on
    ``special_arrangement``, the policy's): a list shows no count of records its reader may
    not see. One query for the page."""
    if not project_ids:
        return {}
    rows = db.session.execute(
        select(SpecialArrangement.project_id, func.count())
        .where(SpecialArrangement.project_id.in_(project_ids), visible)
        .group_by(SpecialArrangement.project_id))
    return {int(pid): int(n) for pid, n in rows}
