"""Reading expense and exchange-rate spreadsheets (.xlsx, .csv) that finance staff upload.

Pure parsing, no database: :func:`read_table` turns the uploaded bytes into rows after the
safety checks, :func:`parse_expense_rows` / :func:`parse_rate_rows` validate every row and
every column and return what would be stored together with *every* error, each naming the
row as the user sees it in the spreadsheet (the header is row 1) and the column. The caller
stores all rows or none (issue 5, "all rows or none").

Safety, before any XML is parsed: a size cap on the upload; an .xlsx must be a zip whose
number of entries and total uncompressed size (and compression ratio) are bounded, with the
parts of a workbook. The parts are then streamed with lxml's ``iterparse`` (no DTD loaded,
no entity resolved, no network; a part declaring a DOCTYPE is refused): the workbook and its
relationships for the sheet, the shared strings, the styles for the date formats, then the
sheet row by row. Values are those openpyxl's read-only, values-only mode gives (the cached
result of a formula, none evaluated), except that a fractional number is a Decimal (the
shortest one that reads back as the cell's double) rather than a float.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    WINDOWS_EPOCH,
    from_excel,
    from_ISO8601,
)

from jointprojects.money import MoneyError, is_currency, minor_units, parse_decimal, quantum
from reports.data import EXPENSE_CATEGORIES

__all__ = [
    "EXPENSE_COLUMNS",
    "RATE_COLUMNS",
    "ROW",
    "ExpenseRow",
    "ImportFileError",
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
#: Bounds on an .xlsx zip, checked before anything is decompressed.
MAX_ZIP_ENTRIES = 1_000
MAX_UNCOMPRESSED = 100_000_000
MAX_RATIO = 200
#: Rates are stored with 10 decimals (jointprojects.types.Rate).
RATE_PLACES = 10
#: Lengths the database holds (jointprojects.expenses.models).
MAX_LENGTHS = {"document_reference": 120, "description": 2000, "source": 300}

_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_TEXT = re.compile(r"(\d{4})-(\d{2})")
_HEADER_SPACES = re.compile(r"[\s\-]+")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (too big, not a spreadsheet, no header row...).
    The message is a sentence for the user."""


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
        records = _xlsx_records(data, sheet)
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


def check_xlsx_zip(data: bytes) -> None:
    """Refuse anything that is not a plausible .xlsx zip, before decompressing a byte."""
    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "The file is not an .xlsx workbook (an .xlsx is a zip archive; password-protected "
            "and old .xls workbooks cannot be read)."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError("The file is not a readable .xlsx workbook (bad zip).") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise ImportFileError(f"The workbook has too many parts ({len(entries):,}).")
        total = 0
        for entry in entries:
            if entry.flag_bits & 0x1:
                raise ImportFileError("The workbook is encrypted.")
            total += entry.file_size
            if entry.file_size > 1_000_000 and (
                entry.compress_size == 0 or entry.file_size / entry.compress_size > MAX_RATIO
            ):
                raise ImportFileError(
                    "The workbook expands far beyond its size (a zip bomb?); refused."
                )
        if total > MAX_UNCOMPRESSED:
            raise ImportFileError(
                f"The workbook expands to {total / 1e6:.0f} MB; the limit is "
                f"{MAX_UNCOMPRESSED / 1e6:.0f} MB."
            )
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise ImportFileError("The zip is not an Excel workbook (no xl/workbook.xml).")


def _xlsx_records(data: bytes, sheet: str | None) -> Generator[Sequence[Any]]:
    check_xlsx_zip(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        book = _book(archive, sheet)
    except ImportFileError:
        archive.close()
        raise
    except Exception as error:  # bad XML, missing part, bad number...
        archive.close()
        raise ImportFileError(f"The workbook cannot be read ({_reason(error)}).") from None
    return _xlsx_rows(archive, book)


# OOXML namespaces (transitional; strict workbooks use the purl.oclc.org ones).
_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
         "http://purl.oclc.org/ooxml/spreadsheetml/main")
_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "http://purl.oclc.org/ooxml/officeDocument/relationships")
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


class _EntitiesRefused(Exception):
    """An uploaded XML part declares a DOCTYPE (entities, external references)."""


@dataclass(slots=True)
class _Book:
    """What reading a worksheet needs from the rest of the workbook."""

    path: str
    ns: str
    strings: list[str]
    date_styles: frozenset[int]
    timedelta_styles: frozenset[int]
    epoch: datetime


def _elements(archive: zipfile.ZipFile, name: str, tags: Sequence[str]) -> Iterator[Any]:
    """Stream the elements ``tags`` of a part at their end; no DTD is loaded, no entity
    resolved, nothing fetched, and a part declaring a DOCTYPE is refused outright."""
    with archive.open(name) as source:
        events = etree.iterparse(source, events=("end",), tag=list(tags), huge_tree=False,
                                 resolve_entities=False, no_network=True, load_dtd=False)
        checked = False
        for _, element in events:
            if not checked:
                _refuse_doctype(element)
                checked = True
            yield element
        if events.root is not None:
            _refuse_doctype(events.root)


def _refuse_doctype(element: Any) -> None:
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise _EntitiesRefused


def _first(archive: zipfile.ZipFile, name: str, local: str) -> tuple[Any, str]:
    """The first ``local`` element of the part in either namespace, with the namespace."""
    for element in _elements(archive, name, [f"{{{ns}}}{local}" for ns in _MAIN]):
        return element, element.tag[1:].split("}", 1)[0]
    raise ImportFileError("The workbook has no worksheet.")


def _book(archive: zipfile.ZipFile, sheet: str | None) -> _Book:
    names = set(archive.namelist())
    sheets, ns = _first(archive, "xl/workbook.xml", "sheets")
    rel_ns = _REL[_MAIN.index(ns)]
    epoch = WINDOWS_EPOCH
    for props in _elements(archive, "xl/workbook.xml", [f"{{{ns}}}workbookPr"]):
        if (props.get("date1904") or "").strip().lower() in ("1", "true"):
            epoch = CALENDAR_MAC_1904
    targets: dict[str, str] = {}
    strings_part = "xl/sharedStrings.xml"
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in _elements(archive, "xl/_rels/workbook.xml.rels", [_PACKAGE_RELS]):
            target = rel.get("Target") or ""
            target = posixpath.normpath(target[1:] if target.startswith("/") else f"xl/{target}")
            kind = rel.get("Type") or ""
            if kind.endswith("/worksheet"):
                targets[rel.get("Id") or ""] = target
            elif kind.endswith("/sharedStrings"):
                strings_part = target
    worksheets = [(s.get("name"), targets[s.get(f"{{{rel_ns}}}id") or ""])
                  for s in sheets.iter(f"{{{ns}}}sheet") if s.get(f"{{{rel_ns}}}id") in targets]
    chosen = dict(worksheets).get(sheet) if sheet is not None else None
    if chosen is None:
        if not worksheets:
            raise ImportFileError("The workbook has no worksheet.")
        chosen = worksheets[0][1]
    if chosen not in names:
        raise ImportFileError("The workbook cannot be read (its worksheet is missing).")
    strings: list[str] = []
    if strings_part in names:
        si = f"{{{ns}}}si"
        for element in _elements(archive, strings_part, [si]):
            strings.append(_string(element, ns).replace("x005F_", ""))
            element.clear()
    dates: set[int] = set()
    timedeltas: set[int] = set()
    if "xl/styles.xml" in names:
        custom: dict[int, str] = {}
        xfs = None
        for element in _elements(archive, "xl/styles.xml",
                                 [f"{{{ns}}}numFmt", f"{{{ns}}}cellXfs"]):
            if element.tag.endswith("numFmt"):
                custom[int(element.get("numFmtId"))] = element.get("formatCode") or ""
            else:
                xfs = element
                break
        for index, xf in enumerate(() if xfs is None else xfs.iter(f"{{{ns}}}xf")):
            number = int(xf.get("numFmtId") or 0)
            code = custom[number] if number in custom else BUILTIN_FORMATS.get(number)
            if is_date_format(code):  # d m y h s outside quotes and [brackets]
                dates.add(index)
            if is_timedelta_format(code):
                timedeltas.add(index)
    return _Book(chosen, ns, strings, frozenset(dates), frozenset(timedeltas), epoch)


def _string(element: Any, ns: str) -> str:
    """The text of a shared or inline string: its ``t``, or its runs' ``t`` (phonetic
    guides left out), as openpyxl reads it."""
    if len(element) == 1 and element[0].tag == f"{{{ns}}}t":  # the usual, unformatted text
        return element[0].text or ""
    plain = element.find(f"{{{ns}}}t")
    parts = [plain.text or ""] if plain is not None else []
    for run in element.iterfind(f"{{{ns}}}r/{{{ns}}}t"):
        parts.append(run.text or "")
    return "".join(parts)


def _xlsx_rows(archive: zipfile.ZipFile, book: _Book) -> Generator[Sequence[Any]]:
    """Rows of the worksheet as openpyxl's ``iter_rows(values_only=True)`` gives them, from
    row 1, a missing row as ``()``, a missing cell as None."""
    try:
        yield from _sheet_rows(archive, book)
    except ImportFileError:
        raise
    except Exception as error:
        raise ImportFileError(f"The workbook cannot be read ({_reason(error)}).") from None
    finally:
        archive.close()


def _sheet_rows(archive: zipfile.ZipFile, book: _Book) -> Iterator[Sequence[Any]]:
    ns = book.ns
    v_tag, is_tag, t_tag = f"{{{ns}}}v", f"{{{ns}}}is", f"{{{ns}}}t"
    strings, dates, timedeltas, epoch = (book.strings, book.date_styles,
                                         book.timedelta_styles, book.epoch)
    columns: dict[str, int] = {}
    serials: dict[tuple[str, bool], Any] = {}  # the same dates recur: convert each once
    counter = 0  # rows yielded so far
    number = 0  # the row being read
    for row in _elements(archive, book.path, [f"{{{ns}}}row"]):
        r = row.get("r")
        number = int(r) if r else number + 1
        if number <= counter:  # a row repeated or out of order: openpyxl skips it
            row.clear()
            continue
        while counter < number - 1:
            counter += 1
            yield ()
        values: list[Any] = []
        column = 0
        for cell in row:
            ref = cell.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                column = columns.get(letters) or columns.setdefault(
                    letters, column_index_from_string(letters))
            else:
                column += 1
            kind = cell.get("t", "n")
            value = None
            if kind == "inlineStr":
                for child in cell:
                    if child.tag == is_tag:
                        if len(child) == 1 and child[0].tag == t_tag:  # plain text, no runs
                            value = child[0].text or ""
                        else:
                            value = _string(child, ns)
                        break
            else:
                for child in cell:  # <v>, after the <f> of a formula
                    if child.tag == v_tag:
                        value = child.text or None
                        break
                if value is not None:
                    if kind == "n":
                        style = cell.get("s")
                        if style is not None and int(style) in dates:
                            key = (value, int(style) in timedeltas)
                            day = serials.get(key)
                            if day is None:
                                if len(serials) > 10_000:
                                    serials.clear()
                                day = serials[key] = _serial(value, epoch, key[1])
                            value = day
                        else:
                            value = _number(value)
                    elif kind == "s":
                        value = strings[int(value)]
                    elif kind == "b":
                        value = bool(int(value))
                    elif kind == "d":
                        value = from_ISO8601(value)
                    # "str" (a formula's text result) and "e" (#N/A, #DIV/0!...) stay text
            width = len(values)
            if column > width:
                if column > width + 1:
                    values.extend([None] * (column - width - 1))
                values.append(value)
            else:
                values[column - 1] = value
        row.clear()
        counter += 1
        yield values


def _number(text: str) -> int | Decimal:
    """A number cell: an int when integral, else the shortest decimal that reads back as the
    cell's double, as openpyxl's float would give it (Excel writes 17 significant digits:
    a typed 2.3 is stored as 2.2999999999999998 and must stay 2.3)."""
    if "." not in text and "e" not in text and "E" not in text:
        return int(text)
    double = float(text)
    if double.is_integer():
        return int(double)
    return Decimal(repr(double))


def _serial(text: str, epoch: datetime, timedelta: bool) -> Any:
    """A date-styled number: the datetime (or duration) of the Excel serial; out of range,
    the error text openpyxl gives such a cell."""
    try:
        return from_excel(float(text) if "." in text or "e" in text.lower() else int(text),
                          epoch, timedelta=timedelta)
    except (OverflowError, ValueError):
        return "#VALUE!"


def _reason(error: Exception) -> str:
    name = type(error).__name__
    if "Entit" in name or "DTD" in name:
        return "it declares XML entities, which are refused"
    return name


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
