"""The print set-up of the cost-split workbook (:mod:`reports.cost_split`): the header and
footer every printed page carries (:class:`reports.sheets.PrintHeader`) and the height a
section of the Summary takes on a page, so that a section's title and header never stay
alone at the bottom of one page with its rows on the next."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from reports.cells import excel_datetime
from reports.data import ArrangementInfo
from reports.sheets import LINE_HEIGHT, PrintHeader, row_height

__all__ = ["print_header", "section_height"]


def print_header(arrangement: ArrangementInfo, period: str,
                 generated_at: datetime | None,
                 t: Callable[[str], str] = str) -> PrintHeader:
    """What every printed page of the workbook says: the arrangement, the period (in
    words) and when it was generated (UTC)."""
    generated = excel_datetime(generated_at)
    return PrintHeader(
        subject=f"{arrangement.reference}: {arrangement.title}",
        period=t("Period: %(period)s") % {"period": period},
        generated=t("Generated %(when)s UTC") % {"when": f"{generated:%Y-%m-%d %H:%M}"},
    )


def section_height(rows: int, header_lines: int = 2) -> float:
    """Points a section's title, its header and its first ``rows`` rows take."""
    return 15.75 + row_height(header_lines) + rows * LINE_HEIGHT
