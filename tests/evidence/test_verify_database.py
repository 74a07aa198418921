"""``jointprojects verify --database``: the chain re-computed and the live records compared
with the replay of the log; each tampering is done in SQL behind the application (the
append-only triggers got past as the table's owner could) and named by the verifier."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from flask.cli import ScriptInfo

from jointprojects.audit.models import AuditEntry
from jointprojects.evidence.bundle import build_bundle
from jointprojects.evidence.cli import verify
from jointprojects.evidence.services import verify_database
from jointprojects.extensions import db
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.services import ShareData
from reports.evidence import verify_bundle
from tests.evidence.conftest import _rows, _tamper


def _fails_naming(what: str) -> str:
    ok, message = verify_database()
    assert not ok, message
    assert what in message, message
    return message


def test_a_clean_database_verifies_also_on_the_command_line(app, books):
    ok, message = verify_database()
    assert ok, message
    assert message.startswith("verified: ") and "1 statements" in message
    result = CliRunner().invoke(verify, ["--database"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("verified: ")


def test_an_expense_amount_changed_behind_the_application_is_named(app, books):
    _tamper("UPDATE expense SET amount = 1 WHERE id = :i", i=books["first"])
    _fails_naming(f"expense #{books['first']}: amount")
    result = CliRunner().invoke(verify, ["--database"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 1
    assert f"expense #{books['first']}" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_expense_part_moved_between_parties_is_named(books):
    _tamper("UPDATE expense_part SET amount = amount + 10 * 10000 WHERE expense_id = :i AND "
            "organization_id = (SELECT id FROM organization WHERE code = 'UN')",
            "UPDATE expense_part SET amount = amount - 10 * 10000 WHERE expense_id = :i AND "
            "organization_id = (SELECT id FROM organization WHERE code = 'INTERPOL')",
            i=books["second"])
    _fails_naming(f"expense #{books['second']}: allocation")


def test_a_deleted_signature_is_named(books):
    _tamper("DELETE FROM signature WHERE id = :i", i=books["signature"])
    _fails_naming(f"signature #{books['signature']}: deleted")


def test_a_statement_figure_changed_is_named(books):
    _tamper("UPDATE statement_party SET share = share + 10000 WHERE statement_id = :i",
            i=books["statement"])
    _fails_naming(f"statement #{books['statement']}: parties")


def test_an_expense_added_behind_the_application_is_named(books):
    _tamper("INSERT INTO expense (arrangement_id, date, category, description, amount, currency,"
            " exchange_rate, rate_source, reporting_amount, paid_by_id, document_reference,"
            " unallocated, share_version_number, created_by_id, version, created_at,"
            " updated_at) SELECT arrangement_id, date, category, 'forged', amount, currency,"
            " exchange_rate, rate_source, reporting_amount, paid_by_id, 'X', unallocated,"
            " share_version_number, created_by_id, 1, created_at, updated_at FROM expense"
            " WHERE id = :i", i=books["first"])
    _fails_naming("not in the log")


def test_an_audit_row_changed_is_named(books):
    row = db.session.scalar(db.select(AuditEntry.id).filter_by(
        entity="expense", entity_id=books["first"], action="update"))
    _tamper("UPDATE audit_entry SET user_id = NULL, \"after\" = :a WHERE id = :i",
            a='{"amount": "1.0000"}', i=row)
    _fails_naming(f"audit row #{row}: its content does not match")


def test_an_audit_row_deleted_is_named_by_the_row_after_it(books):
    ids = _rows()
    _tamper("DELETE FROM audit_entry WHERE id = :i", i=ids[3])
    _fails_naming(f"audit row #{ids[4]}: its link")


def test_a_forged_row_with_a_well_formed_hash_is_named(books):
    ids = _rows()
    _tamper("INSERT INTO audit_entry (at, action, entity, entity_id, parent_entity, parent_id,"
            " prev_hash, hash) SELECT at, 'delete', 'expense', entity_id, parent_entity,"
            " parent_id, hash, :h FROM audit_entry WHERE id = :i", h="ab" * 32, i=ids[-1])
    _fails_naming(f"audit row #{ids[-1] + 1}: its content does not match")


def test_two_audit_rows_swapped_are_named(books):
    ids = _rows()
    a, b = ids[2], ids[3]
    cols = ("at", "user_id", "action", "entity", "entity_id", "parent_entity", "parent_id",
            "\"before\"", "\"after\"", "address", "user_agent", "prev_hash", "hash")
    swap = ", ".join(f"{c} = (SELECT {c} FROM audit_entry WHERE id = :o)" for c in cols)
    _tamper("CREATE TEMPORARY TABLE keep AS SELECT * FROM audit_entry WHERE id IN (:a, :b)",
            f"UPDATE audit_entry SET {swap.replace('audit_entry', 'keep')} WHERE id = :a".replace(
                ":o", ":b"),
            f"UPDATE audit_entry SET {swap.replace('audit_entry', 'keep')} WHERE id = :b".replace(
                ":o", ":a"),
            "DROP TABLE keep", a=a, b=b)
    _fails_naming(f"audit row #{a}: its link")


def test_an_amendment_awaiting_consent_verifies_both_ways(books, make_user):
    """The log keeps the proposed version as stored (its id and arrangement), so the replay
    equals it before any party consents."""
    admin = make_user("admin", "UN")
    amendments.propose_amendment(
        books["sa"], date(2025, 6, 1), [ShareData("UN", "50"), ShareData("INTERPOL", "50")],
        [], "Mid-term review", admin)
    db.session.commit()
    assert verify_database()[0], verify_database()[1]
    ok, message = verify_bundle(build_bundle(books["sa"]))
    assert ok, message
