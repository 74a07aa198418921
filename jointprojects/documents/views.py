"""Pages for documents: the Documents section of each record's page (an include drawing
:func:`document_section`), uploads of several files at once, a document's page (versions,
label, delete), downloads, and the arrangement-wide list with its filters and receipt rule."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from jointprojects.auth import policy
from jointprojects.auth.policy import DOCUMENT_WRITE, READ, requires
from jointprojects.documents import receipts, records, services, sniff
from jointprojects.documents.forms import (
    DeleteForm,
    LabelForm,
    ReceiptRuleForm,
    UploadForm,
    VersionForm,
)
from jointprojects.documents.models import Document
from jointprojects.documents.services import DocumentData, DocumentFilter, Owner, Upload
from jointprojects.documents.transfer import accepts_uploads, download_response
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.i18n import _, msg, msg_n, translate
from jointprojects.locales import Money
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.personnel_exchanges.services import get_exchange
from jointprojects.special_arrangements.models import ShareVersion, SpecialArrangement
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.statements.models import Payment
from jointprojects.transaction import flashed_errors
from jointprojects.vocabulary import DOCUMENT_LABEL_NAMES, DOCUMENT_RECORD_LABELS
from jointprojects.web import paginate

bp = Blueprint("documents", __name__, url_prefix="/documents")

TYPE_NAMES = {t.content_type: t.name for t in sniff.TYPES}


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def record_url(document_or_owner: Document | Owner, kind: str, key: int | None) -> str:
    """The page of the record a document is attached to."""
    owner = document_or_owner if isinstance(document_or_owner, Owner) else Owner(
        document_or_owner.arrangement, document_or_owner.exchange)
    if owner.exchange is not None:
        return url_for("personnel_exchanges.detail", exchange_id=owner.exchange.id)
    if owner.arrangement is None:
        return url_for("dashboard.index")
    ref = owner.arrangement.reference
    if kind == "expense" and key is not None:
        return url_for("expenses.detail", expense_id=key)
    if kind == "amendment" and key is not None:
        return url_for("arrangements.amendment", reference=ref, number=key)
    if kind in ("arrangement", "notice", "signature"):
        return url_for("arrangements.detail", reference=ref)
    if kind == "statement" and key is not None:
        return url_for("statements.detail", reference=ref, number=key)
    if kind == "payment" and key is not None:
        payment = db.session.get(Payment, key)
        if payment is not None and payment.arrangement_id == owner.arrangement.id:
            return url_for("statements.detail", reference=ref,
                           number=payment.statement.number) + f"#payment-{payment.id}"
    return url_for(".arrangement", reference=ref)


def record_reference(owner: Owner) -> str:
    return owner.arrangement.reference if owner.arrangement is not None else ""


# --- the section on each record's page -----------------------------------------------------------

@bp.app_template_global("document_section")
def document_section(kind: str, record: Any, key: int | None = None) -> dict[str, Any]:
    """What ``documents/_section.html`` draws for a record: ``document_section('expense',
    expense)``, ``('arrangement', sa)``, ``('amendment', sa, number)``,
    ``('personnel_exchange', exchange)``."""
    if isinstance(record, Expense):
        owner, key = Owner(arrangement=record.arrangement), record.id
    elif isinstance(record, PersonnelExchange):
        owner = Owner(exchange=record)
    elif isinstance(record, ShareVersion):
        owner, key = Owner(arrangement=record.arrangement), record.amendment_number
    elif isinstance(record, SpecialArrangement):
        owner = Owner(arrangement=record)
    else:
        raise TypeError(f"no documents section for {record!r}")
    docs = services.documents_of(owner, kind, key, current_user)
    form = UploadForm(kind=kind, key="" if key is None else str(key))
    form.organizations.choices = [(c, c) for c in owner.organization_codes]
    if owner.exchange is not None:
        upload_url = url_for("documents.exchange_upload", exchange_id=owner.exchange.id)
    else:
        upload_url = url_for("documents.upload", reference=record_reference(owner))
    missing = False
    if isinstance(record, Expense):
        missing = record.id in receipts.missing_receipt_ids(record.arrangement, [record.id],
                                                            current_user)
    return {"docs": docs, "form": form, "upload_url": upload_url, "kind": kind, "key": key,
            "can_upload": policy.can(current_user, DOCUMENT_WRITE), "type_names": TYPE_NAMES,
            "label_names": DOCUMENT_LABEL_NAMES, "missing_receipt": missing,
            "title": DOCUMENT_RECORD_LABELS.get(kind, "Record")}


@bp.app_template_global("missing_receipt_ids")
def missing_receipt_ids(sa: SpecialArrangement, expenses: list[Expense]) -> set[int]:
    """Which of a list page's expenses miss the receipt the arrangement's rule requires (as
    the reader sees the documents)."""
    return receipts.missing_receipt_ids(sa, [e.id for e in expenses], current_user)


@bp.app_template_global("missing_receipts_count")
def missing_receipts_count() -> int:
    """The dashboard's count of expenses missing their receipt, in what the reader sees."""
    return receipts.count_missing_receipts(current_user)


# --- upload --------------------------------------------------------------------------------------

def _upload(owner: Owner) -> Any:
    form = UploadForm()
    form.validate_on_submit()  # the CSRF token is checked globally before the view runs
    kind = (form.kind.data or "arrangement").strip() if owner.arrangement is not None \
        else "personnel_exchange"
    key = _int(form.key.data)
    uploads = [Upload(f.stream, f.filename or "") for f in request.files.getlist("file")
               if f.filename]
    data = DocumentData(kind=kind, key=key, title=form.title.data, label=form.label.data,
                        organizations=list(form.organizations.data or []))
    target = record_url(owner, kind, key)
    with flashed_errors():
        documents = services.attach_documents(owner, data, uploads, current_user)
        names = ", ".join(d.filename for d in documents)
        flash(msg_n("%(num)s document attached: %(names)s.",
                    "%(num)s documents attached: %(names)s.", len(documents), names=names),
              "success")
    return redirect(target)


@bp.route("/arrangements/<reference>/upload", methods=["POST"])
@login_required
@requires(DOCUMENT_WRITE)
@accepts_uploads
def upload(reference: str):  # type: ignore[no-untyped-def]
    return _upload(Owner(arrangement=get_arrangement(reference)))


@bp.route("/personnel-exchanges/<int:exchange_id>/upload", methods=["POST"])
@login_required
@requires(DOCUMENT_WRITE)
@accepts_uploads
def exchange_upload(exchange_id: int):  # type: ignore[no-untyped-def]
    return _upload(Owner(exchange=get_exchange(exchange_id)))


# --- one document --------------------------------------------------------------------------------

@bp.route("/<int:document_id>")
@login_required
@requires(READ)
def detail(document_id: int):  # type: ignore[no-untyped-def]
    document = services.visible_document(document_id, current_user)
    owner = Owner(document.arrangement, document.exchange)
    label_form = LabelForm(label=document.label, organizations=document.reader_codes)
    label_form.organizations.choices = [(c, c) for c in owner.organization_codes]
    manages = (policy.can(current_user, DOCUMENT_WRITE)
               and (current_user.role == "admin"
                    or current_user.organization_id == document.organization_id))
    chain = [v for v in services.versions(document) if policy.can_see_document(current_user, v)]
    return render_template(
        "documents/detail.html", document=document, owner=owner, versions=chain,
        target=records.target_of(document),
        record_url=record_url(document, document.record_kind, document.record_key),
        label_form=label_form, version_form=VersionForm(), delete_form=DeleteForm(),
        manages=manages, lock=records.lock_reason(document), type_names=TYPE_NAMES,
        label_names=DOCUMENT_LABEL_NAMES)


@bp.route("/<int:document_id>/content")
@login_required
@requires(READ)
def content(document_id: int):  # type: ignore[no-untyped-def]
    document = services.visible_document(document_id, current_user)
    return download_response(document, services.content(document, current_user))


@bp.route("/<int:document_id>/versions", methods=["POST"])
@login_required
@requires(DOCUMENT_WRITE)
@accepts_uploads
def new_version(document_id: int):  # type: ignore[no-untyped-def]
    document = services.visible_document(document_id, current_user)
    form = VersionForm()
    form.validate_on_submit()
    file = request.files.get("file")
    with flashed_errors():
        new = services.add_version(document, Upload(file.stream, file.filename or "")
                                   if file is not None and file.filename
                                   else Upload(BytesIO()), current_user, form.title.data)
        flash(msg("Version %(new)s of %(title)s uploaded; version %(old)s stays, superseded.",
                  new=new.version, title=new.title, old=document.version), "success")
        return redirect(url_for(".detail", document_id=new.id))
    return redirect(url_for(".detail", document_id=document_id))


@bp.route("/<int:document_id>/label", methods=["POST"])
@login_required
@requires(DOCUMENT_WRITE)
def relabel(document_id: int):  # type: ignore[no-untyped-def]
    document = services.visible_document(document_id, current_user)
    form = LabelForm()
    form.validate_on_submit()
    with flashed_errors():
        services.change_label(document, form.label.data, list(form.organizations.data or []),
                              form.reason.data, current_user)
        flash(msg("Label of %(title)s changed to %(label)s.", title=document.title,
                  label=translate(DOCUMENT_LABEL_NAMES[document.label]).lower()), "success")
        if not policy.can_see_document(current_user, document):
            return redirect(record_url(document, document.record_kind, document.record_key))
    return redirect(url_for(".detail", document_id=document_id))


@bp.route("/<int:document_id>/delete", methods=["POST"])
@login_required
@requires(DOCUMENT_WRITE)
def delete(document_id: int):  # type: ignore[no-untyped-def]
    document = services.visible_document(document_id, current_user)
    target = record_url(document, document.record_kind, document.record_key)
    title = document.title
    with flashed_errors():
        services.delete_document(document, current_user)
        flash(msg("Document %(title)s deleted; the audit trail keeps a record.", title=title),
              "success")
        return redirect(target)
    return redirect(url_for(".detail", document_id=document_id))


# --- the arrangement's documents -----------------------------------------------------------------

@bp.route("/arrangements/<reference>")
@login_required
@requires(READ)
def arrangement(reference: str):  # type: ignore[no-untyped-def]
    """Every document of an arrangement this user may see, with filters (record kind, label,
    type), and the expenses missing their receipt."""
    sa = get_arrangement(reference)
    args = {k: request.args.get(k, "").strip() for k in ("kind", "label", "type", "missing")}
    filters = DocumentFilter(
        kind=args["kind"] if args["kind"] in DOCUMENT_RECORD_LABELS else None,
        label=args["label"] if args["label"] in DOCUMENT_LABEL_NAMES else None,
        content_type=args["type"] if args["type"] in TYPE_NAMES else None,
        include_superseded=request.args.get("superseded") == "1")
    owner = Owner(arrangement=sa)
    missing = receipts.missing_receipts(sa, viewer=current_user)
    page = None if args["missing"] == "1" else paginate(
        services.document_query(owner, current_user, filters))
    threshold = receipts.receipt_threshold(sa)
    rule_form = ReceiptRuleForm(threshold="" if threshold is None else f"{threshold:f}")
    return render_template(
        "documents/arrangement.html", sa=sa, page=page, args=args, missing=missing,
        threshold=threshold, rule_form=rule_form, type_names=TYPE_NAMES,
        label_names=DOCUMENT_LABEL_NAMES, kinds=DOCUMENT_RECORD_LABELS,
        record_url=record_url, describe=records.target_of,
        member=policy.is_party_member(current_user, sa.party_codes))


@bp.route("/arrangements/<reference>/receipt-rule", methods=["POST"])
@login_required
@requires(DOCUMENT_WRITE)
def receipt_rule(reference: str):  # type: ignore[no-untyped-def]
    sa = get_arrangement(reference)
    form = ReceiptRuleForm()
    form.validate_on_submit()
    with flashed_errors():
        rule = receipts.set_receipt_rule(sa, form.threshold.data, current_user)
        flash(msg("Receipt rule: a receipt is required for expenses of at least %(amount)s.",
                  amount=Money(rule.threshold, sa.currency)) if rule
              else _("Receipt rule: none."), "success")
    return redirect(url_for(".arrangement", reference=reference))
