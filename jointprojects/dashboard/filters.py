"""The dashboard's filters: the query arguments read and checked into :class:`Filters`, and
the WHERE clauses the figures and the portfolio workbook select with.

Filters (all optional, kept in the URL): ``from`` and ``to`` months (``YYYY-MM``) bound the
money figures (spend by expense month, budgets by year); ``organization`` keeps the projects
it leads or takes part in, the arrangements it is a party to and the exchanges it sends or
hosts; ``area`` (Art. 1 (a)-(f)) keeps what belongs to projects covering that area. The
clauses are those of the list pages (``project_conditions``, ``arrangement_conditions``), so
a figure and the list it links to always agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from jointprojects.auth import policy
from jointprojects.errors import Collector, Message
from jointprojects.extensions import db
from jointprojects.organizations.models import Area, Organization
from jointprojects.projects.services import project_conditions
from jointprojects.special_arrangements import queries as arrangements

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


# --- filters ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """The dashboard's filters, already checked; ids resolved for the SQL."""

    start: str | None = None  # first month, YYYY-MM
    end: str | None = None  # last month, YYYY-MM
    organization: str | None = None
    area: str | None = None
    organization_id: int | None = None
    area_id: int | None = None
    #: The organization was not chosen but imposed by the viewer's scope (``for_viewer``).
    imposed: bool = False

    def args(self) -> dict[str, str]:
        """The filters as URL query parameters (empty ones left out)."""
        pairs = {"from": self.start, "to": self.end,
                 "organization": None if self.imposed else self.organization,
                 "area": self.area}
        return {k: v for k, v in pairs.items() if v}

    @property
    def budget_years(self) -> tuple[int | None, int | None]:
        return (int(self.start[:4]) if self.start else None,
                int(self.end[:4]) if self.end else None)


def read_filters(args: Mapping[str, str], organizations: list[Organization] | None = None,
                 areas: list[Area] | None = None) -> Filters:
    """Check the query parameters ``from``, ``to``, ``organization``, ``area``.

    Raises :class:`~jointprojects.errors.DomainError` naming each bad parameter.
    """
    errors = Collector()
    months: dict[str, str | None] = {}
    for key in ("from", "to"):
        value = (args.get(key) or "").strip()
        if value and not _MONTH.match(value):
            errors.add(key, Message("%(key)s must be a month written YYYY-MM, e.g. 2025-01.",
                                    key=key))
            value = ""
        months[key] = value or None
    if months["from"] and months["to"] and months["from"] > months["to"]:
        errors.add("to", "to must not be before from.")
    organization = (args.get("organization") or "").strip() or None
    area = (args.get("area") or "").strip() or None
    organization_id = area_id = None
    if organization:
        orgs = organizations if organizations is not None else list(
            db.session.scalars(select(Organization).where(Organization.code == organization)))
        organization_id = next((o.id for o in orgs if o.code == organization), None)
        if organization_id is None:
            errors.add("organization", Message("Unknown organization %(organization)r.",
                                               organization=organization))
    if area:
        known = areas if areas is not None else list(
            db.session.scalars(select(Area).where(Area.code == area)))
        area_id = next((a.id for a in known if a.code == area), None)
        if area_id is None:
            errors.add("area", Message("Unknown area of cooperation %(area)r (a to f).",
                                       area=area))
    errors.raise_if_any()
    return Filters(months["from"], months["to"], organization, area, organization_id, area_id)


def for_viewer(filters: Filters, user: Any) -> Filters:
    """Whose records: a user who is not an admin sees the portfolio of their own organization
    (``policy.portfolio_scope``), whatever ``organization`` the URL names; the roll-ups and
    the clauses below then cover exactly what the policy lets them see."""
    scope = policy.portfolio_scope(user)
    if scope is None:
        return filters
    # one statement whatever the session holds (the dashboard's statement counts are tested)
    code = db.session.scalar(select(Organization.code).where(Organization.id == scope))
    return replace(filters, organization=code, organization_id=scope,
                   imposed=filters.organization != code)


# --- the filters as WHERE clauses ------------------------------------------------------------

def _project_where(filters: Filters) -> list[Any]:
    return project_conditions(area=filters.area or "", organization=filters.organization or "")


def _arrangement_where(filters: Filters) -> list[Any]:
    return arrangements.arrangement_conditions(organization=filters.organization or "",
                                               area=filters.area or "")


def describe(filters: Filters) -> str:
    """The filters in words, for the workbook's About sheet."""
    parts = []
    if filters.start or filters.end:
        parts.append(f"period {filters.start or 'beginning'} to {filters.end or 'today'}")
    if filters.organization:
        parts.append(f"organization {filters.organization}")
    if filters.area:
        parts.append(f"area ({filters.area})")
    return "; ".join(parts)
