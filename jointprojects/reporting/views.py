"""Web pages: the cost report download of an arrangement and the import page for finance.

The routes belong to the ``reporting`` blueprint (``reporting.cost_report``,
``reporting.imports``...), under the ``/expenses`` prefix the URLs have always had (API.md,
the browser tests and bookmarks name them).

Import flow: upload -> preview (the file read and checked once, every row converted and
allocated exactly as it would be stored inside a savepoint rolled back; the checked rows and
the preview kept as a :class:`~jointprojects.reporting.models.PendingImport`) -> confirm (the
checked rows recorded, in the request's one transaction, refused when the arrangement
changed meanwhile) or cancel. Above ``IMPORT_JOB_THRESHOLD`` rows the check and the
recording are jobs (``reporting.tasks``), followed on the job's page.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from jointprojects import transaction
from jointprojects.auth import policy
from jointprojects.auth.policy import EXPENSE_WRITE, IMPORT, RATE_WRITE, REPORT_DOWNLOAD, requires
from jointprojects.errors import DomainError
from jointprojects.expenses.checks import ensure_not_reallocating
from jointprojects.extensions import db
from jointprojects.i18n import _, msg, msg_n, translate
from jointprojects.locales import Number
from jointprojects.money import MINOR_UNITS
from jointprojects.organizations.models import Organization
from jointprojects.reporting import import_state, tasks, uploads
from jointprojects.reporting import imports as importer
from jointprojects.reporting.cost_report import XLSX_MIMETYPE, file_part, parse_period
from jointprojects.reporting.download import cost_report_response
from jointprojects.reporting.forms import ConfirmForm, ImportForm
from jointprojects.reporting.models import PendingImport
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.queries import in_force_on_clause
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.vocabulary import EXPENSE_CATEGORIES
from reports.imports import template_workbook

bp = Blueprint("reporting", __name__, url_prefix="/expenses")

# --- the cost report ---------------------------------------------------------------------------

@bp.route("/arrangements/<reference>/cost-report.xlsx")
@login_required
@requires(REPORT_DOWNLOAD)
def cost_report(reference: str):  # type: ignore[no-untyped-def]
    """The cost-split workbook for the period chosen on the arrangement page."""
    sa = get_arrangement(reference)
    try:
        date_from, date_to = parse_period(request.args.get("from"), request.args.get("to"))
    except DomainError as exc:
        flash(msg("No report: %(problem)s", problem=" ".join(translate(e.message)
                                                             for e in exc.errors)), "danger")
        return redirect(url_for("arrangements.detail", reference=reference) + "#finance")
    if tasks.needs_job(sa, date_from, date_to):
        # Too big for a request: built by a worker, followed on the job's page.
        job = tasks.start_cost_report_job(sa, date_from, date_to, current_user)
        flash(msg("The cost report of %(reference)s has more than %(limit)s expenses: it is "
                  "being built as a job. Download it here when it is ready.",
                  reference=sa.reference, limit=Number(tasks.job_threshold())), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    return cost_report_response(sa, date_from, date_to, current_user)


# --- imports -------------------------------------------------------------------------------------

def _import_choices(form: ImportForm) -> list[SpecialArrangement]:
    """The arrangements in force today (not those whose end date or termination has passed,
    though their stored status still says in force)."""
    arrangements = list(db.session.scalars(
        select(SpecialArrangement).where(in_force_on_clause(date.today()),
                                         policy.visible_arrangements_clause(current_user))
        .order_by(SpecialArrangement.reference)))
    form.arrangement.choices = [("", "Choose an arrangement")] + [
        (a.reference, f"{a.reference}: {a.title}") for a in arrangements]
    return arrangements


def _page(form: ImportForm, status: int = 200, **context: Any):  # type: ignore[no-untyped-def]
    return render_template("reporting/imports.html", form=form,
                           max_bytes=uploads.MAX_UPLOAD_BYTES,
                           preview=context.pop("preview", None),
                           problems=context.pop("problems", []),
                           partial=context.pop("partial", None),
                           duplicates=context.pop("duplicates", []), **context), status


def _may_import(kind: str) -> bool:
    return policy.can(current_user, RATE_WRITE if kind == "rates" else EXPENSE_WRITE)


@bp.route("/imports", methods=["GET", "POST"])
@login_required
@requires(IMPORT)
def imports():  # type: ignore[no-untyped-def]
    """Upload a spreadsheet; answer with the preview of what it would store, or every bad
    row. Nothing is stored here but the file, until it is confirmed."""
    form = ImportForm()
    _import_choices(form)
    if request.method == "GET":
        form.arrangement.data = request.args.get("arrangement", "")
        form.kind.data = request.args.get("kind", "expenses")
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, 422)
    kind = form.kind.data
    if not _may_import(kind):
        abort(403)
    sa = None
    if kind == "expenses":
        reference = form.arrangement.data or ""
        sa = db.session.scalar(select(SpecialArrangement).filter_by(reference=reference)
                               .where(policy.visible_arrangements_clause(current_user)))
        if sa is None:
            form.arrangement.errors = ["Choose the arrangement the expenses belong to."]
            return _page(form, 422)
        with transaction.flashed_errors("warning") as held:  # 409 while it is re-allocated
            ensure_not_reallocating(sa)
        if held.error is not None:
            return _page(form, 409)
    upload = form.file.data
    filename = upload.filename or "upload"
    # Read at most one byte over the cap: the size check names the limit.
    data = upload.stream.read(uploads.MAX_UPLOAD_BYTES + 1)
    if sa is not None and len(data) <= uploads.MAX_UPLOAD_BYTES \
            and tasks.import_needs_job(filename, data):
        # Too big for a request: checked by a worker, the preview shown when it is ready.
        job = tasks.start_import_check(sa, filename, data, current_user)
        flash(msg("%(file)s has more than %(limit)s rows: it is being checked as a job. Its "
                  "preview opens from here when it is ready; nothing is stored until you "
                  "confirm it.", file=filename, limit=Number(tasks.import_threshold())),
              "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    try:
        if sa is not None:
            # Duplicates are marked, not refused: the confirmation asks about them. The
            # file is read and checked once; its checked rows wait for the confirmation.
            checked = importer.check_expense_file(sa, filename, data, current_user)
            preview: Any = checked.preview
        else:
            with transaction.dry_run():  # the preview: computed in full, nothing of it kept
                preview = importer.import_rates(filename, data, current_user)
    except importer.ImportFailed as exc:
        # Nothing stored; the rows without a problem are shown beside the problems.
        return _page(form, 422, problems=exc.problems, filename=filename, partial=exc.preview,
                     duplicates=exc.duplicates)
    if sa is not None:
        pending = uploads.stash(current_user, kind, sa, filename, b"")
        import_state.keep_checked(pending, checked)
        token = pending.token
    else:
        token = uploads.stash_upload(current_user, kind, sa, filename, data)
    return _page(form, preview=preview, token=token, filename=filename, sa=sa,
                 confirm=ConfirmForm())


@bp.route("/imports/jobs/<int:job_id>")
@login_required
@requires(IMPORT)
def import_job_preview(job_id: int):  # type: ignore[no-untyped-def]
    """The preview a job computed for a large file, with its confirmation form."""
    with transaction.flashed_errors("warning") as found:
        pending = uploads.upload_of_job(job_id, current_user)
    if found.error is not None:
        return redirect(url_for(".imports"))
    if pending.status == "recording":
        return redirect(url_for("jobs.detail", job_id=job_id))
    if pending.status != "ready":
        flash(_("The file is still being checked, or its check failed: see its job."), "info")
        return redirect(url_for("jobs.detail", job_id=job_id))
    sa = _pending_arrangement(pending)
    form = ImportForm(formdata=None, kind=pending.kind,
                      arrangement=sa.reference if sa else "")
    _import_choices(form)
    return _page(form, preview=import_state.preview_of(pending), token=pending.token,
                 filename=pending.filename, sa=sa, confirm=ConfirmForm())


def _pending_arrangement(pending: PendingImport) -> SpecialArrangement | None:
    if pending.arrangement_id is None:
        return None
    sa = db.session.get(SpecialArrangement, pending.arrangement_id)
    if sa is None:
        abort(404)
    policy.ensure_sees_arrangement(current_user, sa)
    return sa


@bp.route("/imports/<token>/confirm", methods=["POST"])
@login_required
@requires(IMPORT)
def import_confirm(token: str):  # type: ignore[no-untyped-def]
    """Store the previewed rows, as the preview checked them: all rows or none. A large
    file is recorded by a job."""
    confirm = ConfirmForm()
    confirm.validate_on_submit()  # CSRF is checked globally before the view runs
    store_duplicates = bool(confirm.store_duplicates.data)
    with transaction.flashed_errors("warning") as found:
        pending = uploads.pending_upload(token, current_user)
    if found.error is not None:
        return redirect(url_for(".imports"))
    if not _may_import(pending.kind):
        abort(403)
    sa = _pending_arrangement(pending)
    if sa is not None:
        with transaction.flashed_errors("warning") as held:  # 409 while it is re-allocated
            ensure_not_reallocating(sa)
        if held.error is not None:  # nothing stored, the upload kept for later
            transaction.failed()
            form = ImportForm(formdata=None, kind=pending.kind, arrangement=sa.reference)
            _import_choices(form)
            return _page(form, 409)
    filename, kind = pending.filename, pending.kind
    checked = import_state.checked_of(pending) if sa is not None else None
    if checked is not None and checked.preview.duplicates and not store_duplicates:
        # Not confirmed: nothing stored, the upload kept, the preview shown again.
        return _duplicates_not_confirmed(token, kind, filename, checked.preview, sa)
    if sa is not None and checked is not None \
            and (pending.row_count or 0) > tasks.import_threshold():
        with transaction.flashed_errors("warning") as started:
            job = tasks.start_import_recording(pending, sa, current_user,
                                               store_duplicates=store_duplicates)
        if started.error is not None:
            return redirect(url_for(".imports"))
        flash(msg("The %(count)s expenses of %(file)s are being recorded as a job: all of them "
                  "or none.", count=Number(checked.preview.count), file=filename), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    with transaction.flashed_errors("warning") as claim:
        pending = uploads.take_upload(token, current_user)
    if claim.error is not None:
        return redirect(url_for(".imports"))
    try:
        if sa is not None:
            if checked is None:
                raise importer.ImportFailed([importer.RowProblem(
                    None, None, "This upload was not checked. Upload the file again.")])
            result: Any = importer.record_checked(sa, checked, current_user,
                                                  allow_duplicates=store_duplicates)
        else:
            result = importer.import_rates(filename, pending.content, current_user)
    except importer.ImportFailed as exc:
        # Something changed since the preview (a rate, the arrangement): nothing stored,
        # but the upload is used up.
        transaction.failed()
        uploads.discard_upload(token, current_user)
        transaction.keep_changes()
        form = ImportForm(formdata=None, kind=kind,
                          arrangement=sa.reference if sa is not None else "")
        _import_choices(form)
        return _page(form, 422, problems=exc.problems, filename=filename)
    if sa is not None:
        flash(msg_n("%(num)s expense from %(file)s recorded in %(reference)s.",
                    "%(num)s expenses from %(file)s recorded in %(reference)s.", result.count,
                    file=filename, reference=sa.reference), "success")
        return redirect(url_for("expenses.arrangement", reference=sa.reference))
    flash(msg_n("%(num)s exchange rate from %(file)s saved (%(created)s new, %(replaced)s "
                "corrected).", "%(num)s exchange rates from %(file)s saved (%(created)s new, "
                "%(replaced)s corrected).", result.count, file=filename,
                created=result.created, replaced=result.replaced), "success")
    return redirect(url_for("exchange_rates.rates"))


def _duplicates_not_confirmed(token: str, kind: str, filename: str,
                              preview: importer.ExpenseImport,
                              sa: SpecialArrangement | None):  # type: ignore[no-untyped-def]
    """The preview again (as it was computed), the "store them anyway" box marked as the
    missing answer."""
    form = ImportForm(formdata=None, kind=kind, arrangement=sa.reference if sa else "")
    _import_choices(form)
    confirm = ConfirmForm(formdata=None)
    confirm.store_duplicates.errors = [
        "Nothing was stored: tick \u201cStore them anyway\u201d to record the rows marked "
        "as duplicates, or cancel the import."]
    return _page(form, 422, preview=preview, token=token, filename=filename, sa=sa,
                 confirm=confirm)


@bp.route("/imports/<token>/cancel", methods=["POST"])
@login_required
@requires(IMPORT)
def import_cancel(token: str):  # type: ignore[no-untyped-def]
    ConfirmForm().validate_on_submit()
    uploads.discard_upload(token, current_user)
    flash(_("Import cancelled; nothing was stored."), "info")
    return redirect(url_for(".imports"))


@bp.route("/imports/template-<kind>.xlsx")
@login_required
@requires(IMPORT)
def import_template(kind: str):  # type: ignore[no-untyped-def]
    """The template workbook to fill in, with drop-down lists (the parties of
    ``?arrangement=REF``, else every organization)."""
    if kind not in ("expenses", "rates"):
        abort(404)
    reference = request.args.get("arrangement", "").strip()
    sa = db.session.scalar(select(SpecialArrangement).filter_by(reference=reference)) \
        if reference else None
    parties = sa.party_codes if sa is not None else list(
        db.session.scalars(select(Organization.code).order_by(Organization.code)))
    currencies = sorted(MINOR_UNITS) if kind == "expenses" else sorted(
        c for c in MINOR_UNITS if c != "USD")
    data = template_workbook(kind, currencies=currencies, parties=parties,
                             categories=EXPENSE_CATEGORIES)
    name = f"{kind}-template.xlsx" if sa is None else (
        f"{kind}-template_{file_part(sa.reference)}.xlsx")
    return send_file(BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=name, max_age=0)
