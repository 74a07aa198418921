"""API: the leadership dashboard's figures (the JSON twin of the dashboard page)."""

from __future__ import annotations

from flask import request

from jointprojects.api import bp, ensure
from jointprojects.api.openapi import register
from jointprojects.auth import policy
from jointprojects.dashboard.figures import portfolio_figures
from jointprojects.dashboard.filters import read_filters
from jointprojects.dashboard.serialize import figures_json


@bp.get("/dashboard")
def dashboard():  # type: ignore[no-untyped-def]
    """The figures of the dashboard page, money as strings; the same filters as query
    parameters: ``from`` and ``to`` (YYYY-MM), ``organization`` (code), ``area`` (a-f)."""
    ensure(policy.READ)
    filters = read_filters(request.args)
    return figures_json(portfolio_figures(filters))


register("get", "/dashboard",
         "Leadership figures as on the dashboard; query: from, to (YYYY-MM), organization, "
         "area (a-f). Money grouped by reporting currency, as strings")
