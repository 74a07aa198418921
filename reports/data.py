"""Plain data the workbooks are built from.

The application fills these frozen dataclasses from its services (never from a request) and
hands them to :mod:`reports.cost_split` or :mod:`reports.portfolio`. Every amount is a
:class:`~decimal.Decimal` already rounded by the application to its currency's minor units
(DOMAIN.md rule 1); the workbooks write them as they are and never round or allocate again.
Percentages are Decimals between 0 and 100 (``Decimal("60.00")`` is 60 %).

:attr:`CostSplitReport.expenses` is any iterable, consumed exactly once, in the order the rows
are to appear (date, then recording order): a generator over a chunked query keeps a
million-row report within a few tens of megabytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jointprojects.money import minor_units, parse_decimal

# A version of the shares (``default``, ``categories`` overrides, ``ceilings``) and a
# settlement transfer (``from_org`` pays ``to_org``, rule 7) are the engine's own dataclasses;
# the vocabulary (categories in report order, each kind's article, the areas of Art. 1) is
# the application's own. Both are standard library only; re-exported here.
from jointprojects.special_arrangements.allocation import ShareVersion as ShareVersion
from jointprojects.special_arrangements.allocation import Transfer
from jointprojects.vocabulary import AREAS as AREAS
from jointprojects.vocabulary import EXPENSE_CATEGORIES as EXPENSE_CATEGORIES
from jointprojects.vocabulary import KIND_ARTICLES as KIND_ARTICLES

ZERO = Decimal(0)

#: A transfer of the settlement (rule 7): ``from_org`` pays ``to_org`` ``amount``.
Settlement = Transfer


def _freeze(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class Party:
    """A party to the arrangement: organization code (``"UN"``) and name."""

    code: str
    name: str


@dataclass(frozen=True)
class ArrangementInfo:
    """The special arrangement the cost split is about (Art. 5, 8, 9 or 4 by ``kind``).

    ``parties`` fixes the order of the party columns everywhere in the workbook.
    ``article`` defaults to the article of ``kind`` (:data:`KIND_ARTICLES`).
    """

    reference: str
    title: str
    project_code: str
    project_title: str
    kind: str
    parties: tuple[Party, ...]
    currency: str
    status: str
    entry_into_force: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    article: str = ""

    def __post_init__(self) -> None:
        _freeze(self, "parties", tuple(self.parties))
        if not self.parties:
            raise ValueError("an arrangement has at least one party")
        codes = [p.code for p in self.parties]
        if len(set(codes)) != len(codes):
            raise ValueError(f"duplicate party in {codes}")
        minor_units(self.currency)  # MoneyError for an unknown currency
        if not self.article:
            _freeze(self, "article", KIND_ARTICLES.get(self.kind, "Art. 5"))

    @property
    def party_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.parties)


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document of an expense that the report's reader may see (DOMAIN.md rule 14): its
    title and the SHA-256 of its bytes. A document the reader may not see is never given."""

    title: str
    sha256: str


@dataclass(frozen=True, slots=True)
class ExpenseLine:
    """One expense as allocated by the application (rules 2, 4-6).

    ``id`` is the expense's number, ``rate_source`` how its rate was found (a code of
    :data:`~jointprojects.vocabulary.RATE_SOURCE_LABELS`, or a sentence), ``recorded_by``
    and ``recorded_at`` (UTC) who recorded it and when.

    ``amount`` in ``currency``; ``rate`` units of ``currency`` per one unit of the reporting
    currency (1 when the same); ``reporting_amount`` = amount / rate rounded half-up;
    ``parts``: org code -> part in the reporting currency (parties without a part may be
    left out, they read as 0); ``unallocated``: what no party could take under its ceiling;
    ``version``: the number of the share version applied. ``documents``: the current
    documents of the expense its reader may see (the "Documents" column).
    """

    date: date
    category: str
    description: str
    paid_by: str
    amount: Decimal
    currency: str
    rate: Decimal
    reporting_amount: Decimal
    parts: Mapping[str, Decimal]
    unallocated: Decimal = ZERO
    version: int | None = None
    document_reference: str = ""
    id: int | None = None
    rate_source: str = ""
    recorded_by: str = ""
    recorded_at: datetime | None = None
    documents: tuple[DocumentRef, ...] = ()

    def __post_init__(self) -> None:
        # Floats never reach a workbook (DOMAIN.md rule 1); checked here, once per expense,
        # so the writer's hot loop need not.
        if not (type(self.amount) is Decimal and type(self.reporting_amount) is Decimal
                and type(self.rate) is Decimal and type(self.unallocated) is Decimal):
            raise TypeError("expense amounts, rate and unallocated are Decimal")
        for part in self.parts.values():
            if type(part) is not Decimal:
                raise TypeError("expense parts are Decimal")


@dataclass(frozen=True, slots=True)
class PartyFigures:
    """One party over a period, in the reporting currency: ``share`` its allocated parts,
    ``paid`` the reporting amounts of the expenses it paid, ``balance`` = paid - share
    (positive: the others owe it)."""

    organization: str
    share: Decimal
    paid: Decimal
    balance: Decimal


@dataclass(frozen=True)
class CostSplit:
    """The cost split of an arrangement for a period (``date_from``/``date_to`` inclusive,
    None for open), as ``GET /api/v1/arrangements/<ref>/cost-split`` returns it: ``total``
    the sum of the reporting amounts, ``unallocated`` what ceilings left to no party (the
    balances sum to it), ``settlements`` the transfers of rule 7.

    The workbook recomputes share, paid, balance, total and unallocated with live formulas
    over its Expenses sheet and shows these figures beside them with a check; the
    settlement transfers are written as these values.
    """

    currency: str
    total: Decimal
    unallocated: Decimal
    organizations: tuple[PartyFigures, ...]
    settlements: tuple[Settlement, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    expense_count: int = 0

    def __post_init__(self) -> None:
        _freeze(self, "organizations", tuple(self.organizations))
        _freeze(self, "settlements", tuple(self.settlements))

    @classmethod
    def from_api(cls, payload: Mapping[str, Any]) -> CostSplit:
        """Build from the API's JSON shape (money as decimal strings, API.md)."""
        return cls(
            currency=payload["currency"],
            date_from=date.fromisoformat(payload["from"]) if payload.get("from") else None,
            date_to=date.fromisoformat(payload["to"]) if payload.get("to") else None,
            expense_count=int(payload.get("expense_count", 0)),
            total=parse_decimal(payload["total"]),
            unallocated=parse_decimal(payload["unallocated"]),
            organizations=tuple(
                PartyFigures(
                    organization=o["organization"],
                    share=parse_decimal(o["share"]),
                    paid=parse_decimal(o["paid"]),
                    balance=parse_decimal(o["balance"]),
                )
                for o in payload["organizations"]
            ),
            settlements=tuple(
                Settlement(s["from"], s["to"], parse_decimal(s["amount"]))
                for s in payload.get("settlements", ())
            ),
        )

    def figures_for(self, organization: str) -> PartyFigures | None:
        for figures in self.organizations:
            if figures.organization == organization:
                return figures
        return None


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """Budget versus actual in the reporting currency, for a party (``organization`` None:
    the arrangement as a whole), overall (``category`` None) or one category, for a year
    (None: the period). ``actual`` is the application's figure: for a party its parts, for
    the arrangement as a whole the reporting amounts of the expenses. ``id`` and ``note``
    are those of the stored budget line, when there is one."""

    organization: str | None
    budget: Decimal
    actual: Decimal
    category: str | None = None
    year: int | None = None
    id: int | None = None
    note: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.actual

    @property
    def over(self) -> bool:
        return self.actual > self.budget


@dataclass(frozen=True, slots=True)
class RateUsed:
    """An exchange rate used in the period: ``rate`` units of ``currency`` per one unit of
    ``base`` (None: the reporting currency) for ``month`` (``"YYYY-MM"``); ``source`` e.g.
    ``"UN operational rates of exchange"`` or ``"entered on the expense"``."""

    currency: str
    month: str
    rate: Decimal
    source: str = ""
    base: str | None = None


@dataclass(frozen=True, slots=True)
class PersonnelCostLine:
    """A cost item of a personnel exchange (Art. 8) linked to the arrangement.

    ``reporting_amount`` is in ``reporting_currency``, the currency of the organization that
    bears the item (the arrangement's currency when blank); None when the rate of
    ``rate_month`` is missing. ``exchange`` numbers the exchange (its id), ``status`` is its
    status (proposed, approved, active, completed)."""

    staff: str
    home: str
    host: str
    position: str
    start_date: date
    end_date: date
    category: str
    borne_by: str
    amount: Decimal
    currency: str
    reporting_amount: Decimal | None = None
    reporting_currency: str = ""
    status: str = ""
    rate_month: str = ""
    exchange: int = 0


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a change: its label, the value before and after, as people read them."""

    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class ExpenseChange:
    """An edit (``action`` ``"update"``) or a deletion (``"delete"``) of an expense dated in
    the period, from the audit trail: ``expense_id``, the expense's ``date`` (after the edit;
    before a deletion), who (``by``) and when (``at``, UTC) and what changed."""

    expense_id: int
    action: str
    at: datetime
    by: str
    date: date
    summary: str
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class CostSplitReport:
    """Everything the cost-split workbook shows.

    ``period_from`` / ``period_to`` (inclusive, None for open) are the period asked for;
    ``generated_at`` is UTC (an aware datetime is converted, a naive one is taken as UTC);
    ``filters`` is a human sentence of any further filter. ``expenses`` is consumed once.
    ``changes`` are the edits and deletions of the period's expenses (the "Changes in the
    period" sheet).
    """

    arrangement: ArrangementInfo
    cost_split: CostSplit
    expenses: Iterable[ExpenseLine]
    versions: tuple[ShareVersion, ...] = ()
    period_from: date | None = None
    period_to: date | None = None
    budget: tuple[BudgetLine, ...] = ()
    rates: tuple[RateUsed, ...] = ()
    personnel: tuple[PersonnelCostLine, ...] = ()
    generated_at: datetime | None = None
    generated_by: str = ""
    filters: str = ""
    changes: tuple[ExpenseChange, ...] = ()
    #: The language of the workbook (``"en"``/``"fr"``, issue 17), recorded in its properties,
    #: and the function giving its words in that language (English message id -> text; the
    #: application passes its catalog's, reports/ knows no catalog).
    language: str = "en"
    translate: Callable[[str], str] = field(default=str, compare=False)

    def __post_init__(self) -> None:
        for name in ("versions", "budget", "rates", "personnel", "changes"):
            _freeze(self, name, tuple(getattr(self, name)))
        if self.cost_split.currency != self.arrangement.currency:
            raise ValueError(
                f"cost split in {self.cost_split.currency}, arrangement reports in "
                f"{self.arrangement.currency}"
            )


# -- portfolio ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectRow:
    """A joint project (Art. 5); ``areas`` are Art. 1 codes ``"a"``..``"f"``; ``lead`` the
    lead organization's code."""

    code: str
    title: str
    status: str
    areas: tuple[str, ...]
    lead: str
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class ArrangementSummary:
    """One special arrangement in the portfolio. Money in ``currency`` (its reporting
    currency); ``budget`` None when no budget is set; ``spend`` the reporting amounts of its
    expenses; ``shares`` org code -> allocated total; ``under_notice`` the effective date of
    a termination notice given (Art. 10, six months after the notice) or None."""

    reference: str
    project: str
    kind: str
    status: str
    currency: str
    spend: Decimal
    shares: Mapping[str, Decimal] = field(default_factory=dict)
    budget: Decimal | None = None
    under_notice: date | None = None
    title: str = ""
    unallocated: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class AreaTotal:
    """Totals for one area of cooperation (Art. 1) in one currency. An arrangement whose
    project covers several areas counts in each of them."""

    area: str
    currency: str
    projects: int
    arrangements: int
    spend: Decimal
    budget: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PersonnelExchangeRow:
    """A personnel exchange (Art. 8); ``costs`` total per currency of its cost items."""

    staff: str
    home: str
    host: str
    position: str
    start_date: date
    end_date: date
    status: str
    arrangement: str = ""
    costs: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class PortfolioData:
    """Everything the leadership portfolio shows."""

    projects: tuple[ProjectRow, ...]
    arrangements: tuple[ArrangementSummary, ...]
    areas: tuple[AreaTotal, ...] = ()
    personnel: tuple[PersonnelExchangeRow, ...] = ()
    organizations: tuple[Party, ...] = ()
    generated_at: datetime | None = None
    generated_by: str = ""
    filters: str = ""
    #: Area code -> its name as the pages show it ("(a) National and transnational crime");
    #: codes left out read as "(code) " + the vocabulary's short title.
    area_names: Mapping[str, str] = field(default_factory=dict)
    #: The workbook's language and its words in it (English message id -> text), as for
    #: :class:`CostSplitReport`.
    language: str = "en"
    translate: Callable[[str], str] = field(default=str, compare=False)

    def __post_init__(self) -> None:
        for name in ("projects", "arrangements", "areas", "personnel", "organizations"):
            _freeze(self, name, tuple(getattr(self, name)))
