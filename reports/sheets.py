"""Sheet plumbing shared by the workbooks: layout and print set-up fixed before the first
row, row counting, row heights that fit wrapped text, the document's properties.

Printing (issue 11 item 12): every sheet prints on A4, landscape where it is wide, scaled to
the width of one page and as many pages tall as it needs (never shrunk to one page), with
the column headers repeated on each page, a header naming the arrangement (or the portfolio)
and the sheet and carrying the classification, and a footer with the period, "Page x of y"
and when it was generated (:class:`PrintHeader`).

A spreadsheet engine does not grow a row for wrapped text it did not lay out itself
(LibreOffice keeps the default height of a row the file gives no height), so every row that
holds wrapped text is given a height for its number of lines (:func:`wrapped_lines`), estimated
for the workbooks' one font (:data:`FONT_NAME`, metric-compatible with Liberation Sans, which
LibreOffice uses for it).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties

#: The classification every printed page carries (DOMAIN.md "Whose records").
CLASSIFICATION = "Confidential \u2014 parties only"
#: What made the file (the document's "creator" property).
CREATOR = "jointprojects"
#: The workbooks' font: Arial, which LibreOffice renders with the metric-compatible
#: Liberation Sans, so the row heights estimated here hold in both engines.
FONT_NAME = "Arial"
FONT_SIZE = 10
#: Points per line of :data:`FONT_SIZE` text, and the padding of a row.
LINE_HEIGHT = 12.75
ROW_PADDING = 2.25
#: OOXML paper size code of ISO A4.
PAPER_A4 = 9
#: The page margins (inches): left and right, top and bottom (the header and footer sit
#: inside the top and bottom ones).
MARGIN_SIDE, MARGIN_END = 0.5, 0.75
#: A4 in points.
A4_SHORT, A4_LONG = 595.28, 841.89
#: Excel caps each of the header's and footer's three parts together at 255 characters.
_HEADER_TEXT_MAX = 80


def base_font(**kwargs: Any) -> Font:
    """The workbooks' font (bold, size, colour given as keywords)."""
    return Font(name=FONT_NAME, size=kwargs.pop("size", FONT_SIZE), **kwargs)


def set_default_font(wb: Workbook) -> None:
    """Make :data:`FONT_NAME` the font of every unstyled cell and of the "Normal" style.
    Call on a new workbook, before any style is added."""
    font = base_font()
    wb._fonts = IndexedList([font])  # type: ignore[attr-defined]  # the workbook's font table; index 0 is the default
    normal = wb._named_styles["Normal"]  # type: ignore[attr-defined]  # openpyxl's named style list
    normal.font = font


def set_properties(wb: Workbook, *, title: str, subject: str, keywords: str = "") -> None:
    """The document's properties as a file manager, Excel and LibreOffice show them."""
    props = wb.properties
    props.title = title[:250]
    props.subject = subject[:250]
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    props.keywords = keywords or CLASSIFICATION
    props.description = CLASSIFICATION
    props.category = CLASSIFICATION


def _header_text(text: str) -> str:
    """``text`` for a header or footer: ``&`` doubled (a single one starts a code), cut."""
    text = " ".join(text.split())
    if len(text) > _HEADER_TEXT_MAX:
        text = text[:_HEADER_TEXT_MAX - 1].rstrip() + "\u2026"
    return text.replace("&", "&&")


@dataclass(frozen=True, slots=True)
class PrintHeader:
    """What every printed page of a workbook says: ``subject`` (the arrangement's reference
    and title, or "Portfolio of joint projects") at the top left, the sheet's name in the
    middle, the classification at the top right; the ``period`` at the bottom left, "Page x
    of y" in the middle and ``generated`` (e.g. "Generated 2025-01-02 03:04 UTC") at the
    bottom right."""

    subject: str
    period: str
    generated: str = ""
    classification: str = CLASSIFICATION

    def apply(self, ws: Any) -> None:
        for header in (ws.oddHeader, ws.firstHeader):
            header.left.text = _header_text(self.subject)
            header.center.text = "&A"  # the sheet's name
            header.right.text = _header_text(self.classification)
            for part in (header.left, header.center, header.right):
                part.size = 8
                part.font = f"{FONT_NAME},Bold" if part is header.center else FONT_NAME
        for footer in (ws.oddFooter, ws.firstFooter):
            footer.left.text = _header_text(self.period)
            footer.center.text = "Page &P of &N"
            footer.right.text = _header_text(self.generated)
            for part in (footer.left, footer.center, footer.right):
                part.size = 8
                part.font = FONT_NAME


def prepare_sheet(
    ws: Any,
    widths: Sequence[float],
    *,
    freeze: str | None = None,
    title_rows: str | None = None,
    hidden: Iterable[int] = (),
    landscape: bool = True,
    page: PrintHeader | None = None,
) -> None:
    """Column widths, frozen panes, print set-up (A4, landscape unless ``landscape`` is
    False, fit to one page wide and as many tall as needed, title rows repeated, the
    header and footer of ``page``). In write-only mode all of this must happen before the
    first row."""
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for index in hidden:
        ws.column_dimensions[get_column_letter(index)].hidden = True
    if freeze:
        ws.freeze_panes = freeze
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = False
    ws.print_options.gridLines = False
    margins = ws.page_margins
    margins.left = margins.right = MARGIN_SIDE
    margins.top = margins.bottom = MARGIN_END
    margins.header = margins.footer = 0.3
    if title_rows:
        ws.print_title_rows = title_rows
    if page is not None:
        page.apply(ws)


def page_capacity(widths: Sequence[float], *, landscape: bool = True) -> float:
    """How many points of rows one printed page holds, before scaling, for a sheet of these
    column widths fitted to the page's width (estimated on the safe side: a column of width
    ``w`` is ``7 w + 5`` pixels, 0.75 point each, as Excel and LibreOffice draw Arial 10)."""
    page_width, page_height = (A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG)
    printable_width = page_width - 2 * 72 * MARGIN_SIDE
    printable_height = page_height - 2 * 72 * MARGIN_END
    sheet_width = sum((7 * w + 5) * 0.75 for w in widths)
    scale = min(1.0, printable_width / sheet_width) if sheet_width else 1.0
    return printable_height / scale * 0.96


def wrapped_lines(text: str, width: float, *, bold: bool = False) -> int:
    """How many lines ``text`` takes in a wrapped cell of column ``width`` (Excel's width
    unit: characters of the default font's digits). Estimated on the safe side: a line holds
    a little less than ``width`` characters (fewer still in bold), words are not broken
    unless longer than a line."""
    if not text:
        return 1
    capacity = max(1, math.floor(width * (1.0 if bold else 1.1)) - 1)
    lines = 0
    for paragraph in str(text).splitlines() or [""]:
        lines += max(1, len(textwrap.wrap(paragraph, capacity, break_long_words=True,
                                          break_on_hyphens=False)))
    return lines


def row_height(lines: int, size: float = FONT_SIZE) -> float:
    """Points for ``lines`` lines of ``size``-point text."""
    return round(lines * LINE_HEIGHT * size / FONT_SIZE + ROW_PADDING, 2)


#: Named styles whose text wraps (reports.cells.Styles.HEADER, .WRAP).
WRAPPING_STYLES = frozenset({"JP Header", "JP Wrap"})
#: The top-aligned styles of plain text and numbers (reports.cells.Styles.TEXT, .NUMBER).
TOP_TEXT, TOP_NUMBER = "JP Text", "JP Number"
_BOLD_STYLES = frozenset({"JP Header"})


def fitting_height(values: Sequence[Any], widths: Sequence[float]) -> float | None:
    """The height a row of ``values`` needs for its wrapped cells, None when it has none or
    one line is enough."""
    lines = 1
    for index, value in enumerate(values):
        if not isinstance(value, Cell) or value.style not in WRAPPING_STYLES:
            continue
        if index >= len(widths) or not isinstance(value.value, str):
            continue
        lines = max(lines, wrapped_lines(value.value, widths[index],
                                         bold=value.style in _BOLD_STYLES))
    return row_height(lines) if lines > 1 else None


#: Heights of one-line rows whose largest text is a title (14 pt) or a section (12 pt).
_STYLE_HEIGHTS = {"JP Title": 18.0, "JP Section": 15.75}


def _natural_height(values: Sequence[Any]) -> float:
    """The height a row without an explicit one takes: one line of its largest text."""
    height = LINE_HEIGHT
    for value in values:
        if isinstance(value, Cell):
            height = max(height, _STYLE_HEIGHTS.get(value.style, LINE_HEIGHT))
    return height


def _at_top(ws: Any, value: Any) -> Any:
    """``value`` at the top of a row taller than one line, level with the first line of the
    wrapped cells beside it (a cell without a style sits at the bottom)."""
    if value is None:
        return None
    if isinstance(value, Cell):
        if not value.has_style:
            value.style = TOP_TEXT
        return value
    if isinstance(value, str | int) and not isinstance(value, bool):
        cell = WriteOnlyCell(ws, value)
        cell.style = TOP_TEXT if isinstance(value, str) else TOP_NUMBER
        return cell
    return value


class RowWriter:
    """Appends rows to a write-only sheet and knows the number of the last one written, so
    formulas can point at cells already written. Given the sheet's column ``widths``, it
    gives each row holding wrapped text (headers, notes) the height its lines need."""

    def __init__(self, ws: Any, widths: Sequence[float] = (),
                 capacity: float | None = None) -> None:
        self.ws = ws
        self.row = 0
        self.widths = tuple(widths)
        #: Points of rows a printed page holds (:func:`page_capacity`), None: not counted.
        self.capacity = capacity
        self.used = 0.0

    def append(self, values: Sequence[Any] = (), *, height: float | None = None) -> int:
        """Write one row; returns its number (1-based)."""
        values = list(values)
        if height is None and self.widths:
            height = fitting_height(values, self.widths)
        if height is not None:
            self.ws.row_dimensions[self.row + 1].height = height
            values = [_at_top(self.ws, v) for v in values]
        self.ws.append(values)
        self.row += 1
        self.used += height if height is not None else _natural_height(values)
        return self.row

    def keep_together(self, height: float) -> None:
        """Start a new printed page here unless ``height`` points of rows (a section's title,
        its header and its first rows) still fit on the current one."""
        if self.capacity is None or self.row == 0:
            return
        if self.used + height > self.capacity:
            self.ws.row_breaks.append(Break(id=self.row))
            self.used = 0.0

    def blank(self, count: int = 1) -> None:
        for _ in range(count):
            self.append([])

    @property
    def next_row(self) -> int:
        return self.row + 1
