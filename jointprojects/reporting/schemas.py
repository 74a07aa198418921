"""API shapes: the Excel cost report."""

from __future__ import annotations

from jointprojects.api.schemas import Day, InputSchema, Query, QuerySchema


class ReportPeriod(QuerySchema):
    """``from`` and ``to`` (inclusive, blank for open): checked by
    :func:`jointprojects.reporting.cost_report.parse_period`, which names the bad one."""

    date_from = Query(data_key="from", metadata={"format": "date"})
    date_to = Query(data_key="to", metadata={"format": "date"})


class ReportJobIn(InputSchema):
    """``{from?, to?}``: the period of the report (inclusive, absent for open)."""

    date_from = Day(data_key="from")
    date_to = Day(data_key="to")
