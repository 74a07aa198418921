"""Fixtures: an application on a throwaway database, clients, and factories.

The database is SQLite in memory by default. With ``JOINTPROJECTS_TEST_DB=postgres`` the suite
creates its own PostgreSQL database (on ``JOINTPROJECTS_TEST_PG_URL``, default the local
server), migrates it to head, and drops it at the end; under ``CI=true`` that run must not be
skipped. Each test starts from the reference data alone: the tables are emptied after it.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

import config
from jointprojects import create_app
from jointprojects.extensions import db as _db
from tests.append_only import triggers_off

PASSWORD = "correct-horse-battery"
PG_ADMIN_URL = os.environ.get(
    "JOINTPROJECTS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
USE_POSTGRES = os.environ.get("JOINTPROJECTS_TEST_DB", "sqlite") == "postgres"


def _create_pg_database() -> tuple[str, Callable[[], None]]:
    name = f"jp_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"PostgreSQL is required under CI=true: {exc}") from exc
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    if not USE_POSTGRES:
        yield "sqlite://"
        return
    url, drop = _create_pg_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="session")
def _app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        config.TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=app.extensions["migrate"].directory)
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _empty_tables() -> None:
    # DELETE beats TRUNCATE on small tables (TRUNCATE rewrites every file on PostgreSQL).
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn, triggers_off(conn):  # audit rows are append-only
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture()
def app(_app: Flask) -> Iterator[Flask]:
    """The application with the reference data loaded, emptied again after the test."""
    with _app.app_context():
        from jointprojects.organizations.services import load_reference_data

        load_reference_data()
        _db.session.commit()
        _app.extensions.pop("jointprojects_login_throttle", None)  # fresh login counters
        try:
            yield _app
        finally:
            _db.session.rollback()
            _db.session.remove()
            _empty_tables()


@pytest.fixture()
def db(app: Flask) -> Any:
    return _db


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# --- factories ---------------------------------------------------------------------------------


@pytest.fixture()
def make_user(app: Flask) -> Callable[..., Any]:
    from jointprojects.auth.services import create_user

    counter = iter(range(1, 10_000))

    def make(
        role: str = "programme_manager",
        organization: str = "UN",
        email: str | None = None,
        password: str = PASSWORD,
    ) -> Any:
        email = email or f"{role}.{organization.lower()}.{next(counter)}@example.org"
        user = create_user(email, password, role, organization, name=email.split("@")[0])
        _db.session.commit()
        return user

    return make


@pytest.fixture()
def make_project(app: Flask) -> Callable[..., Any]:
    from jointprojects.projects.services import ProjectData, create_project

    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> Any:
        data = ProjectData(
            code=f"P-{next(counter):03d}",
            title="Police training on environmental crime",
            areas=["b", "c"],
            lead_organization="INTERPOL",
            start_date=date(2025, 1, 1),
        )
        for key, value in overrides.items():
            setattr(data, key, value)
        project = create_project(data)
        _db.session.commit()
        return project

    return make


@pytest.fixture()
def make_arrangement(app: Flask, make_project: Callable[..., Any]) -> Callable[..., Any]:
    """An arrangement between UN (55) and INTERPOL (45), signed unless ``signed=False``."""
    from jointprojects.auth.models import User
    from jointprojects.special_arrangements import services as sa
    from jointprojects.special_arrangements.services import ArrangementData, ShareData

    counter = iter(range(1, 10_000))

    def make(
        signed: bool = True, signed_on: date | None = None, shares: Any = None, **overrides: Any
    ) -> Any:
        parties = overrides.pop("parties", ["UN", "INTERPOL"])
        if shares is None:
            shares = [ShareData("UN", "55"), ShareData("INTERPOL", "45")]
        elif isinstance(shares, dict):
            shares = [ShareData(org, pct) for org, pct in shares.items()]
        data = ArrangementData(
            reference=f"SA-{next(counter):03d}",
            project=overrides.pop("project", None) or make_project().code,
            title="Training modules",
            kind="joint_action",
            parties=parties,
            currency="USD",
            start_date=date(2025, 1, 1),
            shares=shares,
        )
        for key, value in overrides.items():
            setattr(data, key, value)
        admin = _db.session.scalar(_db.select(User).filter_by(role="admin"))
        if admin is None:
            from jointprojects.auth.services import create_user

            admin = create_user("factory-admin@example.org", PASSWORD, "admin", "UN")
        arrangement = sa.create_arrangement(data, admin)
        if signed:
            for code in parties:
                sa.sign(arrangement, code, signed_on or data.start_date, admin)
        _db.session.commit()
        return arrangement

    return make


# --- web and API helpers --------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class WebClient:
    """A logged-in browser: ``post_form`` fetches the page first for its CSRF token."""

    def __init__(self, client: FlaskClient, user: Any = None) -> None:
        self.client = client
        self.user = user

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post_form(self, url: str, data: dict[str, Any], page: str | None = None, **kw: Any) -> Any:
        html = self.client.get(page or url).get_data(as_text=True)
        return self.client.post(url, data={"csrf_token": csrf_from(html), **data}, **kw)


@pytest.fixture()
def login(client: FlaskClient) -> Callable[..., WebClient]:
    def do(user: Any, password: str = PASSWORD) -> WebClient:
        web = WebClient(client, user)
        response = web.post_form("/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return web

    return do


class ApiClient:
    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(), **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(url, json=json, headers=self._headers(), **kw)

    def put(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(url, json=json, headers=self._headers(), **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self._headers(), **kw)


@pytest.fixture()
def api(client: FlaskClient, make_user: Callable[..., Any]) -> Callable[..., ApiClient]:
    """``api(role="admin", organization="UN")`` -> a client sending that user's bearer token."""
    from jointprojects.auth.services import create_token

    def make(role: str = "admin", organization: str = "UN", user: Any = None) -> ApiClient:
        user = user or make_user(role, organization)
        token = create_token(user.email)
        _db.session.commit()
        return ApiClient(client, token)

    return make
