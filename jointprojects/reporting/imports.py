"""Imports of uploaded spreadsheets (issue 5): rows stored through the expense services.

:func:`import_expenses` and :func:`import_rates` read an .xlsx or .csv with
:mod:`reports.imports` (size, zip and XML safety checks; every cell validated), then store
every row through :func:`~jointprojects.expenses.recording.record_expenses` or
:func:`~jointprojects.exchange_rates.services.set_rate`, which audit what they store. All rows or
none: any bad row raises :class:`ImportFailed` listing every bad row with its spreadsheet row
number, column and reason, the file's own problems and the services' rules alike (a date
before entry into force, a month without a rate). They flush, never commit: the caller
commits, or rolls back for a preview (``dry run``): a preview is the real import, rolled back.
The file itself, between the preview and the confirmation, is kept by
:mod:`jointprojects.reporting.uploads`.

Duplicates (issue 11 item 7): a row repeating an expense already recorded in the arrangement
(same date, amount, currency, payer and document reference) or an earlier row of the same
file is a :class:`DuplicateRow`. Such a file is refused (:class:`DuplicatesRefused`, naming
each row) unless ``allow_duplicates``: the preview runs with it and marks the rows, the
confirmation asks for an explicit "store them anyway", the command line for
``--allow-duplicates``.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from jointprojects.errors import Conflict, DomainError, FieldError
from jointprojects.exchange_rates import services as exchange_rates
from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.expenses import checks as expense_checks
from jointprojects.expenses import recording as expense_recording
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.money import MINOR_UNITS
from jointprojects.organizations.models import Organization
from jointprojects.reporting import uploads
from jointprojects.special_arrangements.models import ShareVersion, SpecialArrangement
from jointprojects.vocabulary import EXPENSE_CATEGORIES
from reports import imports as sheet
from reports.progress import Progress
from reports.xlsx_reader import ImportFileError

#: Preview lines shown (every row is validated and computed; the page shows the first ones).
PREVIEW_LINES = 200
#: Expenses recorded per call of record_expenses in an import (one transaction for all): its
#: queries name the expenses of a call in IN lists, which PostgreSQL caps at 65,535 values.
CHUNK_ROWS = 10_000


@dataclass(frozen=True, order=True)
class RowProblem:
    """What is wrong with a file: ``row`` as numbered in the spreadsheet (header = 1; None
    for the file as a whole), ``column`` as named in the template (None when it is not one
    cell), ``message`` a sentence for the user."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(p for p in (f"row {self.row}" if self.row else None, self.column)
                          if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class DuplicateRow:
    """A row of the file that repeats an expense already recorded (``expense_id``) or an
    earlier row of the file (``first_row``): same date, amount, currency, payer and document
    reference."""

    row: int
    expense_id: int | None = None
    first_row: int | None = None

    @property
    def message(self) -> str:
        if self.expense_id is not None:
            return (f"Repeats expense #{self.expense_id}, already recorded with the same date, "
                    "amount, currency, payer and document reference.")
        return (f"Repeats row {self.first_row} of this file (same date, amount, currency, "
                "payer and document reference).")


class ImportFailed(DomainError):
    """Nothing of the file is stored: ``problems`` lists every bad row (or the file's one
    problem), in row order. ``preview``, when asked for, is what the rows without a problem
    would store (shown beside the problems); ``duplicates`` the rows marked as duplicates."""

    def __init__(self, problems: Sequence[RowProblem], *,
                 preview: ExpenseImport | None = None,
                 duplicates: Sequence[DuplicateRow] = ()) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or "", p.message))
        self.preview = preview
        self.duplicates = list(duplicates)
        super().__init__([FieldError(p.column, str(p)) for p in self.problems])


class DuplicatesRefused(ImportFailed):
    """The file is good but repeats expenses: stored only when the user says so
    (``allow_duplicates``)."""

    def __init__(self, duplicates: Sequence[DuplicateRow]) -> None:
        super().__init__([RowProblem(d.row, None, d.message) for d in duplicates],
                         duplicates=duplicates)


@dataclass(frozen=True)
class ExpensePreviewLine:
    row: int
    date: date
    category: str
    description: str
    paid_by: str
    amount: Decimal
    currency: str
    rate: Decimal
    rate_source: str
    reporting_amount: Decimal
    parts: dict[str, Decimal]
    unallocated: Decimal


@dataclass(frozen=True)
class ExpenseImport:
    """What an expense file stores (or, rolled back, would store): the count, the totals per
    party in the reporting currency, and the first :data:`PREVIEW_LINES` lines."""

    reference: str
    currency: str
    parties: tuple[str, ...]
    count: int
    total: Decimal
    unallocated: Decimal
    shares: dict[str, Decimal]
    paid: dict[str, Decimal]
    lines: list[ExpensePreviewLine]
    kind: str = "expenses"
    #: Rows repeating an expense already recorded or an earlier row (stored only when
    #: the import allows duplicates).
    duplicates: list[DuplicateRow] = field(default_factory=list)

    @property
    def duplicate_rows(self) -> dict[int, DuplicateRow]:
        return {d.row: d for d in self.duplicates}


@dataclass(frozen=True)
class RatePreviewLine:
    row: int
    currency: str
    month: str
    rate: Decimal
    source: str
    #: The rate in the table before the import, None when the month is new.
    previous: Decimal | None


@dataclass(frozen=True)
class RateImport:
    count: int
    created: int
    replaced: int
    lines: list[RatePreviewLine] = field(default_factory=list)
    kind: str = "rates"


def read_upload(filename: str, data: bytes) -> sheet.Table:
    """The rows of an uploaded file; ImportFailed with the file's problem (too big, not a
    spreadsheet, a zip bomb, no header...)."""
    try:
        return sheet.read_table(filename, data, max_bytes=uploads.MAX_UPLOAD_BYTES)
    except ImportFileError as exc:
        raise ImportFailed([RowProblem(None, None, str(exc))]) from None


def _problems(errors: Sequence[sheet.RowError]) -> list[RowProblem]:
    return [RowProblem(e.row, e.column, e.message) for e in errors]


_SERVICE_FIELD = re.compile(r"^rows\[(\d+)\]\.(\w+)$")


def import_expenses(sa: SpecialArrangement, filename: str, data: bytes, user: Any, *,
                    allow_duplicates: bool = False,
                    preview_good_rows: bool = False,
                    progress: Progress | None = None) -> ExpenseImport:
    """Store every expense of the file into ``sa`` (converted, allocated, audited by
    :func:`~jointprojects.expenses.recording.record_expenses`), or none.

    Raises :class:`ImportFailed` naming every bad row: the cell checks of
    :func:`reports.imports.parse_expense_rows` and the services' rules on the rows whose
    cells are good (dates outside the arrangement's force, missing rates...), together; with
    ``preview_good_rows`` it carries what the good rows would store (recorded, so only for a
    caller that rolls back: the preview). Raises :class:`DuplicatesRefused` when rows repeat
    expenses (:func:`find_duplicates`) unless ``allow_duplicates``; the result lists them.
    ``progress(phase, done, total)`` hears "checking the rows" and "recording" row by row.
    Flushes; the caller commits, or rolls back after a preview.
    """
    rows, duplicates = _checked_rows(sa, filename, data, user,
                                     preview_good_rows=preview_good_rows, progress=progress)
    summary = _record(sa, rows, user, duplicates, progress)
    if duplicates and not allow_duplicates:
        raise DuplicatesRefused(duplicates)
    return summary.result(duplicates)


#: Rows read per step while checking a file (a progress report between two steps).
CHECK_ROWS = 5_000
#: SQLite: how long an import waits for another connection's write transaction (another
#: import being recorded) before it gives up.
LOCK_WAIT_SECONDS = 300.0


def take_write_lock(wait: float | None = None) -> None:
    """On SQLite, begin the session's transaction holding the database's write lock
    (``BEGIN IMMEDIATE``), waiting up to ``wait`` seconds (:data:`LOCK_WAIT_SECONDS`) for
    another writer; nothing elsewhere, or when the transaction has begun already.

    An import reads, then writes in the same transaction. Begun deferred, its reads take a
    read lock first, and its first write then asks to upgrade it while another connection
    (a job's progress report, committed on its own connection) may be waiting to commit:
    SQLite answers "database is locked" at once (no busy wait can settle that deadlock, and
    in WAL mode a snapshot older than the last commit cannot write at all). Taking the write
    lock before the first read waits like any writer instead, and makes the checks and the
    writes see one state of the arrangement."""
    session = db.session
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection().connection.dbapi_connection
    if connection is None or connection.in_transaction:
        return
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
    while True:
        try:
            session.execute(text("BEGIN IMMEDIATE"))
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig).lower() or time.monotonic() >= deadline:
                raise
        time.sleep(0.5)


def _ensure_importable(sa: SpecialArrangement) -> None:
    if sa.status == "draft" or sa.entry_into_force is None:
        raise ImportFailed([RowProblem(None, None, f"{sa.reference} is not in force yet: "
                                       "expenses can be recorded once every party signed it.")])


def _checked_rows(sa: SpecialArrangement, filename: str, data: bytes, user: Any, *,
                  preview_good_rows: bool, progress: Progress | None,
                  ) -> tuple[list[sheet.ExpenseRow], list[DuplicateRow]]:
    """The file read and every cell checked (the duplicates found): the rows ready to
    record, or :class:`ImportFailed` naming every bad row."""
    _ensure_importable(sa)
    if progress is not None:
        progress("reading the file", 0, 0)
    table = read_upload(filename, data)
    rows: list[sheet.ExpenseRow] = []
    errors: list[sheet.RowError] = []
    total = len(table)
    for start in range(0, max(total, 1), CHECK_ROWS):
        if progress is not None:
            progress("checking the rows", start, total)
        chunk = sheet.Table(table[start:start + CHECK_ROWS], headers=table.headers)
        good, bad = sheet.parse_expense_rows(
            chunk, categories=EXPENSE_CATEGORIES, currencies=MINOR_UNITS,
            parties=sa.party_codes)
        rows += good
        errors += bad
        if any(e.row == 1 for e in bad):
            break
    problems = _problems(errors)
    if any(p.row == 1 for p in problems):  # a column is missing: the rows cannot be read
        raise ImportFailed(problems)
    if progress is not None:
        progress("looking for duplicates", 0, 0)
    duplicates = find_duplicates(sa, rows)
    if problems:
        # The file fails anyway: only the services' checks of the good rows are wanted.
        items = [_item(r) for r in rows]
        problems += _validate(sa, items, rows, user)
        preview = _good_rows_preview(sa, rows, problems, user) if preview_good_rows else None
        raise ImportFailed(problems, preview=preview, duplicates=duplicates)
    return rows, duplicates


def _record(sa: SpecialArrangement, rows: Sequence[sheet.ExpenseRow], user: Any,
            duplicates: Sequence[DuplicateRow], progress: Progress | None) -> _Summary:
    """Record the checked rows in chunks (one transaction: the caller's); ImportFailed
    naming the rows the services refuse."""
    items = [_item(r) for r in rows]
    summary = _Summary(sa)
    if progress is not None:
        progress("recording", 0, len(items))
    # A job's reports are written by another connection, which SQLite would make wait for
    # this transaction's write lock: there they resume once the rows are recorded.
    live = None if getattr(progress, "blocks_while_writing", False) else progress
    for start in range(0, len(items), CHUNK_ROWS):
        if live is not None and start:
            live("recording", start, len(items))
        chunk = slice(start, start + CHUNK_ROWS)
        try:
            stored = expense_recording.record_expense_batch(sa, items[chunk], user,
                                                            prefix="rows")
        except DomainError as exc:
            # Name the bad rows of this chunk and of every later one; the caller rolls back
            # the chunks already recorded.
            problems = _service_problems(exc, rows[chunk])
            later = slice(start + CHUNK_ROWS, None)
            problems += _validate(sa, items[later], rows[later], user)
            raise ImportFailed(problems, duplicates=duplicates) from None
        summary.add(stored, rows[chunk])
    if live is not None:
        live("recording", len(items), len(items))
    return summary


# --- the preview computed once, the confirmation recording what it showed -----------------


@dataclass(frozen=True)
class CheckedImport:
    """A file read and checked once (the preview): what it would store, the rows the
    confirmation records, and what the arrangement was when they were checked."""

    preview: ExpenseImport
    rows: list[sheet.ExpenseRow]
    fingerprint: str


def fingerprint(sa: SpecialArrangement) -> str:
    """What the preview's figures depend on in the arrangement: its version and status, its
    closed period, its share versions and its expenses (count and last id)."""
    count, last = db.session.execute(
        select(func.count(Expense.id), func.max(Expense.id))
        .where(Expense.arrangement_id == sa.id)).one()
    shares = db.session.scalar(select(func.count(ShareVersion.id)).where(
        ShareVersion.arrangement_id == sa.id))
    return (f"v{sa.version}|{sa.status}|{sa.closed_through or '-'}|s{shares}|"
            f"e{count}|{last or 0}")


def check_expense_file(sa: SpecialArrangement, filename: str, data: bytes, user: Any, *,
                       progress: Progress | None = None) -> CheckedImport:
    """The preview: the file read and checked once, every row recorded inside a savepoint
    rolled back at once (the parts exactly as they would be stored), duplicates marked.
    Raises :class:`ImportFailed` as :func:`import_expenses` does (with the good rows'
    preview). Stores nothing."""
    stamp = fingerprint(sa)
    rows, duplicates = _checked_rows(sa, filename, data, user, preview_good_rows=True,
                                     progress=progress)
    take_write_lock()  # SQLite: before the savepoint's first read (see take_write_lock)
    savepoint = db.session.begin_nested()
    try:
        summary = _record(sa, rows, user, duplicates, progress)
    finally:
        savepoint.rollback()
    return CheckedImport(summary.result(duplicates), rows, stamp)


def record_checked(sa: SpecialArrangement, checked: CheckedImport, user: Any, *,
                   allow_duplicates: bool = False,
                   progress: Progress | None = None) -> ExpenseImport:
    """The confirmation: record the rows the preview checked, without reading the file
    again. Refuses (:class:`ImportFailed`, nothing stored) when the arrangement changed
    since the preview, or when what would be stored differs from what the preview showed
    (an exchange rate corrected meanwhile); :class:`DuplicatesRefused` unless
    ``allow_duplicates`` when the preview marked duplicates."""
    take_write_lock()  # SQLite: the fingerprint and the writes see one state
    _ensure_importable(sa)
    if fingerprint(sa) != checked.fingerprint:
        raise ImportFailed([RowProblem(None, None, CHANGED.format(reference=sa.reference))])
    expected = checked.preview
    if expected.duplicates and not allow_duplicates:
        raise DuplicatesRefused(expected.duplicates)
    result = _record(sa, checked.rows, user, expected.duplicates, progress).result(
        expected.duplicates)
    if _figures(result) != _figures(expected):
        raise ImportFailed([RowProblem(None, None, FIGURES_CHANGED.format(
            reference=sa.reference))])
    return result


CHANGED = ("{reference} changed since the preview (an expense, an amendment or a closed "
           "period): nothing was stored. Upload the file again to see what it would store "
           "now.")
FIGURES_CHANGED = ("What the file would store in {reference} changed since the preview (an "
                   "exchange rate was corrected meanwhile): nothing was stored. Upload the "
                   "file again to see what it would store now.")


def _figures(result: ExpenseImport) -> tuple[Any, ...]:
    return (result.count, result.total, result.unallocated, result.shares, result.paid)


def _item(r: sheet.ExpenseRow) -> expense_checks.ExpenseData:
    return expense_checks.ExpenseData(
        date=r.date, category=r.category, amount=r.amount, currency=r.currency,
        paid_by=r.paid_by, description=r.description, exchange_rate=r.exchange_rate,
        document_reference=r.document_reference)


def _good_rows_preview(sa: SpecialArrangement, rows: Sequence[sheet.ExpenseRow],
                       problems: Sequence[RowProblem], user: Any) -> ExpenseImport | None:
    """What the rows without a problem would store, recorded inside a savepoint rolled back
    at once. None when no row is good or the good rows still fail together."""
    bad = {p.row for p in problems}
    if None in bad:
        return None
    good = [r for r in rows if r.row not in bad]
    if not good:
        return None
    summary = _Summary(sa)
    take_write_lock()
    savepoint = db.session.begin_nested()
    try:
        for start in range(0, len(good), CHUNK_ROWS):
            chunk = good[start:start + CHUNK_ROWS]
            summary.add(expense_recording.record_expense_batch(
                sa, [_item(r) for r in chunk], user, prefix="rows"), chunk)
    except DomainError:
        return None
    finally:
        savepoint.rollback()
    return summary.result()


#: Dates named per query when looking for duplicates (an IN list).
_DATES_PER_QUERY = 1_000


def _duplicate_key(day: date, amount: Decimal, currency: str, paid_by: str,
                   reference: str) -> tuple[date, Decimal, str, str, str]:
    # Decimal("1.50") and Decimal("1.5") are the same amount: normalized, they compare and
    # hash alike.
    return (day, amount.normalize(), currency.upper(), paid_by,
            (reference or "").strip())


def find_duplicates(sa: SpecialArrangement,
                    rows: Sequence[sheet.ExpenseRow]) -> list[DuplicateRow]:
    """The rows repeating an expense already recorded in ``sa`` or an earlier row of the
    file: same date, amount, currency, payer and document reference. A row that repeats
    both names the recorded expense. Queries only the dates of the file."""
    if not rows:
        return []
    recorded: dict[tuple[date, Decimal, str, str, str], int] = {}
    days = sorted({r.date for r in rows})
    for start in range(0, len(days), _DATES_PER_QUERY):
        for expense_id, day, amount, currency, code, reference in db.session.execute(
            select(Expense.id, Expense.date, Expense.amount, Expense.currency,
                   Organization.code, Expense.document_reference)
            .join(Organization, Organization.id == Expense.paid_by_id)
            .where(Expense.arrangement_id == sa.id,
                   Expense.date.in_(days[start:start + _DATES_PER_QUERY]))
            .order_by(Expense.id)
        ):
            recorded.setdefault(_duplicate_key(day, amount, currency, code, reference),
                                expense_id)
    seen: dict[tuple[date, Decimal, str, str, str], int] = {}
    duplicates = []
    for r in rows:
        key = _duplicate_key(r.date, r.amount, r.currency, r.paid_by, r.document_reference)
        if key in recorded:
            duplicates.append(DuplicateRow(r.row, expense_id=recorded[key]))
        elif key in seen:
            duplicates.append(DuplicateRow(r.row, first_row=seen[key]))
        seen.setdefault(key, r.row)
    return duplicates


def _validate(sa: SpecialArrangement, items: list[expense_checks.ExpenseData],
              rows: Sequence[sheet.ExpenseRow], user: Any) -> list[RowProblem]:
    """The services' problems with ``items``, without recording them
    (:func:`~jointprojects.expenses.checks.check_expenses`)."""
    try:
        expense_checks.check_expenses(sa, items, prefix="rows")
    except DomainError as exc:
        return _service_problems(exc, rows)
    return []


def _service_problems(exc: DomainError, rows: Sequence[sheet.ExpenseRow]) -> list[RowProblem]:
    """The services' errors (``rows[i].field``) on the spreadsheet's rows and columns."""
    problems = []
    for error in exc.errors:
        match = _SERVICE_FIELD.match(error.field or "")
        if match is None:
            problems.append(RowProblem(None, error.field, error.message))
        elif int(match.group(1)) < len(rows):
            problems.append(RowProblem(rows[int(match.group(1))].row, match.group(2),
                                       error.message))
    return problems


class _Summary:
    """Totals of what an import stored, chunk by chunk, and its first lines."""

    def __init__(self, sa: SpecialArrangement) -> None:
        self.sa = sa
        self.codes = tuple(sa.party_codes)
        zero = Decimal(0)
        self.shares = dict.fromkeys(self.codes, zero)
        self.paid = dict.fromkeys(self.codes, zero)
        self.total = self.unallocated = zero
        self.count = 0
        self.lines: list[ExpensePreviewLine] = []

    def add(self, stored: Sequence[expense_recording.RecordedExpense],
            rows: Sequence[sheet.ExpenseRow]) -> None:
        zero = Decimal(0)
        for expense, row in zip(stored, rows, strict=True):
            parts = expense.parts
            for code, amount in parts.items():
                self.shares[code] = self.shares.get(code, zero) + amount
            payer = expense.paid_by
            self.paid[payer] = self.paid.get(payer, zero) + expense.reporting_amount
            self.total += expense.reporting_amount
            self.unallocated += expense.unallocated
            self.count += 1
            if len(self.lines) < PREVIEW_LINES:
                self.lines.append(ExpensePreviewLine(
                    row=row.row, date=expense.date, category=expense.category,
                    description=expense.description, paid_by=payer, amount=expense.amount,
                    currency=expense.currency, rate=expense.exchange_rate,
                    rate_source=expense.rate_source, reporting_amount=expense.reporting_amount,
                    parts={c: parts.get(c, zero) for c in self.codes},
                    unallocated=expense.unallocated,
                ))

    def result(self, duplicates: Sequence[DuplicateRow] = ()) -> ExpenseImport:
        return ExpenseImport(
            reference=self.sa.reference, currency=self.sa.currency, parties=self.codes,
            count=self.count, total=self.total, unallocated=self.unallocated,
            shares=self.shares, paid=self.paid, lines=self.lines,
            duplicates=list(duplicates),
        )


def import_rates(filename: str, data: bytes, user: Any) -> RateImport:
    """Enter or correct every monthly rate of the file (units per one US dollar) through
    :func:`~jointprojects.exchange_rates.services.set_rate` (audited), or none. Raises
    :class:`ImportFailed` naming every bad row. Flushes; the caller commits or rolls back."""
    table = read_upload(filename, data)
    rows, errors = sheet.parse_rate_rows(table, currencies=MINOR_UNITS)
    problems = _problems(errors)
    if any(p.row == 1 for p in problems):
        raise ImportFailed(problems)
    previous = {}
    if rows:
        for rate in db.session.scalars(select(ExchangeRate).where(
                ExchangeRate.currency.in_({r.currency for r in rows}),
                ExchangeRate.month.in_({r.month for r in rows}))):
            previous[(rate.currency, rate.month)] = rate.rate
    lines = []
    for r in rows:
        try:
            exchange_rates.set_rate(r.currency, r.month, r.rate, r.source, user)
        except Conflict as exc:  # the session is no longer usable: stop here
            problems += [RowProblem(r.row, e.field, e.message) for e in exc.errors]
            break
        except DomainError as exc:
            problems += [RowProblem(r.row, e.field, e.message) for e in exc.errors]
            continue
        lines.append(RatePreviewLine(r.row, r.currency, r.month, r.rate, r.source,
                                     previous.get((r.currency, r.month))))
    if problems:
        raise ImportFailed(problems)
    replaced = sum(1 for line in lines if line.previous is not None)
    return RateImport(count=len(lines), created=len(lines) - replaced, replaced=replaced,
                      lines=lines[:PREVIEW_LINES])


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')
#: Bytes of sheet XML per row when a workbook does not say its size (a rough floor).
_XML_BYTES_PER_ROW = 120


def estimated_rows(filename: str, data: bytes) -> int:
    """About how many rows (header excluded) a file holds, without reading its cells: the
    lines of a CSV, the dimension a workbook declares (else its sheet's size). Decides
    whether its check runs in the request or as a job."""
    if not data.startswith(b"PK"):
        return max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = sorted(n for n in archive.namelist()
                            if n.startswith("xl/worksheets/") and n.endswith(".xml"))
            if not sheets:
                return 0
            with archive.open(sheets[0]) as stream:
                head = stream.read(4096)
            match = _DIMENSION.search(head)
            if match is not None:
                return max(0, int(match.group(1)) - 1)
            return archive.getinfo(sheets[0]).file_size // _XML_BYTES_PER_ROW
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return 0  # not a workbook: the request's check says so at once
