"""Sending a statement's frozen workbook: the stored bytes, as an attachment, never cached,
the download audited (DOMAIN.md rule 10: the same bytes every time)."""

from __future__ import annotations

from typing import Any

from flask import Response

from jointprojects.audit import services as audit
from jointprojects.statements.models import Statement
from jointprojects.statements.services import XLSX_MIMETYPE, workbook_of


def statement_workbook_response(st: Statement, user: Any,
                                language: str | None = None) -> Response:
    """The workbook of ``st`` in ``language`` (None: its first language's); 404 for a
    language it was not issued in."""
    workbook = workbook_of(st, language)
    audit.record("download", st, parent=st.arrangement,
                 after={"report": workbook.filename, "sha256": workbook.sha256,
                        "language": workbook.language}, user=user)
    response = Response(workbook.content, mimetype=XLSX_MIMETYPE)
    response.headers.set("Content-Disposition", "attachment", filename=workbook.filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-SHA256"] = workbook.sha256
    response.headers["Content-Language"] = workbook.language
    return response
