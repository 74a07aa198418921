"""Web pages for exchange rates: the monthly rates table (units per one US dollar) with its
filters and, for finance, the form that enters or corrects a month's rate. The URLs are
under /expenses, where they have always been."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from jointprojects.auth import policy
from jointprojects.auth.policy import RATE_WRITE, READ, requires
from jointprojects.exchange_rates import services
from jointprojects.exchange_rates.forms import RateForm
from jointprojects.i18n import current_language, msg
from jointprojects.locales import format_amount
from jointprojects.money import MINOR_UNITS
from jointprojects.transaction import form_errors, rehearsal
from jointprojects.web import paginate

bp = Blueprint("exchange_rates", __name__, url_prefix="/expenses")


def _status(form: Any) -> int:
    return 422 if form.errors or getattr(form, "form_errors", None) else 200


@bp.route("/rates", methods=["GET", "POST"])
@login_required
@requires(READ)
def rates():  # type: ignore[no-untyped-def]
    """The monthly rates table (units per one US dollar) and, for finance, its form."""
    form = RateForm()
    if request.method == "POST":
        if not policy.can(current_user, RATE_WRITE):
            abort(403)
        with form_errors(form), rehearsal(form) as valid:
            rate = services.set_rate(form.currency.data, form.month.data, form.rate.data,
                                     form.source.data, current_user)
            if valid:
                flash(msg("Rate saved: 1 USD = %(rate)s %(currency)s for %(month)s.",
                          rate=rate.rate.normalize() if current_language() != "en"
                          else services.rate_to_json(rate.rate),
                          currency=rate.currency, month=rate.month), "success")
                return redirect(url_for(".rates", currency=rate.currency))
    currency = request.args.get("currency", "").strip().upper()
    year = request.args.get("year", "").strip()
    page = paginate(services.rate_query(currency, year if year.isdigit() else None))
    return render_template(
        "exchange_rates/rates.html", form=form, page=page,
        args={"currency": currency, "year": year},
        currencies=sorted(c for c in MINOR_UNITS if c != "USD"),
    ), _status(form)


@bp.app_template_filter("rate")
def rate_filter(rate: Any) -> str:
    """An exchange rate without trailing zeros (never in exponent notation), with the
    reader's decimal sign: ``0.9265`` in English, ``0,9265`` in French (as the form's help
    and the French amounts write it)."""
    if rate is None:
        return ""
    language = current_language()
    if language == "en":
        return services.rate_to_json(rate)
    return format_amount(Decimal(services.rate_to_json(rate)), None, language)
