"""Web pages for expenses (Art. 5): lists with filters and totals, record/edit/delete forms,
and the finance section of the arrangement page (the exchange rates table and budgets have
their own packages)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from jointprojects.auth import policy
from jointprojects.auth.policy import EXPENSE_WRITE, READ, requires
from jointprojects.budgets import services as budgets
from jointprojects.errors import Conflict, DomainError
from jointprojects.exchange_rates import services as rates
from jointprojects.expenses import checks, figures, pending, recording, services, tasks
from jointprojects.expenses.forms import DeleteForm, ExpenseForm
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.i18n import _
from jointprojects.money import format_money, to_json
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.transaction import flashed_errors, form_errors, rehearsal
from jointprojects.vocabulary import EXPENSE_CATEGORIES
from jointprojects.web import paginate

bp = Blueprint("expenses", __name__, url_prefix="/expenses")

#: A service's "version" error (a conflict) is shown above the form, not on the hidden field.
ALIASES = {"version": ""}


def _status(form: Any) -> int:
    return 422 if form.errors or getattr(form, "form_errors", None) else 200


def _date_arg(name: str, problems: list[str]) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"{raw!r} is not a date (YYYY-MM-DD); that filter is ignored.")
        return None


def _filters() -> tuple[figures.ExpenseFilter, dict[str, str], list[str]]:
    problems: list[str] = []
    args = {k: request.args.get(k, "").strip()
            for k in ("from", "to", "category", "paid_by", "arrangement")}
    filters = figures.ExpenseFilter(
        date_from=_date_arg("from", problems), date_to=_date_arg("to", problems),
        category=args["category"] or None, paid_by=args["paid_by"] or None,
        arrangement=args["arrangement"] or None,
    )
    return filters, args, problems


def _expense_data(form: ExpenseForm) -> checks.ExpenseData:
    return checks.ExpenseData(
        date=form.date.data, category=form.category.data, amount=form.amount.data,
        currency=form.currency.data, paid_by=form.paid_by.data,
        description=form.description.data or "", exchange_rate=form.exchange_rate.data or None,
        document_reference=form.document_reference.data or "",
        adjusts=_adjusts(form.adjusts.data), reason=form.reason.data or "",
    )


def _adjusts(raw: str | None) -> Any:
    """The id typed in "Adjusts expense": a number, else the text for the service to refuse."""
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else (text or None)


def _party_choices(form: ExpenseForm, sa: SpecialArrangement) -> None:
    form.paid_by.choices = [(c, c) for c in sa.party_codes]


def _saved_message(expense: Expense, sa: SpecialArrangement, verb: str) -> str:
    parts = "; ".join(f"{p.organization.code} {format_money(p.amount, sa.currency)}"
                      for p in expense.parts)
    total = format_money(expense.reporting_amount, sa.currency)
    text = f"Expense {verb}: {total} {sa.currency} ({parts}"
    if expense.unallocated:
        text += f"; unallocated {format_money(expense.unallocated, sa.currency)}"
    return text + ")."


# --- lists ---------------------------------------------------------------------------------------

@bp.route("/")
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    """Every expense across arrangements, filterable."""
    filters, args, problems = _filters()
    page = paginate(figures.expense_query(None, filters)
                    .where(policy.visible_expenses_clause(current_user))
                    .options(selectinload(Expense.arrangement)))
    parts = figures.parts_of([e.id for e in page.items])
    arrangements = db.session.scalars(
        db.select(SpecialArrangement).where(SpecialArrangement.status != "draft",
                                            policy.visible_arrangements_clause(current_user))
        .order_by(SpecialArrangement.reference)).all()
    return render_template(
        "expenses/index.html", page=page, parts=parts, args=args, problems=problems,
        categories=EXPENSE_CATEGORIES, arrangements=arrangements,
        organizations=sorted({c for a in arrangements for c in a.party_codes}),
    )


@bp.route("/arrangements/<reference>")
@login_required
@requires(READ)
def arrangement(reference: str):  # type: ignore[no-untyped-def]
    """One arrangement's expenses with filters, totals per party and the overrun flags."""
    sa = get_arrangement(reference)
    filters, args, problems = _filters()
    if filters.paid_by and filters.paid_by not in sa.party_codes:
        problems.append(f"{filters.paid_by} is not a party to {sa.reference}; that filter is "
                        "ignored.")
        filters.paid_by = args["paid_by"] = None  # type: ignore[assignment]
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        problems.append("The period ends before it starts; the dates are ignored.")
        filters.date_from = filters.date_to = None
    page = paginate(figures.expense_query(sa, filters))
    ids = [e.id for e in page.items]
    totals = figures.cost_split(sa, filters.date_from, filters.date_to,
                                 category=filters.category, paid_by=filters.paid_by)
    return render_template(
        "expenses/arrangement.html", sa=sa, page=page, parts=figures.parts_of(ids),
        corrections=figures.adjustments_of(ids),
        flagged=budgets.over_budget_ids(sa, ids), totals=totals, args=args,
        problems=problems, categories=EXPENSE_CATEGORIES,
    )


def _prefill_adjustment(form: ExpenseForm, sa: SpecialArrangement, raw: str) -> None:
    """"Record an adjustment": the form starts as a copy of the expense it corrects (category,
    description, currency, payer, document reference). The date stays today's (an adjustment
    is dated in the open period) and the amount is the correction, typed by the user."""
    form.adjusts.data = raw[:12]
    if not (raw.isdigit() and len(raw) < 10):
        return
    original = db.session.get(Expense, int(raw))
    if original is None or original.arrangement_id != sa.id:
        return  # the service names what is wrong on saving
    form.category.data, form.description.data = original.category, original.description
    form.currency.data, form.paid_by.data = original.currency, original.paid_by.code
    form.document_reference.data = original.document_reference


# --- record, edit, delete ----------------------------------------------------------------------

@bp.route("/arrangements/<reference>/new", methods=["GET", "POST"])
@login_required
@requires(EXPENSE_WRITE)
def create(reference: str):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    form = ExpenseForm()
    _party_choices(form, sa)
    if request.method == "GET":
        form.date.data = date.today()
        form.currency.data = sa.currency
        if current_user.organization.code in sa.party_codes:
            form.paid_by.data = current_user.organization.code
        _prefill_adjustment(form, sa, request.args.get("adjusts", "").strip())
    if form.is_submitted():
        with form_errors(form, ALIASES) as outcome, rehearsal(form) as valid:
            expense = recording.record_expense(sa, _expense_data(form), current_user)
            if valid:
                flash(_saved_message(expense, sa, "recorded"), "success")
                for warning in budgets.budget_overruns(expense):
                    flash(warning, "warning")
                return redirect(url_for(".detail", expense_id=expense.id))
        if isinstance(outcome.error, Conflict):  # a closed period: 409 naming the statement
            return render_template("expenses/form.html", form=form, sa=sa,
                                   expense=None), 409
    return render_template("expenses/form.html", form=form, sa=sa, expense=None), _status(form)


@bp.route("/<int:expense_id>")
@login_required
@requires(READ)
def detail(expense_id: int):  # type: ignore[no-untyped-def]
    expense = services.get_expense(expense_id)
    sa = expense.arrangement
    return render_template(
        "expenses/detail.html", expense=expense, sa=sa,
        parts={p.organization.code: p.amount for p in expense.parts},
        warnings=budgets.budget_overruns(expense), history=services.expense_history(expense),
        delete_form=DeleteForm(version=str(expense.version)),
    )


@bp.route("/<int:expense_id>/edit", methods=["GET", "POST"])
@login_required
@requires(EXPENSE_WRITE)
def edit(expense_id: int):  # type: ignore[no-untyped-def]
    expense = services.get_expense(expense_id)
    sa = expense.arrangement
    form = ExpenseForm()
    _party_choices(form, sa)
    if request.method == "GET":
        form.date.data, form.category.data = expense.date, expense.category
        form.description.data = expense.description
        form.amount.data = to_json(expense.amount, expense.currency)
        form.currency.data, form.paid_by.data = expense.currency, expense.paid_by.code
        form.exchange_rate.data = (rates.rate_to_json(expense.exchange_rate)
                                   if expense.rate_source == "given" else "")
        form.document_reference.data = expense.document_reference
        form.adjusts.data = str(expense.adjusts_id or "")
        form.reason.data = expense.reason
        form.version.data = str(expense.version)
    if form.is_submitted():
        expected = int(form.version.data) if str(form.version.data or "").isdigit() else None
        reference = sa.reference
        with form_errors(form, ALIASES) as outcome, rehearsal(form) as valid:
            recording.update_expense(expense, _expense_data(form), expected, current_user)
            if valid:
                flash(_saved_message(expense, sa, "saved"), "success")
                for warning in budgets.budget_overruns(expense):
                    flash(warning, "warning")
                return redirect(url_for(".detail", expense_id=expense.id))
        current = db.session.get(Expense, expense_id)
        if current is None:
            flash(_("Someone else deleted this expense while you were editing it."), "danger")
            return redirect(url_for(".arrangement", reference=reference))
        expense, sa = current, current.arrangement
        if isinstance(outcome.error, Conflict):
            return render_template("expenses/form.html", form=form, sa=sa,
                                   expense=expense), 409
    return render_template("expenses/form.html", form=form, sa=sa, expense=expense), \
        _status(form)


@bp.route("/<int:expense_id>/delete", methods=["POST"])
@login_required
@requires(EXPENSE_WRITE)
def delete(expense_id: int):  # type: ignore[no-untyped-def]
    expense = services.get_expense(expense_id)
    reference = expense.arrangement.reference
    form = DeleteForm()
    form.validate_on_submit()  # the CSRF token is checked globally before the view runs
    expected = int(form.version.data) if str(form.version.data or "").isdigit() else None
    with flashed_errors():
        recording.delete_expense(expense, expected, current_user)
        flash(_("Expense %(id)s deleted; the parts and totals of %(reference)s are updated.",
                id=expense_id, reference=reference), "success")
        return redirect(url_for(".arrangement", reference=reference))
    if db.session.get(Expense, expense_id) is None:
        return redirect(url_for(".arrangement", reference=reference))
    return redirect(url_for(".detail", expense_id=expense_id))


@bp.route("/arrangements/<reference>/reallocate", methods=["POST"])
@login_required
@requires(EXPENSE_WRITE)
def retry_reallocation(reference: str):  # type: ignore[no-untyped-def]
    """Retry a re-allocation whose job failed, was cancelled or lost its worker: as a new
    job above the threshold (its page), else at once (issue 15 item 4)."""
    sa = get_arrangement(reference)
    with flashed_errors():
        if pending.pending_of(sa) is None:
            flash(_("The expenses of %(reference)s follow the shares in force: nothing to "
                    "re-allocate.", reference=sa.reference), "info")
            return redirect(url_for("arrangements.detail", reference=sa.reference))
        job = tasks.retry(sa, current_user)
        if job is not None:
            flash(_("Re-allocation of %(reference)s started again (job %(job)s).",
                    reference=sa.reference, job=job.id), "success")
            return redirect(url_for("jobs.detail", job_id=job.id))
        flash(_("The expenses of %(reference)s are re-allocated to the shares in force.",
                reference=sa.reference), "success")
    return redirect(url_for("arrangements.detail", reference=sa.reference))


# --- the finance section of the arrangement page -------------------------------------------------

def finance_extras(sa: SpecialArrangement) -> dict[str, Any]:
    """Cost split and settlement for the period chosen on the page (``split_from``,
    ``split_to``), budget versus actual: the data of special_arrangements/_finance.html."""
    if not policy.can(current_user, READ):
        return {}
    problems: list[str] = []
    date_from = _date_arg("split_from", problems)
    date_to = _date_arg("split_to", problems)
    try:
        split = figures.cost_split(sa, date_from, date_to)
    except DomainError as exc:
        problems.append(str(exc))
        date_from = date_to = None
        split = figures.cost_split(sa)
    return {"finance": {
        "split": split, "from": date_from, "to": date_to, "problems": problems,
        "budget": budgets.budget_vs_actual(sa),
    }, "reallocation": pending.state(sa),
        "may_retry_reallocation": policy.can(current_user, EXPENSE_WRITE)}


def finance_context(_app: Any, *, arrangement: SpecialArrangement) -> dict[str, Any]:
    """Receiver of ``arrangement_detail_context`` (the factory connects it): the finance
    section's data for the arrangement page."""
    return finance_extras(arrangement)
