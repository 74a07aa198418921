"""The domain's words, once: every code the database stores and the label people read.

Standard library only (no Flask, no SQLAlchemy), so that models (their CHECK constraints),
services (their checks and messages), forms (their choices), templates (the ``label``
filter), the API (its enums) and ``reports/`` (its workbooks) all take the same lists from
here. The order of each list is the order pages and workbooks show.

``tests/test_vocabulary.py`` fails when any of them drifts from these lists (the migrated
database's CHECK constraints included).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

__all__ = [
    "AGREEMENT_STATUSES",
    "AMENDMENT_STATUSES",
    "AREAS",
    "AREA_CODES",
    "ARRANGEMENT_KINDS",
    "ARRANGEMENT_STATUSES",
    "COST_ITEM_CATEGORIES",
    "COST_ITEM_LABELS",
    "EXCHANGE_DISPLAY_STATUSES",
    "EXCHANGE_STATUSES",
    "EXPENSE_CATEGORIES",
    "EXPENSE_CATEGORY_LABELS",
    "JOB_KINDS",
    "JOB_KIND_LABELS",
    "JOB_STATUSES",
    "JOB_STATUS_LABELS",
    "KINDS",
    "KIND_ARTICLES",
    "PROJECT_STATUSES",
    "STATUS_LABELS",
    "Kind",
    "check_in",
    "choices",
    "label",
    "phrase",
]


def _generic_label(code: str) -> str:
    """``"in_force"`` -> ``"In force"``: the label of a code without a listed one."""
    return code.replace("_", " ").capitalize()


# -- expense categories (API.md) ----------------------------------------------------------------

#: Expense category -> label, in the order forms and the cost report list them.
EXPENSE_CATEGORY_LABELS: dict[str, str] = {
    "personnel": "Personnel",
    "travel": "Travel",
    "equipment": "Equipment",
    "training": "Training",
    "meetings": "Meetings",
    "contractual_services": "Contractual services",
    "operating": "Operating",
    "other": "Other",
}
EXPENSE_CATEGORIES: tuple[str, ...] = tuple(EXPENSE_CATEGORY_LABELS)

# -- personnel exchanges (Art. 8): cost items ---------------------------------------------------

#: Category of a personnel exchange's cost item -> label.
COST_ITEM_LABELS: dict[str, str] = {
    "salary": "Salary",
    "allowances": "Allowances",
    "travel": "Travel",
    "daily_subsistence": "Daily subsistence",
    "relocation": "Relocation",
    "insurance": "Insurance",
    "other": "Other",
}
COST_ITEM_CATEGORIES: tuple[str, ...] = tuple(COST_ITEM_LABELS)

# -- kinds of special arrangement ---------------------------------------------------------------


class Kind(NamedTuple):
    """A kind of special arrangement: its label and the article of the 1997 agreement it
    comes from (``kind[0]``, ``kind[1]`` read the same)."""

    label: str
    article: str


#: Kind of special arrangement -> (label, article) (API.md).
KINDS: dict[str, Kind] = {
    "joint_action": Kind("Joint action", "Art. 5"),
    "personnel": Kind("Exchange of personnel", "Art. 8"),
    "supplementary": Kind("Supplementary arrangement", "Art. 9"),
    "technical_cooperation": Kind("Technical cooperation", "Art. 4"),
}
ARRANGEMENT_KINDS: tuple[str, ...] = tuple(KINDS)
#: Kind -> the article it comes from.
KIND_ARTICLES: dict[str, str] = {code: kind.article for code, kind in KINDS.items()}

# -- areas of cooperation, Art. 1 (a)-(f) -------------------------------------------------------

#: Area code -> short title (the seed's ``reference.json`` holds the same titles with the
#: article's full text).
AREAS: dict[str, str] = {
    "a": "National and transnational crime",
    "b": "Crime prevention, police training and awareness",
    "c": "Organized crime, trafficking and environmental crime",
    "d": "International judicial institutions",
    "e": "Peace-keeping and police-related matters",
    "f": "Common or linked computerized databases",
}
AREA_CODES: tuple[str, ...] = tuple(AREAS)

# -- statuses -----------------------------------------------------------------------------------

#: A special arrangement as stored; ``status_on`` reads terminated / expired from the dates.
ARRANGEMENT_STATUSES: tuple[str, ...] = ("draft", "in_force", "terminated", "expired")
#: A share version (an amendment): pending until every party consented.
AMENDMENT_STATUSES: tuple[str, ...] = ("pending", "in_force", "withdrawn")
#: A joint project.
PROJECT_STATUSES: tuple[str, ...] = ("planned", "active", "completed", "cancelled")
#: The framework agreement (Art. 10).
AGREEMENT_STATUSES: tuple[str, ...] = ("signed", "in_force", "terminated")
#: A personnel exchange as stored.
EXCHANGE_STATUSES: tuple[str, ...] = ("proposed", "approved", "cancelled")
#: A personnel exchange as read on a day: an approved one is active, then completed.
EXCHANGE_DISPLAY_STATUSES: tuple[str, ...] = (
    "proposed", "approved", "active", "completed", "cancelled",
)

#: A job (long work off the request path, issue 15): waiting in the queue, being done by a
#: worker, then one of the three ends.
JOB_STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed", "cancelled")
#: The word a job's status reads as (a job that is "done" reads "Ready", its result waits).
JOB_STATUS_LABELS: dict[str, str] = {
    "queued": "Waiting for a worker",
    "running": "Running",
    "done": "Ready",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
#: What a job does -> label (``My jobs`` and the job page name it).
JOB_KIND_LABELS: dict[str, str] = {
    "cost_report": "Cost report",
}
JOB_KINDS: tuple[str, ...] = tuple(JOB_KIND_LABELS)

#: Every status -> label (one status word reads the same wherever it appears).
STATUS_LABELS: dict[str, str] = {
    "draft": "Draft",
    "in_force": "In force",
    "terminated": "Terminated",
    "expired": "Expired",
    "pending": "Pending",
    "withdrawn": "Withdrawn",
    "planned": "Planned",
    "active": "Active",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "signed": "Signed",
    "proposed": "Proposed",
    "approved": "Approved",
}

# Codes the ``label`` filter knows. Kinds are not among them ("personnel" is also a
# category): a kind's label is ``KINDS[kind].label``.
_LABELS: dict[str, str] = {**COST_ITEM_LABELS, **EXPENSE_CATEGORY_LABELS, **STATUS_LABELS}


def label(code: str | None) -> str:
    """The label of a category, cost item or status code (``"in_force"`` -> ``"In force"``);
    any other code reads with its underscores as spaces, capitalized; None reads ``""``."""
    if not code:
        return ""
    return _LABELS.get(code) or _generic_label(code)


def phrase(code: str | None) -> str:
    """The label as it reads inside a sentence: ``"daily_subsistence"`` -> ``"daily
    subsistence"`` ("The daily subsistence cost item's period ...")."""
    return label(code).lower()


def choices(labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(code, label)`` pairs for a select field, in the vocabulary's order."""
    return list(labels.items())


def check_in(column: str, codes: Iterable[str]) -> str:
    """The SQL of a CHECK constraint that ``column`` is one of ``codes``:
    ``check_in("status", ("a", "b"))`` -> ``"status IN ('a', 'b')"``."""
    quoted = ", ".join(f"'{code}'" for code in codes)
    return f"{column} IN ({quoted})"
