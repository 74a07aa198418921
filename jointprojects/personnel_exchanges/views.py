"""Web pages for personnel exchanges (Art. 8): register, timeline, detail, forms, costs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from jointprojects import vocabulary
from jointprojects.audit.services import history
from jointprojects.auth import policy
from jointprojects.auth.policy import PERSONNEL_APPROVE, PERSONNEL_WRITE, READ, requires
from jointprojects.dates import add_months
from jointprojects.errors import Forbidden, NotFound
from jointprojects.extensions import db
from jointprojects.i18n import _, msg, translate
from jointprojects.personnel_exchanges import queries, services
from jointprojects.personnel_exchanges import timeline as geometry
from jointprojects.personnel_exchanges.costs import cost_lines, personnel_cost_rows
from jointprojects.personnel_exchanges.forms import (
    COST_CATEGORY_CHOICES,
    CURRENCY_CHOICES,
    ApprovalForm,
    CancelForm,
    CostForm,
    ExchangeForm,
    ExtensionForm,
)
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.transaction import flashed_errors, form_errors, rehearsal
from jointprojects.vocabulary import EXCHANGE_DISPLAY_STATUSES, N_
from jointprojects.web import paginate

bp = Blueprint("personnel_exchanges", __name__, url_prefix="/personnel-exchanges")


def _status_code(*forms: Any) -> int:
    return 422 if any(f.errors or getattr(f, "form_errors", None) for f in forms) else 200


def _party_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} – {org.name}")
            for code, org in sorted(services.agreement_parties().items())]


def _set_choices(form: ExchangeForm) -> None:
    parties = _party_choices()
    form.home_organization.choices = [("", "Choose…"), *parties]
    form.host_organization.choices = [("", "Choose…"), *parties]
    form.arrangement.choices = [("", "None")] + [
        (ref, f"{ref} – {title} ({kind.replace('_', ' ')})")
        for ref, title, kind in db.session.execute(
            select(SpecialArrangement.reference, SpecialArrangement.title,
                   SpecialArrangement.kind).order_by(SpecialArrangement.reference))
    ]
    for entry in form.costs:
        entry.form.borne_by.choices = [(c, c) for c, _ in parties]


def _cost_data(f: Any) -> services.CostData:
    return services.CostData(
        category=f.category.data, borne_by=f.borne_by.data, amount=f.amount.data,
        currency=f.currency.data, period_start=f.period_start.data,
        period_end=f.period_end.data,
    )


def _data(form: ExchangeForm) -> services.ExchangeData:
    return services.ExchangeData(
        staff_id=form.staff_id.data, person_name=form.person_name.data,
        home_organization=form.home_organization.data or None,
        host_organization=form.host_organization.data or None,
        position=form.position.data, duty_station=form.duty_station.data or "",
        start_date=form.start_date.data, end_date=form.end_date.data,
        arrangement=form.arrangement.data or None,
        return_right_note=form.return_right_note.data or "",
        costs=[_cost_data(e.form) for e in form.costs],
    )


def _drop_blank_cost_rows(form: ExchangeForm) -> None:
    """Rows left empty are not cost items; dropping them keeps the service's row numbers
    (``costs[1].amount``) aligned with the rows shown."""
    form.costs.entries = [e for e in form.costs.entries
                          if (e.form.amount.data or "").strip()]


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# --- the register -----------------------------------------------------------------------------

@bp.route("/")
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    args = {k: request.args.get(k, "").strip()
            for k in ("q", "on", "organization", "status", "ending", "arrangement", "waiting")}
    # "Waiting on my organization": its approval is awaited.
    args["waiting"] = "mine" if args["waiting"] else ""
    # ``active_on`` is the API's name of the same filter: a link written for the API works here.
    args["on"] = args["on"] or request.args.get("active_on", "").strip()
    problems: dict[str, str] = {}
    on = _parse_date(args["on"])
    if args["on"] and on is None:
        problems["on"] = (f"{args['on'][:40]} is not a valid date. Write the date as "
                          "YYYY-MM-DD; the list below is not filtered by date.")
    status = args["status"] if args["status"] in EXCHANGE_DISPLAY_STATUSES else None
    today = services.current_day()
    page = paginate(queries.exchange_query(
        active_on=on, organization=args["organization"] or None, status=status,
        ending_within=services.ENDING_SOON_DAYS if args["ending"] else None,
        arrangement=args["arrangement"] or None, search=args["q"], on=today,
        waiting_on=current_user.organization.code if args["waiting"] else None,
    ).where(policy.visible_exchanges_clause(current_user)))
    return render_template(
        "personnel_exchanges/index.html", page=page, args=args, problems=problems,
        statuses=EXCHANGE_DISPLAY_STATUSES, organizations=_party_choices(), today=today,
        ending_soon=queries.is_ending_soon, missing_approvals=services.missing_approvals,
        ending_days=services.ENDING_SOON_DAYS, my_organization=current_user.organization.code,
    )


@bp.route("/timeline")
@login_required
@requires(READ)
def timeline():  # type: ignore[no-untyped-def]
    parties = _party_choices()
    codes = [c for c, _ in parties]
    organization = request.args.get("organization", "").strip()
    if organization not in codes:
        own = current_user.organization.code
        organization = own if own in codes else (codes[0] if codes else "")
    today = services.current_day()
    start_text = request.args.get("from", "").strip()
    start = _parse_date(f"{start_text}-01") if start_text else None
    if start is None:
        start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    try:
        months = min(36, max(3, int(request.args.get("months", "12"))))
    except ValueError:
        months = 12
    data = geometry.timeline(organization, start, months, on=today,
                             visible=policy.visible_exchanges_clause(current_user)) \
        if organization else None
    marker = geometry.bar_geometry(today, today, data["start"], data["end"]) if data else None
    return render_template(
        "personnel_exchanges/timeline.html", data=data, organization=organization,
        organizations=parties, months=months, start=start, today=today,
        today_left=marker[0] if marker else None,
        previous=add_months(start, -months), next=add_months(start, months),
    )


@bp.route("/costs")
@login_required
@requires(READ)
def costs():  # type: ignore[no-untyped-def]
    reference = request.args.get("arrangement", "").strip()
    arrangement = None
    if reference:
        arrangement = db.session.scalar(select(SpecialArrangement).filter_by(reference=reference))
        if arrangement is None:
            abort(404)
        policy.ensure_sees_arrangement(current_user, arrangement)
    report = personnel_cost_rows(arrangement.id if arrangement else None,
                                 visible=policy.visible_exchanges_clause(current_user))
    return render_template("personnel_exchanges/costs.html", report=report,
                           arrangement=arrangement)


# --- create and edit --------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@login_required
@requires(PERSONNEL_WRITE)
def create():  # type: ignore[no-untyped-def]
    form = ExchangeForm()
    if request.method == "GET":
        own = current_user.organization.code
        form.home_organization.data = own if own in services.agreement_parties() else ""
        form.arrangement.data = request.args.get("arrangement", "")
        form.costs.append_entry({"category": "salary"})
    else:
        _drop_blank_cost_rows(form)
    _set_choices(form)
    if form.is_submitted():
        with form_errors(form), rehearsal(form) as valid:
            exchange = services.create_exchange(_data(form), current_user)
            if valid:
                flash(msg("Exchange of %(person)s to %(host)s registered as proposed. It is "
                          "approved once both organizations have recorded their approval.",
                          person=exchange.person_name, host=exchange.host_organization.code),
                      "success")
                return redirect(url_for(".detail", exchange_id=exchange.id))
    return render_template("personnel_exchanges/form.html", form=form, exchange=None,
                           parties=[c for c, _ in _party_choices()],
                           cost_categories=COST_CATEGORY_CHOICES,
                           currencies=CURRENCY_CHOICES), _status_code(form)


@bp.route("/<int:exchange_id>/edit", methods=["GET", "POST"])
@login_required
@requires(PERSONNEL_WRITE)
def edit(exchange_id: int):  # type: ignore[no-untyped-def]
    exchange = services.get_exchange(exchange_id)
    if exchange.status == "cancelled":
        flash(services.CANCELLED_MESSAGE, "warning")
        return redirect(url_for(".detail", exchange_id=exchange_id))
    form = ExchangeForm()  # its cost rows stay empty: costs are managed on the detail page
    if request.method == "GET":
        for name in ("staff_id", "person_name", "position", "duty_station", "start_date",
                     "end_date", "return_right_note"):
            getattr(form, name).data = getattr(exchange, name)
        form.home_organization.data = exchange.home_organization.code
        form.host_organization.data = exchange.host_organization.code
        form.arrangement.data = exchange.arrangement.reference if exchange.arrangement else ""
        form.version.data = str(exchange.version)
    _set_choices(form)
    if form.is_submitted():
        with form_errors(form), rehearsal(form) as valid:
            expected = int(form.version.data) if str(form.version.data or "").isdigit() else None
            result = services.update_exchange(exchange, _data(form), expected, current_user)
            if valid:
                flash(_("Exchange saved."), "success")
                if result.withdrawn_approvals:
                    flash(msg("The approval of %(parties)s was withdrawn because the staff "
                              "member, organizations or dates changed; it must be given again.",
                              parties=msg(" and ").join(result.withdrawn_approvals)),
                          "warning")
                return redirect(url_for(".detail", exchange_id=exchange_id))
    return render_template("personnel_exchanges/form.html", form=form, exchange=exchange,
                           parties=[]), _status_code(form)


# --- detail and the actions on it -------------------------------------------------------------

def _approval_choices(exchange: PersonnelExchange) -> list[tuple[str, str]]:
    return [(c, c) for c in services.missing_approvals(exchange)
            if policy.can(current_user, PERSONNEL_APPROVE, c)]


def _render_detail(exchange: PersonnelExchange, **forms: Any) -> Any:
    today = services.current_day()
    approval_form = forms.get("approval_form")
    if approval_form is None:
        approval_form = ApprovalForm(prefix="approval", date=today)
    approval_form.organization.choices = _approval_choices(exchange)
    cost_form = forms.get("cost_form")
    if cost_form is None:
        cost_form = CostForm(prefix="cost")
        cost_form.borne_by.data = exchange.host_organization.code
        cost_form.currency.data = exchange.host_organization.currency
    cost_form.borne_by.choices = [(c, c) for c, _ in _party_choices()]
    extension_form = forms.get("extension_form")
    if extension_form is None:
        extension_form = ExtensionForm(prefix="extension")
    cancel_form = CancelForm(prefix="cancel")
    costs = cost_lines([exchange], today)
    return render_template(
        "personnel_exchanges/detail.html", exchange=exchange, today=today,
        status=exchange.status_on(today), approval_form=approval_form, cost_form=cost_form,
        extension_form=extension_form, cancel_form=cancel_form, costs=costs,
        lines={r.cost_item_id: r for r in costs.rows},
        missing=services.missing_approvals(exchange),
        ending_soon=queries.is_ending_soon(exchange, today),
        latest_end=services.latest_end_date(exchange.start_date, services.max_months()),
        max_months=services.max_months(), history=history(exchange),
    ), _status_code(*forms.values())


@bp.route("/<int:exchange_id>")
@login_required
@requires(READ)
def detail(exchange_id: int):  # type: ignore[no-untyped-def]
    return _render_detail(services.get_exchange(exchange_id))


@bp.route("/<int:exchange_id>/approve", methods=["POST"])
@login_required
@requires(PERSONNEL_APPROVE)
def approve(exchange_id: int):  # type: ignore[no-untyped-def]
    exchange = services.get_exchange(exchange_id)
    form = ApprovalForm(prefix="approval")
    if form.validate_on_submit():
        with form_errors(form) as outcome:
            services.approve(exchange, form.organization.data, form.date.data, current_user)
            flash(msg(N_("Approval of %(code)s recorded: both organizations have approved the "
                      "exchange.") if exchange.status == "approved"
                      else N_("Approval of %(code)s recorded."), code=form.organization.data),
                  "success")
            return redirect(url_for(".detail", exchange_id=exchange_id))
        if isinstance(outcome.error, Forbidden):
            abort(403)
    return _render_detail(exchange, approval_form=form)


@bp.route("/<int:exchange_id>/extend", methods=["POST"])
@login_required
@requires(PERSONNEL_WRITE)
def extend(exchange_id: int):  # type: ignore[no-untyped-def]
    exchange = services.get_exchange(exchange_id)
    form = ExtensionForm(prefix="extension")
    if form.validate_on_submit():
        with form_errors(form):
            extension = services.extend(exchange, form.end_date.data, form.reason.data,
                                        current_user)
            flash(msg("End date amended from %(old)s to %(new)s.", old=extension.old_end_date,
                      new=extension.new_end_date), "success")
            return redirect(url_for(".detail", exchange_id=exchange_id))
    return _render_detail(exchange, extension_form=form)


@bp.route("/<int:exchange_id>/cancel", methods=["POST"])
@login_required
@requires(PERSONNEL_WRITE)
def cancel(exchange_id: int):  # type: ignore[no-untyped-def]
    exchange = services.get_exchange(exchange_id)
    form = CancelForm(prefix="cancel")
    if form.validate_on_submit():
        with flashed_errors():
            services.cancel(exchange, form.reason.data, current_user)
            flash(_("Exchange cancelled."), "success")
    else:
        flash(_("The reason is too long (at most 5000 characters)."), "danger")
    return redirect(url_for(".detail", exchange_id=exchange_id))


@bp.route("/<int:exchange_id>/costs", methods=["POST"])
@login_required
@requires(PERSONNEL_WRITE)
def add_cost(exchange_id: int):  # type: ignore[no-untyped-def]
    exchange = services.get_exchange(exchange_id)
    form = CostForm(prefix="cost")
    if form.validate_on_submit():
        with form_errors(form):
            item = services.add_cost(exchange, _cost_data(form), current_user)
            flash(msg("Cost item added: %(category)s borne by %(code)s.",
                      category=translate(vocabulary.label(item.category)).lower(),
                      code=item.borne_by.code), "success")
            return redirect(url_for(".detail", exchange_id=exchange_id) + "#costs")
    return _render_detail(exchange, cost_form=form)


@bp.route("/<int:exchange_id>/costs/<int:item_id>/delete", methods=["POST"])
@login_required
@requires(PERSONNEL_WRITE)
def remove_cost(exchange_id: int, item_id: int):  # type: ignore[no-untyped-def]
    exchange = services.get_exchange(exchange_id)
    with flashed_errors(let_through=(NotFound,)):  # an unknown item: the 404 page
        services.remove_cost(exchange, item_id, current_user)
        flash(_("Cost item removed."), "success")
    return redirect(url_for(".detail", exchange_id=exchange_id) + "#costs")
