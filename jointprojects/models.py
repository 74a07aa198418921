"""Imports every feature's models so that SQLAlchemy and Alembic see the whole schema."""

from jointprojects.audit.models import AuditEntry
from jointprojects.auth.models import ApiToken, User
from jointprojects.budgets.models import Budget
from jointprojects.dashboard.models import PortfolioBudget, PortfolioTotal
from jointprojects.documents.models import (
    Document,
    DocumentBlob,
    DocumentChunk,
    DocumentReader,
    ReceiptRule,
)
from jointprojects.evidence.models import (
    AcceptanceSignature,
    ChainVerification,
    Checkpoint,
    CheckpointSignature,
    OrganizationKey,
)
from jointprojects.exchange_rates.models import ExchangeRate
from jointprojects.expenses.models import (
    Expense,
    ExpensePart,
    ExpenseTotal,
)
from jointprojects.inbox.models import CalendarEvent, CalendarFeed, InboxRead
from jointprojects.jobs.models import Job
from jointprojects.notifications.models import (
    MailAnnouncement,
    MailDigest,
    MailMessage,
    MailPreference,
)
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
from jointprojects.statements.models import (
    Payment,
    Statement,
    StatementAcknowledgement,
    StatementParty,
    StatementTransfer,
    StatementWorkbook,
)

__all__ = [
    "AcceptanceSignature",
    "Agreement",
    "AgreementAmendment",
    "AgreementConsent",
    "AgreementParty",
    "ApiToken",
    "Area",
    "ArrangementParty",
    "AuditEntry",
    "Budget",
    "CalendarEvent",
    "CalendarFeed",
    "Ceiling",
    "ChainVerification",
    "Checkpoint",
    "CheckpointSignature",
    "Consent",
    "Document",
    "DocumentBlob",
    "DocumentChunk",
    "DocumentReader",
    "ExchangeApproval",
    "ExchangeCostItem",
    "ExchangeExtension",
    "ExchangeRate",
    "Expense",
    "ExpensePart",
    "ExpenseTotal",
    "InboxRead",
    "Job",
    "MailAnnouncement",
    "MailDigest",
    "MailMessage",
    "MailPreference",
    "Organization",
    "OrganizationKey",
    "Payment",
    "PendingImport",
    "PersonnelExchange",
    "PortfolioBudget",
    "PortfolioTotal",
    "Project",
    "ReceiptRule",
    "Share",
    "ShareVersion",
    "Signature",
    "SpecialArrangement",
    "Statement",
    "StatementAcknowledgement",
    "StatementParty",
    "StatementTransfer",
    "StatementWorkbook",
    "User",
    "project_area",
]
