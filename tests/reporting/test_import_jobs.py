"""Imports as jobs (issue 15): the preview reads and checks a file once and keeps its
checked rows for the confirmation; above IMPORT_JOB_THRESHOLD rows the check and the
recording run as jobs (run here as a consumer runs them: jointprojects.jobs.runner.run_job),
with their progress in words; all rows or none; a confirmation refuses when the arrangement
changed after the preview."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.jobs import runner, services
from jointprojects.jobs.models import Job
from jointprojects.reporting import imports
from jointprojects.reporting.models import PendingImport
from reports import imports as sheet
from tests.conftest import csrf_from
from tests.reporting.conftest import csv_bytes, xlsx
from tests.reporting.test_imports import confirm, problems, token_of, upload


@pytest.fixture()
def sa(make_arrangement: Any, rates: None) -> Any:
    return make_arrangement()


@pytest.fixture()
def web(login: Any, finance: Any) -> Any:
    return login(finance)


@pytest.fixture()
def threshold(app: Any) -> Any:
    app.config["IMPORT_JOB_THRESHOLD"] = 10
    yield 10
    app.config["IMPORT_JOB_THRESHOLD"] = 5_000


def rows(count: int, start: date = date(2025, 2, 1)) -> list[list[Any]]:
    return [[(start + timedelta(days=i % 90)).isoformat(), "travel", f"Mission {i}",
             f"{10 + i % 7}.25", "EUR" if i % 3 else "USD", None,
             "UN" if i % 2 else "INTERPOL", f"R-{i}"] for i in range(count)]


@pytest.fixture()
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows the file checks read (reports.imports.parse_expense_rows)."""
    calls: list[int] = []
    parse = sheet.parse_expense_rows

    def counting(table: Any, **kwargs: Any) -> Any:
        calls.append(len(table))
        return parse(table, **kwargs)

    monkeypatch.setattr(sheet, "parse_expense_rows", counting)
    return calls


def sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def expenses_of(sa: Any) -> int:
    return int(db.session.scalar(select(func.count(Expense.id)).where(
        Expense.arrangement_id == sa.id)))


def last_job() -> Job:
    db.session.expire_all()
    return db.session.scalars(select(Job).order_by(Job.id.desc())).first()


def test_below_the_threshold_the_preview_checks_once_and_confirming_records_it(
        web: Any, sa: Any, parse_calls: list[int]) -> None:
    response = upload(web, sa, csv_bytes(rows(8)), name="eight.csv")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert parse_calls == [8]
    pending = db.session.scalar(select(PendingImport))
    assert pending.status == "ready" and pending.row_count == 8 and pending.content == b""
    total = re.search(r'data-figure="total">([^<]+)<', html).group(1)
    done = confirm(web, html)
    assert done.status_code == 200 and "8 expenses from eight.csv recorded" in done.get_data(
        as_text=True)
    assert parse_calls == [8], "the confirmation must not read or check the file again"
    assert expenses_of(sa) == 8
    recorded = db.session.scalar(select(func.sum(Expense.reporting_amount)).where(
        Expense.arrangement_id == sa.id))
    assert f"{recorded:,.2f}" == total
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0  # no job below


def test_at_the_threshold_it_stays_immediate_one_row_over_it_is_a_job(
        web: Any, sa: Any, threshold: int) -> None:
    at = upload(web, sa, csv_bytes(rows(threshold)), name="at.csv")
    assert at.status_code == 200 and "confirm" in at.get_data(as_text=True).lower()
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    over = upload(web, sa, csv_bytes(rows(threshold + 1)), name="over.csv")
    assert over.status_code == 302
    job = last_job()
    assert over.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.kind, job.status, job.arrangement_id) == ("import_preview", "queued", sa.id)


def test_a_large_import_end_to_end_as_jobs(web: Any, sa: Any, threshold: int,
                                           parse_calls: list[int],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "CHECK_ROWS", 10)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    phases: list[tuple[str, Any, Any]] = []
    write = services._write

    def spy(job_id: int, **values: Any) -> bool:
        if "phase" in values:
            phases.append((values["phase"], values.get("done_count"), values.get("total_count")))
        return write(job_id, **values)

    monkeypatch.setattr(services, "_write", spy)
    monkeypatch.setattr(services.Reporter, "__init__", _every_report)
    data = xlsx(rows(25))
    response = upload(web, sa, data, name="big.xlsx")
    job = last_job()
    assert response.status_code == 302 and job.kind == "import_preview"
    page = web.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Import check" in page and "waiting for a worker" in page
    assert runner.run_job(job.id) == "done"
    assert parse_calls == [10, 10, 5]  # read in steps, once
    assert ("checking the rows", 20, 25) in phases
    assert ("recording", None, 25) in phases or ("recording", 0, 25) in phases
    if not sqlite():  # SQLite: one writer at a time, the reports resume after the rows
        assert ("recording", 10, 25) in phases
    assert expenses_of(sa) == 0  # the preview stores nothing
    page = web.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f"/expenses/imports/jobs/{job.id}" in page
    preview = web.get(f"/expenses/imports/jobs/{job.id}")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "big.xlsx" in html
    phases.clear()
    recorded = confirm(web, html, follow=False)
    assert recorded.status_code == 302
    second = last_job()
    assert second.kind == "import_expenses" and recorded.headers["Location"].endswith(
        f"/jobs/{second.id}")
    again = confirm(web, html, follow=False)  # a double click records nothing twice
    assert again.status_code == 302 and last_job().id == second.id
    assert runner.run_job(second.id) == "done"
    assert parse_calls == [10, 10, 5], "the confirmation must not check the file again"
    assert any(p == "recording" for p, _, _ in phases)
    if not sqlite():
        assert ("recording", 20, 25) in phases
    assert expenses_of(sa) == 25
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0
    page = web.get(f"/jobs/{second.id}").get_data(as_text=True)
    assert f"/expenses/arrangements/{sa.reference}" in page or sa.reference in page


def _every_report(self: Any, job_id: int, *, interval: float = 0.0, clock: Any = None) -> None:
    import time

    self.job_id, self.interval, self.clock = job_id, 0.0, clock or time.monotonic
    self._last, self._phase = float("-inf"), None


def test_a_bad_row_in_a_large_file_stores_nothing_and_is_named(
        web: Any, sa: Any, threshold: int) -> None:
    data = rows(30)
    data[21][3] = "twelve"
    data[27][0] = "2024-01-01"  # before the arrangement's entry into force
    upload(web, sa, csv_bytes(data), name="bad.csv")
    job = last_job()
    assert runner.run_job(job.id) == "failed"
    job = last_job()
    assert "Nothing was stored from bad.csv: 2 bad rows." in job.error
    assert "row 23, amount" in job.error and "row 29, date" in job.error
    assert expenses_of(sa) == 0
    page = web.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "row 23, amount" in page
    assert web.get(f"/expenses/imports/jobs/{job.id}").status_code == 302


def test_a_bad_row_in_a_later_chunk_of_the_recording_stores_nothing(
        web: Any, sa: Any, threshold: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """All or none while recording: the chunks already recorded are rolled back."""
    upload(web, sa, csv_bytes(rows(30)), name="late.csv")
    assert runner.run_job(last_job().id) == "done"
    html = web.get(f"/expenses/imports/jobs/{last_job().id}").get_data(as_text=True)
    confirm(web, html, follow=False)
    job = last_job()
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    real = recording.record_expense_batch
    calls = []

    def third_chunk_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            from jointprojects.errors import DomainError, FieldError
            raise DomainError([FieldError("rows[4].date", "This month is closed.")])
        return real(*args, **kwargs)

    monkeypatch.setattr(recording, "record_expense_batch", third_chunk_fails)
    assert runner.run_job(job.id) == "failed"
    assert "row 26, date: This month is closed." in last_job().error
    assert expenses_of(sa) == 0


def test_the_confirmation_refuses_when_the_arrangement_changed(
        web: Any, sa: Any, finance: Any) -> None:
    html = upload(web, sa, csv_bytes(rows(5)), name="five.csv").get_data(as_text=True)
    recording.record_expense(sa, ExpenseData(
        date=date(2025, 3, 1), category="travel", description="Meanwhile", amount="5",
        currency="USD", paid_by="UN"), finance)
    db.session.commit()
    response = confirm(web, html)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "changed since the preview" in text and "nothing was stored" in text
    assert expenses_of(sa) == 1


def test_the_confirmation_refuses_when_a_rate_changed(web: Any, sa: Any,
                                                      make_user: Any) -> None:
    from jointprojects.exchange_rates import services as rate_services

    html = upload(web, sa, csv_bytes(rows(5)), name="five.csv").get_data(as_text=True)
    rate_services.set_rate("EUR", "2025-02", "0.5", "corrected", make_user("finance", "UN"))
    db.session.commit()
    response = confirm(web, html)
    assert response.status_code == 422
    assert "exchange rate was corrected" in response.get_data(as_text=True)
    assert expenses_of(sa) == 0


def test_duplicates_still_need_their_answer(web: Any, sa: Any) -> None:
    data = rows(3)
    data.append(list(data[0]))
    html = upload(web, sa, csv_bytes(data), name="rows.csv").get_data(as_text=True)
    response = confirm(web, html)
    assert response.status_code == 422 and "Store them anyway" in response.get_data(
        as_text=True)
    assert expenses_of(sa) == 0
    response = web.client.post(f"/expenses/imports/{token_of(html)}/confirm", data={
        "csrf_token": csrf_from(html), "store_duplicates": "y"}, follow_redirects=True)
    assert response.status_code == 200 and expenses_of(sa) == 4


def test_cancelling_the_check_job_keeps_nothing(web: Any, sa: Any, threshold: int,
                                                api: Any, finance: Any) -> None:
    upload(web, sa, csv_bytes(rows(20)), name="c.csv")
    job = last_job()
    response = api(user=finance).post(f"/api/v1/jobs/{job.id}/cancel")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert runner.run_job(job.id) == "skipped"
    assert expenses_of(sa) == 0


def test_the_command_shows_a_progress_bar(runner_cli: Any, sa: Any, tmp_path: Any) -> None:
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes(rows(1_200)))
    result = runner_cli.invoke(args=["import-expenses", sa.reference, str(path), "--progress"])
    assert result.exit_code == 0, result.output
    assert "checking the rows" in result.stderr and "recording" in result.stderr
    assert "1.20k/1.20k" in result.stderr
    assert "Imported 1200 expenses" in result.stdout
    assert Decimal(0) <= Decimal(1)
    quiet = runner_cli.invoke(args=["import-expenses", sa.reference, str(path),
                                    "--allow-duplicates"])
    assert quiet.exit_code == 0 and "checking the rows" not in quiet.stderr


@pytest.fixture()
def runner_cli(runner: Any) -> Any:
    return runner


def test_problems_below_the_threshold_are_shown_as_before(web: Any, sa: Any) -> None:
    data = rows(4)
    data[2][3] = "zero"
    html = upload(web, sa, csv_bytes(data), name="rows.csv").get_data(as_text=True)
    assert problems(html) == [("4", "amount")]
