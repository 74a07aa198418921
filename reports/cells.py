"""The one place where values become cells ("What a user must never see", DOMAIN.md).

User text never executes: text starting with ``=``, ``+``, ``-``, ``@``, tab, carriage return
or line feed, and text equal to an Excel error literal (``#N/A``...), is written as a string
cell with the quote prefix, so Excel and LibreOffice show it as text and keep it text when it
is edited or exported. Characters that XML cannot carry (openpyxl's
``ILLEGAL_CHARACTERS_RE``) are dropped rather than failing the whole report. Amounts stay
numeric cells: :class:`~decimal.Decimal` in, a number cell out (openpyxl serialises it with
``"%.16g"``, exact for the 15 significant digits a double holds, far beyond any amount here).

Workbooks are built in openpyxl's write-only mode, where a cell with a style is an object
and a plain value is not: :class:`CellFactory` hands out plain values whenever it can and
styled cells only where a format is needed, reusing the named styles of :class:`Styles`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MethodType
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, NamedStyle, PatternFill, Side
from openpyxl.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from jointprojects.money import minor_units
from reports.sheets import base_font

#: First characters that make a spreadsheet read text as a formula (or as a DDE payload).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n")
_ERROR_LITERALS = frozenset(ERROR_CODES)
_ILLEGAL: re.Pattern[str] = ILLEGAL_CHARACTERS_RE
#: Excel refuses longer cell text.
MAX_TEXT = 32767

#: What this package puts in a styled cell: a number, a date, safe text or a formula.
CellValue = Decimal | int | date | datetime | str


def clean_text(value: object) -> str:
    """``value`` as text without the characters XML cannot carry, at most 32,767 long."""
    text = value if isinstance(value, str) else str(value)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    return text[:MAX_TEXT]


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as something else than text."""
    return bool(text) and (text[0] in FORMULA_TRIGGERS or text in _ERROR_LITERALS)


def safe_text(value: object) -> tuple[str, bool]:
    """Clean ``value`` for a cell: ``(text, quote)``; ``quote`` says the cell must be a
    string cell with the quote prefix (see :meth:`CellFactory.text`)."""
    text = clean_text(value)
    return text, is_formula_like(text)


def put_text(cell: Cell, value: object) -> Cell:
    """Set user text on a cell of a normal (not write-only) worksheet, the same way
    :meth:`CellFactory.text` does."""
    text, quote = safe_text(value)
    if quote:
        cell._value = text  # type: ignore[attr-defined]  # openpyxl's slot, set past the setter
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = text or None
    return cell


def number_format(places: int) -> str:
    """``'#,##0'`` for 0 decimals, ``'#,##0.00'`` for 2, ``'#,##0.000'`` for 3."""
    return "#,##0" if places <= 0 else "#,##0." + "0" * places


def currency_format(currency: str) -> str:
    """The number format of ``currency``'s minor units (USD 2, JPY 0, KWD 3)."""
    return number_format(minor_units(currency))


def excel_datetime(moment: datetime | None) -> datetime:
    """A naive UTC datetime for Excel (which has no time zones); None means now."""
    if moment is None:
        return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


_THIN = Side(style="thin", color="FF8EA9C1")
_HEADER_FILL = PatternFill("solid", fgColor="FFDCE6F1")


class Styles:
    """The named styles of one workbook, created once and shared by every cell."""

    HEADER = "JP Header"
    TITLE = "JP Title"
    SECTION = "JP Section"
    LABEL = "JP Label"
    WRAP = "JP Wrap"
    DATE = "JP Date"
    DATETIME = "JP Date time"
    MINUTE = "JP Minute"
    TEXT = "JP Text"
    NUMBER = "JP Number"
    PERCENT = "JP Percent"
    RATE = "JP Rate"
    INTEGER = "JP Integer"
    USED = "JP Used"

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._names: set[str] = set()
        self._add(NamedStyle(
            self.HEADER,
            font=base_font(bold=True),
            fill=_HEADER_FILL,
            border=Border(bottom=_THIN),
            alignment=Alignment(wrap_text=True, vertical="top"),
        ))
        self._add(NamedStyle(self.TITLE, font=base_font(bold=True, size=14)))
        self._add(NamedStyle(self.SECTION, font=base_font(bold=True, size=12,
                                                          color="FF1F4E79")))
        self._add(NamedStyle(self.LABEL, font=base_font(bold=True), alignment=Alignment(
            vertical="top")))
        self._add(NamedStyle(self.WRAP, font=base_font(),
                             alignment=Alignment(wrap_text=True, vertical="top")))
        plain = base_font()
        # Figures sit at the top of their row, level with the first line of a wrapped cell.
        top = Alignment(vertical="top")
        self._add(NamedStyle(self.TEXT, font=plain, alignment=top))
        self._add(NamedStyle(self.NUMBER, font=plain, alignment=top, number_format="0"))
        self._add(NamedStyle(self.DATE, font=plain, alignment=top, number_format="yyyy-mm-dd"))
        self._add(NamedStyle(self.DATETIME, font=plain, alignment=top,
                             number_format="yyyy-mm-dd hh:mm:ss"))
        self._add(NamedStyle(self.MINUTE, font=plain, alignment=top,
                             number_format="yyyy-mm-dd hh:mm"))
        # Shares are kept as percent figures (60.00 means 60 %), never as fractions.
        self._add(NamedStyle(self.PERCENT, font=plain, alignment=top,
                             number_format='0.00"%"'))
        self._add(NamedStyle(self.RATE, font=plain, alignment=top, number_format="0.0#########"))
        self._add(NamedStyle(self.INTEGER, font=plain, alignment=top, number_format="#,##0"))
        self._add(NamedStyle(self.USED, font=plain, alignment=top, number_format="0.0%"))

    def _add(self, style: NamedStyle) -> str:
        if style.name not in self._names:
            if style.name not in self.wb.named_styles:  # a second Styles on the same workbook
                self.wb.add_named_style(style)
            self._names.add(style.name)
        return style.name

    def amount(self, places: int) -> str:
        """The amount style with ``places`` decimals."""
        name = f"JP Amount {places}"
        if name not in self._names:
            self._add(NamedStyle(name, font=base_font(), number_format=number_format(places),
                                 alignment=Alignment(vertical="top")))
        return name

    def total(self, places: int) -> str:
        """A bold amount with a rule above it, for total rows."""
        name = f"JP Total {places}"
        if name not in self._names:
            self._add(NamedStyle(
                name,
                number_format=number_format(places),
                font=base_font(bold=True),
                border=Border(top=_THIN),
                alignment=Alignment(vertical="top"),
            ))
        return name


class CellFactory:
    """Builds the values of one write-only worksheet's rows.

    Plain values (numbers without format, safe text) are returned as they are, which is the
    cheapest thing to append; anything that needs a style or the quote prefix comes back as
    a :func:`~openpyxl.cell.WriteOnlyCell` carrying one of the workbook's named styles.
    """

    def __init__(self, ws: Any, styles: Styles) -> None:
        self.ws = ws
        self.styles = styles

    # -- text ------------------------------------------------------------------------------

    def text(self, value: object, style: str | None = None) -> Any:
        """User text: cleaned, quote-prefixed when formula-like; None/'' stay empty."""
        if value is None:
            return None
        text = value if type(value) is str else str(value)
        if _ILLEGAL.search(text):
            text = _ILLEGAL.sub("", text)
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
        if not text:
            return None
        if text[0] in FORMULA_TRIGGERS or text in _ERROR_LITERALS:
            return self.quoted(text, style)
        if style is None:
            return text
        return self.styled(text, style)

    def quoted(self, text: str, style: str | None = None) -> Cell:
        """A string cell with the quote prefix, whatever ``text`` looks like."""
        cell = WriteOnlyCell(self.ws)
        if style is not None:
            cell.style = style
        # Assigning "=..." would make a formula cell and "#N/A" an error cell: set the value
        # and the type by hand so the text is stored as an (inline) string.
        cell._value = text  # type: ignore[attr-defined]  # openpyxl's slot, set past the setter
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    def texts(self, values: Iterable[object]) -> list[Any]:
        return [self.text(v) for v in values]

    # -- numbers and dates ---------------------------------------------------------------------

    def styled(self, value: CellValue, style: str) -> Cell:
        """A cell holding ``value`` (a number, date or safe text) in a named style."""
        cell = WriteOnlyCell(self.ws)
        cell.style = style
        cell.value = value
        return cell

    def amount(self, value: Decimal | None, places: int, style: str | None = None) -> Any:
        """A numeric amount with ``places`` decimals shown; None stays empty."""
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("amounts are Decimal, never float")
        return self.styled(value, style or self.styles.amount(places))

    def money(self, value: Decimal | None, currency: str) -> Any:
        return self.amount(value, minor_units(currency))

    def total(self, value: CellValue, places: int) -> Cell:
        return self.styled(value, self.styles.total(places))

    def percent(self, value: Decimal | None) -> Any:
        return None if value is None else self.styled(value, Styles.PERCENT)

    def rate(self, value: Decimal | None) -> Any:
        return None if value is None else self.styled(value, Styles.RATE)

    def date(self, value: date | None) -> Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            return self.styled(excel_datetime(value), Styles.DATETIME)
        return self.styled(value, Styles.DATE)

    def formula(self, text: str, style: str | None = None) -> Cell:
        """A formula cell (``text`` starts with ``=``); only ever built by this package,
        never from user text."""
        if not text.startswith("="):
            raise ValueError("a formula starts with '='")
        cell = WriteOnlyCell(self.ws)
        if style is not None:
            cell.style = style
        cell.value = text
        return cell

    # -- layout ----------------------------------------------------------------------------

    def header(self, values: Iterable[object]) -> list[Any]:
        return [self.text(v, Styles.HEADER) for v in values]

    def title(self, value: object) -> Any:
        return self.text(value, Styles.TITLE)

    def section(self, value: object) -> Any:
        return self.text(value, Styles.SECTION)

    def label(self, value: object) -> Any:
        return self.text(value, Styles.LABEL)

    def wrap(self, value: object) -> Any:
        return self.text(value, Styles.WRAP)


# -- the hot path of big sheets ------------------------------------------------------------------


class ColumnCell(Cell):
    """A styled numeric cell reused for every row of one column of a write-only sheet.

    openpyxl writes each appended row at once, so one cell object per column can carry the
    values of all rows: no cell is created, no style array hashed per row. Assign numbers
    only, through :meth:`put` or ``cell._value = number`` in a hot loop (a number keeps the
    cell's data type ``"n"``; text goes through :meth:`CellFactory.text`).
    """

    __slots__ = ("_style_id",)
    _style_id: int

    def __init__(self, ws: Any, style: str) -> None:
        super().__init__(ws, row=1, column=1)
        self.style = style
        self._style_id = ws.parent._cell_styles.add(self._style)  # type: ignore[attr-defined]  # StyleableObject's slot, undeclared in the stubs

    @property
    def style_id(self) -> int:
        return self._style_id

    @property
    def has_style(self) -> bool:
        return True

    def put(self, value: Decimal | int) -> ColumnCell:
        if isinstance(value, float):
            raise TypeError("amounts are Decimal, never float")
        self._value = value
        return self


def _lean_values_to_row(self: Any, values: Iterable[Any], row_idx: int) -> Iterator[Cell]:
    """openpyxl's ``WriteOnlyWorksheet._values_to_row`` without its cost for cells passed in
    (it first tries each as a value, formats an error message and catches it) and without a
    new blank cell after every styled one that was ours."""
    cell = WriteOnlyCell(self)
    for col_idx, value in enumerate(values, 1):
        if value is None:
            continue
        if isinstance(value, Cell):
            out = value
        else:
            cell.value = value
            out = cell
        out.column = col_idx
        out.row = row_idx
        yield out
        if out is cell and cell.has_style:
            # A date value gave the shared blank cell a number format: start afresh.
            cell = WriteOnlyCell(self)


def lean_rows(ws: Any) -> Any:
    """Make ``ws`` (write-only) append rows of plain values and cells the cheap way.

    Only an optimisation: if openpyxl renames the hook, rows are written by its own code, the
    same cells, just slower (the benchmark would show it).
    """
    if isinstance(ws, WriteOnlyWorksheet) and hasattr(WriteOnlyWorksheet, "_values_to_row"):
        ws._values_to_row = MethodType(_lean_values_to_row, ws)  # type: ignore[attr-defined]  # the private hook replaced on purpose
    return ws
