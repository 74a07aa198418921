"""ETag and 304 for the dashboard page and its JSON twin (issue 15)."""

from __future__ import annotations

from flask import Response

#: Kept by the browser only, revalidated on every use (the figures are the viewer's).
CACHE_CONTROL = "private, no-cache"


def revalidate(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def not_modified(etag: str) -> Response:
    return revalidate(Response(status=304), etag)
