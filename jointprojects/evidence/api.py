"""API: the evidence bundle of an arrangement (API.md "Evidence")."""

from __future__ import annotations

from flask import Response

from jointprojects.api import api_user, bp, ensure
from jointprojects.api.openapi import operation
from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.evidence.bundle import build_bundle
from jointprojects.special_arrangements.services import get_arrangement

ZIP = "application/zip"


@bp.get("/arrangements/<reference>/evidence.zip")
@operation("The arrangement's evidence bundle: its audit rows with the chain's links, its "
           "records, statements and workbooks, a manifest signed with the instance's Ed25519 "
           "key; `jointprojects verify FILE.zip` checks it offline", content_type=ZIP)
def arrangement_evidence(reference: str):  # type: ignore[no-untyped-def]
    ensure(policy.REPORT_DOWNLOAD)
    sa = get_arrangement(reference)
    data = build_bundle(sa)
    audit.record("download", sa, after={"report": f"evidence-{sa.reference}.zip"},
                 user=api_user())
    response = Response(data, mimetype=ZIP)
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"evidence-{sa.reference}.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response
