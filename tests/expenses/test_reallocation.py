"""Re-allocation at scale (issue 15): the set-based re-allocation gives the engine's figures
to the cent (with and without ceilings), never touches a closed period, writes the changed
expenses' after-state in a few batch audit rows that the evidence verifier replays; above
the threshold it is a job, and while the job is queued or running the arrangement's
expenses answer 409 (API body, page flash) while reads go on; once it is done, writes are
allowed again; if it fails, is cancelled or loses its worker, writes stay refused and the
arrangement's page offers to retry it."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import current_app

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import utcnow
from jointprojects.evidence.services import verify_database
from jointprojects.expenses import reallocation, recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.expenses.models import Expense, ExpensePart
from jointprojects.extensions import db
from jointprojects.jobs import runner
from jointprojects.jobs.models import Job
from jointprojects.special_arrangements import allocation, amendments
from jointprojects.special_arrangements.services import CeilingData, ShareData
from reports.evidence import reallocated
from tests.conftest import csrf_from
from tests.expenses.test_totals import assert_consistent

D = Decimal
CATEGORIES = ("travel", "equipment", "training", "meetings")


def _record(sa: Any, user: Any, count: int, seed: int = 7) -> None:
    """``count`` expenses over 2025 with amounts to the cent, 5 % of them refunds."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    items = []
    for i in range(count):
        cents = rng.randint(1, 250_000) * (-1 if rng.random() < 0.05 else 1)
        items.append(ExpenseData(
            date=date(2025, 1, 1) + timedelta(days=rng.randint(0, 330)),
            category=rng.choice(CATEGORIES), description=f"Item {i}",
            amount=f"{Decimal(cents).scaleb(-2)}", currency="USD",
            paid_by="UN" if i % 2 else "INTERPOL"))
    recording.record_expenses(sa, items, user)
    db.session.commit()


def _admin() -> Any:
    from jointprojects.auth.models import User

    return db.session.scalar(db.select(User).filter_by(role="admin"))


def _amend(sa: Any, effective: date, ceilings: list[CeilingData] | None = None) -> Any:
    """An amendment to 40/60 (training 70/30), consented by UN; INTERPOL's consent, the
    last, is left to the test."""
    admin = _admin()
    version = amendments.propose_amendment(
        sa, effective, [ShareData("UN", "40"), ShareData("INTERPOL", "60"),
                        ShareData("UN", "70", "training"), ShareData("INTERPOL", "30", "training")],
        ceilings or [], "Revised contributions", admin)
    amendments.consent(sa, version, "UN", effective, admin)
    db.session.commit()
    return version


def _live(sa: Any) -> list[tuple[int, int, dict[str, Decimal], Decimal]]:
    db.session.expire_all()
    rows = []
    for e in db.session.scalars(db.select(Expense).filter_by(arrangement_id=sa.id)
                                .order_by(Expense.date, Expense.id)):
        parts = {p.organization.code: p.amount for p in e.parts}
        rows.append((e.id, e.share_version_number, parts, e.unallocated))
    return rows


def _engine(sa: Any) -> list[tuple[int, int, dict[str, Decimal], Decimal]]:
    """What the pure engine gives for every expense, in the order of rule 6."""
    expenses = list(db.session.scalars(db.select(Expense).filter_by(arrangement_id=sa.id)
                                       .order_by(Expense.date, Expense.id)))
    results = allocation.allocate_expenses(
        [allocation.ExpenseItem(key=e.id, date=e.date, category=e.category,
                                amount=e.reporting_amount) for e in expenses],
        reallocation.engine_versions(sa), sa.currency, sa.party_codes)
    return [(r.key, r.version, r.parts, r.unallocated) for r in results]  # type: ignore[misc]


# --- the numpy path equals the engine -----------------------------------------------------------

def test_the_numpy_path_gives_the_integer_engines_parts() -> None:
    rng = random.Random(3)  # noqa: S311 - test data, not secrets
    versions = [
        allocation.ShareVersion(number=1, effective_date=date(2025, 1, 1),
                                default={"UN": D("33.33"), "INTERPOL": D("33.33"),
                                         "UNODC": D("33.34")},
                                categories={"travel": {"UN": D("50"), "INTERPOL": D("25.5"),
                                                       "UNODC": D("24.5")}}),
        allocation.ShareVersion(number=3, effective_date=date(2025, 6, 1),
                                default={"UN": D("0"), "INTERPOL": D("60"), "UNODC": D("40")}),
        allocation.ShareVersion(number=2, effective_date=date(2025, 6, 1),
                                default={"UN": D("10"), "INTERPOL": D("10"), "UNODC": D("80")}),
    ]
    days = sorted(date(2025, 1, 1) + timedelta(days=rng.randint(0, 364)) for _ in range(5_000))
    categories = [rng.choice(("travel", "other")) for _ in days]
    amounts = [rng.randint(-10**9, 10**12) for _ in days]
    expected = allocation.allocate_expenses_minor(
        zip(days, categories, amounts, strict=True), versions, "USD", ["UN", "INTERPOL", "UNODC"])
    numbers, parts = allocation.allocate_expenses_many_minor(
        [d.toordinal() for d in days], categories, amounts, versions, "USD",
        ["UN", "INTERPOL", "UNODC"])
    assert numbers.tolist() == [number for number, _, _ in expected]
    assert parts.tolist() == [p for _, p, _ in expected]
    with pytest.raises(ValueError, match="no share version is in force on 2024-12-31"):
        allocation.allocate_expenses_many_minor(
            [date(2024, 12, 31).toordinal()], ["travel"], [100], versions, "USD",
            ["UN", "INTERPOL", "UNODC"])
    capped = [allocation.ShareVersion(number=1, effective_date=date(2025, 1, 1),
                                      default={"UN": D("50"), "INTERPOL": D("50")},
                                      ceilings={"UN": D("10")})]
    with pytest.raises(ValueError, match="ceilings"):
        allocation.allocate_expenses_many_minor([days[0].toordinal()], ["travel"], [1], capped,
                                                "USD", ["UN", "INTERPOL"])


# --- in the request: the engine's figures, the audit rows, the closed period -------------------

@pytest.mark.parametrize("ceilings", [False, True], ids=["without ceilings", "with ceilings"])
def test_reallocation_gives_the_engines_figures_to_the_cent_with_audit_rows(
        make_arrangement: Any, make_user: Any, ceilings: bool) -> None:
    finance = make_user("finance", "UN")
    limits = [CeilingData("INTERPOL", "90000.00")] if ceilings else []
    sa = make_arrangement(ceilings=limits)
    _record(sa, finance, 600)
    before = {e_id: parts for e_id, _, parts, _ in _live(sa)}
    version = _amend(sa, date(2025, 5, 1), [CeilingData("INTERPOL", "80000.00"),
                                            CeilingData("UN", "300000.00")] if ceilings
                     else None)
    amendments.consent(sa, version, "INTERPOL", date(2025, 5, 1), _admin())
    db.session.commit()
    live = _live(sa)
    assert live == _engine(sa)
    if ceilings:
        assert any(unallocated for *_, unallocated in live)  # the ceilings did bind
    changed = {e_id for e_id, _, parts, _ in live if parts != before[e_id]}
    assert changed and len(changed) < len(live)  # the expenses before May kept theirs
    batches = db.session.scalars(db.select(AuditEntry).filter_by(
        action="reallocate", entity="special_arrangement", entity_id=sa.id)).all()
    assert batches and all(b.parent_id == sa.id for b in batches)
    rows = {e_id: after for b in batches for e_id, after in reallocated(b.after)}
    assert changed <= set(rows)
    for e_id, number, parts, unallocated in live:
        if e_id in rows:  # each audit row carries the live figures (the log replays them)
            assert rows[e_id]["allocation"] == {code: f"{amount:.2f}"
                                                for code, amount in parts.items()}
            assert rows[e_id]["unallocated"] == f"{unallocated:.2f}"
            assert rows[e_id]["share_version_number"] == number
    ok, message = verify_database()
    assert ok, message


def test_reallocation_never_changes_an_expense_of_a_closed_period(
        make_arrangement: Any, make_user: Any) -> None:
    from jointprojects.statements import services as statements

    finance = make_user("finance", "UN")
    sa = make_arrangement(ceilings=[CeilingData("INTERPOL", "1000000.00")])
    _record(sa, finance, 200)
    statements.issue_statement(sa, date(2025, 3, 31), None, finance)
    db.session.commit()
    # A closed expense whose parts no longer are the engine's (as after a rate corrected
    # later): re-allocation must leave it so; an open one it must put right.
    closed = db.session.scalar(db.select(Expense).filter(
        Expense.arrangement_id == sa.id, Expense.date <= date(2025, 3, 31), Expense.amount > 0))
    opened = db.session.scalar(db.select(Expense).filter(
        Expense.arrangement_id == sa.id, Expense.date > date(2025, 3, 31), Expense.amount > 0))
    for e in (closed, opened):
        db.session.execute(db.update(ExpensePart).where(ExpensePart.expense_id == e.id)
                           .values(amount=Decimal("1.00")))
    db.session.commit()
    assert recording.reallocate(sa) >= 1
    db.session.commit()
    live = {e_id: (number, parts) for e_id, number, parts, _ in _live(sa)}
    engine = {e_id: (number, parts) for e_id, number, parts, _ in _engine(sa)}
    assert set(live[closed.id][1].values()) == {Decimal("1.00")}
    assert live[opened.id] == engine[opened.id]
    assert {k: v for k, v in live.items() if k != closed.id} == \
        {k: v for k, v in engine.items() if k != closed.id}


def test_a_write_that_slips_in_before_the_lock_makes_it_plan_again(
        make_arrangement: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    finance = make_user("finance", "UN")
    sa = make_arrangement()
    _record(sa, finance, 50)
    version = _amend(sa, date(2025, 2, 1))
    plans: list[int] = []
    original = reallocation.plan

    def plan_then_write(*args: Any, **kwargs: Any) -> reallocation.Plan:
        made = original(*args, **kwargs)
        plans.append(made.considered)
        if len(plans) == 1:  # another writer, between the plan and the lock
            db.session.execute(db.update(Expense).where(Expense.arrangement_id == sa.id)
                               .values(version=Expense.version + 1))
        return made

    monkeypatch.setattr(reallocation, "plan", plan_then_write)
    amendments.consent(sa, version, "INTERPOL", date(2025, 2, 1), _admin())
    db.session.commit()
    assert len(plans) == 2
    assert _live(sa) == _engine(sa)


def test_the_same_re_allocation_slipping_in_before_the_lock_is_not_counted_twice(
        make_arrangement: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process re-allocates the same expenses after this one planned: the expenses'
    versions do not move (derived figures), their last write does, so this one plans again
    (and finds nothing left to change) rather than moving the monthly totals a second
    time by its stale differences."""
    finance = make_user("finance", "UN")
    sa = make_arrangement()
    _record(sa, finance, 50)
    version = _amend(sa, date(2025, 2, 1))
    plans: list[int] = []
    original = reallocation.plan

    def plan_then_the_same(*args: Any, **kwargs: Any) -> reallocation.Plan:
        made = original(*args, **kwargs)
        plans.append(made.changed)
        if len(plans) == 1:  # the other process's swap of the same plan, before the lock
            reallocation.swap(sa, made, cause=reallocation.cause_of("command"))
        return made

    monkeypatch.setattr(reallocation, "plan", plan_then_the_same)
    amendments.consent(sa, version, "INTERPOL", date(2025, 2, 1), _admin())
    db.session.commit()
    assert plans[0] > 0 and plans[1:] == [0]
    assert _live(sa) == _engine(sa)
    assert_consistent(db, sa)


# --- as a job: 409 while it runs, writes again after ---------------------------------------------

BODY = {"date": "2025-07-03", "category": "travel", "amount": "10.00", "currency": "USD",
        "paid_by": "UN", "description": "Mission"}


@pytest.fixture()
def big(make_arrangement: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An arrangement whose amendment, once in force, re-allocates as a job (threshold 20)."""
    monkeypatch.setitem(current_app.config, "REALLOCATION_JOB_THRESHOLD", 20)
    finance = make_user("finance", "UN")
    sa = make_arrangement()
    _record(sa, finance, 120)
    version = _amend(sa, date(2025, 3, 1))
    amendments.consent(sa, version, "INTERPOL", date(2025, 3, 1), _admin())
    db.session.commit()
    return sa


def _job_of(sa: Any) -> Job:
    db.session.expire_all()
    return db.session.scalar(db.select(Job).filter_by(arrangement_id=sa.id,
                                                      kind="reallocation"))


def test_above_the_threshold_the_amendment_queues_a_job_and_writes_answer_409(
        big: Any, api: Any, login: Any, make_user: Any) -> None:
    sa = big
    job = _job_of(sa)
    assert job is not None and job.status == "queued" and job.owner_id == _admin().id
    assert _live(sa) != _engine(sa)  # not yet re-allocated: the job will
    finance = api("finance", "UN")
    base = f"/api/v1/arrangements/{sa.reference}/expenses"
    answer = finance.post(base, BODY)
    assert answer.status_code == 409
    message = answer.get_json()["errors"][0]["message"]
    assert f"Re-allocation in progress (job {job.id})" in message
    assert finance.get(base).status_code == 200  # reads go on
    expense_id = _live(sa)[0][0]
    assert finance.delete(f"{base}/{expense_id}").status_code == 409
    page = login(make_user("finance", "INTERPOL", email="fin2@example.org"))
    form = page.get(f"/expenses/arrangements/{sa.reference}/new").get_data(as_text=True)
    posted = page.client.post(f"/expenses/arrangements/{sa.reference}/new", data={
        "csrf_token": csrf_from(form), "date": "2025-07-03", "category": "travel",
        "amount": "10.00", "currency": "USD", "paid_by": "INTERPOL", "description": "Mission"})
    assert posted.status_code == 409
    assert f"Re-allocation in progress (job {job.id})" in posted.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)
                             .filter_by(arrangement_id=sa.id)) == 120  # nothing stored

    assert runner.run_job(job.id) == "done"
    job = _job_of(sa)
    assert (job.status, job.progress) == ("done", 100)
    assert job.result is not None and b"re-allocated" in job.result
    assert _live(sa) == _engine(sa)
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .filter_by(action="reallocate")) > 0
    assert finance.post(base, BODY).status_code == 201  # the job ended: writes again
    ok, text = verify_database()
    assert ok, text


@pytest.mark.parametrize("ending", ["failed", "cancelled", "lost worker"])
def test_a_job_that_did_not_complete_leaves_writes_refused_until_retried(
        big: Any, api: Any, login: Any, make_user: Any, ending: str) -> None:
    sa = big
    job = _job_of(sa)
    if ending == "lost worker":  # running, but its worker stopped reporting long ago
        job.status, job.updated_at = "running", utcnow() - timedelta(hours=2)
    else:
        job.status = ending
    db.session.commit()
    assert _live(sa) != _engine(sa)  # the amendment is in force, the parts are the old ones
    finance = api("finance", "UN")
    base = f"/api/v1/arrangements/{sa.reference}/expenses"
    answer = finance.post(base, BODY)
    assert answer.status_code == 409, answer.get_json()
    assert f"Re-allocation pending (job {job.id})" in answer.get_json()["errors"][0]["message"]
    assert finance.get(base).status_code == 200  # reads go on

    page = login(make_user("finance", "UN", email="retry@example.org"))
    html = page.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    assert f"Re-allocation pending (job {job.id}" in html
    assert "Retry the re-allocation" in html
    retried = page.client.post(f"/expenses/arrangements/{sa.reference}/reallocate",
                               data={"csrf_token": csrf_from(html)})
    assert retried.status_code == 302
    again = db.session.scalars(db.select(Job).filter_by(arrangement_id=sa.id,
                                                        kind="reallocation")
                               .order_by(Job.id.desc())).first()
    assert again is not None and again.id != job.id and again.status == "queued"
    assert finance.post(base, BODY).status_code == 409  # the new job holds the writes
    assert runner.run_job(again.id) == "done"
    assert _live(sa) == _engine(sa)
    html = page.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    assert "Re-allocation pending" not in html and "Retry the re-allocation" not in html
    assert finance.post(base, BODY).status_code == 201  # settled: writes again
    ok, text = verify_database()
    assert ok, text


def test_the_reallocate_command_settles_a_failed_job(big: Any, api: Any, runner: Any) -> None:
    sa = big
    job = _job_of(sa)
    job.status = "failed"
    db.session.commit()
    base = f"/api/v1/arrangements/{sa.reference}/expenses"
    assert api("finance", "UN").post(base, BODY).status_code == 409
    result = runner.invoke(args=["reallocate", sa.reference])
    assert result.exit_code == 0, result.output
    assert _live(sa) == _engine(sa)
    assert api("finance", "UN").post(base, BODY).status_code == 201


def test_a_failing_job_leaves_the_reallocation_pending(
        big: Any, api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sa = big
    job = _job_of(sa)

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(reallocation, "_move_totals", broken)
    assert runner.run_job(job.id) == "failed"
    assert _live(sa) != _engine(sa)  # rolled back: nothing half-written
    answer = api("finance", "UN").post(f"/api/v1/arrangements/{sa.reference}/expenses", BODY)
    assert answer.status_code == 409
    assert f"Re-allocation pending (job {job.id})" in answer.get_json()["errors"][0]["message"]


def test_the_histories_say_when_and_why_the_parts_changed(
        make_arrangement: Any, make_user: Any, login: Any) -> None:
    finance = make_user("finance", "UN")
    sa = make_arrangement()
    _record(sa, finance, 300)
    version = _amend(sa, date(2025, 1, 1))
    amendments.consent(sa, version, "INTERPOL", date(2025, 1, 1), _admin())
    db.session.commit()
    changed = db.session.scalar(db.select(db.func.count()).select_from(Expense)
                                .filter_by(arrangement_id=sa.id, share_version_number=2))
    assert changed == 300
    page = login(make_user("finance", "UN", email="reader@example.org"))
    html = page.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    assert html.count("Re-allocated by amendment 1") == 1  # one line, not one per expense
    assert "Expenses re-allocated: 300" in html
    expense_id = _live(sa)[150][0]
    html = page.get(f"/expenses/{expense_id}").get_data(as_text=True)
    assert "Re-allocated by amendment 1" in html


def test_a_running_job_that_reports_still_holds_the_writes(big: Any, api: Any) -> None:
    sa = big
    job = _job_of(sa)
    job.status, job.updated_at = "running", utcnow()
    db.session.commit()
    answer = api("finance", "UN").post(f"/api/v1/arrangements/{sa.reference}/expenses", BODY)
    assert answer.status_code == 409


def test_the_job_reports_its_progress_in_words(big: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from jointprojects.jobs import services

    sa = big
    job = _job_of(sa)
    seen: list[str] = []
    write = services._write

    def spy(job_id: int, **values: Any) -> bool:
        result = write(job_id, **values)
        if "phase" in values and values.get("status") is None:
            seen.append(f"{values['phase']}: {values.get('done_count')} of "
                        f"{values.get('total_count')}")
        return result

    monkeypatch.setattr(services, "_write", spy)
    monkeypatch.setitem(current_app.config, "JOBS_REPORT_SECONDS", 0)
    assert runner.run_job(job.id) == "done"
    count = db.session.scalar(db.select(db.func.count()).select_from(Expense).filter(
        Expense.arrangement_id == sa.id, Expense.date >= date(2025, 3, 1)))
    assert f"{reallocation.PHASE_READING}: {count} of {count}" in seen
    assert f"{reallocation.PHASE_ALLOCATING}: {count} of {count}" in seen
    job = _job_of(sa)
    job.status, job.phase, job.done_count, job.total_count = \
        "running", reallocation.PHASE_ALLOCATING, 412_000, 1_000_000
    assert services.phase_text(job) == "re-allocating expenses: 412,000 of 1,000,000"
    db.session.rollback()


# --- the command line -------------------------------------------------------------------------

def test_the_reallocate_command_draws_a_bar_and_commits(make_arrangement: Any, make_user: Any,
                                                        runner: Any) -> None:
    finance = make_user("finance", "UN")
    sa = make_arrangement()
    _record(sa, finance, 80)
    db.session.execute(db.update(ExpensePart).values(amount=Decimal("0.00")))
    db.session.commit()
    result = runner.invoke(args=["reallocate", sa.reference, "--progress"])
    assert result.exit_code == 0, result.output
    assert "re-allocating expenses: 100%" in result.stderr
    assert "writing the re-allocated expenses: 100%" in result.stderr
    assert f"Re-allocated {sa.reference}: 80 expenses changed." in result.stdout
    assert _live(sa) == _engine(sa)
    again = runner.invoke(args=["reallocate", sa.reference])
    assert again.exit_code == 0 and "0 expenses changed" in again.stdout
    assert "re-allocating" not in again.stderr  # not a terminal: no bar unless asked
    bad = runner.invoke(args=["reallocate", "SA-NONE"])
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1


def test_an_import_during_the_job_stores_nothing_and_says_why(big: Any, runner: Any,
                                                             login: Any, make_user: Any,
                                                             tmp_path: Any) -> None:
    import io

    from tests.reporting.conftest import csv_bytes

    sa = big
    job = _job_of(sa)
    rows = [["2025-07-03", "travel", "Mission", "10.00", "USD", None, "UN", "T-1"]]
    path = tmp_path / "july.csv"
    path.write_bytes(csv_bytes(rows))
    result = runner.invoke(args=["import-expenses", sa.reference, str(path)])
    assert result.exit_code == 1
    assert f"Re-allocation in progress (job {job.id})" in result.stderr
    page = login(make_user("finance", "UN", email="importer@example.org"))
    html = page.get("/expenses/imports").get_data(as_text=True)
    answer = page.client.post("/expenses/imports", data={
        "csrf_token": csrf_from(html), "kind": "expenses", "arrangement": sa.reference,
        "file": (io.BytesIO(csv_bytes(rows)), "july.csv")}, content_type="multipart/form-data")
    assert answer.status_code == 409
    assert f"Re-allocation in progress (job {job.id})" in answer.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Expense)
                             .filter_by(arrangement_id=sa.id)) == 120
    assert runner.invoke(args=["reallocate", sa.reference]).exit_code == 1  # the job does it
