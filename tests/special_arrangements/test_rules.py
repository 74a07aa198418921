"""Special arrangements: share tables, signatures, entry into force (Art. 5, DOMAIN.md rule 3)."""

from datetime import date

import pytest

from jointprojects.audit.models import AuditEntry
from jointprojects.errors import Conflict, DomainError, Forbidden
from jointprojects.special_arrangements import amendments, services
from jointprojects.special_arrangements.services import ArrangementData, ShareData


def data(project, **overrides):
    base = ArrangementData(
        reference="SA-1",
        project=project.code,
        title="Training",
        kind="joint_action",
        parties=["UN", "INTERPOL"],
        currency="USD",
        start_date=date(2025, 1, 1),
        shares=[
            ShareData("UN", "55"),
            ShareData("INTERPOL", "45"),
            ShareData("UN", "70", "travel"),
            ShareData("INTERPOL", "30", "travel"),
        ],
    )
    for key, value in overrides.items():
        setattr(base, key, value)
    return base


def fields(error):
    return {e.field: e.message for e in error.errors}


def test_a_draft_has_version_one_with_default_and_override_sets(db, make_project, make_user):
    sa = services.create_arrangement(data(make_project()), make_user("admin"))
    assert sa.status == "draft" and sa.entry_into_force is None
    table = dict(services.share_table(sa.share_versions[0]))
    assert {k: {o: str(p) for o, p in v.items()} for k, v in table.items()} == {
        None: {"UN": "55.00", "INTERPOL": "45.00"},
        "travel": {"UN": "70.00", "INTERPOL": "30.00"},
    }


@pytest.mark.parametrize(
    ("shares", "field", "fragment"),
    [
        ([ShareData("UN", "55"), ShareData("INTERPOL", "44.99")], "shares", "sum to 99.99"),
        ([ShareData("UN", "100")], "shares", "INTERPOL"),
        ([ShareData("UN", "55.555"), ShareData("INTERPOL", "44.445")], "shares[0]", "decimal"),
        (
            [ShareData("UN", "55"), ShareData("INTERPOL", "45"), ShareData("UN", "100", "travel")],
            "shares",
            "travel",
        ),
        (
            [ShareData("UN", "55"), ShareData("INTERPOL", "45"), ShareData("UNODC", "0")],
            "shares[2]",
            "not a party",
        ),
        (
            [ShareData("UN", "abc"), ShareData("INTERPOL", "45")],
            "shares[0].percent",
            "not a number",
        ),
        (
            [ShareData("UN", "60", "catering"), ShareData("INTERPOL", "40")],
            "shares[0].category",
            "catering",
        ),
    ],
)
def test_share_tables_that_break_rule_3_are_refused(
    db, make_project, make_user, shares, field, fragment
):
    with pytest.raises(DomainError) as info:
        services.create_arrangement(data(make_project(), shares=shares), make_user("admin"))
    messages = [e.message for e in info.value.errors if (e.field or "").startswith(field)]
    assert any(fragment in m for m in messages), info.value.errors


def test_every_problem_is_reported_at_once(db, make_user):
    bad = ArrangementData(
        reference="",
        project="NOPE",
        title="",
        kind="barter",
        parties=["UN"],
        currency="XXX",
        start_date=None,
        shares=[],
    )
    with pytest.raises(DomainError) as info:
        services.create_arrangement(bad, make_user("admin"))
    assert {
        "reference",
        "project",
        "title",
        "kind",
        "parties",
        "currency",
        "start_date",
        "shares",
    } <= set(fields(info.value))


def test_duplicate_reference_is_a_conflict(db, make_project, make_user):
    project = make_project()
    services.create_arrangement(data(project), make_user("admin"))
    with pytest.raises(Conflict, match="SA-1 already exists"):
        services.create_arrangement(data(project), make_user("admin"))


def test_entry_into_force_is_the_last_signature_or_the_start_date(db, make_project, make_user):
    admin = make_user("admin")
    sa = services.create_arrangement(data(make_project(), start_date=date(2025, 1, 10)), admin)
    services.sign(sa, "UN", date(2025, 1, 3), admin)
    assert sa.status == "draft"
    services.sign(sa, "INTERPOL", date(2025, 1, 6), admin)
    assert sa.status == "in_force" and sa.entry_into_force == date(2025, 1, 10)

    later = services.create_arrangement(data(make_project(), reference="SA-2"), admin)
    services.sign(later, "INTERPOL", date(2025, 2, 20), admin)
    services.sign(later, "UN", date(2025, 2, 3), admin)
    assert later.entry_into_force == date(2025, 2, 20)


def test_a_signature_for_an_organization_needs_one_of_its_users(db, make_project, make_user):
    sa = services.create_arrangement(data(make_project()), make_user("admin"))
    un_pm, ip_pm = make_user("programme_manager", "UN"), make_user("programme_manager", "INTERPOL")
    with pytest.raises(Forbidden, match="Only a user of INTERPOL"):
        services.sign(sa, "INTERPOL", date(2025, 1, 2), un_pm)
    with pytest.raises(Forbidden, match="Your role does not allow"):
        services.sign(sa, "UN", date(2025, 1, 2), make_user("finance", "UN"))
    services.sign(sa, "UN", date(2025, 1, 2), un_pm)
    signature = services.sign(sa, "INTERPOL", date(2025, 1, 3), ip_pm)
    assert signature.recorded_by_admin is False and sa.status == "in_force"


def test_an_admin_signing_for_another_organization_is_marked(db, make_project, make_user):
    sa = services.create_arrangement(data(make_project()), make_user("admin"))
    signature = services.sign(sa, "INTERPOL", date(2025, 1, 2), make_user("admin", "UN"))
    assert signature.recorded_by_admin is True


def test_signing_twice_or_for_a_non_party_is_refused(db, make_project, make_user):
    admin = make_user("admin")
    sa = services.create_arrangement(data(make_project()), admin)
    services.sign(sa, "UN", date(2025, 1, 2), admin)
    with pytest.raises(Conflict, match="already signed"):
        services.sign(sa, "UN", date(2025, 1, 2), admin)
    with pytest.raises(DomainError, match="not a party"):
        services.sign(sa, "UNODC", date(2025, 1, 2), admin)


def test_a_signed_arrangement_cannot_be_edited_only_amended(db, make_arrangement, make_user):
    sa = make_arrangement()
    with pytest.raises(Conflict, match="amendment"):
        services.update_arrangement(sa, data(sa.project), sa.version, make_user("admin"))


def test_a_stale_edit_is_a_conflict(db, make_project, make_user):
    admin = make_user("admin")
    sa = services.create_arrangement(data(make_project()), admin)
    db.session.commit()
    with pytest.raises(Conflict, match="Someone else changed"):
        services.update_arrangement(sa, data(sa.project, title="New"), sa.version - 1, admin)


def test_every_change_leaves_an_audit_row(db, make_project, make_user):
    admin = make_user("admin")
    sa = services.create_arrangement(data(make_project()), admin)
    services.sign(sa, "UN", date(2025, 1, 2), admin)
    services.sign(sa, "INTERPOL", date(2025, 1, 2), admin)
    db.session.commit()
    rows = db.session.scalars(
        db.select(AuditEntry).filter_by(parent_entity="special_arrangement", parent_id=sa.id)
        .order_by(AuditEntry.id)
    ).all()
    assert [r.action for r in rows] == ["create", "sign", "sign", "update"]
    assert rows[0].after["shares"][0]["shares"][0] == {
        "organization": "UN",
        "category": None,
        "percent": "55.00",
    }
    assert rows[-1].before["status"] == "draft" and rows[-1].after["status"] == "in_force"
    assert all(r.user_id == admin.id for r in rows)


def test_termination_notice_refuses_a_draft_and_a_second_notice(db, make_arrangement, make_user):
    admin = make_user("admin")
    draft = make_arrangement(signed=False)
    with pytest.raises(Conflict, match="nothing to terminate"):
        services.give_notice(draft, "UN", date(2025, 6, 1), admin)
    sa = make_arrangement()
    services.give_notice(sa, "UN", date(2025, 8, 31), admin)
    assert sa.termination_effective_date == date(2026, 2, 28)
    assert sa.status_on(date(2026, 2, 27)) == "in_force"
    assert sa.status_on(date(2026, 2, 28)) == "terminated"
    with pytest.raises(Conflict, match="already given"):
        services.give_notice(sa, "INTERPOL", date(2025, 9, 1), admin)


def test_a_signature_cannot_be_dated_in_the_future_or_after_the_end(db, make_project, make_user):
    from datetime import timedelta

    admin = make_user("admin")
    sa = services.create_arrangement(data(make_project(), end_date=date(2025, 12, 31)), admin)
    with pytest.raises(DomainError, match="future"):
        services.sign(sa, "UN", date.today() + timedelta(days=1), admin)
    with pytest.raises(DomainError, match="after the arrangement's end date"):
        services.sign(sa, "UN", date(2026, 1, 2), admin)
    assert sa.signatures == []


def test_only_users_of_the_parties_shape_an_arrangement(db, make_arrangement, make_user,
                                                       make_project):
    from jointprojects.organizations.services import create_organization

    create_organization("UNODC", "UN Office on Drugs and Crime", "USD")
    outsider = make_user("programme_manager", "UNODC")
    sa = make_arrangement()
    shares = [ShareData("UN", "50"), ShareData("INTERPOL", "50")]
    with pytest.raises(Forbidden, match="parties"):
        amendments.propose_amendment(sa, date(2025, 3, 1), shares, [], "reason", outsider)
    # A project the outsider sees (UNODC leads it): what stops it is the parties, not the project.
    own_project = make_project(lead_organization="UNODC")
    with pytest.raises(Forbidden, match="Only users of the arrangement's parties"):
        services.create_arrangement(data(own_project, reference="SA-X"), outsider)
    version = amendments.propose_amendment(sa, date(2025, 3, 1), shares, [], "reason",
                                         make_user("programme_manager", "INTERPOL"))
    assert version.status == "pending"
