"""Sheet plumbing shared by the workbooks: layout set before the first row, row counting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties


def prepare_sheet(
    ws: Any,
    widths: Sequence[float],
    *,
    freeze: str | None = None,
    title_rows: str | None = None,
    hidden: Iterable[int] = (),
    landscape: bool = True,
) -> None:
    """Column widths, frozen panes, print set-up (landscape, fit to one page wide, title
    rows repeated). In write-only mode all of this must happen before the first row."""
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for index in hidden:
        ws.column_dimensions[get_column_letter(index)].hidden = True
    if freeze:
        ws.freeze_panes = freeze
    if landscape:
        ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        ws.print_title_rows = title_rows


class RowWriter:
    """Appends rows to a write-only sheet and knows the number of the last one written, so
    formulas can point at cells already written."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 0

    def append(self, values: Sequence[Any] = ()) -> int:
        """Write one row; returns its number (1-based)."""
        self.ws.append(list(values))
        self.row += 1
        return self.row

    def blank(self, count: int = 1) -> None:
        for _ in range(count):
            self.append([])

    @property
    def next_row(self) -> int:
        return self.row + 1
