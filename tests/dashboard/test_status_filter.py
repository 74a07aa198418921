"""The list's status filter as of a day agrees with SpecialArrangement.status_on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jointprojects.special_arrangements import queries
from jointprojects.vocabulary import ARRANGEMENT_DISPLAY_STATUSES as STATUSES


@pytest.mark.parametrize("days", [-400, 0, 1, 200, 2000])
def test_the_status_filter_matches_status_on(db, portfolio, days):
    day = date.today() + timedelta(days=days)
    arrangements = list(portfolio.arrangements.values())
    for status in STATUSES:
        listed = set(db.session.scalars(queries.arrangement_query(status=status, on=day)))
        assert listed == {a for a in arrangements if a.status_on(day) == status}, status
