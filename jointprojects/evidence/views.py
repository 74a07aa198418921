"""Evidence pages: an organization's keys, the checkpoints (download, sign), the bundle's
download from the arrangement page, the admins' "Verify now"; the Evidence section of the
arrangement page and the verification status of the audit page (docs/EVIDENCE.md)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.auth.policy import READ, REPORT_DOWNLOAD, USER_ADMIN, requires
from jointprojects.errors import Forbidden
from jointprojects.evidence import signatures, status, tasks
from jointprojects.evidence.bundle import build_bundle
from jointprojects.evidence.forms import ActionForm, CheckpointSignatureForm, KeyForm
from jointprojects.i18n import _, msg
from jointprojects.organizations.services import get_organization, list_organizations
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.statements.services import get_statement
from jointprojects.transaction import flashed_errors, form_errors

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _json_download(data: Any, filename: str) -> Response:
    response = Response(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                        mimetype="application/json")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _signing_choices() -> list[tuple[str, str]]:
    return [(o.code, o.code) for o in list_organizations()
            if policy.can(current_user, policy.EVIDENCE_SIGN, o.code)]


# --- organization keys -------------------------------------------------------------------------

def _keys_page(org: Any, form: KeyForm, status_code: int = 200):  # type: ignore[no-untyped-def]
    return render_template("evidence/keys.html", org=org, keys=signatures.keys_of(org),
                           form=form, short=signatures.short,
                           may_register=policy.can(current_user, policy.EVIDENCE_SIGN,
                                                   org.code)), status_code


@bp.route("/organizations/<organization>/keys")
@login_required
@requires(READ)
def keys(organization: str):  # type: ignore[no-untyped-def]
    org = _organization(organization)
    return _keys_page(org, KeyForm(formdata=None))


@bp.route("/organizations/<organization>/keys", methods=["POST"])
@login_required
@requires(policy.EVIDENCE_SIGN)
def register_key(organization: str):  # type: ignore[no-untyped-def]
    org = _organization(organization)
    form = KeyForm()
    if form.validate_on_submit():
        with form_errors(form) as outcome:
            key = signatures.register_key(org.code, form.public_key.data, current_user)
            flash(msg("%(code)s's key registered (fingerprint %(fingerprint)s): check it against "
                      "the one on your own machine.", code=org.code,
                      fingerprint=signatures.short(key.fingerprint)), "success")
            return redirect(url_for(".keys", organization=org.code))
        if isinstance(outcome.error, Forbidden):
            abort(403)
    return _keys_page(org, form, 422)


def _organization(code: str) -> Any:
    return get_organization(code, "code")  # NotFound: the 404 page


# --- checkpoints -------------------------------------------------------------------------------

def _checkpoints_page(form: CheckpointSignatureForm | None = None, failed_id: int | None = None,
                      status_code: int = 200):  # type: ignore[no-untyped-def]
    choices = _signing_choices()
    if form is None:
        form = CheckpointSignatureForm(formdata=None)
    form.organization.choices = choices
    return render_template("evidence/checkpoints.html", checkpoints=signatures.checkpoints(
        limit=100), form=form, failed_id=failed_id, action=ActionForm(),
        state=status.chain_state()), status_code


@bp.route("/checkpoints")
@login_required
@requires(READ)
def checkpoints():  # type: ignore[no-untyped-def]
    return _checkpoints_page()


@bp.route("/checkpoints", methods=["POST"])
@login_required
@requires(USER_ADMIN)
def make_checkpoint():  # type: ignore[no-untyped-def]
    if ActionForm().validate_on_submit():
        cp = signatures.make_checkpoint(current_user.email, current_user)
        flash(msg("Checkpoint %(id)s signed: audit row %(sequence)s.", id=cp.id,
                  sequence=cp.sequence), "success")
    return redirect(url_for(".checkpoints"))


@bp.route("/checkpoints.json")
@login_required
@requires(READ)
def checkpoints_json():  # type: ignore[no-untyped-def]
    return _json_download([signatures.checkpoint_json(cp) for cp in signatures.checkpoints()],
                          "checkpoints.json")


@bp.route("/checkpoints/<int:checkpoint_id>.json")
@login_required
@requires(READ)
def checkpoint_json(checkpoint_id: int):  # type: ignore[no-untyped-def]
    cp = signatures.get_checkpoint(checkpoint_id)
    return _json_download(signatures.checkpoint_json(cp), f"checkpoint-{cp.id}.json")


@bp.route("/checkpoints/<int:checkpoint_id>/signatures", methods=["POST"])
@login_required
@requires(policy.EVIDENCE_SIGN)
def sign_checkpoint(checkpoint_id: int):  # type: ignore[no-untyped-def]
    cp = signatures.get_checkpoint(checkpoint_id)
    form = CheckpointSignatureForm()
    form.organization.choices = _signing_choices()
    if form.validate_on_submit():
        with form_errors(form) as outcome:
            signatures.sign_checkpoint(cp, form.organization.data, form.signature.data,
                                       current_user)
            flash(msg("%(code)s's signature of checkpoint %(id)s verified and kept.",
                      code=form.organization.data, id=cp.id), "success")
            return redirect(url_for(".checkpoints"))
        if isinstance(outcome.error, Forbidden):
            abort(403)
    return _checkpoints_page(form, cp.id, 422)


# --- sealed decisions on statements --------------------------------------------------------

def _decision(reference: str, number: int, organization: str) -> tuple[Any, Any]:
    sa = get_arrangement(reference)
    return sa, signatures.get_acknowledgement(get_statement(sa, number), organization)


@bp.route("/arrangements/<reference>/statements/<int:number>/decisions/<organization>.json")
@login_required
@requires(READ)
def decision_json(reference: str, number: int, organization: str):  # type: ignore[no-untyped-def]
    _sa, ack = _decision(reference, number, organization)
    return _json_download(signatures.acceptance_json(ack),
                          f"statement-{number}-{organization}-decision.json")


@bp.route("/arrangements/<reference>/statements/<int:number>/decisions/<organization>"
          "/signatures", methods=["POST"])
@login_required
@requires(policy.EVIDENCE_SIGN)
def sign_decision(reference: str, number: int, organization: str):  # type: ignore[no-untyped-def]
    sa, ack = _decision(reference, number, organization)
    form = CheckpointSignatureForm()
    back = url_for("statements.detail", reference=sa.reference, number=number) + "#seals"
    if form.validate_on_submit():
        with flashed_errors(let_through=(Forbidden,)):
            signatures.sign_acceptance(sa, ack, form.organization.data, form.signature.data,
                                       current_user)
            flash(msg("%(code)s's signature of %(party)s's decision verified and kept.",
                      code=form.organization.data, party=organization), "success")
    return redirect(back)


# --- the bundle, verification ------------------------------------------------------------------

@bp.route("/arrangements/<reference>/evidence.zip")
@login_required
@requires(REPORT_DOWNLOAD)
def bundle(reference: str):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    data = build_bundle(sa)
    audit.record("download", sa, after={"report": f"evidence-{sa.reference}.zip"},
                 user=current_user)
    response = Response(data, mimetype="application/zip")
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"evidence-{sa.reference}.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/verify", methods=["POST"])
@login_required
@requires(USER_ADMIN)
def verify_now():  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        return redirect(url_for("audit.index"))
    with flashed_errors():
        job = tasks.start_verification(current_user)
        flash(_("Verification of the whole audit chain started: its result shows on the audit "
                "page when done."), "success")
        return redirect(url_for("jobs.detail", job_id=job.id))
    return redirect(url_for("audit.index"))


# --- sections of other pages -------------------------------------------------------------------

def evidence_context(_app: Any, *, arrangement: SpecialArrangement) -> dict[str, Any]:
    """Receiver of ``arrangement_detail_context`` (the factory connects it): the Evidence
    section of the arrangement page."""
    return {"evidence": {"state": status.chain_state(), "short": signatures.short}}


@bp.app_context_processor
def audit_status() -> dict[str, Any]:
    """The audit page's verification status (``evidence/_audit_status.html``), computed only
    when the template asks."""
    return {"evidence_chain_state": status.chain_state, "evidence_action": ActionForm,
            "evidence_decision_signers": _decision_signers,
            "evidence_signing_choices": _signing_choices,
            "evidence_signature_form": CheckpointSignatureForm}


def _decision_signers(ack: Any) -> list[str]:
    return [s.organization.code for s in signatures.acceptance_signatures(ack)]
