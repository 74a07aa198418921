"""The dashboard's figures as JSON-ready data, for the page's charts and
``GET /api/v1/dashboard``: money as strings in the currency's minor units."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from jointprojects.dashboard.figures import CurrencyMoney, Figures
from jointprojects.money import to_json
from jointprojects.special_arrangements import queries as arrangements

# --- JSON ------------------------------------------------------------------------------------

def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def figures_json(figures: Figures) -> dict[str, Any]:
    """The figures as JSON-ready data: money as strings in the currency's minor units."""
    f = figures.filters
    a = figures.arrangements
    result: dict[str, Any] = {
        "as_of": figures.today.isoformat(),
        "filters": {"from": f.start, "to": f.end, "organization": f.organization,
                    "area": f.area},
        "projects": {
            "total": figures.projects_total,
            "by_status": [{"status": c.key, "count": c.count} for c in figures.projects_by_status],
            "by_area": [{"area": c.key, "label": c.label, "count": c.count}
                        for c in figures.projects_by_area],
        },
        "arrangements": {
            "total": a.total,
            "in_force": a.in_force,
            "signed": a.signed,
            "awaiting_signature": {"total": a.awaiting_signature,
                                   "partly_signed": a.partly_signed, "unsigned": a.unsigned,
                                   "partly_signed_items": [
                                       {"reference": i.reference, "title": i.title,
                                        "awaited": i.note} for i in a.partly_signed_items]},
            "under_notice": {"count": a.under_notice, "items": [
                {"reference": i.reference, "title": i.title, "effective_date": _iso(i.day),
                 "note": i.note} for i in a.under_notice_items]},
            "expiring_within_days": arrangements.ENDING_SOON_DAYS,
            "expiring": {"count": a.expiring, "items": [
                {"reference": i.reference, "title": i.title, "last_day": _iso(i.day),
                 "reason": i.note} for i in a.expiring_items]},
            "terminated": a.terminated,
            "expired": a.expired,
        },
        "amendments_awaiting_consent": {
            "count": figures.amendments.awaiting_consent,
            "by_organization": [{"organization": c.key, "count": c.count}
                                for c in figures.amendments.by_organization],
            "items": [{"reference": i.reference, "number": i.number,
                       "effective_date": _iso(i.effective_date), "awaiting": i.awaiting}
                      for i in figures.amendments.items],
        },
        "money": [_currency_json(m) for m in figures.money],
    }
    p = figures.personnel
    result["personnel"] = {
        "on_exchange_today": p.on_exchange,
        "on_exchange_by_host": [{"organization": c.key, "count": c.count}
                                for c in p.on_exchange_by_host],
        "ending_within_days": p.ending_within_days,
        "ending": {"count": p.ending_soon, "items": [
            {"staff": i.staff, "home": i.home, "host": i.host, "position": i.position,
             "end_date": _iso(i.end_date)} for i in p.ending_items]},
        "awaiting_approval": p.awaiting_approval,
    }
    return result


def _currency_json(m: CurrencyMoney) -> dict[str, Any]:
    c = m.currency

    def j(amount: Decimal) -> str:
        return to_json(amount, c)

    return {
        "currency": c,
        "budget": j(m.budget),
        "budget_unassigned": j(m.budget_unassigned),
        "spend": j(m.spend),
        "remaining": j(m.remaining),
        "unallocated": j(m.unallocated),
        "expense_count": m.expense_count,
        "parties": [{"organization": p.organization, "budget": j(p.budget), "share": j(p.share),
                     "paid": j(p.paid), "balance": j(p.balance)} for p in m.parties],
        "burn": [{"month": b.month, "spend": j(b.spend), "cumulative": j(b.cumulative)}
                 for b in m.burn],
    }
