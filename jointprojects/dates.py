"""Calendar arithmetic of the agreement (DOMAIN.md rule 8). Standard library only.

* months are written ``"YYYY-MM"`` (exchange rates, totals by month): :func:`month_of`,
  :func:`parse_month`, :func:`first_day`, :func:`next_month`;
* calendar months are added with end-of-month clamping: :func:`add_months`;
* a termination takes effect six calendar months after the written notice (Art. 10.3):
  :func:`termination_effective_date`;
* a span of N calendar months starting on a day ends, inclusive, the day before the same
  date N months later: :func:`span_end` (the longest personnel exchange, Art. 8).

Named ``dates`` rather than ``calendar`` so as not to shadow the standard library module.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

__all__ = [
    "MONTH_NAMES",
    "NOTICE_MONTHS",
    "add_months",
    "first_day",
    "long_date",
    "month_of",
    "months_of_year_in",
    "next_month",
    "parse_month",
    "span_end",
    "termination_effective_date",
]

#: Art. 10.3: termination takes effect six months after the written notice.
NOTICE_MONTHS = 6

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

#: Month names as pages write them (English, whatever the server's locale).
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


def long_date(day: date | None) -> str:
    """A day as people read it: ``date(2025, 1, 6)`` -> ``"6 January 2025"``; None -> ``""``."""
    if day is None:
        return ""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def month_of(day: date) -> str:
    """The month of ``day`` as ``"YYYY-MM"``."""
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: str | None) -> str:
    """``"2025-03"`` (surrounding blanks ignored) checked and returned; :class:`ValueError`
    when it is not a month written ``YYYY-MM`` from 1900 on."""
    match = _MONTH_RE.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise ValueError("The month must be written YYYY-MM, e.g. 2025-03.")
    return match.group(0)


def first_day(month: str) -> date:
    """The first day of ``month`` (``"YYYY-MM"``, already checked)."""
    return date(int(month[:4]), int(month[5:7]), 1)


def next_month(day: date) -> date:
    """The first day of the month after the month of ``day``."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months (negative goes back), clamped to the end of the
    month when the day does not exist there (DOMAIN.md rule 8):
    2025-08-31 + 6 -> 2026-02-28, 2027-08-31 + 6 -> 2028-02-29, 2024-03-31 - 1 -> 2024-02-29.

    Raises :class:`OverflowError` (from :class:`datetime.date`) outside years 1..9999.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    if not 1 <= year <= 9999:
        raise OverflowError(f"{d.isoformat()} + {months} months is out of the calendar's range")
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def termination_effective_date(notice_date: date) -> date:
    """The day a termination takes effect: the written notice date plus six calendar months
    (Art. 10.3, "six months' written notice"), with end-of-month clamping (rule 8)."""
    return add_months(notice_date, NOTICE_MONTHS)


def span_end(start: date, months: int) -> date:
    """The last day (inclusive) of ``months`` calendar months starting on ``start``.

    ``months`` calendar months from ``start`` end the day before the same date ``months``
    later (clamped to the month's end, rule 8):
    2025-01-01 + 24 -> 2026-12-31; 2026-03-01 + 24 -> 2028-02-29 (leap year);
    2024-02-29 + 24 -> 2026-02-27 (29 February 2026 does not exist: 28 February is the
    anniversary, and the day before it the last day of the span).
    """
    return add_months(start, months) - timedelta(days=1)


def months_of_year_in(year: int, start: str | None, end: str | None) -> int:
    """How many months of ``year`` lie in the period from month ``start`` to month ``end``
    (``"YYYY-MM"``, both included; None: unbounded on that side). A budget is set per year:
    a period of August to September 2026 holds 2 of the 12 months of the 2026 budget."""
    first = 1
    last = 12
    if start:
        start_year, start_month = int(start[:4]), int(start[5:7])
        if start_year > year:
            return 0
        if start_year == year:
            first = start_month
    if end:
        end_year, end_month = int(end[:4]), int(end[5:7])
        if end_year < year:
            return 0
        if end_year == year:
            last = end_month
    return max(0, last - first + 1)
