"""The framework agreement and its reference data (Art. 1, Art. 10)."""

from datetime import date

import pytest

from jointprojects.dates import add_months, termination_effective_date
from jointprojects.errors import Conflict
from jointprojects.organizations import services
from jointprojects.organizations.models import Agreement, AgreementParty, Area, Organization


def test_reference_data_is_the_1997_agreement(db):
    agreement = services.reference_agreement()
    assert agreement.code == "UN-INTERPOL-1997"
    assert agreement.signed_place == "New York" and agreement.signed_date == date(1997, 7, 8)
    assert [p.organization.code for p in agreement.parties] == ["UN", "INTERPOL"]
    assert [a.code for a in agreement.areas] == list("abcdef")
    assert "peace-keeping" in agreement.areas[4].text
    un = db.session.scalar(db.select(Organization).filter_by(code="UN"))
    assert un.currency == "USD"


def test_loading_reference_data_twice_changes_nothing(db):
    counts = [db.session.query(m).count() for m in (Organization, Agreement, Area, AgreementParty)]
    assert services.load_reference_data() is False
    assert [
        db.session.query(m).count() for m in (Organization, Agreement, Area, AgreementParty)
    ] == counts


def test_entry_into_force_is_the_later_notification(db):
    agreement = Agreement(code="X-2026", title="Another agreement")
    un, ip = (
        db.session.scalar(db.select(Organization).filter_by(code=c)) for c in ("UN", "INTERPOL")
    )
    agreement.parties = [AgreementParty(organization=un), AgreementParty(organization=ip)]
    db.session.add(agreement)
    services.record_notification(agreement, "UN", date(2026, 3, 10))
    assert agreement.entry_into_force is None and agreement.status == "signed"
    services.record_notification(agreement, "INTERPOL", date(2026, 2, 1))
    assert agreement.entry_into_force == date(2026, 3, 10)
    assert agreement.status == "in_force"


def test_termination_notice_takes_effect_six_calendar_months_later(db):
    agreement = services.reference_agreement()
    services.give_agreement_notice(agreement, "INTERPOL", date(2025, 8, 31))
    assert agreement.termination_effective_date == date(2026, 2, 28)
    with pytest.raises(Conflict, match="already been given"):
        services.give_agreement_notice(agreement, "UN", date(2025, 9, 1))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2025, 6, 15), 6, date(2025, 12, 15)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_calendar_months_clamp_to_the_end_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


def test_notice_date_plus_six_months():
    assert termination_effective_date(date(2025, 6, 15)) == date(2025, 12, 15)


def test_an_agreement_amendment_is_adopted_on_the_last_written_consent(db, make_user):
    from jointprojects.errors import Forbidden

    agreement = services.reference_agreement()
    amendment = services.propose_agreement_amendment(agreement, "Art. 3", "New wording", None)
    un, interpol = make_user("programme_manager", "UN"), make_user("programme_manager", "INTERPOL")
    with pytest.raises(Forbidden, match="Only a user of INTERPOL"):
        services.consent_to_agreement_amendment(agreement, amendment, "INTERPOL",
                                                date(2025, 1, 5), un)
    services.consent_to_agreement_amendment(agreement, amendment, "UN", date(2025, 1, 9), un)
    assert amendment.adopted_on is None
    services.consent_to_agreement_amendment(agreement, amendment, "INTERPOL", date(2025, 1, 5),
                                            interpol)
    assert amendment.adopted_on == date(2025, 1, 9)
    with pytest.raises(Conflict, match="already adopted"):
        services.consent_to_agreement_amendment(agreement, amendment, "UN", date(2025, 1, 9), un)


def test_agreement_amendment_through_the_page(login, make_user, db):
    admin = login(make_user("admin"))
    response = admin.post_form("/organizations/agreement/amendments",
                               {"title": "Data protection", "text": "Article 3 is amended."},
                               page="/organizations/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Data protection" in page and "awaiting consent" in page
