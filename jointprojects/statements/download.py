"""Sending a statement's frozen workbook: the stored bytes, as an attachment, never cached,
the download audited (DOMAIN.md rule 10: the same bytes every time)."""

from __future__ import annotations

from typing import Any

from flask import Response

from jointprojects.audit import services as audit
from jointprojects.statements.models import Statement
from jointprojects.statements.services import XLSX_MIMETYPE, workbook_of


def statement_workbook_response(st: Statement, user: Any) -> Response:
    workbook = workbook_of(st)
    audit.record("download", st, parent=st.arrangement,
                 after={"report": workbook.filename, "sha256": workbook.sha256}, user=user)
    response = Response(workbook.content, mimetype=XLSX_MIMETYPE)
    response.headers.set("Content-Disposition", "attachment", filename=workbook.filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-SHA256"] = workbook.sha256
    return response
