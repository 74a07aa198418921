"""The receipt rule of an arrangement (issue 13, item 5): "a receipt is required for expenses
of at least X" (X in the arrangement's reporting currency; optional, per arrangement).

An expense of at least X without a current document is *missing its receipt*: marked on the
expense lists and page, counted on the dashboard, and (:func:`missing_receipts`, for the
statements feature) a statement cannot be issued while one in its period is missing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, not_, select

from jointprojects.audit import services as audit
from jointprojects.auth import policy
from jointprojects.documents.models import ReceiptRule
from jointprojects.documents.services import has_document_clause
from jointprojects.errors import DomainError, Message, message_of
from jointprojects.expenses.models import Expense
from jointprojects.extensions import db
from jointprojects.money import MoneyError, parse_decimal
from jointprojects.special_arrangements.models import SpecialArrangement


def receipt_threshold(sa: SpecialArrangement) -> Decimal | None:
    rule = db.session.get(ReceiptRule, sa.id)
    return rule.threshold if rule is not None else None


def set_receipt_rule(sa: SpecialArrangement, threshold: str | Decimal | None, user: Any
                     ) -> ReceiptRule | None:
    """Require a receipt for expenses of at least ``threshold`` (blank: no rule). A
    programme manager or finance user of a party, or an admin; audited."""
    policy.ensure(user, policy.DOCUMENT_WRITE)
    policy.ensure_party_member(user, sa.party_codes)
    rule = db.session.get(ReceiptRule, sa.id)
    before = audit.snapshot(rule) if rule is not None else None
    if threshold is None or (isinstance(threshold, str) and not threshold.strip()):
        if rule is not None:
            audit.record("delete", rule, parent=sa, before=before, after=None, user=user)
            db.session.delete(rule)
            db.session.flush()
        return None
    try:
        amount = parse_decimal(threshold)
    except MoneyError as exc:
        raise DomainError(Message("threshold %(problem)s.", problem=message_of(exc)),
                          "threshold") from None
    if amount < 0 or amount >= Decimal("1e13") or amount != amount.quantize(Decimal("0.01")):
        raise DomainError(Message("threshold must be an amount of %(currency)s from 0, with at "
                                  "most two decimal places.",
                                  currency=sa.currency), "threshold")
    if rule is None:
        rule = ReceiptRule(arrangement_id=sa.id, threshold=amount, updated_by_id=user.id)
        db.session.add(rule)
    else:
        rule.threshold, rule.updated_by_id = amount, user.id
    db.session.flush()
    audit.record("create" if before is None else "update", rule, parent=sa, before=before,
                 user=user)
    return rule


def _missing_query(sa: SpecialArrangement, threshold: Decimal, up_to: date | None,
                   viewer: Any | None, since: date | None = None) -> Any:
    query = select(Expense).where(
        Expense.arrangement_id == sa.id, Expense.reporting_amount >= threshold,
        not_(has_document_clause(Expense.id, viewer)))
    if up_to is not None:
        query = query.where(Expense.date <= up_to)
    if since is not None:
        query = query.where(Expense.date >= since)
    return query


def missing_receipts(sa: SpecialArrangement, up_to: date | None = None,
                     viewer: Any | None = None, since: date | None = None) -> list[Expense]:
    """The expenses of ``sa`` dated on or before ``up_to`` (all when None; from ``since``
    when given: a statement's period) that the receipt rule requires a receipt for and that
    have no current document, dates ascending.

    ``viewer`` None (the statement check) counts every document; with a user, only the
    documents that user may see count (a page never reveals a document its reader may not
    see, DOMAIN.md rule 14)."""
    threshold = receipt_threshold(sa)
    if threshold is None:
        return []
    return list(db.session.scalars(_missing_query(sa, threshold, up_to, viewer, since)
                                   .order_by(Expense.date, Expense.id)))


def missing_receipt_ids(sa: SpecialArrangement, expense_ids: list[int], viewer: Any | None
                        ) -> set[int]:
    """Which of ``expense_ids`` miss their receipt (for a list page)."""
    threshold = receipt_threshold(sa)
    if threshold is None or not expense_ids:
        return set()
    return set(db.session.scalars(_missing_query(sa, threshold, None, viewer)
                                  .where(Expense.id.in_(expense_ids))
                                  .with_only_columns(Expense.id)))


def count_missing_receipts(viewer: Any) -> int:
    """Expenses missing their receipt across the arrangements ``viewer`` sees (the
    dashboard's figure)."""
    total = 0
    rules = db.session.execute(select(ReceiptRule.arrangement_id, ReceiptRule.threshold).where(
        ReceiptRule.arrangement_id.in_(select(SpecialArrangement.id).where(
            policy.visible_arrangements_clause(viewer)))))
    for arrangement_id, threshold in rules:
        total += int(db.session.scalar(select(func.count()).select_from(Expense).where(
            Expense.arrangement_id == arrangement_id, Expense.reporting_amount >= threshold,
            not_(has_document_clause(Expense.id, viewer)))) or 0)
    return total
