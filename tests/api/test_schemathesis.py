"""Schemathesis against the live document: no 5xx, every answer as the document says.

Bounded: a fixed number of derandomized examples per operation, positive and negative (data
the document forbids), authenticated as an admin created here. Two examples of three aim at
records that exist (an arrangement in force with an expense, an amendment, a personnel
exchange with a cost item), the third at whatever schemathesis generates. Deselect locally with
``-m "not schemathesis"``; ``make test`` runs it on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.schemathesis

MAX_EXAMPLES = 15
#: The whole run's cap (it takes about a minute on SQLite).
MAX_SECONDS = 240
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@dataclass
class Seeded:
    token: str
    values: dict[str, Any]
    exchange: dict[str, Any]
    turns: Any = field(default_factory=itertools.count)

    def path_parameters(self, path: str, generated: dict[str, Any]) -> dict[str, Any]:
        if next(self.turns) % 3 == 2:
            return generated
        values = {**self.values, **(self.exchange if "/personnel-exchanges" in path else {})}
        return {k: values.get(k, v) for k, v in generated.items()}


@pytest.fixture()
def seeded(api, make_arrangement) -> Seeded:
    admin = api("admin", "UN")
    sa = make_arrangement()
    base = f"/api/v1/arrangements/{sa.reference}"
    expense = admin.post(f"{base}/expenses", {
        "date": "2025-03-01", "category": "travel", "amount": "100.00", "currency": "USD",
        "paid_by": "UN"})
    assert expense.status_code == 201, expense.get_json()
    rate = admin.put("/api/v1/exchange-rates/EUR/2025-03", {"rate": "0.92"})
    assert rate.status_code == 200, rate.get_json()
    amendment = admin.post(f"{base}/amendments", {
        "effective_date": "2025-07-01", "reason": "More work for UN",
        "shares": [{"organization": "UN", "percent": "60"},
                   {"organization": "INTERPOL", "percent": "40"}]})
    assert amendment.status_code == 201, amendment.get_json()
    exchange = admin.post("/api/v1/personnel-exchanges", {
        "staff_id": "S-1", "person_name": "A. Officer", "home_organization": "UN",
        "host_organization": "INTERPOL", "position": "Liaison officer",
        "start_date": "2025-04-01", "end_date": "2025-09-30", "arrangement": sa.reference,
        "costs": [{"category": "salary", "borne_by": "UN", "amount": "1000",
                   "currency": "EUR"}]}).get_json()
    return Seeded(
        token=admin.token,
        values={"reference": sa.reference, "code": sa.project.code, "currency": "EUR",
                "month": "2025-03", "number": amendment.get_json()["number"],
                "id": expense.get_json()["id"]},
        exchange={"id": exchange["id"], "item_id": exchange["costs"][0]["id"]},
    )


def test_the_api_keeps_to_its_document(app, seeded):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, headers={"Authorization": f"Bearer {seeded.token}"})
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    started, failures, left = time.monotonic(), [], []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() - started > MAX_SECONDS:
                left.append(f"{operation.label} ({mode.value})")
                continue
            try:
                _exercise(operation, mode, seeded)
            except (Exception, BaseExceptionGroup) as exc:  # every problem in one report
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    assert left == [], f"not reached within {MAX_SECONDS} s"


def _exercise(operation: Any, mode: GenerationMode, seeded: Seeded) -> None:
    @given(operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        if case.path_parameters:
            case.path_parameters = seeded.path_parameters(case.path, case.path_parameters)
        response = case.call(headers={"Authorization": f"Bearer {seeded.token}"})
        case.validate_response(response, checks=CHECKS)

    run()
