"""The dashboard's figures, cached (issue 15): per (portfolio version, filters, viewer's
scope, day), shared by every process through Redis when ``JOINTPROJECTS_REDIS_URL`` is set,
per process otherwise (the embedded default).

The key starts with ``portfolio_version`` (:func:`jointprojects.totals.portfolio_version`),
a counter that every write moving a figure raises in its own transaction (database
triggers), so a figure is never served stale after a commit, whichever process wrote and
whichever reads: the next read finds a new version, hence a new key, and computes. The
viewer's scope is part of the filters (``for_viewer`` imposes the organization), so one
organization's figures are never served to another. Entries are pickled and signed with the
application's secret (HMAC-SHA256): an entry is only unpickled when this application wrote
it. The same key is the dashboard's ETag (page and API): a client revalidating an unchanged
portfolio gets 304 without a figure computed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

import redis
from flask import Flask, current_app

from jointprojects import totals
from jointprojects.dashboard.figures import Figures, portfolio_figures
from jointprojects.dashboard.filters import Filters

log = logging.getLogger(__name__)

#: Seconds a shared entry lives (it is never stale: a new version makes a new key).
SHARED_SECONDS = 3600
#: Entries one process keeps in the embedded default.
LOCAL_ENTRIES = 256
_EXTENSION = "jointprojects_dashboard_cache"


class Store(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes) -> None: ...


class LocalStore:
    """This process's entries, the least recently used dropped first."""

    def __init__(self, size: int = LOCAL_ENTRIES) -> None:
        self.size = size
        self.entries: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


class RedisStore:
    """Entries shared by every process; an unreachable Redis only means computing."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.prefix = prefix

    def get(self, key: str) -> bytes | None:
        try:
            value = self.client.get(self.prefix + key)
        except redis.RedisError:
            log.warning("dashboard cache: Redis unreachable, computing")
            return None
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes) -> None:
        try:
            self.client.set(self.prefix + key, value, ex=SHARED_SECONDS)
        except redis.RedisError:
            log.warning("dashboard cache: Redis unreachable, not kept")


def store(app: Flask | None = None) -> Store:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    made: Store | None = app.extensions.get(_EXTENSION)
    if made is None:
        url = str(app.config.get("DASHBOARD_CACHE_REDIS_URL") or "")
        database = str(app.config["SQLALCHEMY_DATABASE_URI"]).encode()
        prefix = f"jointprojects:dashboard:{hashlib.sha256(database).hexdigest()[:12]}:"
        made = RedisStore(url, prefix) if url else LocalStore()
        app.extensions[_EXTENSION] = made
    return made


def figures_key(filters: Filters, today: date) -> str:
    """The cache key and ETag: the portfolio version, the day and the filters (the viewer's
    imposed organization included)."""
    parts = [totals.portfolio_version(), today.isoformat(), filters.start, filters.end,
             filters.organization, filters.organization_id, filters.area, filters.area_id,
             filters.imposed]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:40]


def _sign(data: bytes) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, data, hashlib.sha256).digest()


def _dump(figures: Figures) -> bytes:
    data = pickle.dumps(figures, protocol=pickle.HIGHEST_PROTOCOL)
    return _sign(data) + data


def _load(raw: bytes) -> Figures | None:
    signature, data = raw[:32], raw[32:]
    if not hmac.compare_digest(signature, _sign(data)):
        log.warning("dashboard cache: an entry not signed by this application, ignored")
        return None
    value: Any = pickle.loads(data)  # noqa: S301 - signed by this application above
    return value if isinstance(value, Figures) else None


def cached_figures(filters: Filters, today: date | None = None) -> tuple[Figures, str]:
    """The figures for ``filters`` (from the cache or computed and kept) and their key."""
    today = today or date.today()
    key = figures_key(filters, today)
    kept = store()
    raw = kept.get(key)
    figures = _load(raw) if raw is not None else None
    if figures is None:
        figures = portfolio_figures(filters, today)
        kept.set(key, _dump(figures))
    return figures, key


def cached_text(key: str, make: Callable[[], str]) -> str:
    """A text made once per ``key`` (the dashboard's rendered figures), kept signed."""
    name = "text:" + hashlib.sha256(key.encode()).hexdigest()[:40]
    kept = store()
    raw = kept.get(name)
    if raw is not None:
        signature, data = raw[:32], raw[32:]
        if hmac.compare_digest(signature, _sign(data)):
            return data.decode()
    value = make()
    data = value.encode()
    kept.set(name, _sign(data) + data)
    return value
