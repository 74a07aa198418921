"""portfolio_total stays equal to the roll-up of expense_total whatever is written, in the
same transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, text, update

from jointprojects import totals
from jointprojects.budgets.models import Budget
from jointprojects.expenses.models import ExpenseTotal
from jointprojects.organizations.models import Area, Organization
from jointprojects.projects.models import project_area
from jointprojects.special_arrangements.models import ArrangementParty, SpecialArrangement


def stored(db, fact=totals.EXPENSES):
    rows = db.session.execute(text(
        f"SELECT {fact.key}, {', '.join(fact.measures)} FROM {fact.target}"))
    return {tuple(r[:5]): tuple(r[5:]) for r in rows if any(r[5:])}


def recomputed(db, fact=totals.EXPENSES):
    rows = db.session.execute(text(totals.rollup_select(fact)))
    return {tuple(r[:5]): tuple(r[5:]) for r in rows if any(r[5:])}


def consistent(db):
    return all(stored(db, fact) == recomputed(db, fact) for fact in totals.FACTS)


def org_id(db, code):
    return db.session.scalar(select(Organization.id).filter_by(code=code))


def add_budget(db, sa, year, amount, org=None, category="travel"):
    db.session.add(Budget(arrangement_id=sa.id, category=category, year=year,
                          organization_id=org_id(db, org) if org else None,
                          amount=Decimal(amount)))
    db.session.flush()


def add_total(db, sa, month, org, share, paid="0", unallocated="0", count=1, category="travel"):
    db.session.add(ExpenseTotal(
        arrangement_id=sa.id, month=month, category=category, organization_id=org_id(db, org),
        share_amount=Decimal(share), paid_amount=Decimal(paid),
        unallocated=Decimal(unallocated), expense_count=count))
    db.session.flush()


def test_the_triggers_at_head_are_those_the_generator_writes(db):
    """The migrations carry the trigger SQL frozen: a change to the generator in
    jointprojects.totals without a migration installing it fails here."""
    dialect = db.engine.dialect.name
    generated = totals.trigger_statements(dialect)
    if dialect == "postgresql":
        names = set(db.session.scalars(text(
            "SELECT tgname FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgname LIKE 'jp_portfolio%'")))
        bodies = dict(db.session.execute(text(
            "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'jp_portfolio%'")).all())
        expected = {}
        for statement in generated:
            if statement.startswith("CREATE FUNCTION"):
                name = statement.split()[2].removesuffix("()")
                expected[name] = statement.split("$$", 2)[1]
        assert bodies == expected
    else:
        installed = dict(db.session.execute(text(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE 'jp_portfolio%'")).all())
        names = set(installed)
        assert sorted(installed.values()) == sorted(generated)
    assert names == totals.trigger_names(dialect)
    assert len(names) == (6 if dialect == "postgresql" else 14)


def test_expense_totals_roll_up_per_member_area_currency_and_month(db, make_arrangement):
    usd = make_arrangement()                 # project areas b, c; parties UN, INTERPOL
    eur = make_arrangement(currency="EUR")
    add_total(db, usd, "2025-03", "UN", "55.00", paid="100.00")
    add_total(db, usd, "2025-03", "INTERPOL", "45.00")
    add_total(db, usd, "2025-03", "UN", "11.00", paid="20.00", category="equipment")
    add_total(db, eur, "2025-03", "UN", "7.50", paid="7.50", unallocated="1.25")
    db.session.commit()
    rows = stored(db)
    assert rows == recomputed(db)
    un = org_id(db, "UN")
    area_b = db.session.scalar(select(Area.id).filter_by(code="b"))
    # Whole portfolio, UN's share in USD: both categories added up, EUR kept apart.
    assert rows[(0, 0, "USD", "2025-03", un)] == (660000, 1200000, 0, 2)
    assert rows[(0, 0, "EUR", "2025-03", un)] == (75000, 75000, 12500, 1)
    # The same figures under the filters "UN is a party" and "area (b)".
    assert rows[(un, area_b, "USD", "2025-03", un)] == (660000, 1200000, 0, 2)
    area_a = db.session.scalar(select(Area.id).filter_by(code="a"))
    assert not any(key[1] == area_a for key in rows)


def test_updates_and_deletes_of_expense_totals_follow(db, make_arrangement):
    sa = make_arrangement()
    add_total(db, sa, "2025-03", "UN", "55.00", paid="100.00")
    add_total(db, sa, "2025-04", "INTERPOL", "45.00")
    db.session.execute(update(ExpenseTotal).where(ExpenseTotal.month == "2025-03").values(
        share_amount=ExpenseTotal.share_amount + Decimal("10.00"), expense_count=2))
    assert consistent(db)
    # Moving a row to another month (a re-allocation may rewrite keys).
    db.session.execute(update(ExpenseTotal).where(ExpenseTotal.month == "2025-04").values(
        month="2025-05"))
    assert consistent(db)
    db.session.execute(delete(ExpenseTotal).where(ExpenseTotal.month == "2025-03"))
    assert consistent(db)
    db.session.execute(delete(ExpenseTotal))
    assert stored(db) == {} == recomputed(db)


def test_a_project_changing_its_areas_moves_its_amounts(db, make_arrangement):
    from jointprojects.projects.services import ProjectData, update_project

    sa = make_arrangement()
    other = make_arrangement()
    add_total(db, sa, "2025-03", "UN", "55.00", paid="100.00")
    add_total(db, other, "2025-03", "UN", "5.00")
    add_budget(db, sa, 2025, "500.00")
    add_budget(db, other, 2025, "70.00", "INTERPOL")
    project = sa.project
    update_project(project, ProjectData(
        code=project.code, title=project.title, areas=["a", "c"], lead_organization="INTERPOL",
        start_date=project.start_date), None)
    db.session.flush()
    assert consistent(db)
    area_a = db.session.scalar(select(Area.id).filter_by(code="a"))
    un = org_id(db, "UN")
    assert stored(db)[(0, area_a, "USD", "2025-03", un)] == (550000, 1000000, 0, 1)
    assert stored(db, totals.BUDGETS)[(0, area_a, "USD", 2025, 0)] == (5000000,)
    # Raw row changes of the association table, as another writer might make them.
    db.session.execute(project_area.update().where(project_area.c.area_id == area_a)
                       .values(area_id=db.session.scalar(select(Area.id).filter_by(code="f"))))
    assert consistent(db)


def test_parties_project_currency_and_deletion_of_an_arrangement(db, make_arrangement,
                                                                make_project):
    sa = make_arrangement(signed=False)
    add_total(db, sa, "2025-03", "UN", "55.00", paid="100.00")
    add_total(db, sa, "2025-03", "INTERPOL", "45.00")
    add_budget(db, sa, 2025, "1000.00")
    add_budget(db, sa, 2025, "300.00", "UN")
    # A third party joins, then leaves.
    unodc = Organization(code="UNODC", name="UN Office on Drugs and Crime", currency="USD")
    db.session.add(unodc)
    db.session.flush()
    db.session.add(ArrangementParty(arrangement_id=sa.id, organization_id=unodc.id))
    db.session.flush()
    assert consistent(db)
    assert any(key[0] == unodc.id for key in stored(db))
    db.session.execute(delete(ArrangementParty).where(ArrangementParty.organization_id == unodc.id))
    assert consistent(db)
    # Another project (areas a, d) and another currency.
    project = make_project(areas=["a", "d"])
    db.session.execute(update(SpecialArrangement).where(SpecialArrangement.id == sa.id)
                       .values(project_id=project.id, currency="EUR"))
    assert consistent(db)
    assert {key[2] for key in stored(db)} == {"EUR"}
    # Deleting the arrangement takes its expense totals and their roll-up with it.
    db.session.expire_all()
    db.session.delete(db.session.get(SpecialArrangement, sa.id))
    db.session.flush()
    for fact in totals.FACTS:
        assert stored(db, fact) == {} == recomputed(db, fact)


def test_budget_lines_roll_up_per_year_with_unassigned_lines_apart(db, make_arrangement):
    usd = make_arrangement()
    add_budget(db, usd, 2025, "1000.00")
    add_budget(db, usd, 2025, "250.00", "UN")
    add_budget(db, usd, 2025, "50.00", "UN", category="equipment")
    add_budget(db, usd, 2026, "80.00", "INTERPOL")
    assert consistent(db)
    un = org_id(db, "UN")
    rows = stored(db, totals.BUDGETS)
    assert rows[(0, 0, "USD", 2025, 0)] == (10000000,)  # not assigned to a party
    assert rows[(0, 0, "USD", 2025, un)] == (3000000,)
    assert rows[(un, 0, "USD", 2026, org_id(db, "INTERPOL"))] == (800000,)
    db.session.execute(update(Budget).where(Budget.year == 2026).values(
        year=2027, organization_id=None))
    db.session.execute(update(Budget).where(Budget.category == "equipment").values(
        amount=Decimal("75.00")))
    assert consistent(db)
    db.session.execute(delete(Budget).where(Budget.organization_id.is_(None)))
    assert consistent(db)
    assert (0, 0, "USD", 2025, 0) not in stored(db, totals.BUDGETS)


@pytest.mark.parametrize("rebuild_first", [False, True])
def test_rebuild_gives_what_the_triggers_keep(db, make_arrangement, rebuild_first):
    sa = make_arrangement(signed_on=date(2025, 1, 1))
    add_total(db, sa, "2025-01", "UN", "1.00", paid="2.00")
    add_budget(db, sa, 2025, "9.00", "UN")
    if rebuild_first:
        db.session.execute(text("DELETE FROM portfolio_total"))
        db.session.execute(text("DELETE FROM portfolio_budget"))
    totals.rebuild_rollups(db.session.connection())
    for fact in totals.FACTS:
        assert stored(db, fact) == recomputed(db, fact) != {}
