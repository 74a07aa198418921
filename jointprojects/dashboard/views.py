"""The leadership dashboard: the home page of every role."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user, login_required

from jointprojects.auth.policy import READ, REPORT_DOWNLOAD, requires
from jointprojects.dashboard.figures import portfolio_figures
from jointprojects.dashboard.filters import for_viewer, read_filters
from jointprojects.dashboard.serialize import figures_json
from jointprojects.dashboard.workbook import portfolio_data
from jointprojects.errors import DomainError
from jointprojects.organizations.services import areas_by_code, list_organizations
from jointprojects.statements.overview import outstanding_by_party
from reports.portfolio import build_portfolio

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
        filters = for_viewer(read_filters(request.args, organizations, areas), current_user)
    except DomainError as exc:
        return render_template("dashboard/index.html", figures=None, errors=exc.errors,
                               **context), 400
    figures = portfolio_figures(filters)
    return render_template("dashboard/index.html", figures=figures, errors=[],
                           data=figures_json(figures),
                           settlement=outstanding_by_party(current_user), **context)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/portfolio.xlsx")
@login_required
@requires(REPORT_DOWNLOAD)
def portfolio_xlsx():  # type: ignore[no-untyped-def]
    """The portfolio workbook with the dashboard's filters (reports.portfolio)."""
    try:
        filters = for_viewer(read_filters(request.args), current_user)
    except DomainError:
        abort(400)
    data = portfolio_data(filters, generated_by=current_user.display_name)
    name = f"portfolio-{date.today().isoformat()}.xlsx"
    return send_file(io.BytesIO(build_portfolio(data)), mimetype=XLSX, as_attachment=True,
                     download_name=name, max_age=0)
