"""The leadership dashboard: the home page of every role."""

from __future__ import annotations

import hashlib
import io
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import csrf
from markupsafe import Markup

from jointprojects.auth.policy import READ, REPORT_DOWNLOAD, requires
from jointprojects.dashboard import tasks
from jointprojects.dashboard.cache import cached_figures, cached_text, figures_key
from jointprojects.dashboard.etags import not_modified, revalidate
from jointprojects.dashboard.filters import for_viewer, read_filters
from jointprojects.dashboard.serialize import figures_json
from jointprojects.dashboard.workbook import portfolio_data
from jointprojects.documents import receipts
from jointprojects.errors import DomainError
from jointprojects.i18n import current_language, msg
from jointprojects.inbox.views import inbox_count
from jointprojects.locales import Number
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
        html = render_template("dashboard/_figures.html", figures=None, errors=exc.errors,
                               **context)
        return render_template("dashboard/index.html", figures=None,
                               figures_html=Markup(html)), 400  # noqa: S704 - our template
    key = figures_key(filters, date.today())
    # Read on every request, outside the cached figures (their tables do not move the
    # portfolio version): what is outstanding between the user's parties, and the expenses
    # missing a required receipt in what the user may see.
    settlement = outstanding_by_party(current_user)
    receipts_missing = receipts.count_missing_receipts(current_user)
    # The page also shows who is signed in (and their form token): its ETag is the figures'
    # key, those two figures and this session's; a page with a message to show is never
    # "not modified".
    # The navigation's inbox badge (issue 16) is part of the page too.
    etag = hashlib.sha256(f"{key}:{settlement!r}:{receipts_missing}:{current_user.id}:"
                          f"{current_language()}:"
                          f"{csrf.generate_csrf()}:{inbox_count()}".encode()).hexdigest()[:40]
    flashes = "_flashes" in session
    if not flashes and etag in request.if_none_match:
        return not_modified(etag)
    def figures_html() -> str:
        figures, _ = cached_figures(filters)
        return render_template("dashboard/_figures.html", figures=figures, errors=[],
                               data=figures_json(figures), **context)

    # The figures' part of the page depends on them, the query as typed and the role's
    # rights (its links), nothing of the session: rendered once per such key.
    query = sorted(request.args.items(multi=True))
    # ... and in one language (issue 17): the French page is another text.
    html = cached_text(f"{key}:{current_user.role}:{current_language()}:{query}", figures_html)
    response = make_response(render_template(
        "dashboard/index.html", figures=True, settlement=settlement,
        receipts_missing=receipts_missing,
        figures_html=Markup(html)))  # noqa: S704 - our own template, rendered above
    if not flashes:
        revalidate(response, etag)
    return response


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
    if tasks.needs_job(filters):
        # Too big for a request: built by a worker, followed on the job's page.
        job = tasks.start_portfolio_job(filters, current_user)
        flash(msg("The portfolio holds more than %(limit)s arrangements: its workbook is being "
                  "built as a job. Download it here when it is ready.",
                  limit=Number(tasks.job_threshold())), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    data = portfolio_data(filters, generated_by=current_user.display_name)
    name = tasks.workbook_name()
    return send_file(io.BytesIO(build_portfolio(data)), mimetype=XLSX, as_attachment=True,
                     download_name=name, max_age=0)
