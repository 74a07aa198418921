"""API: the Excel cost report of an arrangement (API.md)."""

from __future__ import annotations

from jointprojects.api import api_user, bp, ensure
from jointprojects.api.openapi import XLSX, operation
from jointprojects.api.schemas import read_query
from jointprojects.auth import policy
from jointprojects.reporting import schemas
from jointprojects.reporting.cost_report import parse_period
from jointprojects.reporting.download import cost_report_response
from jointprojects.special_arrangements.services import get_arrangement


@bp.get("/arrangements/<reference>/cost-report.xlsx")
@operation("The Excel cost report (.xlsx) for a period: live formulas equal to the cost split "
           "to the cent", query=schemas.ReportPeriod, content_type=XLSX)
def get_cost_report(reference: str):  # type: ignore[no-untyped-def]
    """The cost-split workbook for ``from``/``to`` (optional, inclusive): its figures are
    those of ``GET .../cost-split`` for the same period, to the cent."""
    ensure(policy.REPORT_DOWNLOAD)
    sa = get_arrangement(reference)
    args = read_query(schemas.ReportPeriod)
    date_from, date_to = parse_period(args["date_from"], args["date_to"])
    return cost_report_response(sa, date_from, date_to, api_user())

