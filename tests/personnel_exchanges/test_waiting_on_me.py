"""Issue 11, item 5: "Waiting on my organization" on the exchanges list: the proposed
exchanges still awaiting the approval of the user's organization (home or host), filtered in
SQL with the same meaning as the list's "awaiting approval" badge."""

from __future__ import annotations

import re
from datetime import date

from jointprojects.extensions import db
from jointprojects.personnel_exchanges import queries, services


def test_the_filter_returns_exactly_the_exchanges_awaiting_my_approval(make_exchange, admin,
                                                                       make_user, login_as):
    none = make_exchange(staff_id="UN-1", person_name="Nobody Approved")
    home_only = make_exchange(staff_id="UN-2", person_name="Home Approved")
    services.approve(home_only, "UN", date(2025, 2, 1), admin)
    both = make_exchange(staff_id="UN-3", person_name="Both Approved", approved=True)
    db.session.commit()

    def waiting(code: str) -> set[str]:
        return {x.person_name for x in db.session.scalars(
            queries.exchange_query(waiting_on=code))}

    assert waiting("INTERPOL") == {none.person_name, home_only.person_name}
    assert waiting("UN") == {none.person_name}
    # The SQL and the badge's reading agree.
    for x in (none, home_only, both):
        for code in ("UN", "INTERPOL"):
            assert (x.person_name in waiting(code)) == (code in services.missing_approvals(x))

    web = login_as(make_user("programme_manager", "INTERPOL"))
    html = web.get("/personnel-exchanges/?waiting=mine").get_data(as_text=True)
    shown = set(re.findall(r'">(\w+ Approved)</a>', html))
    assert shown == {"Nobody Approved", "Home Approved"}
    assert 'name="waiting" value="mine" checked' in html
    everything = web.get("/personnel-exchanges/").get_data(as_text=True)
    assert "Both Approved" in everything
