"""The cost report of an arrangement from the database (issue 5): plain data for ``reports/``.

:func:`cost_report` gathers the plain data of :class:`reports.data.CostSplitReport` for an
arrangement and a period. Its figures come from
:func:`jointprojects.expenses.figures.cost_split`, the very function behind
``GET /api/v1/arrangements/<ref>/cost-split``, so the workbook's check column compares its live
formulas with the API's figures to the cent. The expenses are a generator over a keyset-paged
query (:func:`expense_lines`): one page of :data:`PAGE_SIZE` expenses and their parts at a
time, never the whole table in memory. On PostgreSQL the report reads one snapshot
(REPEATABLE READ), so an expense recorded meanwhile cannot make the rows differ from the
figures. SQLite (the single-host default) reads statement by statement: an expense recorded
during a download would show as DIFFERS in the workbook's check column, never silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import BigInteger, and_, func, or_, select, type_coerce

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import User
from jointprojects.budgets import services as budgets
from jointprojects.database import restart_transaction
from jointprojects.documents.models import Document
from jointprojects.documents.services import DocumentFilter, Owner, document_query
from jointprojects.errors import Collector
from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.expenses import figures as expense_figures
from jointprojects.expenses import recording as expense_recording
from jointprojects.expenses.models import Expense, ExpensePart
from jointprojects.extensions import db
from jointprojects.i18n import _, current_language, translate
from jointprojects.money import MINOR_UNITS, STORAGE_SCALE, minor_units
from jointprojects.organizations.models import Organization
from jointprojects.personnel_exchanges.costs import personnel_cost_rows
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.totals import month_expression
from jointprojects.types import Rate
from jointprojects.vocabulary import EXPENSE_FIELD_LABELS, RATE_SOURCE_LABELS, label
from reports.cost_split import write_cost_split
from reports.data import (
    ArrangementInfo,
    BudgetLine,
    CostSplitReport,
    DocumentRef,
    ExpenseChange,
    ExpenseLine,
    FieldChange,
    Party,
    PersonnelCostLine,
    RateUsed,
    ShareVersion,
)
from reports.progress import Progress

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Expenses read per query while a report is written.
PAGE_SIZE = 5_000


_SOURCES = {
    "given": "entered with the expense",
    "same": "reporting currency",
}


def _table_label(row: ExchangeRate | None, used: Decimal | None = None) -> str:
    """A rate of the rates table named by the source stored with it, never by a guess."""
    if row is None:
        return "rates table (no longer in the table)"
    source = (row.source or "").strip() or "(no source recorded)"
    if used is not None and row.rate != used:
        return (f"rates table when the expense was recorded (the table now holds "
                f"{row.rate.normalize():f}: {source})")
    return f"rates table: {source}"


# --- the period ------------------------------------------------------------------------------

def parse_period(raw_from: str | None, raw_to: str | None) -> tuple[date | None, date | None]:
    """``from`` and ``to`` as typed (``YYYY-MM-DD``, blank for open); DomainError naming the
    bad one, or both when the period ends before it starts."""
    errors = Collector()
    values: list[date | None] = []
    for name, raw in (("from", raw_from), ("to", raw_to)):
        text = (raw or "").strip()
        value = None
        if text:
            try:
                value = date.fromisoformat(text)
            except ValueError:
                errors.add(name, _("The period's first day must be a date written "
                                   "YYYY-MM-DD, not %(text)s.", text=repr(text))
                           if name == "from" else
                           _("The period's last day must be a date written YYYY-MM-DD, "
                             "not %(text)s.", text=repr(text)))
        values.append(value)
    date_from, date_to = values
    if date_from and date_to and date_to < date_from:
        # Worded in the reader's language here (the message has values in it).
        errors.add("to", _("The period ends (%(end)s) before it starts (%(start)s).",
                           end=date_to.isoformat(), start=date_from.isoformat()))
    errors.raise_if_any()
    return date_from, date_to


def file_part(text: str) -> str:
    """``text`` (a reference) safe inside a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "arrangement"


def report_filename(sa: SpecialArrangement, date_from: date | None,
                    date_to: date | None) -> str:
    """``cost-split_SA-2025-001_2025-01-01_2025-03-31.xlsx``; ``_all`` for the whole life,
    ``start`` / ``end`` for an open side."""
    reference = file_part(sa.reference)
    if date_from is None and date_to is None:
        period = "all"
    else:
        period = (f"{date_from.isoformat() if date_from else 'start'}_"
                  f"{date_to.isoformat() if date_to else 'end'}")
    return f"cost-split_{reference}_{period}.xlsx"


# --- the cost report ---------------------------------------------------------------------------

def begin_snapshot() -> None:
    """Read what follows from one snapshot of the database (PostgreSQL: REPEATABLE READ for
    the rest of the transaction). A report only reads: whatever the request did before is
    committed first. Nothing on SQLite, where a snapshot would be a read lock holding every
    writer back for the length of the report."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    restart_transaction(db.session, "REPEATABLE READ")


def cost_report(sa: SpecialArrangement, date_from: date | None = None,
                date_to: date | None = None, *, generated_by: str = "",
                now: datetime | None = None, page_size: int = PAGE_SIZE,
                reader: Any | None = None) -> CostSplitReport:
    """The plain data of the cost-split workbook of ``sa`` for the period (inclusive; None
    for open). ``expenses`` is a generator reading the database while the workbook is
    written: consume it in the same transaction. Raises DomainError when the period ends
    before it starts.

    ``reader`` is the user the workbook is for: each expense lists the documents that user
    may see (DOMAIN.md rule 14); None is the operator (every document)."""
    split = expense_figures.cost_split(sa, date_from, date_to)
    currency = sa.currency
    info = ArrangementInfo(
        reference=sa.reference, title=sa.title, project_code=sa.project.code,
        project_title=sa.project.title, kind=sa.kind,
        parties=tuple(Party(p.organization.code, p.organization.name) for p in sa.parties),
        currency=currency, status=sa.status_on(date.today()),
        entry_into_force=sa.entry_into_force, start_date=sa.start_date, end_date=sa.end_date,
        article=sa.article,
    )
    return CostSplitReport(
        arrangement=info,
        cost_split=split,
        expenses=expense_lines(sa, date_from, date_to, page_size=page_size, reader=reader),
        versions=tuple(_versions(sa, date_from, date_to)),
        period_from=date_from,
        period_to=date_to,
        budget=tuple(_budget(sa, date_from, date_to)),
        rates=tuple(rates_used(sa, date_from, date_to)),
        personnel=tuple(_personnel(sa, date_from, date_to)),
        generated_at=now or datetime.now(UTC),
        generated_by=generated_by,
        filters=_filters(split.expense_count),
        changes=tuple(expense_changes(sa, date_from, date_to)),
        # In the reader's language (a download's ?lang=, the user's, a job's or --lang).
        language=current_language(),
        translate=translate,
    )


def write_cost_report(sa: SpecialArrangement, date_from: date | None, date_to: date | None,
                      stream: IO[bytes], *, generated_by: str = "",
                      page_size: int = PAGE_SIZE, progress: Progress | None = None,
                      reader: Any | None = None) -> None:
    """Write the cost-split workbook to the binary ``stream`` (a file, a spooled temporary
    file): the expense rows go from the paged query to openpyxl's temporary file, page by
    page. ``progress(phase, done, total)`` hears how far it is (a job, a terminal);
    ``reader``: whose view of the documents (None: the operator's)."""
    begin_snapshot()
    if progress is not None:
        progress("reading the figures", 0, 0)
    write_cost_split(cost_report(sa, date_from, date_to, generated_by=generated_by,
                                 page_size=page_size, reader=reader), stream,
                     progress=progress)


def expense_count(sa: SpecialArrangement, date_from: date | None = None,
                  date_to: date | None = None) -> int:
    """How many expenses the report of the period holds (one indexed count)."""
    condition = [Expense.arrangement_id == sa.id]
    if date_from is not None:
        condition.append(Expense.date >= date_from)
    if date_to is not None:
        condition.append(Expense.date <= date_to)
    return int(db.session.scalar(select(func.count()).select_from(Expense)
                                 .where(*condition)) or 0)


def _filters(count: int) -> str:
    return (f"Every expense of the period ({count:,}), all categories and payers; amounts "
            "in the reporting currency as recorded by the application.")


def _after(key: tuple[date, int]) -> Any:
    day, expense_id = key
    return or_(Expense.date > day, and_(Expense.date == day, Expense.id > expense_id))


def _up_to(key: tuple[date, int]) -> Any:
    day, expense_id = key
    return or_(Expense.date < day, and_(Expense.date == day, Expense.id <= expense_id))


def _scaled(raw: int, scale: int, places: int) -> Decimal:
    """A stored integer (10^-STORAGE_SCALE units) as a Decimal with ``places`` decimals."""
    whole, rest = divmod(raw, scale)
    if rest:  # not a multiple of the minor unit: show it exactly rather than cut it
        return Decimal(raw).scaleb(-STORAGE_SCALE)
    return Decimal(whole).scaleb(-places)


def expense_documents(sa: SpecialArrangement, expense_ids: list[int], reader: Any | None
                      ) -> dict[int, tuple[DocumentRef, ...]]:
    """The current documents of the expenses ``expense_ids`` that ``reader`` may see (None:
    the operator, every one), grouped by expense, oldest first: one query
    (:func:`jointprojects.documents.services.document_query`, the documents' own rule of who
    sees what), never one per expense. An expense without any is absent."""
    if not expense_ids:
        return {}
    query = (document_query(Owner(arrangement=sa), reader, DocumentFilter(kind="expense"))
             .where(Document.expense_id.in_(expense_ids))
             .with_only_columns(Document.expense_id, Document.title, Document.sha256))
    found: dict[int, list[DocumentRef]] = {}
    for expense_id, title, sha256 in db.session.execute(query):
        if expense_id is not None:
            found.setdefault(expense_id, []).append(DocumentRef(title, sha256))
    return {k: tuple(v) for k, v in found.items()}


def expense_lines(sa: SpecialArrangement, date_from: date | None = None,
                  date_to: date | None = None, *,
                  page_size: int = PAGE_SIZE, reader: Any | None = None
                  ) -> Iterator[ExpenseLine]:
    """The expenses of the period in the order of rule 6 (date, then recording order), as
    the application allocated them, read in pages of ``page_size``: keyset pagination on
    ``(date, id)`` (the index ``ix_expense_arrangement_date_id``), each page's parts in one
    more query over the same key range, its documents that ``reader`` may see in a third
    (:func:`expense_documents`). Three queries a page, memory of one page."""
    codes: dict[int, str] = dict(
        db.session.execute(select(Organization.id, Organization.code)).all())
    users = user_names()
    currency = sa.currency
    places = minor_units(currency)
    scale = 10 ** (STORAGE_SCALE - places)
    scales = {code: (10 ** (STORAGE_SCALE - p), p) for code, p in MINOR_UNITS.items()}
    rate_places = Rate.places
    base = [Expense.arrangement_id == sa.id]
    if date_from is not None:
        base.append(Expense.date >= date_from)
    if date_to is not None:
        base.append(Expense.date <= date_to)
    columns = select(
        Expense.id, Expense.date, Expense.category, Expense.description,
        Expense.document_reference, Expense.paid_by_id,
        type_coerce(Expense.amount, BigInteger), Expense.currency,
        type_coerce(Expense.exchange_rate, BigInteger),
        type_coerce(Expense.reporting_amount, BigInteger),
        type_coerce(Expense.unallocated, BigInteger), Expense.share_version_number,
        Expense.rate_source, Expense.created_by_id, Expense.created_at,
    )
    last: tuple[date, int] | None = None
    while True:
        condition = [*base] if last is None else [*base, _after(last)]
        rows = db.session.execute(
            columns.where(*condition).order_by(Expense.date, Expense.id).limit(page_size)
        ).all()
        if not rows:
            return
        first_key, last_key = (rows[0][1], rows[0][0]), (rows[-1][1], rows[-1][0])
        parts: dict[int, dict[str, Decimal]] = {}
        for expense_id, organization_id, raw in db.session.execute(
            select(ExpensePart.expense_id, ExpensePart.organization_id,
                   type_coerce(ExpensePart.amount, BigInteger))
            .join(Expense, Expense.id == ExpensePart.expense_id)
            .where(*base, or_(_after(first_key), and_(Expense.date == first_key[0],
                                                      Expense.id == first_key[1])),
                   _up_to(last_key))
        ):
            parts.setdefault(expense_id, {})[codes[organization_id]] = _scaled(
                raw, scale, places)
        documents = expense_documents(sa, [row[0] for row in rows], reader)
        for (expense_id, day, category, description, reference, paid_by_id, amount,
             expense_currency, rate, reporting, unallocated, version, rate_source,
             created_by_id, created_at) in rows:
            own_scale, own_places = scales.get(expense_currency, (1, STORAGE_SCALE))
            yield ExpenseLine(
                date=day, category=category, description=description or "",
                paid_by=codes[paid_by_id],
                amount=_scaled(amount, own_scale, own_places), currency=expense_currency,
                rate=Decimal(rate).scaleb(-rate_places),
                reporting_amount=_scaled(reporting, scale, places),
                parts=parts.get(expense_id, {}),
                unallocated=_scaled(unallocated, scale, places),
                version=version, document_reference=reference or "", id=expense_id,
                rate_source=rate_source or "",
                recorded_by=users.get(created_by_id, COMMAND_LINE) if created_by_id
                else COMMAND_LINE,
                recorded_at=created_at,
                documents=documents.get(expense_id, ()),
            )
        if len(rows) < page_size:
            return
        last = last_key


#: Who recorded an expense entered without a user (the command line's imports).
COMMAND_LINE = "command line"


def user_names() -> dict[int, str]:
    """User id -> how the report names the user: "Name (ORG)"."""
    return {
        user_id: f"{name or email} ({code})"
        for user_id, name, email, code in db.session.execute(
            select(User.id, User.name, User.email, Organization.code)
            .join(Organization, Organization.id == User.organization_id))
    }


def _in_period(day: date | None, date_from: date | None, date_to: date | None) -> bool:
    return day is not None and (date_from is None or day >= date_from) and (
        date_to is None or day <= date_to)


def _snapshot_date(snapshot: dict[str, Any] | None) -> date | None:
    raw = (snapshot or {}).get("date")
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _shown(name: str, value: Any) -> str:
    """A snapshot's value as people read it (labels, not codes)."""
    if value is None or value == "":
        return ""
    if name == "category":
        return label(str(value))
    if name == "rate_source":
        return RATE_SOURCE_LABELS.get(str(value), str(value))
    if name == "allocation" and isinstance(value, dict):
        return "; ".join(f"{code} {amount}" for code, amount in sorted(value.items()))
    return str(value)


def _deleted_summary(before: dict[str, Any]) -> str:
    parts = [f"{EXPENSE_FIELD_LABELS[name]}: {_shown(name, before.get(name))}"
             for name in ("date", "category", "amount", "currency", "paid_by",
                          "reporting_amount", "document_reference", "description")
             if _shown(name, before.get(name))]
    return "; ".join(parts)


def expense_changes(sa: SpecialArrangement, date_from: date | None = None,
                    date_to: date | None = None) -> list[ExpenseChange]:
    """The edits and deletions of ``sa``'s expenses dated in the period (before or after
    the edit), from the audit trail, oldest first: who, when, each field before and after."""
    users = user_names()
    changes = []
    for entry in db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.parent_entity == SpecialArrangement.__tablename__,
            AuditEntry.parent_id == sa.id, AuditEntry.entity == Expense.__tablename__,
            AuditEntry.action.in_(("update", "delete")))
        .order_by(AuditEntry.at, AuditEntry.id)
    ):
        before, after = entry.before or {}, entry.after or {}
        dates = [_snapshot_date(before), _snapshot_date(after)]
        if not any(_in_period(d, date_from, date_to) for d in dates):
            continue
        fields: list[FieldChange] = []
        if entry.action == "update":
            for name, field_label in EXPENSE_FIELD_LABELS.items():
                old, new = _shown(name, before.get(name)), _shown(name, after.get(name))
                if old != new:
                    fields.append(FieldChange(field_label, old, new))
        day = dates[1] if entry.action == "update" and dates[1] else dates[0]
        changes.append(ExpenseChange(
            expense_id=entry.entity_id, action=entry.action, at=entry.at,
            by=users.get(entry.user_id, COMMAND_LINE) if entry.user_id else COMMAND_LINE,
            date=day or date.min, summary=_deleted_summary(before),
            changes=tuple(fields),
        ))
    return changes


def _versions(sa: SpecialArrangement, date_from: date | None,
              date_to: date | None) -> list[ShareVersion]:
    """The versions in force that applied on some day of the period."""
    versions = expense_recording.engine_versions(sa)
    result = []
    for index, v in enumerate(versions):
        following = versions[index + 1].effective_date if index + 1 < len(versions) else None
        if date_to is not None and v.effective_date > date_to:
            continue
        if date_from is not None and following is not None and following <= date_from:
            continue
        result.append(v)
    return result


def _budget(sa: SpecialArrangement, date_from: date | None,
            date_to: date | None) -> list[BudgetLine]:
    """Budget versus actual for the years the period touches (actual over each whole year,
    as on the arrangement's page)."""
    lines = []
    for line in budgets.budget_vs_actual(sa):
        if line.year is not None and date_from is not None and line.year < date_from.year:
            continue
        if line.year is not None and date_to is not None and line.year > date_to.year:
            continue
        lines.append(line)
    return lines


def rates_used(sa: SpecialArrangement, date_from: date | None = None,
               date_to: date | None = None) -> list[RateUsed]:
    """The rates the period's expenses were converted with, per currency, month, rate and
    source (one SQL aggregate); for rates taken from the table in an arrangement not
    reporting in USD, also the table's rates per USD they were crossed from."""
    month = month_expression(Expense.date)
    condition = [Expense.arrangement_id == sa.id, Expense.currency != sa.currency]
    if date_from is not None:
        condition.append(Expense.date >= date_from)
    if date_to is not None:
        condition.append(Expense.date <= date_to)
    used = db.session.execute(
        select(Expense.currency, month, Expense.exchange_rate, Expense.rate_source,
               func.count())
        .where(*condition)
        .group_by(Expense.currency, month, Expense.exchange_rate, Expense.rate_source)
        .order_by(Expense.currency, month, Expense.exchange_rate)
    ).all()
    table_pairs = {(c, m) for c, m, _, source, _ in used if source == "table"}
    if sa.currency != "USD":
        table_pairs |= {(sa.currency, m) for _, m in list(table_pairs)}
    table: dict[tuple[str, str], ExchangeRate] = {}
    if table_pairs:
        months = {m for _, m in table_pairs}
        currencies = {c for c, _ in table_pairs}
        for rate in db.session.scalars(select(ExchangeRate).where(
                ExchangeRate.currency.in_(currencies), ExchangeRate.month.in_(months))):
            table[(rate.currency, rate.month)] = rate
    result = []
    for currency, month_text, rate, source, count in used:
        label = _SOURCES.get(source, source)
        if source == "table" and sa.currency != "USD":
            label = (f"cross rate of the rates table: {currency} per USD / {sa.currency} per "
                     "USD, to 10 decimals")
        elif source == "table":
            label = _table_label(table.get((currency, str(month_text))), rate)
        noun = "expense" if count == 1 else "expenses"
        result.append(RateUsed(currency, str(month_text), rate, f"{label} ({count} {noun})"))
    if sa.currency != "USD":
        for (currency, month_text) in sorted(table_pairs):
            row = table.get((currency, month_text))
            if row is not None:
                result.append(RateUsed(currency, month_text, row.rate, _table_label(row),
                                       base="USD"))
    return result


def _personnel(sa: SpecialArrangement, date_from: date | None,
               date_to: date | None) -> list[PersonnelCostLine]:
    """The cost items of personnel exchanges linked to ``sa`` (Art. 8) whose exchange
    overlaps the period, cancelled exchanges left out, each converted into the reporting
    currency of the organization bearing it with the rate of the item's month, as the
    personnel pages and API show it (None where that rate is missing)."""
    lines = []
    for row in personnel_cost_rows(sa.id).rows:
        start = row.period_start or row.start
        end = row.period_end or row.end
        if date_to is not None and start > date_to:
            continue
        if date_from is not None and end < date_from:
            continue
        lines.append(PersonnelCostLine(
            staff=f"{row.person_name} ({row.staff_id})", home=row.home, host=row.host,
            position=row.position, start_date=row.start, end_date=row.end,
            category=row.category, borne_by=row.borne_by, amount=row.amount,
            currency=row.currency, reporting_amount=row.reporting_amount,
            reporting_currency=row.reporting_currency, status=row.status,
            rate_month=row.rate_month, exchange=row.exchange_id,
        ))
    return lines
