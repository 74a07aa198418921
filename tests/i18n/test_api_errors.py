"""The API answers errors in the client's language (Accept-Language), the fields' paths
staying as they are; without the header (or in English) the messages are unchanged."""

from __future__ import annotations

from typing import Any

from jointprojects.projects.models import Project
from tests.api.test_api import PROJECT, errors_of

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
BAD = {**PROJECT, "code": None, "start_date": "2025-13-01", "areas": [],
       "end_date": "2024-01-01", "title": "x" * 301}


def _post(client: Any, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.client.post("/api/v1/projects", json=body,
                              headers={**client._headers(), **headers})


def test_validation_errors_in_french_keep_their_fields(api, db) -> None:
    admin = api("admin", "UN")
    english = errors_of(_post(admin, BAD, {}))
    response = _post(admin, BAD, FRENCH)
    assert response.status_code == 422
    french = errors_of(response)
    assert set(french) == set(english)  # the same paths, in another language
    assert french["code"] == "code est obligatoire."
    assert english["code"] == "code is required."
    assert french["start_date"] == "start_date doit être une date écrite AAAA-MM-JJ."
    assert french["title"] == "title doit comporter au plus 300 caractères."
    assert all(french[k] != english[k] for k in french), (english, french)
    assert db.session.query(Project).count() == 0


def test_a_services_rule_is_explained_in_french(api, db) -> None:
    admin = api("admin", "UN")
    response = _post(admin, {**PROJECT, "areas": []}, FRENCH)
    assert response.status_code == 422
    assert errors_of(response) == {
        "areas": "Choisissez au moins un domaine de coopération (art. 1)."}
    response = _post(admin, {**PROJECT, "areas": []}, {"Accept-Language": "en"})
    assert errors_of(response) == {"areas": "Choose at least one area of cooperation (Art. 1)."}


def test_http_errors_in_french(api, client) -> None:
    admin = api("admin", "UN")
    response = client.get("/api/v1/projects/NOPE-404", headers={**admin._headers(), **FRENCH})
    assert response.status_code == 404
    assert client.get("/api/v1/projects", headers={"Authorization": "Bearer jp_wrong",
                                                   **FRENCH}).status_code == 401
    malformed = client.post("/api/v1/projects", data="{not json",
                            content_type="application/json",
                            headers={**admin._headers(), **FRENCH})
    assert malformed.status_code == 400
    assert errors_of(malformed) == {None: "Le corps de la requête n'est pas du JSON valide."}
