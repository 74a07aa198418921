"""Each tampering of issue 14, done in SQL behind the application (the append-only triggers
dropped as the table's owner could), is named by both verifiers: ``jointprojects verify
--database`` on the live system, and ``jointprojects verify FILE.zip`` on the arrangement's
bundle made afterwards (what an organization downloads)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
from jointprojects.evidence.bundle import build_bundle
from jointprojects.evidence.cli import verify
from jointprojects.evidence.models import ChainVerification
from jointprojects.evidence.services import verify_database
from jointprojects.evidence.status import chain_state
from jointprojects.extensions import db
from reports.evidence import row_hash, verify_bundle
from tests.evidence.conftest import _rows, _tamper


def _update_row(books: dict[str, Any]) -> int:
    return int(db.session.scalar(db.select(AuditEntry.id).filter_by(
        entity="expense", entity_id=books["first"], action="update")))


def expense_amount(books: dict[str, Any]) -> str:
    _tamper("UPDATE expense SET amount = 10000 WHERE id = :i", i=books["first"])  # 1.00
    return f"expense #{books['first']}: amount 120.00 in the log, 1.00"


def part_moved(books: dict[str, Any]) -> str:
    move = ("UPDATE expense_part SET amount = amount {sign} 10 * 10000 WHERE expense_id = :i"
            " AND organization_id = (SELECT id FROM organization WHERE code = '{org}')")
    _tamper(move.format(sign="+", org="UN"), move.format(sign="-", org="INTERPOL"),
            i=books["second"])
    return f"expense #{books['second']}: allocation"


def row_changed(books: dict[str, Any]) -> str:
    row = _update_row(books)
    _tamper("UPDATE audit_entry SET user_id = NULL, \"after\" = :a WHERE id = :i",
            a='{"amount": "1.00"}', i=row)
    return f"audit row #{row}: its content does not match its hash"


def row_deleted(books: dict[str, Any]) -> str:
    row = _update_row(books)
    _tamper("DELETE FROM audit_entry WHERE id = :i", i=row)
    return f"audit row #{row + 1}: its link does not follow"


def row_forged_at_the_end(books: dict[str, Any]) -> str:
    last = _rows()[-1]
    _tamper("INSERT INTO audit_entry (at, action, entity, entity_id, parent_entity, parent_id,"
            " prev_hash, hash) SELECT at, 'delete', 'expense', :e, parent_entity, :p, hash,"
            " :h FROM audit_entry WHERE id = :i", h="ab" * 32, i=last, e=books["second"],
            p=books["sa"].id)
    return f"audit row #{last + 1}: its content does not match its hash"


def row_replaced_with_a_correct_hash(books: dict[str, Any]) -> str:
    """The update of the first expense replaced by a row saying 1.00, its hash computed
    with the published algorithm over the forged content and the true previous hash."""
    row = _update_row(books)
    entry = db.session.get(AuditEntry, row)
    forged = {name: getattr(entry, name) for name in (
        "action", "address", "at", "before", "entity", "entity_id", "parent_entity",
        "parent_id", "user_agent", "user_id")}
    forged["after"] = {**entry.after, "amount": "1.00"}
    digest = row_hash(entry.prev_hash, forged)
    _tamper("UPDATE audit_entry SET \"after\" = :a, hash = :h WHERE id = :i",
            "UPDATE expense SET amount = 10000 WHERE id = :e",
            a=json.dumps(forged["after"]), h=digest, i=row, e=books["first"])
    return f"audit row #{row + 1}: its link does not follow"


def rows_swapped(books: dict[str, Any]) -> str:
    ids = _rows()
    a, b = ids[-3], ids[-2]
    cols = ("at", "user_id", "action", "entity", "entity_id", "parent_entity", "parent_id",
            "\"before\"", "\"after\"", "address", "user_agent", "prev_hash", "hash")

    def take(other: str) -> str:
        return ", ".join(f"{c} = (SELECT {c} FROM keep WHERE id = :{other})" for c in cols)

    _tamper("CREATE TEMPORARY TABLE keep AS SELECT * FROM audit_entry WHERE id IN (:a, :b)",
            f"UPDATE audit_entry SET {take('b')} WHERE id = :a",
            f"UPDATE audit_entry SET {take('a')} WHERE id = :b",
            "DROP TABLE keep", a=a, b=b)
    return f"audit row #{a}: its link does not follow"


def workbook_changed(books: dict[str, Any]) -> str:
    _tamper("UPDATE statement_workbook SET content = :c WHERE statement_id = :i",
            c=b"PK forged", i=books["statement"])
    return f"statement #{books['statement']}: its workbook's SHA-256 differs"


TAMPERINGS: list[Callable[[dict[str, Any]], str]] = [
    expense_amount, part_moved, row_changed, row_deleted, row_forged_at_the_end,
    row_replaced_with_a_correct_hash, rows_swapped, workbook_changed,
]


def test_the_untouched_books_verify_both_ways(books):
    assert verify_database()[0], verify_database()[1]
    assert verify_bundle(build_bundle(books["sa"]))[0]


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda t: t.__name__)
def test_a_tampering_is_named_by_both_verifiers(app, books, tmp_path, tamper):
    what = tamper(books)
    ok, message = verify_database()
    assert not ok and what in message, message
    result = CliRunner().invoke(verify, ["--database"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 1 and what in result.output, result.output

    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build_bundle(books["sa"]))
    ok, message = verify_bundle(bundle.read_bytes())
    assert not ok and what in message, message
    result = CliRunner().invoke(verify, [str(bundle)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: not verified: {message}"]


def test_the_command_line_run_is_the_one_the_pages_show(app, books):
    """An operator's ``verify --database`` is kept like an admin's "Verify now": the pages
    show the latest run, whichever started it."""
    run = CliRunner().invoke(verify, ["--database"], obj=ScriptInfo(create_app=lambda: app))
    assert run.exit_code == 0, run.output
    kept = db.session.scalar(select(ChainVerification).order_by(ChainVerification.id.desc()))
    assert kept is not None and kept.ok and kept.message == run.output.strip()
    assert chain_state().phrase.startswith(f"Verified up to row {kept.last_row}")
    _tamper("UPDATE expense SET amount = 10000 WHERE id = :i", i=books["first"])
    run = CliRunner().invoke(verify, ["--database"], obj=ScriptInfo(create_app=lambda: app))
    assert run.exit_code == 1
    assert f"expense #{books['first']}" in chain_state().phrase


# --- a re-allocation's batch rows (issue 15 item 4) -------------------------------------------

@pytest.fixture()
def reallocated(make_arrangement: Any, finance: Any) -> dict[str, Any]:
    """Expenses re-allocated by an amendment in force: their parts are logged in the
    re-allocation's batch row, not in rows of their own."""
    from datetime import date

    from jointprojects.auth.models import User
    from jointprojects.expenses import recording
    from jointprojects.special_arrangements import amendments
    from jointprojects.special_arrangements.services import ShareData
    from tests.expenses.conftest import expense

    sa = make_arrangement()
    ids = [recording.record_expense(sa, expense(amount=f"{10 + i}.00"), finance).id
           for i in range(4)]
    db.session.commit()
    admin = db.session.scalar(db.select(User).filter_by(role="admin"))
    version = amendments.propose_amendment(
        sa, date(2025, 1, 1), [ShareData("UN", "30"), ShareData("INTERPOL", "70")], [],
        "Review", admin)
    for code in sa.party_codes:
        amendments.consent(sa, version, code, date(2025, 1, 1), admin)
    db.session.commit()
    batch = db.session.scalar(db.select(AuditEntry.id).filter_by(
        action="reallocate", entity="special_arrangement", entity_id=sa.id))
    assert batch is not None
    return {"sa": sa, "ids": ids, "batch": batch}


def test_a_reallocation_logged_in_a_batch_row_verifies_both_ways(reallocated):
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).filter_by(
        action="reallocate", entity="expense")) == 0  # no row per expense
    ok, message = verify_database()
    assert ok, message
    ok, message = verify_bundle(build_bundle(reallocated["sa"]))
    assert ok, message


def _reallocated_part_moved(books: dict[str, Any]) -> str:
    victim = books["ids"][2]
    move = ("UPDATE expense_part SET amount = amount {sign} 1 * 10000 WHERE expense_id = :i"
            " AND organization_id = (SELECT id FROM organization WHERE code = '{org}')")
    _tamper(move.format(sign="+", org="UN"), move.format(sign="-", org="INTERPOL"), i=victim)
    return f"expense #{victim}: allocation"


def _batch_row_rewritten(books: dict[str, Any]) -> str:
    """The batch row's parts changed to match a part moved behind the application's back."""
    row = db.session.get(AuditEntry, books["batch"])
    after = json.loads(json.dumps(row.after))
    after["reallocation"]["rows"][0][3] += 100
    _tamper("UPDATE audit_entry SET \"after\" = :a WHERE id = :i", a=json.dumps(after),
            i=books["batch"])
    return f"audit row #{books['batch']}: its content does not match its hash"


@pytest.mark.parametrize("tamper", [_reallocated_part_moved, _batch_row_rewritten],
                         ids=["part moved", "batch row rewritten"])
def test_a_tampering_of_reallocated_expenses_is_named_by_both_verifiers(
        reallocated, tamper):
    what = tamper(reallocated)
    ok, message = verify_database()
    assert not ok and what in message, message
    ok, message = verify_bundle(build_bundle(reallocated["sa"]))
    assert not ok and what in message, message
