"""The share table's problems (rule 3) in the reader's language."""

from __future__ import annotations

from typing import Any

from jointprojects.special_arrangements.models import SpecialArrangement
from tests.api.test_api import errors_of
from tests.i18n.test_api_errors import FRENCH


def _create(client: Any, project: str, shares: list[dict[str, str]],
            headers: dict[str, str]) -> Any:
    return client.client.post("/api/v1/arrangements", json={
        "reference": "SA-SHARES", "project": project, "title": "Shares",
        "parties": ["UN", "INTERPOL"], "currency": "USD", "start_date": "2025-01-01",
        "shares": shares}, headers={**client._headers(), **headers})


def test_a_sum_other_than_100_is_said_in_french_with_a_french_number(
        api, make_project, db) -> None:
    pm = api("programme_manager", "UN")
    code = make_project(lead_organization="UN").code
    db.session.commit()
    shares = [{"organization": "UN", "percent": "55.5"},
              {"organization": "INTERPOL", "percent": "45"}]
    english = errors_of(_create(pm, code, shares, {}))
    assert list(english) == ["shares"], english
    assert english["shares"] == "Shares for default set sum to 100.50, not 100.00"
    french = errors_of(_create(pm, code, shares, FRENCH))
    assert french["shares"] == ("Les quotes-parts pour l'ensemble par défaut totalisent 100,50, "
                                "et non 100,00")
    assert db.session.query(SpecialArrangement).count() == 0
