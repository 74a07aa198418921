"""Web pages for joint projects."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from jointprojects.audit.services import history
from jointprojects.auth import policy
from jointprojects.auth.policy import PROJECT_WRITE, READ, requires
from jointprojects.i18n import _
from jointprojects.organizations.services import areas_by_code, list_organizations
from jointprojects.projects import services
from jointprojects.projects.forms import ProjectForm
from jointprojects.projects.models import Project
from jointprojects.transaction import flashed_errors, form_errors, rehearsal
from jointprojects.vocabulary import PROJECT_STATUSES
from jointprojects.web import paginate

bp = Blueprint("projects", __name__, url_prefix="/projects")


def _form(project: Project | None = None) -> ProjectForm:
    form = ProjectForm(obj=project)
    form.areas.choices = [(a.code, a.label) for a in areas_by_code().values()]
    form.lead_organization.choices = [
        (o.code, f"{o.code} – {o.name}") for o in list_organizations()
    ]
    if project is not None and request.method == "GET":
        form.areas.data = [a.code for a in project.areas]
        form.lead_organization.data = project.lead_organization.code
        form.version.data = str(project.version)
    return form


def _data(form: ProjectForm) -> services.ProjectData:
    return services.ProjectData(
        code=(form.code.data or "").strip(),
        title=(form.title.data or "").strip(),
        description=form.description.data or "",
        areas=form.areas.data or [],
        lead_organization=form.lead_organization.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        status=form.status.data,
    )


@bp.route("/")
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    q, status, area, organization = (
        request.args.get(k, "").strip() for k in ("q", "status", "area", "organization")
    )
    page = paginate(services.project_query(q, status, area, organization)
                    .where(policy.visible_projects_clause(current_user)))
    return render_template(
        "projects/index.html",
        page=page,
        arrangement_counts=services.arrangement_counts(
            [p.id for p in page.items], policy.visible_arrangements_clause(current_user)),
        q=q,
        status=status,
        area=area,
        organization=organization,
        organizations=list_organizations(),
        statuses=PROJECT_STATUSES,
        areas=areas_by_code(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@requires(PROJECT_WRITE)
def create():  # type: ignore[no-untyped-def]
    form = _form()
    if request.method == "GET":
        # The lead organization defaults to the user's own (the one they may lead for).
        form.lead_organization.data = current_user.organization.code
    if form.is_submitted():
        with form_errors(form), rehearsal(form) as valid:
            data = _data(form)
            policy.ensure_leads(current_user, data.lead_organization)
            project = services.create_project(data)
            if valid:
                flash(_("Project %(code)s created.", code=project.code), "success")
                return redirect(url_for(".detail", code=project.code))
    return render_template("projects/form.html", form=form, project=None), (
        422 if form.errors or getattr(form, "form_errors", None) else 200
    )


@bp.route("/<code>")
@login_required
@requires(READ)
def detail(code: str):  # type: ignore[no-untyped-def]
    project = services.get_project(code)
    return render_template("projects/detail.html", project=project, history=history(project),
                           arrangements=policy.visible_arrangements(current_user, project),
                           can_change=policy.can_change_project(current_user, project))


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
@requires(PROJECT_WRITE)
def edit(code: str):  # type: ignore[no-untyped-def]
    project = services.get_project(code)
    form = _form(project)
    if form.is_submitted():
        with form_errors(form), rehearsal(form) as valid:
            expected = int(form.version.data) if str(form.version.data or "").isdigit() else None
            data = _data(form)
            policy.ensure_leads(current_user, data.lead_organization)
            services.update_project(project, data, expected)
            if valid:
                flash(_("Project %(code)s saved.", code=project.code), "success")
                return redirect(url_for(".detail", code=project.code))
    return render_template("projects/form.html", form=form, project=project), (
        422 if form.errors or getattr(form, "form_errors", None) else 200
    )


@bp.route("/<code>/delete", methods=["POST"])
@login_required
@requires(PROJECT_WRITE)
def delete(code: str):  # type: ignore[no-untyped-def]
    project = services.get_project(code)
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; try again."), "danger")
        return redirect(url_for(".detail", code=code))
    with flashed_errors():
        services.delete_project(project)
        flash(_("Project %(code)s deleted.", code=code), "success")
        return redirect(url_for(".index"))
    return redirect(url_for(".detail", code=code))
