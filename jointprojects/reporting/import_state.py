"""What an import's preview keeps for its confirmation (issue 15): the checked rows and the
preview's figures, as compressed JSON in the upload's row
(:class:`~jointprojects.reporting.models.PendingImport`), so that any process confirms
exactly what any process previewed, without reading or checking the file again.

Amounts travel as decimal strings (exact), dates as ISO dates.
"""

from __future__ import annotations

import json
import zlib
from datetime import date
from decimal import Decimal
from typing import Any

from jointprojects.extensions import db
from jointprojects.reporting.imports import (
    CheckedImport,
    DuplicateRow,
    ExpenseImport,
    ExpensePreviewLine,
)
from jointprojects.reporting.models import PendingImport
from reports.imports import ExpenseRow


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 3)


def _unpack(data: bytes) -> Any:
    return json.loads(zlib.decompress(data))


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def encode_rows(rows: list[ExpenseRow]) -> bytes:
    return _pack([[r.row, r.date.isoformat(), r.category, r.description, str(r.amount),
                   r.currency, _dec(r.exchange_rate), r.paid_by, r.document_reference]
                  for r in rows])


def decode_rows(data: bytes) -> list[ExpenseRow]:
    return [ExpenseRow(row=row, date=date.fromisoformat(day), category=category,
                       description=description, amount=Decimal(amount), currency=currency,
                       exchange_rate=_undec(rate), paid_by=paid_by,
                       document_reference=reference)
            for row, day, category, description, amount, currency, rate, paid_by, reference
            in _unpack(data)]


def encode_preview(preview: ExpenseImport) -> bytes:
    return _pack({
        "reference": preview.reference, "currency": preview.currency,
        "parties": list(preview.parties), "count": preview.count,
        "total": str(preview.total), "unallocated": str(preview.unallocated),
        "shares": {k: str(v) for k, v in preview.shares.items()},
        "paid": {k: str(v) for k, v in preview.paid.items()},
        "lines": [[line.row, line.date.isoformat(), line.category, line.description,
                   line.paid_by, str(line.amount), line.currency, str(line.rate),
                   line.rate_source, str(line.reporting_amount),
                   {k: str(v) for k, v in line.parts.items()}, str(line.unallocated)]
                  for line in preview.lines],
        "duplicates": [[d.row, d.expense_id, d.first_row] for d in preview.duplicates],
    })


def decode_preview(data: bytes) -> ExpenseImport:
    raw = _unpack(data)
    return ExpenseImport(
        reference=raw["reference"], currency=raw["currency"], parties=tuple(raw["parties"]),
        count=raw["count"], total=Decimal(raw["total"]),
        unallocated=Decimal(raw["unallocated"]),
        shares={k: Decimal(v) for k, v in raw["shares"].items()},
        paid={k: Decimal(v) for k, v in raw["paid"].items()},
        lines=[ExpensePreviewLine(
            row=row, date=date.fromisoformat(day), category=category,
            description=description, paid_by=paid_by, amount=Decimal(amount),
            currency=currency, rate=Decimal(rate), rate_source=source,
            reporting_amount=Decimal(reporting), parts={k: Decimal(v) for k, v in parts.items()},
            unallocated=Decimal(unallocated))
            for row, day, category, description, paid_by, amount, currency, rate, source,
            reporting, parts, unallocated in raw["lines"]],
        duplicates=[DuplicateRow(row, expense_id=expense_id, first_row=first_row)
                    for row, expense_id, first_row in raw["duplicates"]],
    )


def checked_import(rows: bytes, preview: bytes, fingerprint: str) -> CheckedImport:
    return CheckedImport(decode_preview(preview), decode_rows(rows), fingerprint)


def keep_checked(pending: PendingImport, checked: CheckedImport) -> None:
    """What the confirmation of ``pending`` needs, computed once by the preview: the file
    itself is no longer kept. Flushes."""
    pending.checked = encode_rows(checked.rows)
    pending.preview = encode_preview(checked.preview)
    pending.fingerprint = checked.fingerprint
    pending.row_count = checked.preview.count
    pending.content = b""
    pending.status = "ready"
    db.session.flush()


def checked_of(pending: PendingImport) -> CheckedImport | None:
    """The preview's checked rows of an expense upload (None for a rate file)."""
    if pending.checked is None or pending.preview is None:
        return None
    return checked_import(pending.checked, pending.preview, pending.fingerprint or "")


def preview_of(pending: PendingImport) -> ExpenseImport | None:
    return None if pending.preview is None else decode_preview(pending.preview)
