"""Complete enough to replay (DOMAIN.md rule 15, docs/EVIDENCE.md): the demo portfolio, and
on top of it the changes the demo does not make (a statement accepted and disputed, a
payment and its receipt, a document uploaded and superseded, a budget removed, an expense
changed and deleted, an amendment withdrawn), replayed from the log alone into records keyed
like the tables, equal every live row of every kind that carries money or obligations,
column for column."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from typing import Any

from jointprojects.budgets import services as budgets
from jointprojects.demo import load_demo
from jointprojects.documents import services as documents
from jointprojects.evidence.bundle import build_bundle
from jointprojects.evidence.services import KINDS, live_records, log_rows, verify_database
from jointprojects.expenses import recording
from jointprojects.expenses.models import Expense
from jointprojects.expenses.recording import expense_snapshot
from jointprojects.extensions import db
from jointprojects.organizations import services as organizations
from jointprojects.organizations.services import reference_agreement
from jointprojects.special_arrangements import amendments
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.special_arrangements.services import ShareData
from jointprojects.statements import payments
from jointprojects.statements import services as statements
from reports.evidence import replay, same, shown, verify_bundle
from tests.expenses.conftest import expense


def _more_changes(make_arrangement: Any, make_user: Any) -> None:
    admin = make_user("admin", "UN")
    sa = make_arrangement()
    first = recording.record_expense(sa, expense(), admin)
    second = recording.record_expense(sa, expense(amount="40.00", paid_by="INTERPOL"), admin)
    gone = recording.record_expense(sa, expense(amount="5.00"), admin)
    db.session.commit()
    recording.update_expense(first, expense(amount="120.00"), first.version, admin)
    recording.delete_expense(gone, gone.version, admin)
    budgets.set_budget(sa, "travel", 2025, None, "5000", admin, "Work plan")
    budgets.set_budget(sa, "travel", 2025, None, "6000", admin, "Revised work plan")
    kept = budgets.set_budget(sa, "meetings", 2025, "UN", "800", admin, "")
    db.session.commit()
    budgets.delete_budget(sa, kept.id, admin)
    upload = documents.Upload(io.BytesIO(b"%PDF-1.4\n%receipt\n"), "receipt.pdf")
    document = documents.attach_documents(documents.Owner(arrangement=sa), documents.DocumentData(
        kind="expense", key=second.id), [upload], admin)[0]
    db.session.commit()
    documents.add_version(document, documents.Upload(
        io.BytesIO(b"%PDF-1.4\n%receipt, signed\n"), "receipt-2.pdf"), admin)
    version = amendments.propose_amendment(
        sa, date(2025, 6, 1), [ShareData("UN", "50"), ShareData("INTERPOL", "50")], [],
        "Mid-term review", admin)
    db.session.commit()
    amendments.withdraw_amendment(sa, version, admin)
    st = statements.issue_statement(sa, date(2025, 3, 31), None, admin)
    db.session.commit()
    statements.acknowledge(sa, st, "UN", "accept", None, admin)
    statements.acknowledge(sa, st, "INTERPOL", "dispute", "Receipt missing", admin)
    payment = payments.record_payment(sa, st, payments.PaymentData(
        "INTERPOL", "UN", "1.00", date(2025, 4, 3), "BANK-1"), admin)
    db.session.commit()
    payments.confirm_receipt(payment, "UN", date(2025, 4, 6), admin)
    db.session.commit()
    agreement = reference_agreement()
    assert agreement is not None
    organizations.record_notification(agreement, "UN", date(1997, 11, 3))
    change = organizations.propose_agreement_amendment(agreement, "Annex", "Areas (g)", admin)
    organizations.consent_to_agreement_amendment(agreement, change, "UN", date(2026, 1, 5),
                                                 admin)
    organizations.consent_to_agreement_amendment(agreement, change, "INTERPOL",
                                                 date(2026, 1, 9), admin)
    organizations.give_agreement_notice(agreement, "INTERPOL", date(2026, 11, 30))
    db.session.commit()


def test_the_log_replays_every_record_of_the_demo_exactly(app, make_arrangement, make_user):
    assert load_demo() is True
    db.session.commit()
    _more_changes(make_arrangement, make_user)
    db.session.expire_all()

    replayed = replay(r for r in log_rows() if r["entity"] in KINDS)
    live = live_records()
    counts = {kind: len(records) for kind, records in live.items()}
    assert counts["agreement"] == 1
    assert all(counts[k] > 0 for k in KINDS), counts  # the portfolio has every kind
    differences = []
    for kind, records in live.items():
        for record in records:
            state = replayed.get((kind, record["id"]))
            if state is None:
                differences.append(f"{kind} #{record['id']}: not in the log")
                continue
            for column in sorted(set(record) | set(state)):
                if not same(record.get(column), state.get(column)):
                    differences.append(f"{kind} #{record['id']}: {column} "
                                       f"{shown(state.get(column))} in the log, "
                                       f"{shown(record.get(column))} in the database")
    gone = [key for key, state in replayed.items() if state is not None
            and not any(r["id"] == key[1] for r in live.get(key[0], []))]
    assert not differences, "\n".join(differences[:40])
    assert not gone
    ok, message = verify_database()
    assert ok, message


def test_every_arrangements_bundle_of_the_demo_verifies(app, make_arrangement, make_user):
    load_demo()
    db.session.commit()
    _more_changes(make_arrangement, make_user)
    arrangements = db.session.scalars(db.select(SpecialArrangement)
                                      .order_by(SpecialArrangement.id))
    for sa in arrangements:
        data = build_bundle(sa)
        ok, message = verify_bundle(data)
        assert ok, f"{sa.reference}: {message}"
        records = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("records.json"))
        assert set(records) == set(KINDS)
        assert [r["reference"] for r in records["special_arrangement"]] == [sa.reference]
    settled = records  # the last one made by _more_changes: a statement, a payment, documents
    assert all(settled[k] for k in ("statement", "statement_acknowledgement", "payment",
                                    "document", "budget", "expense", "share_version",
                                    "signature")), {k: len(v) for k, v in settled.items()}


def test_the_verifiers_plain_reading_of_expenses_equals_their_snapshots(
        app, make_arrangement, make_user):
    _more_changes(make_arrangement, make_user)
    sa = make_arrangement(shares={"UN": "33.33", "INTERPOL": "66.67"})
    recording.record_expense(sa, expense(amount="-10.01", currency="EUR", exchange_rate="0.9"),
                             make_user("admin", "UN"))
    db.session.commit()
    bulk = KINDS["expense"].bulk
    assert bulk is not None
    expenses = db.session.scalars(db.select(Expense).order_by(Expense.id)).all()
    assert bulk(None) == [expense_snapshot(e) for e in expenses]
    assert bulk(sa.id) == [expense_snapshot(e) for e in expenses if e.arrangement_id == sa.id]
