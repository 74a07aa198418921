"""Web pages for special arrangements: list, detail, create/edit, sign, amend, give notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from blinker import Namespace
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from jointprojects.audit.services import history
from jointprojects.auth import policy
from jointprojects.auth.policy import ARRANGEMENT_WRITE, READ, requires
from jointprojects.errors import Message
from jointprojects.extensions import db
from jointprojects.i18n import _, msg
from jointprojects.money import MoneyError, parse_decimal
from jointprojects.organizations.services import list_organizations
from jointprojects.projects.models import Project
from jointprojects.special_arrangements import services
from jointprojects.special_arrangements.amendments import (
    consent,
    get_amendment,
    propose_amendment,
)
from jointprojects.special_arrangements.forms import (
    CATEGORY_CHOICES,
    AmendmentForm,
    ArrangementForm,
    PartyDateForm,
    SignatureForm,
    matrix_formdata,
)
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.queries import (
    DUE_FILTERS,
    arrangement_query,
    awaited_by_arrangement,
    awaited_parties,
)
from jointprojects.transaction import flashed_errors, form_errors, rehearsal
from jointprojects.vocabulary import ARRANGEMENT_DISPLAY_STATUSES, KINDS
from jointprojects.web import paginate

bp = Blueprint("arrangements", __name__, url_prefix="/arrangements")


def _status_code(form) -> int:  # type: ignore[no-untyped-def]
    return 422 if form.errors or getattr(form, "form_errors", None) else 200


def _posted() -> Any:
    """What a form posted, its share matrix read as share rows; None on a GET."""
    return matrix_formdata(request.form) if request.method == "POST" else None


def _set_choices(form, parties: list[str] | None = None) -> None:  # type: ignore[no-untyped-def]
    org_choices = [(o.code, o.code) for o in list_organizations()]
    party_choices = [(c, c) for c in parties] if parties else org_choices
    if hasattr(form, "project"):
        form.project.choices = [("", "Choose a project…")] + [
            (p.code, f"{p.code} – {p.title}")
            for p in db.session.scalars(
                db.select(Project).where(policy.visible_projects_clause(current_user))
                .order_by(Project.code))
        ]
    for entry in getattr(form, "modalities", []):
        entry.form.organization.choices = org_choices
    for entry in form.shares:
        entry.form.organization.choices = party_choices
    for entry in form.ceilings:
        entry.form.organization.choices = party_choices


def _shares(form) -> list[services.ShareData]:  # type: ignore[no-untyped-def]
    return [
        services.ShareData(
            organization=e.form.organization.data,
            percent=e.form.percent.data,
            category=e.form.category.data or None,
        )
        for e in form.shares
    ]


def _ceilings(form) -> list[services.CeilingData]:  # type: ignore[no-untyped-def]
    return [
        services.CeilingData(organization=e.form.organization.data, amount=e.form.amount.data)
        for e in form.ceilings
        if (e.form.amount.data or "").strip()
    ]


def _data(form: ArrangementForm) -> services.ArrangementData:
    modalities = [
        services.ModalityData(
            organization=e.form.organization.data,
            role=e.form.role.data or "",
            responsibilities=e.form.responsibilities.data or "",
            in_kind_contribution=e.form.in_kind_contribution.data or "",
        )
        for e in form.modalities
    ]
    return services.ArrangementData(
        reference=(form.reference.data or "").strip(),
        project=form.project.data,
        title=(form.title.data or "").strip(),
        kind=form.kind.data,
        parties=[m.organization for m in modalities if m.organization],
        currency=form.currency.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        modalities=modalities,
        shares=_shares(form),
        ceilings=_ceilings(form),
    )


@bp.route("/")
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    args = {
        k: request.args.get(k, "").strip()
        for k in ("q", "status", "kind", "organization", "project", "area", "currency", "due",
                  "awaiting", "waiting")
    }
    # "Waiting on my organization": its signature or consent is awaited.
    args["waiting"] = "mine" if args["waiting"] else ""
    mine = current_user.organization.code if args["waiting"] else ""
    if args["due"] not in DUE_FILTERS:
        args["due"] = ""
    # Statuses as they stand today, as the badges show them (notice and end dates apply).
    page = paginate(
        arrangement_query(
            search=args["q"],
            status=args["status"],
            kind=args["kind"],
            organization=args["organization"],
            project=args["project"],
            area=args["area"],
            currency=args["currency"],
            due=args["due"],
            awaiting=args["awaiting"],
            on=date.today(),
            waiting_on=mine,
        ).where(policy.visible_arrangements_clause(current_user))
    )
    awaited = awaited_by_arrangement([a.id for a in page.items])
    return render_template(
        "special_arrangements/index.html",
        page=page,
        args=args,
        statuses=ARRANGEMENT_DISPLAY_STATUSES,
        kinds=KINDS,
        organizations=list_organizations(),
        due_filters=DUE_FILTERS,
        awaited=awaited,
        my_organization=current_user.organization.code,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@requires(ARRANGEMENT_WRITE)
def create():  # type: ignore[no-untyped-def]
    form = ArrangementForm(formdata=_posted())
    if request.method == "GET":
        form.project.data = request.args.get("project")
        for code in ("UN", "INTERPOL"):
            form.modalities.append_entry({"organization": code})
        for code, percent in (("UN", "50"), ("INTERPOL", "50")):
            form.shares.append_entry({"organization": code, "percent": percent, "category": ""})
    _set_choices(form)
    if form.is_submitted():
        with form_errors(form), rehearsal(form) as valid:
            sa = services.create_arrangement(_data(form), current_user)
            if valid:
                flash(
                    _("Special arrangement %(reference)s created as a draft. "
                      "It enters into force once every party has signed.", reference=sa.reference),
                    "success",
                )
                return redirect(url_for(".detail", reference=sa.reference))
    return render_template("special_arrangements/form.html", form=form, sa=None), _status_code(form)


@bp.route("/<reference>")
@login_required
@requires(READ)
def detail(reference: str):  # type: ignore[no-untyped-def]
    return _detail_page(services.get_arrangement(reference))


def _sign_choices(sa: SpecialArrangement) -> list[tuple[str, str]]:
    """The parties still to sign that this user may sign for."""
    signed = {s.organization.code for s in sa.signatures}
    return [
        (c, c) for c in sa.party_codes
        if c not in signed and policy.can(current_user, policy.ARRANGEMENT_SIGN, c)
    ]


def _detail_page(sa: SpecialArrangement, sign_form: SignatureForm | None = None):  # type: ignore[no-untyped-def]
    """The arrangement page; ``sign_form`` when a signature was refused (its errors beside
    its fields, what was typed kept)."""
    if sign_form is None:
        sign_form = SignatureForm(prefix="sign", date=date.today(), formdata=None)
        sign_form.organization.choices = _sign_choices(sa)
    notice_form = PartyDateForm(prefix="notice", date=date.today())
    notice_form.organization.choices = [
        (c, c) for c in sa.party_codes if policy.can(current_user, policy.TERMINATION_NOTICE, c)
    ]
    return render_template(
        "special_arrangements/detail.html",
        sa=sa,
        sign_form=sign_form,
        notice_form=notice_form,
        share_table=services.share_table,
        history=history(sa),
        extras=detail_extras(sa),
        awaited=awaited_parties(sa),
    )


#: Sent while the arrangement page is built, with the application as sender and the
#: arrangement as ``arrangement``; each receiver returns a dict of template context for a
#: section of the page (the finance feature: its cost split and budget, ``extras.finance``).
#: The dependency has one direction: this page knows no feature that adds to it, the factory
#: connects them (``register_compositions`` in jointprojects/__init__.py).
arrangement_detail_context = Namespace().signal("arrangement-detail-context")


def detail_extras(sa: SpecialArrangement) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for _receiver, context in arrangement_detail_context.send(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        arrangement=sa,
    ):
        data.update(context or {})
    return data


@bp.route("/<reference>/edit", methods=["GET", "POST"])
@login_required
@requires(ARRANGEMENT_WRITE)
def edit(reference: str):  # type: ignore[no-untyped-def]
    sa = services.get_arrangement(reference)
    if not policy.is_party_member(current_user, sa.party_codes):
        abort(403)
    if sa.status != "draft" or sa.signatures:
        flash(
            _("A signed arrangement cannot be edited: propose an amendment of its shares instead."),
            "warning",
        )
        return redirect(url_for(".detail", reference=reference))
    form = ArrangementForm(formdata=_posted())
    if request.method == "GET":
        form.reference.data, form.title.data, form.kind.data = sa.reference, sa.title, sa.kind
        form.project.data, form.currency.data = sa.project.code, sa.currency
        form.start_date.data, form.end_date.data = sa.start_date, sa.end_date
        form.version.data = str(sa.version)
        for p in sa.parties:
            form.modalities.append_entry(
                {
                    "organization": p.organization.code,
                    "role": p.role,
                    "responsibilities": p.responsibilities,
                    "in_kind_contribution": p.in_kind_contribution,
                }
            )
        version = sa.share_versions[0]
        for s in version.shares:
            form.shares.append_entry(
                {
                    "organization": s.organization.code,
                    "category": s.category or "",
                    "percent": f"{s.percent.normalize():f}",
                }
            )
        for c in version.ceilings:
            form.ceilings.append_entry(
                {"organization": c.organization.code, "amount": f"{c.amount:f}"}
            )
    _set_choices(form)
    if form.is_submitted():
        with form_errors(form), rehearsal(form) as valid:
            expected = int(form.version.data) if str(form.version.data or "").isdigit() else None
            services.update_arrangement(sa, _data(form), expected, current_user)
            if valid:
                flash(_("Special arrangement %(reference)s saved.", reference=sa.reference),
                      "success")
                return redirect(url_for(".detail", reference=sa.reference))
    return render_template("special_arrangements/form.html", form=form, sa=sa), _status_code(form)


@bp.route("/<reference>/delete", methods=["POST"])
@login_required
@requires(ARRANGEMENT_WRITE)
def delete(reference: str):  # type: ignore[no-untyped-def]
    sa = services.get_arrangement(reference)
    FlaskForm().validate_on_submit()  # CSRF is checked globally; this keeps the form API
    with flashed_errors():
        services.delete_arrangement(sa, current_user)
        flash(_("Draft %(reference)s deleted.", reference=reference), "success")
        return redirect(url_for(".index"))
    return redirect(url_for(".detail", reference=reference))


def _party_action(reference: str, prefix: str, action, done):  # type: ignore[no-untyped-def]
    sa = services.get_arrangement(reference)
    form = PartyDateForm(prefix=prefix)
    form.organization.choices = [(c, c) for c in sa.party_codes]
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            for e in errors:
                flash(msg("%(field)s: %(problem)s", problem=e,
                          field=Message(name.replace("_", " ").capitalize())), "danger")
        return redirect(url_for(".detail", reference=reference))
    with flashed_errors():
        action(sa, form)
        flash(done(sa, form.organization.data), "success")
    return redirect(url_for(".detail", reference=reference))


@bp.route("/<reference>/sign", methods=["POST"])
@login_required
@requires(policy.ARRANGEMENT_SIGN)
def sign(reference: str):  # type: ignore[no-untyped-def]
    """Record a signature; a refusal re-renders the page with every problem beside its field
    and what was typed kept (422)."""
    sa = services.get_arrangement(reference)
    form = SignatureForm(prefix="sign")
    form.organization.choices = _sign_choices(sa) or [(c, c) for c in sa.party_codes]
    form.validate_on_submit()
    with form_errors(form) as outcome:
        # A date that could not be read is missing for the service, which then names the
        # signatory's name and title too: one answer with every problem.
        services.sign(
            sa, form.organization.data, None if form.date.errors else form.date.data,
            current_user, form.signatory_name.data or "", form.signatory_title.data or "",
            signatory_required=True,
        )
        flash(_("Signature recorded for %(party)s.", party=form.organization.data), "success")
        return redirect(url_for(".detail", reference=reference))
    if form.date.errors:
        form.date.errors = form.date.errors[:1]
    return _detail_page(sa, sign_form=form), outcome.error.status if outcome.error else 422


@bp.route("/<reference>/notice", methods=["POST"])
@login_required
@requires(policy.TERMINATION_NOTICE)
def notice(reference: str):  # type: ignore[no-untyped-def]
    return _party_action(
        reference,
        "notice",
        lambda sa, f: services.give_notice(sa, f.organization.data, f.date.data, current_user),
        lambda sa, org: msg("Notice of termination recorded for %(org)s: effective %(day)s.",
                            org=org, day=sa.termination_effective_date),
    )


@bp.route("/<reference>/amendments/new", methods=["GET", "POST"])
@login_required
@requires(policy.AMENDMENT_PROPOSE)
def amend(reference: str):  # type: ignore[no-untyped-def]
    sa = services.get_arrangement(reference)
    if not policy.is_party_member(current_user, sa.party_codes):
        abort(403)
    form = AmendmentForm(formdata=_posted())
    current = next((v for v in reversed(sa.share_versions) if v.status == "in_force"), None)
    if request.method == "GET" and current is not None:
        for s in current.shares:
            form.shares.append_entry(
                {
                    "organization": s.organization.code,
                    "category": s.category or "",
                    "percent": f"{s.percent.normalize():f}",
                }
            )
        for c in current.ceilings:
            form.ceilings.append_entry(
                {"organization": c.organization.code, "amount": f"{c.amount:f}"}
            )
    _set_choices(form, sa.party_codes)
    if form.is_submitted():
        with form_errors(form), rehearsal(form) as valid:
            version = propose_amendment(
                sa,
                form.effective_date.data,
                _shares(form),
                _ceilings(form),
                form.reason.data,
                current_user,
            )
            if valid:
                flash(
                    _("Amendment %(number)s proposed. It takes effect once every party has "
                      "consented.", number=version.amendment_number),
                    "success",
                )
                return redirect(url_for(".amendment", reference=reference,
                                        number=version.amendment_number))
    return render_template(
        "special_arrangements/amend.html",
        form=form,
        sa=sa,
        current=current,
        share_table=services.share_table,
    ), _status_code(form)


@bp.route("/<reference>/amendments/<int:number>", methods=["GET", "POST"])
@login_required
@requires(READ)
def amendment(reference: str, number: int):  # type: ignore[no-untyped-def]
    sa = services.get_arrangement(reference)
    version = get_amendment(sa, number)
    form = PartyDateForm(prefix="consent", date=date.today())
    consented = {c.organization.code for c in version.consents}
    form.organization.choices = [
        (c, c)
        for c in sa.party_codes
        if c not in consented and policy.can(current_user, policy.AMENDMENT_CONSENT, c)
    ]
    if request.method == "POST":
        if not policy.can(current_user, policy.AMENDMENT_CONSENT):
            abort(403)
        form.organization.choices = [(c, c) for c in sa.party_codes]
        if form.validate_on_submit():
            with flashed_errors():
                consent(sa, version, form.organization.data, form.date.data, current_user)
                flash(
                    (_("Consent of %(party)s recorded: the amendment is now in force.",
                       party=form.organization.data) if version.status == "in_force"
                     else _("Consent of %(party)s recorded.", party=form.organization.data)),
                    "success",
                )
            return redirect(url_for(".amendment", reference=reference, number=number))
    previous = next(
        (v for v in reversed(sa.share_versions)
         if v.number < version.number and v.status == "in_force"),
        None,
    )
    return render_template(
        "special_arrangements/amendment.html",
        sa=sa,
        version=version,
        previous=previous,
        form=form,
        share_table=services.share_table,
    )


@bp.app_template_global()
def category_choices() -> list[tuple[str, str]]:
    return CATEGORY_CHOICES


@dataclass
class MatrixRow:
    """A row of the share matrix: a set (its category, "" for the default) and its cells."""

    category: str
    cells: dict[str, Any]
    total: str

    @property
    def complete(self) -> bool:
        return self.total == "100.00"


@bp.app_template_global()
def share_matrix(form: Any, parties: list[str]) -> tuple[list[str], list[MatrixRow]]:
    """The form's share rows as a category x party matrix: the columns (the parties, then
    any other organization a row names) and the rows (the default set first), each with the
    running total of what is typed ("" when a cell is not a number)."""
    columns = [p for p in parties if p]
    grouped: dict[str, dict[str, Any]] = {"": {}}
    for entry in form.shares:
        category = entry.form.category.data or ""
        organization = entry.form.organization.data or ""
        grouped.setdefault(category, {})[organization] = entry
        if organization and organization not in columns:
            columns.append(organization)
    rows = []
    for category, cells in grouped.items():
        total = Decimal(0)
        for entry in cells.values():
            try:
                total += parse_decimal(entry.form.percent.data or "0")
            except MoneyError:
                total = Decimal("NaN")
                break
        rows.append(MatrixRow(category, cells, "" if total.is_nan() else f"{total:.2f}"))
    return columns, rows
