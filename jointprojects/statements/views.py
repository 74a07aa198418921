"""Web pages for statements (DOMAIN.md rules 10-13): the Statements section of the
arrangement page (history, the next period's preview, issue with confirmation), the
statement page (figures, transfers with payments, acceptances, download, withdraw) and the
finance Settlement page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from jointprojects.audit.services import records_history
from jointprojects.auth import policy
from jointprojects.auth.policy import (
    PAYMENT_WRITE,
    READ,
    REPORT_DOWNLOAD,
    STATEMENT_ACKNOWLEDGE,
    STATEMENT_ISSUE,
    requires,
)
from jointprojects.errors import DomainError, Forbidden
from jointprojects.i18n import _, msg
from jointprojects.money import format_money
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.statements import overview as settlement_overview
from jointprojects.statements import payments, services, tasks
from jointprojects.statements.download import statement_workbook_response
from jointprojects.statements.forms import (
    AcknowledgementForm,
    IssueForm,
    PaymentForm,
    PaymentTermForm,
    ReceiptForm,
    WithdrawalForm,
)
from jointprojects.statements.models import Statement
from jointprojects.transaction import flashed_errors, form_errors
from jointprojects.vocabulary import label

bp = Blueprint("statements", __name__, url_prefix="/statements")


def _preview_to(raw: str | None) -> tuple[date | None, str | None]:
    if not raw:
        return None, None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, f"Write the period's last day as YYYY-MM-DD, not {raw!r}."


def statements_extras(sa: SpecialArrangement, form: IssueForm | None = None) -> dict[str, Any]:
    """The Statements section of the arrangement page."""
    to, problem = _preview_to(request.args.get("statement_to"))
    problems = [problem] if problem else []
    if to is None and problem is None:
        to = services.suggested_end(sa)
    figures = None
    try:
        figures = services.preview(sa, to)
    except DomainError as exc:
        problems.append(str(exc))
    if form is None:
        form = IssueForm(formdata=None)
        form.to.data = figures.date_to if figures else None
    missing = (services.missing_receipts(sa, figures.date_from, figures.date_to)
               if figures is not None else [])
    term = PaymentTermForm(formdata=None)
    term.days.data = str(sa.statement_due_days)
    return {"statements": {
        "items": services.statements_of(sa), "preview": figures, "problems": problems,
        "missing_receipts": missing,
        "next_start": services.next_period_start(sa), "form": form, "term_form": term,
    }}


def statements_context(_app: Any, *, arrangement: SpecialArrangement) -> dict[str, Any]:
    """Receiver of ``arrangement_detail_context`` (the factory connects it)."""
    return statements_extras(arrangement)


@bp.route("/arrangements/<reference>/issue", methods=["POST"])
@login_required
@requires(STATEMENT_ISSUE)
def issue(reference: str):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    form = IssueForm()
    if form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = ["Tick the confirmation: issuing closes the period."]
        else:
            with form_errors(form) as outcome:
                if tasks.needs_job(sa, form.to.data):
                    # A workbook too big for a request: issued by a worker.
                    job = tasks.start_issue_job(sa, form.to.data, form.due_date.data,
                                                current_user, form.languages.data)
                    flash(_("The statement's period holds many expenses: it is being issued "
                            "as a job. Its workbook opens from here when it is ready."), "info")
                    return redirect(url_for("jobs.detail", job_id=job.id))
                st = services.issue_statement(sa, form.to.data, form.due_date.data,
                                              current_user, languages=form.languages.data)
                flash(msg("Statement %(number)s issued: the period up to %(end)s is closed.",
                          number=st.number, end=st.date_to), "success")
                return redirect(url_for(".detail", reference=reference, number=st.number))
            if isinstance(outcome.error, Forbidden):
                abort(403)
    flash(msg("The statement was not issued: %(problems)s", problems="; ".join(
        [*getattr(form, "form_errors", []), *[e for f in form for e in f.errors]])), "danger")
    return redirect(url_for("arrangements.detail", reference=reference,
                            statement_to=form.to.raw_data[0] if form.to.raw_data else None)
                    + "#statements")


@bp.route("/arrangements/<reference>/payment-term", methods=["POST"])
@login_required
@requires(STATEMENT_ISSUE)
def payment_term(reference: str):  # type: ignore[no-untyped-def]
    """How many days after its issue a statement is due: the API's PUT payment-term, on the
    arrangement page's Statements section."""
    sa = get_arrangement(reference)
    form = PaymentTermForm()
    if form.validate_on_submit():
        text = (form.days.data or "").strip()
        with flashed_errors() as outcome:
            services.set_payment_term(sa, int(text) if text.isdigit() and len(text) < 6
                                      else None, current_user)
            flash(msg("Payment term saved: a statement of %(reference)s is due %(days)s days "
                      "after its issue.", reference=sa.reference, days=sa.statement_due_days),
                  "success")
        if isinstance(outcome.error, Forbidden):
            abort(403)
    return redirect(url_for("arrangements.detail", reference=reference) + "#statements")


def _detail(sa: SpecialArrangement, st: Statement, status: int = 200,
            **forms: Any) -> Any:
    parties = sa.party_codes
    own = current_user.organization.code
    decided = {a.organization.code for a in st.acknowledgements}
    # A party decides once (the service refuses a second decision): the form offers only
    # the parties still to decide, and is gone once this user's have all decided.
    for_choices = [c for c in parties if c not in decided
                   and (current_user.role == "admin" or c == own)]
    ack = forms.get("ack_form") or AcknowledgementForm(prefix="ack")
    ack.organization.choices = [(c, c) for c in for_choices]
    states = payments.transfer_states(st)
    pay = forms.get("payment_form") or PaymentForm(prefix="payment")
    pay.transfer.choices = [
        (f"{s.transfer.from_organization.code}>{s.transfer.to_organization.code}",
         f"{s.transfer.from_organization.code} pays {s.transfer.to_organization.code} "
         f"(outstanding {format_money(s.outstanding, st.currency)} {st.currency})")
        for s in states if s.outstanding > 0 and not s.superseded
        and (current_user.role == "admin" or s.transfer.from_organization.code == own)]
    return render_template(
        "statements/detail.html", sa=sa, st=st, states=states,
        ack_form=ack, withdrawal_form=forms.get("withdrawal_form") or WithdrawalForm(
            prefix="withdrawal"),
        payment_form=pay, receipt_form=forms.get("receipt_form") or ReceiptForm(
            prefix="receipt"),
        latest=services.latest_statement(sa),
        history=records_history([st, *st.acknowledgements, *st.payments]),
    ), status


@bp.get("/arrangements/<reference>/<int:number>")
@login_required
@requires(READ)
def detail(reference: str, number: int):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    return _detail(sa, services.get_statement(sa, number))


@bp.get("/arrangements/<reference>/<int:number>.xlsx")
@login_required
@requires(REPORT_DOWNLOAD)
def workbook(reference: str, number: int):  # type: ignore[no-untyped-def]
    """The frozen workbook in ``?lang=`` (default the statement's first language)."""
    sa = get_arrangement(reference)
    return statement_workbook_response(services.get_statement(sa, number), current_user,
                                       request.args.get("lang") or None)


def _submit(sa: SpecialArrangement, st: Statement, form: FlaskForm, action: Callable[[], str],
            *, form_name: str | None = None, aliases: dict[str, str] | None = None) -> Any:
    """The shape of every form posted from a statement page: a valid form runs ``action`` (the
    service call, returning what the success flash says) and goes back to the statement; a
    right refused is a 403. Otherwise, with ``form_name``, the statement page again (422) with
    the form's errors beside its fields; without, the errors flashed above the page."""
    back = redirect(url_for(".detail", reference=sa.reference, number=st.number))
    if form.validate_on_submit():
        guard = form_errors(form, aliases=aliases) if form_name else flashed_errors()
        with guard as outcome:
            flash(action(), "success")
            return back
        if isinstance(outcome.error, Forbidden):
            abort(403)
    return _detail(sa, st, 422, **{form_name: form}) if form_name else back


@bp.route("/arrangements/<reference>/<int:number>/acknowledge", methods=["POST"])
@login_required
@requires(STATEMENT_ACKNOWLEDGE)
def acknowledge(reference: str, number: int):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    st = services.get_statement(sa, number)
    form = AcknowledgementForm(prefix="ack")
    form.organization.choices = [(c, c) for c in sa.party_codes]

    def action() -> str:
        services.acknowledge(sa, st, form.organization.data, form.decision.data,
                             form.reason.data, current_user)
        verb = "accepted" if form.decision.data == "accept" else "disputed"
        return (f"{form.organization.data} {verb} statement {st.number}. The statement is "
                f"now: {label(st.status)}.")
    return _submit(sa, st, form, action, form_name="ack_form")


@bp.route("/arrangements/<reference>/<int:number>/withdraw", methods=["POST"])
@login_required
@requires(STATEMENT_ISSUE)
def withdraw(reference: str, number: int):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    st = services.get_statement(sa, number)
    form = WithdrawalForm(prefix="withdrawal")

    def action() -> str:
        services.withdraw_statement(sa, st, form.reason.data, current_user)
        return f"Statement {st.number} withdrawn: its period is open again."
    return _submit(sa, st, form, action, form_name="withdrawal_form")


@bp.route("/arrangements/<reference>/<int:number>/payments", methods=["POST"])
@login_required
@requires(PAYMENT_WRITE)
def pay(reference: str, number: int):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    st = services.get_statement(sa, number)
    form = PaymentForm(prefix="payment")
    payer, _, payee = (form.transfer.data or "").partition(">")

    def action() -> str:
        payment = payments.record_payment(sa, st, payments.PaymentData(
            from_org=payer, to_org=payee, amount=form.amount.data, date=form.date.data,
            reference=form.reference.data), current_user)
        return (f"Payment of {format_money(payment.amount, st.currency)} {st.currency} from "
                f"{payer} to {payee} recorded; the receiving party confirms its receipt.")
    return _submit(sa, st, form, action, form_name="payment_form",
                   aliases={"from": "transfer", "to": "transfer"})


@bp.route("/arrangements/<reference>/<int:number>/payments/<int:payment_id>/receipt",
          methods=["POST"])
@login_required
@requires(PAYMENT_WRITE)
def receipt(reference: str, number: int, payment_id: int):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    st = services.get_statement(sa, number)
    payment = payments.get_payment(payment_id)
    if payment.statement_id != st.id:
        abort(404)
    form = ReceiptForm(prefix="receipt")

    def action() -> str:
        payments.confirm_receipt(payment, payment.to_organization.code, form.date.data,
                                 current_user)
        return f"Receipt of payment {payment.id} confirmed."
    return _submit(sa, st, form, action)


@bp.get("/")
@login_required
@requires(READ)
def settlement():  # type: ignore[no-untyped-def]
    data = settlement_overview.overview(current_user)
    return render_template("statements/settlement.html", data=data,
                           acts=policy.can(current_user, PAYMENT_WRITE))
