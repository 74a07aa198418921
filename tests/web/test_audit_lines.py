"""History lines and the audit page speak human (issue 11 item 4): "Created", "Status: Draft
→ In force; Entry into force: — → 1 January 2025", records named by their reference with a
link, security actions with labels, dates as "6 January 2025"."""

from __future__ import annotations

import re
from datetime import date

from jointprojects.audit import services as audit
from jointprojects.audit.lines import SECURITY_LABELS, lines, value_text
from jointprojects.audit.models import AuditEntry
from jointprojects.dates import long_date


def _entries(parent) -> list[AuditEntry]:
    return audit.history(parent)


def test_an_arrangement_signed_reads_its_history_in_words(make_arrangement, db):
    sa = make_arrangement()
    by_action = {(line.entry.entity, line.entry.action): line for line in lines(_entries(sa))}
    created = by_action[("special_arrangement", "create")]
    assert created.own and created.verb == "created" and created.changes == []
    update = by_action[("special_arrangement", "update")]
    assert "Status: Draft → In force" in update.summary
    assert "Entry into force: — → 1 January 2025" in update.summary
    signature = by_action[("signature", "sign")]
    assert signature.record in {f"UN signed {sa.reference}", f"INTERPOL signed {sa.reference}"}
    assert "Signed on 1 January 2025" in signature.details
    assert signature.link == ("arrangements.detail", {"reference": sa.reference})


def test_an_expense_is_named_by_its_number_and_arrangement(make_arrangement, db):
    sa = make_arrangement()
    entry = AuditEntry(action="update", entity="expense", entity_id=130,
                       parent_entity="special_arrangement", parent_id=sa.id,
                       before={"arrangement_id": sa.id, "category": "contractual_services",
                               "amount": "10.00", "date": "2025-01-06", "version": 1},
                       after={"arrangement_id": sa.id, "category": "travel",
                              "amount": "12.50", "date": "2025-01-06", "version": 2})
    db.session.add(entry)
    db.session.flush()
    (line,) = lines([entry])
    assert line.record == f"Expense #130 of {sa.reference}"
    assert line.link is None  # no such expense stored: no link to a missing page
    assert line.summary == "Category: Contractual services → Travel; Amount: 10.00 → 12.50"


def test_security_events_have_labels(make_user, db):
    user = make_user("finance")
    for action in SECURITY_LABELS:
        audit.security_event(action, user, reason="idle")
    db.session.flush()
    read = {line.entry.action: line for line in lines(_entries(user))}
    assert read["login"].verb == "Logged in" and read["logout"].verb == "Logged out"
    assert read["session_end"].details == ["Why: idle too long"]
    assert read["token_revoke"].verb == "API token revoked"
    assert all(line.record == f"User {user.email}" for line in read.values())


def test_values_read_with_labels_and_long_dates() -> None:
    assert long_date(date(2025, 1, 6)) == "6 January 2025"
    assert value_text("kind", "joint_action") == "Joint action (Art. 5)"
    assert value_text("status", "in_force") == "In force"
    assert value_text("end_date", None) == "—"
    assert value_text("recorded_at", "2026-12-01T12:34:06.977628") == "1 December 2026, 12:34"


def test_the_audit_page_names_records_and_links_them(login, make_user, make_arrangement, db):
    sa = make_arrangement()
    admin = make_user("admin")
    html = login(admin).get("/audit/").get_data(as_text=True)
    assert f'<a href="/arrangements/{sa.reference}">Arrangement {sa.reference}</a> changed' in html
    assert "Logged in" in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert "special_arrangement" not in text and "in_force" not in text
    assert re.search(r"\d{1,2} (January|February|March|April|May|June|July|August|September|"
                     r"October|November|December) \d{4}, \d\d:\d\d", text)
