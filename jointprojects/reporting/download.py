"""Sending a cost report (STYLE.md habit 7: reports build bytes, a separate step sends them).

The workbook is written to a spooled temporary file (in memory up to
:data:`SPOOL_BYTES`, then on disk) while the expenses stream from the paged query, and the
file is sent from there: a big report never sits whole in the process's memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from flask import Response

from jointprojects.audit import services as audit
from jointprojects.reporting import cost_report
from jointprojects.special_arrangements.models import SpecialArrangement

SPOOL_BYTES = 8 * 1024 * 1024


def author(user: Any) -> str:
    """How the About sheet names who generated a report."""
    if user is None:
        return ""
    name, email = user.display_name, user.email
    return email if name == email else f"{name} ({email})"


def cost_report_response(sa: SpecialArrangement, date_from: date | None,
                         date_to: date | None, user: Any) -> Response:
    """The cost-split workbook of ``sa`` for the period as an attachment named after the
    arrangement and the period (:func:`cost_report.report_filename`)."""
    name = cost_report.report_filename(sa, date_from, date_to)
    stream = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - sent below
    try:
        cost_report.write_cost_report(sa, date_from, date_to, stream, generated_by=author(user),
                                      reader=user)
        size = stream.tell()
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    # Who downloaded which report, when and from where (committed with the request).
    audit.record("download", sa, after={"report": name, "from": audit.jsonable(date_from),
                                          "to": audit.jsonable(date_to)},
                 user=user)
    response = Response(_chunks(stream), mimetype=cost_report.XLSX_MIMETYPE,
                        direct_passthrough=True)
    response.content_length = size
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _chunks(stream: IO[bytes], size: int = 256 * 1024) -> Iterator[bytes]:
    """The file's bytes; closed (and deleted) once sent, or when the client goes away (the
    server closes the iterator)."""
    try:
        while chunk := stream.read(size):
            yield chunk
    finally:
        stream.close()
