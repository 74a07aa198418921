"""API: the Excel cost report of an arrangement (API.md)."""

from __future__ import annotations

from flask import request

from jointprojects.api import api_user, bp, ensure, openapi
from jointprojects.auth import policy
from jointprojects.reporting.cost_report import parse_period
from jointprojects.reporting.download import cost_report_response
from jointprojects.special_arrangements.services import get_arrangement


@bp.get("/arrangements/<reference>/cost-report.xlsx")
def get_cost_report(reference: str):  # type: ignore[no-untyped-def]
    """The cost-split workbook for ``from``/``to`` (optional, inclusive): its figures are
    those of ``GET .../cost-split`` for the same period, to the cent."""
    ensure(policy.REPORT_DOWNLOAD)
    sa = get_arrangement(reference)
    date_from, date_to = parse_period(request.args.get("from"), request.args.get("to"))
    return cost_report_response(sa, date_from, date_to, api_user())


openapi.register("get", "/arrangements/{reference}/cost-report.xlsx",
                 "The Excel cost report (.xlsx) for a period (from?, to?): live formulas equal "
                 "to the cost split to the cent; 422 for a bad date")
