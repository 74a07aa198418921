"""API: the leadership dashboard's figures (the JSON twin of the dashboard page)."""

from __future__ import annotations

from datetime import date

from flask import current_app, request

from jointprojects.api import api_user, bp, ensure
from jointprojects.api.openapi import operation
from jointprojects.api.schemas import read_query
from jointprojects.auth import policy
from jointprojects.dashboard import schemas
from jointprojects.dashboard.cache import cached_figures, cached_text, figures_key
from jointprojects.dashboard.etags import not_modified, revalidate
from jointprojects.dashboard.filters import for_viewer, read_filters
from jointprojects.dashboard.serialize import figures_json


@bp.get("/dashboard")
@operation("Leadership figures as on the dashboard, money grouped by reporting currency, as "
           "strings", query=schemas.DashboardQuery, response=schemas.Dashboard)
def dashboard():  # type: ignore[no-untyped-def]
    """The figures of the dashboard page, money as strings; the same filters as query
    parameters: ``from`` and ``to`` (YYYY-MM), ``organization`` (code), ``area`` (a-f)."""
    ensure(policy.READ)
    read_query(schemas.DashboardQuery)  # the shape; read_filters checks the values
    filters = for_viewer(read_filters(request.args), api_user())
    etag = figures_key(filters, date.today())
    if etag in request.if_none_match:
        return not_modified(etag)
    # The JSON itself is kept under the same key: a hit costs no figure and no encoding.
    body = cached_text(f"{etag}:json", lambda: current_app.json.dumps(
        figures_json(cached_figures(filters)[0])))
    return revalidate(current_app.response_class(body, mimetype="application/json"), etag)

