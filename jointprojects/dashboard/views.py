"""The leadership dashboard: the home page of every role."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required

from jointprojects.auth.policy import READ, requires
from jointprojects.dashboard import services
from jointprojects.errors import DomainError
from jointprojects.organizations.services import areas_by_code, list_organizations

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    organizations = list_organizations()
    areas = list(areas_by_code().values())
    context = {"organizations": organizations, "areas": areas, "args": request.args,
               # links to the lists of features installed (personnel, expenses)
               "endpoints": set(current_app.view_functions)}
    try:
        filters = services.read_filters(request.args, organizations, areas)
    except DomainError as exc:
        return render_template("dashboard/index.html", figures=None, errors=exc.errors,
                               **context), 400
    figures = services.portfolio_figures(filters)
    return render_template("dashboard/index.html", figures=figures, errors=[],
                           data=services.figures_json(figures), **context)
