"""The personnel timeline's geometry: who of an organization is away (home) and who it
hosts, month by month, as bars placed in percent of the window (the timeline page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from jointprojects.dates import add_months
from jointprojects.extensions import db
from jointprojects.personnel_exchanges.models import PersonnelExchange
from jointprojects.personnel_exchanges.queries import exchange_query

# --- timeline ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineBar:
    exchange: PersonnelExchange
    #: Offset and width of the bar in percent of the window, as CSS-ready text.
    left: str
    width: str
    starts_before: bool
    ends_after: bool


@dataclass(frozen=True)
class TimelineMonth:
    label: str
    left: str
    width: str


def _percent(part: int, whole: int) -> str:
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.01'))}%"


def bar_geometry(start: date, end: date, window_start: date,
                 window_end: date) -> tuple[str, str] | None:
    """Where an exchange covering ``start``..``end`` (inclusive) sits on a window covering
    ``window_start``..``window_end`` (inclusive): (left, width) in percent, or None when it
    falls outside the window."""
    if end < window_start or start > window_end:
        return None
    days = (window_end - window_start).days + 1
    first = max(start, window_start)
    last = min(end, window_end)
    return _percent((first - window_start).days, days), _percent((last - first).days + 1, days)


def timeline(organization: str, window_start: date, months: int,
             on: date | None = None, visible: Any = None) -> dict[str, Any]:
    """Who of ``organization`` is away (home) and who it hosts, month by month from
    ``window_start`` (the first of a month) for ``months`` months; cancelled exchanges left
    out. Two queries whatever the number of exchanges."""
    window_end = add_months(window_start, months) - timedelta(days=1)
    base = exchange_query(organization=organization, on=on).where(
        PersonnelExchange.status != "cancelled",
        PersonnelExchange.start_date <= window_end,
        PersonnelExchange.end_date >= window_start,
    )
    if visible is not None:  # the viewer's policy.visible_exchanges_clause
        base = base.where(visible)
    away: list[TimelineBar] = []
    hosted: list[TimelineBar] = []
    for ex in db.session.scalars(base):
        geometry = bar_geometry(ex.start_date, ex.end_date, window_start, window_end)
        if geometry is None:  # pragma: no cover - the query already keeps the window
            continue
        bar = TimelineBar(ex, geometry[0], geometry[1], ex.start_date < window_start,
                          ex.end_date > window_end)
        (away if ex.home_organization.code == organization else hosted).append(bar)
    labels = []
    for index in range(months):
        first = add_months(window_start, index)
        last = add_months(window_start, index + 1) - timedelta(days=1)
        left, width = bar_geometry(first, last, window_start, window_end) or ("0%", "0%")
        labels.append(TimelineMonth(first.strftime("%b %Y"), left, width))
    return {"away": away, "hosted": hosted, "months": labels, "start": window_start,
            "end": window_end}
