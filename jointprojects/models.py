"""Imports every feature's models so that SQLAlchemy and Alembic see the whole schema."""

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import ApiToken, User
from jointprojects.budgets.models import Budget
from jointprojects.dashboard.models import PortfolioBudget, PortfolioTotal
from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.expenses.models import (
    Expense,
    ExpensePart,
    ExpenseTotal,
)
from jointprojects.jobs.models import Job
from jointprojects.organizations.models import (
    Agreement,
    AgreementAmendment,
    AgreementConsent,
    AgreementParty,
    Area,
    Organization,
)
from jointprojects.personnel_exchanges.models import (
    ExchangeApproval,
    ExchangeCostItem,
    ExchangeExtension,
    PersonnelExchange,
)
from jointprojects.projects.models import Project, project_area
from jointprojects.reporting.models import PendingImport
from jointprojects.special_arrangements.models import (
    ArrangementParty,
    Ceiling,
    Consent,
    Share,
    ShareVersion,
    Signature,
    SpecialArrangement,
)

__all__ = [
    "Agreement",
    "AgreementAmendment",
    "AgreementConsent",
    "AgreementParty",
    "ApiToken",
    "Area",
    "ArrangementParty",
    "AuditEntry",
    "Budget",
    "Ceiling",
    "Consent",
    "ExchangeApproval",
    "ExchangeCostItem",
    "ExchangeExtension",
    "ExchangeRate",
    "Expense",
    "ExpensePart",
    "ExpenseTotal",
    "Job",
    "Organization",
    "PendingImport",
    "PersonnelExchange",
    "PortfolioBudget",
    "PortfolioTotal",
    "Project",
    "Share",
    "ShareVersion",
    "Signature",
    "SpecialArrangement",
    "User",
    "project_area",
]
