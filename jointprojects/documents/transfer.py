"""Documents over HTTP, for the pages and the API alike: the upload cap of the routes that
take files, and the download response."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import Response, current_app, request, stream_with_context

from jointprojects.documents.models import Document
from jointprojects.documents.services import max_request_bytes

F = TypeVar("F", bound=Callable[..., Any])


def accepts_uploads(view: F) -> F:
    """Mark a view that takes document uploads: its requests may be as large as
    ``DOCUMENTS_MAX_REQUEST_BYTES`` (several files), above the app's ``MAX_CONTENT_LENGTH``."""
    view.accepts_uploads = True  # type: ignore[attr-defined]
    return view


def raise_upload_cap(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A URL value preprocessor: it runs before every ``before_request`` function (the CSRF
    check and the input bounds read the form first), so the request's own cap is set before
    its body is parsed. Files are spooled to disk by the parser, never held whole."""
    view = current_app.view_functions.get(endpoint or "")
    if view is not None and getattr(view, "accepts_uploads", False):
        request.max_content_length = max_request_bytes()


def download_response(document: Document, chunks: Iterator[bytes]) -> Response:
    """The bytes as an attachment: never rendered inline, never sniffed, never cached, under
    a policy that lets nothing in them run even if a browser tried. Streamed a chunk at a
    time (the request context stays open until the last one is sent)."""
    response = Response(stream_with_context(chunks), mimetype=document.content_type,
                        direct_passthrough=True)
    response.content_length = document.size
    response.headers.set("Content-Disposition", "attachment", filename=document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Document-SHA256"] = document.sha256
    return response
