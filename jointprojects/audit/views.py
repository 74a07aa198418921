"""The audit trail, for administrators (each record's page shows its own history)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.policy import USER_ADMIN, requires
from jointprojects.vocabulary import AUDIT_ENTITY_LABELS
from jointprojects.web import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@login_required
@requires(USER_ADMIN)
def index():  # type: ignore[no-untyped-def]
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    entity = request.args.get("entity", "").strip()
    if entity:
        query = query.filter(AuditEntry.entity == entity)
    page = paginate(query)
    return render_template("audit/index.html", page=page, entity=entity,
                           entity_labels=AUDIT_ENTITY_LABELS)
