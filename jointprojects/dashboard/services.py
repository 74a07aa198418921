"""Portfolio figures for leadership, aggregated in SQL (a constant number of queries)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from jointprojects.extensions import db
from jointprojects.projects.models import Project
from jointprojects.special_arrangements.models import ShareVersion, SpecialArrangement


def portfolio_figures(today: date | None = None) -> dict[str, Any]:
    today = today or date.today()
    projects = dict(
        db.session.execute(select(Project.status, func.count()).group_by(Project.status)).all()
    )
    arrangements = dict(
        db.session.execute(
            select(SpecialArrangement.status, func.count()).group_by(SpecialArrangement.status)
        ).all()
    )
    under_notice = list(
        db.session.scalars(
            select(SpecialArrangement)
            .where(
                SpecialArrangement.termination_effective_date.is_not(None),
                SpecialArrangement.termination_effective_date > today,
            )
            .order_by(SpecialArrangement.termination_effective_date)
        )
    )
    pending = int(
        db.session.scalar(
            select(func.count()).select_from(ShareVersion).where(ShareVersion.status == "pending")
        )
        or 0
    )
    return {
        "projects": projects,
        "arrangements": arrangements,
        "under_notice": under_notice,
        "pending_amendments": pending,
    }
