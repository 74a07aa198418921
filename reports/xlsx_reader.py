"""The .xlsx reader: the rows of a worksheet, streamed with lxml's ``iterparse`` after the
zip's safety checks.

Safety, before any XML is parsed: an .xlsx must be a zip whose number of entries and total
uncompressed size (and compression ratio) are bounded, with the parts of a workbook
(:func:`check_xlsx_zip`, the bounds of :mod:`reports.zip_bounds`). The parts are then
streamed with lxml's ``iterparse`` (no DTD loaded, no entity resolved, no network; a part
declaring a DOCTYPE is refused): the workbook and its relationships for the sheet, the shared
strings, the styles for the date formats, then the sheet row by row. Values are those
openpyxl's read-only, values-only mode gives (the cached result of a formula, none evaluated),
except that a fractional number is a Decimal (the shortest one that reads back as the cell's
double) rather than a float.

:class:`ImportFileError` is the error of every upload reader, this one and the CSV reader
and the table checks of :mod:`reports.imports`: the file as a whole cannot be read.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
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

from reports.zip_bounds import MAX_UNCOMPRESSED, ZipBreach, ZipBreachKind, zip_bounds_breach

__all__ = [
    "ImportFileError",
    "check_xlsx_zip",
    "xlsx_records",
]


class ImportFileError(ValueError):
    """The file as a whole cannot be read (too big, not a spreadsheet, no header row...).
    The message is a sentence for the user."""


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
        breach = zip_bounds_breach(entries)
        if breach is not None:
            raise ImportFileError(_breach_message(breach))
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise ImportFileError("The zip is not an Excel workbook (no xl/workbook.xml).")


def _breach_message(breach: ZipBreach) -> str:
    match breach.kind:
        case ZipBreachKind.TOO_MANY_PARTS:
            return f"The workbook has too many parts ({breach.figure:,})."
        case ZipBreachKind.ENCRYPTED:
            return "The workbook is encrypted."
        case ZipBreachKind.EXPANDS:
            return "The workbook expands far beyond its size (a zip bomb?); refused."
        case ZipBreachKind.TOO_LARGE:
            return (f"The workbook expands to {breach.figure / 1e6:.0f} MB; the limit is "
                    f"{MAX_UNCOMPRESSED / 1e6:.0f} MB.")


def xlsx_records(data: bytes, sheet: str | None) -> Generator[Sequence[Any]]:
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
