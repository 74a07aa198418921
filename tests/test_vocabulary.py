"""One vocabulary: the database, the forms, the workbooks and the pages use the same lists.

Each test fails when a list somewhere drifts from :mod:`jointprojects.vocabulary` (a code
added to a form but not to the migrated CHECK constraint, an area retitled in the seed only).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect

from jointprojects import dates, vocabulary
from jointprojects.organizations.models import Area
from jointprojects.organizations.services import REFERENCE_FILE

#: (table, column) -> the vocabulary list its CHECK constraint must allow, in order.
CHECKED_COLUMNS = {
    ("special_arrangement", "kind"): vocabulary.ARRANGEMENT_KINDS,
    ("special_arrangement", "status"): vocabulary.ARRANGEMENT_STATUSES,
    ("share_version", "status"): vocabulary.AMENDMENT_STATUSES,
    ("project", "status"): vocabulary.PROJECT_STATUSES,
    ("agreement", "status"): vocabulary.AGREEMENT_STATUSES,
    ("personnel_exchange", "status"): vocabulary.EXCHANGE_STATUSES,
    ("exchange_cost_item", "category"): vocabulary.COST_ITEM_CATEGORIES,
    ("statement", "status"): vocabulary.STATEMENT_STATUSES,
    ("statement_acknowledgement", "decision"): vocabulary.STATEMENT_DECISIONS,
    ("payment", "status"): vocabulary.PAYMENT_STATUSES,
    ("job", "status"): vocabulary.JOB_STATUSES,
    ("job", "kind"): vocabulary.JOB_KINDS,
}


def _allowed_values(sqltext: str, column: str) -> tuple[str, ...] | None:
    match = re.search(rf"\b{column}\b[^(]*\bIN\s*\(([^)]*)\)", sqltext, re.IGNORECASE)
    if match:  # SQLite keeps the DDL as written: status IN ('a', 'b')
        return tuple(re.findall(r"'([^']*)'", match.group(1)))
    match = re.search(rf"\b{column}\b.*=\s*ANY\s*\(.*ARRAY\[(.*)\]", sqltext, re.IGNORECASE)
    if match:  # PostgreSQL: ((status)::text = ANY ((ARRAY['a'::character varying, ...])::text[]))
        return tuple(re.findall(r"'([^']*)'", match.group(1)))
    match = re.fullmatch(rf"\(*\(?{column}\)?(?:::text)?\s*=\s*'([^']*)'(?:::[a-z ]+)?\)*",
                         sqltext.strip(), re.IGNORECASE)
    if match:  # PostgreSQL writes a list of one as an equality: ((kind)::text = 'a'::text)
        return (match.group(1),)
    return None


def test_the_migrated_database_allows_exactly_the_vocabulary(db):
    inspector = inspect(db.engine)
    for (table, column), codes in CHECKED_COLUMNS.items():
        found = [
            values
            for check in inspector.get_check_constraints(table)
            if (values := _allowed_values(check["sqltext"], column)) is not None
        ]
        assert found == [codes], f"{table}.{column}: {found} != {codes}"


def test_the_forms_offer_the_vocabulary_with_its_labels():
    from jointprojects.expenses.forms import CATEGORY_CHOICES
    from jointprojects.personnel_exchanges.forms import COST_CATEGORY_CHOICES
    from jointprojects.projects.forms import ProjectForm
    from jointprojects.special_arrangements.forms import CATEGORY_CHOICES as SHARE_CATEGORIES
    from jointprojects.special_arrangements.forms import ArrangementForm

    assert list(vocabulary.EXPENSE_CATEGORY_LABELS.items()) == CATEGORY_CHOICES
    assert SHARE_CATEGORIES[1:] == CATEGORY_CHOICES
    assert list(vocabulary.COST_ITEM_LABELS.items()) == COST_CATEGORY_CHOICES
    status_choices = ProjectForm.status.kwargs["choices"]
    assert [code for code, _ in status_choices] == list(vocabulary.PROJECT_STATUSES)
    assert all(text == vocabulary.STATUS_LABELS[code] for code, text in status_choices)
    assert ArrangementForm.kind.kwargs["choices"] == [
        ("joint_action", "Joint action (Art. 5)"),
        ("personnel", "Exchange of personnel (Art. 8)"),
        ("supplementary", "Supplementary arrangement (Art. 9)"),
        ("technical_cooperation", "Technical cooperation (Art. 4)"),
    ]


def test_the_workbooks_and_the_services_check_against_the_same_lists():
    import reports.data
    from reports.imports import parse_expense_rows, template_workbook

    assert reports.data.EXPENSE_CATEGORIES == vocabulary.EXPENSE_CATEGORIES
    assert reports.data.KIND_ARTICLES == {"joint_action": "Art. 5", "personnel": "Art. 8",
                                          "supplementary": "Art. 9",
                                          "technical_cooperation": "Art. 4"}
    assert reports.data.AREAS == vocabulary.AREAS
    for function in (parse_expense_rows, template_workbook):
        assert function.__kwdefaults__["categories"] == vocabulary.EXPENSE_CATEGORIES
    assert set(vocabulary.EXCHANGE_STATUSES) < set(vocabulary.EXCHANGE_DISPLAY_STATUSES)


def test_the_seeded_areas_carry_the_vocabulary_titles(db):
    seed = json.loads(Path(REFERENCE_FILE).read_text())
    assert {a["code"]: a["title"] for a in seed["areas"]} == vocabulary.AREAS
    stored = {a.code: a.title for a in db.session.scalars(db.select(Area))}
    assert stored == vocabulary.AREAS


def test_every_status_and_category_has_one_label():
    for labels in (vocabulary.EXPENSE_CATEGORY_LABELS, vocabulary.COST_ITEM_LABELS):
        for code, text in labels.items():
            assert vocabulary.label(code) == text
    statuses = {*vocabulary.ARRANGEMENT_DISPLAY_STATUSES, *vocabulary.AMENDMENT_STATUSES,
                *vocabulary.PROJECT_STATUSES, *vocabulary.AGREEMENT_STATUSES,
                *vocabulary.EXCHANGE_DISPLAY_STATUSES, *vocabulary.STATEMENT_STATUSES,
                *vocabulary.STATEMENT_DECISIONS, *vocabulary.PAYMENT_STATUSES,
                *vocabulary.TRANSFER_DISPLAY_STATUSES}
    assert statuses == set(vocabulary.STATUS_LABELS)
    assert vocabulary.label("in_force") == "In force"
    assert vocabulary.phrase("daily_subsistence") == "daily subsistence"
    assert vocabulary.label("share_version") == "Share version"  # not listed: generic
    assert vocabulary.label(None) == ""


def test_pages_print_the_vocabulary_label(app):
    template = app.jinja_env.from_string(
        "{{ 'in_force' | label }}|{{ 'contractual_services' | label }}")
    assert template.render() == "In force|Contractual services"


@pytest.mark.parametrize("module", [vocabulary, dates])
def test_the_vocabulary_and_calendar_use_the_standard_library_only(module):
    tree = ast.parse(Path(module.__file__).read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots and roots <= set(sys.stdlib_module_names), roots


class TestCalendar:
    def test_months_are_written_yyyy_mm(self):
        assert dates.month_of(date(2025, 3, 9)) == "2025-03"
        assert dates.parse_month(" 2025-03 ") == "2025-03"
        for text in ("2025-13", "2025-3", "1899-12", "", None):
            with pytest.raises(ValueError, match="month must be written YYYY-MM"):
                dates.parse_month(text)

    def test_first_day_and_next_month_cross_the_year(self):
        assert dates.first_day("2025-12") == date(2025, 12, 1)
        assert dates.next_month(date(2025, 12, 31)) == date(2026, 1, 1)
        assert dates.next_month(date(2024, 1, 31)) == date(2024, 2, 1)

    def test_a_span_of_months_ends_the_day_before_the_anniversary(self):
        assert dates.span_end(date(2025, 1, 1), 24) == date(2026, 12, 31)
        assert dates.span_end(date(2026, 3, 1), 24) == date(2028, 2, 29)
        assert dates.span_end(date(2024, 2, 29), 24) == date(2026, 2, 27)

    def test_notice_takes_six_calendar_months_clamped(self):
        assert dates.NOTICE_MONTHS == 6
        assert dates.termination_effective_date(date(2025, 8, 31)) == date(2026, 2, 28)


def test_each_plain_shape_is_declared_once():
    """A dataclass name declared in two modules is a look-alike twin waiting to drift."""
    declared: dict[str, list[str]] = {}
    for package in ("jointprojects", "reports"):
        for path in sorted(Path(package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and any(
                        "dataclass" in ast.unparse(d) for d in node.decorator_list):
                    declared.setdefault(node.name, []).append(str(path))
    assert {"CostSplit", "PartyFigures", "BudgetLine", "ShareVersion"} <= set(declared)
    assert {name: paths for name, paths in declared.items() if len(paths) > 1} == {}


def test_services_hand_reports_its_own_dataclasses(db, make_arrangement, make_user):
    import reports.data
    from jointprojects.budgets import services as budgets
    from jointprojects.expenses import figures
    from jointprojects.reporting.cost_report import cost_report

    sa = make_arrangement()
    budgets.set_budget(sa, "travel", 2025, None, "100.00", make_user(role="finance"))
    split = figures.cost_split(sa)
    assert type(split) is reports.data.CostSplit
    assert all(type(p) is reports.data.PartyFigures for p in split.organizations)
    assert [type(b) for b in budgets.budget_vs_actual(sa)] == [reports.data.BudgetLine]
    report = cost_report(sa)
    assert report.cost_split == split
    assert all(type(v) is reports.data.ShareVersion for v in report.versions)


def _enums(node):
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            yield node["enum"]
        for value in node.values():
            yield from _enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _enums(value)


def test_the_api_document_enumerates_the_vocabulary(api):
    """Every enum of /api/v1/openapi.json that uses a domain code lists one whole vocabulary
    list, in its order (however the document is built)."""
    lists = [vocabulary.EXPENSE_CATEGORIES, vocabulary.COST_ITEM_CATEGORIES,
             vocabulary.ARRANGEMENT_KINDS, vocabulary.AREA_CODES,
             vocabulary.ARRANGEMENT_STATUSES, vocabulary.ARRANGEMENT_DISPLAY_STATUSES,
             vocabulary.AMENDMENT_STATUSES, vocabulary.AWAITED_ACTS,
             vocabulary.PROJECT_STATUSES, vocabulary.AGREEMENT_STATUSES,
             vocabulary.EXCHANGE_STATUSES, vocabulary.EXCHANGE_DISPLAY_STATUSES,
             vocabulary.STATEMENT_STATUSES, vocabulary.STATEMENT_DECISIONS,
             vocabulary.PAYMENT_STATUSES, vocabulary.TRANSFER_STATUSES,
             vocabulary.JOB_STATUSES, vocabulary.JOB_KINDS,
             vocabulary.DOCUMENT_LABELS, vocabulary.DOCUMENT_RECORD_KINDS,
             vocabulary.AWAITED_KINDS]
    codes = {code for codes in lists for code in codes}
    spec = api("admin", "UN").get("/api/v1/openapi.json").get_json()
    domain_enums = [enum for enum in _enums(spec) if codes & set(enum)]
    assert len(domain_enums) >= 5
    for enum in domain_enums:
        assert tuple(enum) in lists, enum
