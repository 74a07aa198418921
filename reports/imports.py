"""Reading expense and exchange-rate spreadsheets (.xlsx, .csv) that finance staff upload.

Pure parsing, no database: :func:`read_table` turns the uploaded bytes into rows after the
safety checks, :func:`parse_expense_rows` / :func:`parse_rate_rows` validate every row and
every column and return what would be stored together with *every* error, each naming the
row as the user sees it in the spreadsheet (the header is row 1) and the column. The caller
stores all rows or none (issue 5, "all rows or none").

Safety: a size cap on the upload and on its number of rows; an .xlsx is read by
:mod:`reports.xlsx_reader` (zip bounds checked before anything is decompressed, XML streamed
with no DTD or entity), a .csv by :func:`_csv_records`. Either raises
:class:`~reports.xlsx_reader.ImportFileError` for a file that cannot be read as a whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jointprojects.bounds import date_problem, text_problem
from jointprojects.money import MoneyError, is_currency, minor_units, parse_decimal, quantum
from reports.data import EXPENSE_CATEGORIES
from reports.xlsx_reader import ImportFileError, xlsx_records

__all__ = [
    "EXPENSE_COLUMNS",
    "RATE_COLUMNS",
    "ROW",
    "ExpenseRow",
    "RateRow",
    "RowError",
    "Table",
    "parse_expense_rows",
    "parse_rate_rows",
    "read_table",
    "template_workbook",
]

#: Key of the spreadsheet row number in each row dict returned by :func:`read_table`.
ROW = "__row__"

#: Columns of an expense sheet: (name, required).
EXPENSE_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("date", True),
    ("category", True),
    ("description", True),
    ("amount", True),
    ("currency", True),
    ("exchange_rate", False),
    ("paid_by", True),
    ("document_reference", False),
)
#: Columns of an exchange-rate sheet: (name, required).
RATE_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("currency", True),
    ("month", True),
    ("rate", True),
    ("source", False),
)

MAX_BYTES = 10_000_000
MAX_ROWS = 500_000
#: Rates are stored with 10 decimals (jointprojects.types.Rate).
RATE_PLACES = 10
#: Lengths the database holds (jointprojects.expenses.models).
MAX_LENGTHS = {"document_reference": 120, "description": 2000, "source": 300}

_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_TEXT = re.compile(r"(\d{4})-(\d{2})")
_HEADER_SPACES = re.compile(r"[\s\-]+")


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad value: ``row`` as numbered in the spreadsheet (header = 1), ``column`` the
    column's name as expected (``"amount"``), ``message`` a sentence for the user."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class ExpenseRow:
    """An expense read from a spreadsheet, validated as far as can be done without the
    database (the service still checks dates against entry into force, rates, shares)."""

    date: date
    category: str
    description: str
    amount: Decimal
    currency: str
    exchange_rate: Decimal | None
    paid_by: str
    document_reference: str
    row: int = 0


@dataclass(frozen=True, slots=True)
class RateRow:
    """A monthly exchange rate: ``rate`` units of ``currency`` per one US dollar (the UN
    operational rates of exchange); ``month`` is ``"YYYY-MM"``."""

    currency: str
    month: str
    rate: Decimal
    source: str
    row: int = 0


class Table(list[dict[str, Any]]):
    """Rows of a sheet as dicts keyed by normalised column name, each with its row number
    under :data:`ROW`; ``headers`` lists the normalised names of the header row."""

    def __init__(self, rows: Iterable[dict[str, Any]] = (), headers: Sequence[str] = ()):
        super().__init__(rows)
        self.headers: list[str] = list(headers)


def normalise_header(value: object) -> str:
    """``" Paid By "`` -> ``"paid_by"``, ``"Exchange-rate"`` -> ``"exchange_rate"``."""
    if value is None:
        return ""
    return _HEADER_SPACES.sub("_", str(value).strip().lower())


# -- reading -----------------------------------------------------------------------------------


def read_table(
    filename: str,
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    sheet: str | None = None,
) -> Table:
    """Read the first sheet (or ``sheet``) of an .xlsx, or a .csv, into a :class:`Table`.

    Row 1 is the header; names are matched case-insensitively and trimmed (spaces and dashes
    read as underscores). Rows with no value are skipped, their numbers kept as the user sees
    them. Values of an .xlsx are str, int, Decimal, bool or datetime (date-formatted numbers
    and ISO date cells), as openpyxl would read them but with Decimal for its floats; text
    for CSV.

    Raises :class:`ImportFileError` for a file that is too big, of another type, not a real
    workbook, a zip bomb, unreadable, without header or with a duplicate column.
    """
    if len(data) > max_bytes:
        raise ImportFileError(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB."
        )
    name = (filename or "").lower().strip()
    if name.endswith(".xlsx"):
        records = xlsx_records(data, sheet)
    elif name.endswith(".csv"):
        records = _csv_records(data)
    elif name.endswith((".xls", ".xlsm", ".ods")):
        raise ImportFileError("Save the file as an Excel workbook (.xlsx) or as CSV (.csv).")
    else:
        raise ImportFileError("Only .xlsx and .csv files can be imported.")
    try:
        return _table(records, max_rows)
    finally:
        records.close()  # closes the workbook's zip even when a check stopped the reading


def _table(records: Iterator[Sequence[Any]], max_rows: int) -> Table:
    header = next(records, None)
    headers = [normalise_header(v) for v in header or ()]
    if not any(headers):
        raise ImportFileError("Row 1 must hold the column names; it is empty.")
    seen: set[str] = set()
    for h in headers:
        if h and h in seen:
            raise ImportFileError(f"The column {h!r} appears twice in row 1.")
        seen.add(h)
    columns = [(i, h) for i, h in enumerate(headers) if h]
    table = Table(headers=[h for _, h in columns])
    for number, record in enumerate(records, 2):
        row: dict[str, Any] = {ROW: number}
        empty = True
        width = len(record)
        for i, h in columns:
            value = record[i] if i < width else None
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    value = None
            if value is not None:
                empty = False
            row[h] = value
        if empty:
            continue
        if len(table) >= max_rows:
            raise ImportFileError(f"The file has more than {max_rows:,} rows; split it.")
        table.append(row)
    return table


def _csv_records(data: bytes) -> Generator[Sequence[Any]]:
    if b"\x00" in data:
        raise ImportFileError("The file is not a text CSV file (it contains NUL bytes).")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    first = text.split("\n", 1)[0]
    # Excel writes ";" where the decimal separator is a comma; pick what the header uses.
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise ImportFileError(f"The CSV file cannot be read: {error}.") from None


# -- values ------------------------------------------------------------------------------------


class _Bad(ValueError):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _date(value: Any) -> date:
    day = _any_date(value)
    if problem := date_problem(day):
        raise _Bad(problem)
    return day


def _any_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if _DATE_TEXT.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise _Bad(f"{value!r} is not a valid date") from None
        raise _Bad(f"{value!r} is not a date; write YYYY-MM-DD or use a date cell")
    if isinstance(value, int | float | Decimal):
        raise _Bad("is a number, not a date; format the cell as a date or write YYYY-MM-DD")
    raise _Bad("is not a date")


def _decimal(value: Any, places: int | None) -> Decimal:
    """A number cell or text with a dot or a comma, with at most ``places`` decimals."""
    if isinstance(value, bool):
        raise _Bad("must be a number")
    if isinstance(value, float):
        # A float cell holds the shortest decimal that reads back as it (repr): a typed
        # 1234.5 is "1234.5"; a formula result like 0.1+0.2 shows its true digits and is then
        # refused for having too many decimals rather than rounded silently.
        if value != value or value in (float("inf"), float("-inf")):
            raise _Bad("must be a finite number")
        value = Decimal(repr(value))
    elif isinstance(value, datetime | date):
        raise _Bad("is a date, not a number")
    try:
        return parse_decimal(value, places=places)
    except MoneyError as error:
        raise _Bad(str(error)) from None


def _code(value: Any) -> str:
    return _text(value).upper()


def _category(value: Any) -> str:
    return _HEADER_SPACES.sub("_", _text(value).lower())


class _Collector:
    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def check_headers(self, rows: Sequence[Mapping[str, Any]],
                      columns: Sequence[tuple[str, bool]]) -> bool:
        headers = getattr(rows, "headers", None)
        if headers is None:
            present: set[str] = set()
            for row in rows[:1]:
                present.update(row)
        else:
            present = set(headers)
        ok = True
        for name, required in columns:
            if required and name not in present:
                self.errors.append(RowError(1, name, "the column is missing from row 1"))
                ok = False
        if ok and not rows:
            self.errors.append(RowError(2, columns[0][0], "there is no row below the header"))
            ok = False
        return ok

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))


# -- expenses ----------------------------------------------------------------------------------


def parse_expense_rows(
    rows: Sequence[Mapping[str, Any]],
    *,
    categories: Iterable[str] = EXPENSE_CATEGORIES,
    currencies: Iterable[str],
    parties: Iterable[str],
) -> tuple[list[ExpenseRow], list[RowError]]:
    """Validate expense rows (from :func:`read_table`); returns the good rows and every
    error found, all rows and all columns (not stopping at the first). Store the rows only
    when the error list is empty.

    Columns: date, category, description, amount, currency, exchange_rate (optional),
    paid_by, document_reference (optional). Amounts: number cells or text with a dot or a
    comma, at most the currency's minor units; a negative amount is a refund; zero refused.
    """
    allowed_categories = {c.strip().lower() for c in categories}
    allowed_currencies = {c.strip().upper() for c in currencies}
    allowed_parties = {p.strip().upper() for p in parties}
    out = _Collector()
    if not out.check_headers(rows, EXPENSE_COLUMNS):
        return [], out.errors
    good: list[ExpenseRow] = []
    for index, row in enumerate(rows, 2):
        number = int(row.get(ROW, index))
        failed = False

        def bad(column: str, message: str, number: int = number) -> None:
            nonlocal failed
            failed = True
            out.add(number, column, message)

        raw = row.get("date")
        expense_date = None
        if raw is None:
            bad("date", "is required")
        else:
            try:
                expense_date = _date(raw)
            except _Bad as error:
                bad("date", str(error))

        category = _category(row.get("category"))
        if not category:
            bad("category", "is required")
        elif category not in allowed_categories:
            bad("category", f"{category!r} is not one of {', '.join(sorted(allowed_categories))}")

        description = _text(row.get("description"))
        if not description:
            bad("description", "is required")
        elif len(description) > MAX_LENGTHS["description"]:
            bad("description", f"is longer than {MAX_LENGTHS['description']} characters")
        elif problem := text_problem(description):
            bad("description", problem)

        currency = _code(row.get("currency"))
        places: int | None = None
        if not currency:
            bad("currency", "is required")
        elif currency not in allowed_currencies or not is_currency(currency):
            bad("currency", f"{currency!r} is not an accepted currency")
        else:
            places = minor_units(currency)

        raw = row.get("amount")
        amount = None
        if raw is None:
            bad("amount", "is required")
        else:
            try:
                amount = _decimal(raw, places)
                if amount == 0:
                    raise _Bad("must not be zero")
                if places is not None:
                    amount = amount.quantize(quantum(places))
            except _Bad as error:
                bad("amount", str(error))

        raw = row.get("exchange_rate")
        rate = None
        if raw is not None:
            try:
                rate = _decimal(raw, RATE_PLACES)
                if rate <= 0:
                    raise _Bad("must be greater than zero")
            except _Bad as error:
                bad("exchange_rate", str(error))

        paid_by = _code(row.get("paid_by"))
        if not paid_by:
            bad("paid_by", "is required")
        elif paid_by not in allowed_parties:
            bad("paid_by", f"{paid_by!r} is not a party to the arrangement "
                           f"({', '.join(sorted(allowed_parties))})")

        reference = _text(row.get("document_reference"))
        if len(reference) > MAX_LENGTHS["document_reference"]:
            bad("document_reference",
                f"is longer than {MAX_LENGTHS['document_reference']} characters")
        elif problem := text_problem(reference):
            bad("document_reference", problem)

        if not failed:
            assert expense_date is not None and amount is not None  # noqa: S101 - narrowing
            good.append(ExpenseRow(expense_date, category, description, amount, currency,
                                   rate, paid_by, reference, number))
    return good, out.errors


# -- exchange rates ----------------------------------------------------------------------------


def _month(value: Any) -> str:
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        match = _MONTH_TEXT.fullmatch(value)
        if match and 1 <= int(match.group(2)) <= 12:
            return value
        if _DATE_TEXT.fullmatch(value):
            day = _date(value)
            return f"{day.year:04d}-{day.month:02d}"
    raise _Bad(f"{_text(value)!r} is not a month; write YYYY-MM or use a date cell")


def parse_rate_rows(
    rows: Sequence[Mapping[str, Any]],
    *,
    currencies: Iterable[str],
) -> tuple[list[RateRow], list[RowError]]:
    """Validate monthly exchange rates: currency, month (``YYYY-MM`` or a date), rate > 0
    (at most 10 decimals), source (optional). A currency and month given twice is an error
    on the later row."""
    allowed = {c.strip().upper() for c in currencies}
    out = _Collector()
    if not out.check_headers(rows, RATE_COLUMNS):
        return [], out.errors
    good: list[RateRow] = []
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows, 2):
        number = int(row.get(ROW, index))
        before = len(out.errors)

        currency = _code(row.get("currency"))
        if not currency:
            out.add(number, "currency", "is required")
        elif currency not in allowed or not is_currency(currency):
            out.add(number, "currency", f"{currency!r} is not an accepted currency")

        raw = row.get("month")
        month = ""
        if raw is None:
            out.add(number, "month", "is required")
        else:
            try:
                month = _month(raw)
            except _Bad as error:
                out.add(number, "month", str(error))

        raw = row.get("rate")
        rate = None
        if raw is None:
            out.add(number, "rate", "is required")
        else:
            try:
                rate = _decimal(raw, RATE_PLACES)
                if rate <= 0:
                    raise _Bad("must be greater than zero")
            except _Bad as error:
                out.add(number, "rate", str(error))

        source = _text(row.get("source"))
        if len(source) > MAX_LENGTHS["source"]:
            out.add(number, "source", f"is longer than {MAX_LENGTHS['source']} characters")
        elif problem := text_problem(source):
            out.add(number, "source", problem)

        if currency and month:
            first = seen.setdefault((currency, month), number)
            if first != number:
                out.add(number, "month", f"{currency} {month} is already given in row {first}")

        if len(out.errors) == before and rate is not None:
            good.append(RateRow(currency, month, rate, source, number))
    return good, out.errors


# -- templates ---------------------------------------------------------------------------------


def template_workbook(
    kind: str,
    *,
    currencies: Iterable[str] = ("USD", "EUR"),
    parties: Iterable[str] = ("UN", "INTERPOL"),
    categories: Iterable[str] = EXPENSE_CATEGORIES,
) -> bytes:
    """A template to fill in: ``kind`` ``"expenses"`` or ``"rates"``.

    The first sheet has the header row (and drop-down lists for category, currency and paid
    by, from a hidden "Lists" sheet); the "Instructions" sheet shows an example row and what
    each column takes. The example is kept off the first sheet so that a filled-in template
    never imports it by mistake.
    """
    from reports.templates import build_template

    return build_template(kind, currencies=list(currencies), parties=list(parties),
                          categories=list(categories))
