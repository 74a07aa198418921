"""Web pages for budgets: an arrangement's budget lines against the actual, and, for
finance, the form that sets a line and the button that deletes one. The URLs are under
/expenses/arrangements/<reference>/budgets, where they have always been."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from jointprojects.auth import policy
from jointprojects.auth.policy import BUDGET_WRITE, READ, requires
from jointprojects.budgets import services
from jointprojects.budgets.forms import BudgetForm
from jointprojects.i18n import _
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.transaction import flashed_errors, form_errors, rehearsal

bp = Blueprint("budgets", __name__, url_prefix="/expenses")


def _status(form: Any) -> int:
    return 422 if form.errors or getattr(form, "form_errors", None) else 200


@bp.route("/arrangements/<reference>/budgets", methods=["GET", "POST"])
@login_required
@requires(READ)
def budgets(reference: str):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    form = BudgetForm()
    form.organization.choices = [("", _("whole arrangement"))] + [
        (c, c) for c in sa.party_codes]
    if request.method == "GET":
        form.year.data = str(date.today().year)
    if request.method == "POST":
        if not policy.can(current_user, BUDGET_WRITE):
            abort(403)
        with form_errors(form), rehearsal(form) as valid:
            services.set_budget(sa, form.category.data, form.year.data,
                                form.organization.data or None, form.amount.data,
                                current_user, form.note.data or "")
            if valid:
                flash(_("Budget line saved."), "success")
                return redirect(url_for(".budgets", reference=reference))
    return render_template("budgets/budgets.html", sa=sa, form=form,
                           lines=services.budget_vs_actual(sa)), _status(form)


@bp.route("/arrangements/<reference>/budgets/<int:budget_id>/delete", methods=["POST"])
@login_required
@requires(BUDGET_WRITE)
def delete_budget(reference: str, budget_id: int):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    with flashed_errors():
        services.delete_budget(sa, budget_id, current_user)
        flash(_("Budget line deleted."), "success")
    return redirect(url_for(".budgets", reference=reference))
