"""The dashboard stays fast (issue 15): its figures cached per (portfolio version, filters,
viewer's scope, day), the version raised by database triggers in the same transaction as
every write that moves a figure; ETag and 304 on the page and on GET /api/v1/dashboard;
never stale after a commit, whichever application instance wrote."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask_migrate import upgrade
from sqlalchemy import text

import config
from jointprojects import create_app, totals
from jointprojects.auth.services import create_token, create_user
from jointprojects.budgets.services import set_budget
from jointprojects.dashboard import cache
from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.extensions import db
from jointprojects.organizations.services import load_reference_data
from jointprojects.projects.services import ProjectData, create_project
from jointprojects.special_arrangements import services as arrangements
from jointprojects.special_arrangements.services import ArrangementData, ShareData
from tests.conftest import PASSWORD, USE_POSTGRES, WebClient, _create_pg_database
from tests.jobs.instance import redis_or_skip


def _expense(sa: Any, user: Any, amount: str = "100.00") -> Any:
    return recording.record_expense(sa, ExpenseData(
        date=date(2025, 3, 3), category="travel", description="Mission", amount=amount,
        currency="USD", paid_by="UN"), user)


def test_the_version_triggers_at_head_are_those_the_generator_writes(db: Any) -> None:
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        names = set(db.session.scalars(text(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'jp_version%'")))
        body = db.session.scalar(text("SELECT prosrc FROM pg_proc "
                                      "WHERE proname = 'jp_version_bump'"))
        assert body == totals.version_trigger_statements(dialect)[0].split("$$", 2)[1]
    else:
        installed = dict(db.session.execute(text(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE 'jp_version%'")).all())
        names = set(installed)
        assert sorted(installed.values()) == sorted(totals.version_trigger_statements(dialect))
    assert names == totals.version_trigger_names(dialect)


def test_every_write_that_moves_a_figure_raises_the_version_once_committed(
        db: Any, make_arrangement: Any, make_user: Any, login: Any) -> None:
    user = make_user("finance", "UN")
    sa = make_arrangement()
    start = totals.portfolio_version()
    _expense(sa, user)
    db.session.commit()
    after_expense = totals.portfolio_version()
    assert after_expense > start
    set_budget(sa, "travel", 2025, None, "5000", user)
    db.session.rollback()  # not committed: the version is as it was
    assert totals.portfolio_version() == after_expense
    set_budget(sa, "travel", 2025, None, "5000", user)
    db.session.commit()
    assert totals.portfolio_version() > after_expense
    # what moves no figure leaves it alone: a login, a session, an audit row, a job
    before = totals.portfolio_version()
    web = login(user)
    web.get("/jobs/")
    assert totals.portfolio_version() == before


def test_the_figures_are_computed_once_per_version(api: Any, make_arrangement: Any,
                                                   make_user: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    compute = cache.portfolio_figures

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return compute(*args, **kwargs)

    monkeypatch.setattr(cache, "portfolio_figures", counted)
    user = make_user("finance", "UN")
    sa = make_arrangement()
    client = api(user=user)
    first = client.get("/api/v1/dashboard").get_json()
    again = client.get("/api/v1/dashboard").get_json()
    assert first == again and len(calls) == 1
    _expense(sa, user, "40.00")
    db.session.commit()
    third = client.get("/api/v1/dashboard").get_json()
    assert len(calls) == 2
    usd = next(m for m in third["money"] if m["currency"] == "USD")
    assert usd["spend"] == "40.00"
    # another organization's scope never reads UN's entry
    other = api("finance", "INTERPOL").get("/api/v1/dashboard").get_json()
    assert len(calls) == 3 and other["filters"]["organization"] == "INTERPOL"


def test_etag_and_304_on_the_api_and_the_page(app: Any, api: Any, login: Any,
                                              make_arrangement: Any, make_user: Any) -> None:
    user = make_user("leadership", "UN")
    sa = make_arrangement()
    client = api(user=user)
    response = client.get("/api/v1/dashboard")
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"] == "private, no-cache"
    def revalidate(tag: str) -> Any:
        return client.client.get("/api/v1/dashboard", headers={
            **client._headers(), "If-None-Match": tag})

    unchanged = revalidate(etag)
    assert unchanged.status_code == 304 and unchanged.data == b""
    _expense(sa, make_user("finance", "UN"))
    db.session.commit()
    changed = revalidate(etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag

    web = login(user)
    web.get("/")  # shows (and uses up) any message of the login: such a page has no ETag
    page = web.get("/")
    assert page.status_code == 200 and "ETag" in page.headers
    tag = page.headers["ETag"]
    assert web.get("/", headers={"If-None-Match": tag}).status_code == 304
    # another user's session (another CSRF token, another name on the page): not the same
    # the tests share one app context: forget the user and token the last request cached
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    other = WebClient(app.test_client())
    assert other.post_form("/login", {"email": make_user("leadership", "UN").email,
                                      "password": PASSWORD}).status_code == 302
    other.get("/")
    assert other.get("/", headers={"If-None-Match": tag}).status_code == 200
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    _expense(sa, make_user("finance", "UN"), "5.00")
    db.session.commit()
    assert web.get("/", headers={"If-None-Match": tag}).status_code == 200
    filtered = web.get("/?from=2025-01", headers={"If-None-Match": tag})
    assert filtered.status_code == 200


# --- two application instances on one database --------------------------------------------


@pytest.fixture()
def database(tmp_path: Path) -> Iterator[str]:
    if USE_POSTGRES:
        url, drop = _create_pg_database()
        try:
            yield url
        finally:
            drop()
    else:
        yield f"sqlite:///{tmp_path / 'shared.db'}"


def _instance(url: str, tmp_path: Path, name: str, **overrides: Any) -> Flask:
    app = create_app(config.TestingConfig, SQLALCHEMY_DATABASE_URI=url, **overrides)
    app.instance_path = str(tmp_path / name)
    return app


def _spend(client: Any, token: str) -> str:
    data = client.get("/api/v1/dashboard", headers={"Authorization": f"Bearer {token}"})
    usd = [m for m in data.get_json()["money"] if m["currency"] == "USD"]
    return usd[0]["spend"] if usd else "0"


@pytest.mark.parametrize("shared", ["per process", "redis"])
def test_never_stale_after_a_commit_through_another_instance(
        database: str, tmp_path: Path, shared: str) -> None:
    overrides: dict[str, Any] = {}
    if shared == "redis":
        overrides["DASHBOARD_CACHE_REDIS_URL"] = redis_or_skip()
    first = _instance(database, tmp_path, "a", **overrides)
    second = _instance(database, tmp_path, "b", **overrides)
    if shared == "redis":  # a fresh key space for this database
        for app in (first, second):
            with app.app_context():
                cache.store().prefix += secrets.token_hex(4) + ":"  # type: ignore[attr-defined]
        with second.app_context():
            cache.store().prefix = cache.store(first).prefix  # type: ignore[attr-defined]
    try:
        with first.app_context():
            upgrade(directory=first.extensions["migrate"].directory)
            load_reference_data()
            admin = create_user("admin@example.org", "correct-horse-battery", "admin", "UN")
            create_project(ProjectData(code="P-1", title="Training", areas=["b"],
                                       lead_organization="UN", start_date=date(2025, 1, 1)))
            sa = arrangements.create_arrangement(ArrangementData(
                reference="SA-1", project="P-1", title="Modules", kind="joint_action",
                parties=["UN", "INTERPOL"], currency="USD", start_date=date(2025, 1, 1),
                shares=[ShareData("UN", "55"), ShareData("INTERPOL", "45")]), admin)
            for code in ("UN", "INTERPOL"):
                arrangements.sign(sa, code, date(2025, 1, 1), admin)
            token = create_token("admin@example.org")
            db.session.commit()
            db.session.remove()
        reader, writer = first.test_client(), second.test_client()
        with first.app_context():
            assert _spend(reader, token) == "0"
        for amount, total in (("10.00", "10.00"), ("2.50", "12.50")):
            with second.app_context():
                response = writer.post("/api/v1/arrangements/SA-1/expenses", json={
                    "date": "2025-03-03", "category": "travel", "description": "Mission",
                    "amount": amount, "currency": "USD", "paid_by": "UN"},
                    headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 201, response.get_json()
            with first.app_context():
                assert _spend(reader, token) == total  # the reader's cache is not stale
    finally:
        for app in (first, second):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
