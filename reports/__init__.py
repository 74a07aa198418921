"""Excel workbooks and spreadsheet imports built from plain data (issue 5).

This package never imports Flask, SQLAlchemy or the application's models: callers hand it
the frozen dataclasses of :mod:`reports.data` (expenses as any iterable, so a chunked query
can stream them) and get bytes back, or have a workbook written to a binary stream. Sending
the bytes is the caller's business (STYLE.md habit 7).

- :func:`reports.cost_split.write_cost_split` / :func:`reports.cost_split.build_cost_split`:
  the auditable cost split of one special arrangement (Art. 5) with live formulas.
- :func:`reports.portfolio.build_portfolio`: the leadership portfolio.
- :mod:`reports.imports`: reading expense and exchange-rate spreadsheets (.xlsx, .csv) and the
  downloadable templates; :mod:`reports.xlsx_reader`: the .xlsx reader under it (lxml
  ``iterparse``, zip-bomb and DOCTYPE checks).

Money is :class:`decimal.Decimal` throughout (DOMAIN.md rule 1); user text is written through
:mod:`reports.cells` so that it never becomes a formula ("What a user must never see").
"""

from reports.data import (
    AreaTotal,
    ArrangementInfo,
    ArrangementSummary,
    BudgetLine,
    CostSplit,
    CostSplitReport,
    ExpenseChange,
    ExpenseLine,
    FieldChange,
    Party,
    PartyFigures,
    PersonnelCostLine,
    PersonnelExchangeRow,
    PortfolioData,
    ProjectRow,
    RateUsed,
    Settlement,
    ShareVersion,
)

__all__ = [
    "AreaTotal",
    "ArrangementInfo",
    "ArrangementSummary",
    "BudgetLine",
    "CostSplit",
    "CostSplitReport",
    "ExpenseChange",
    "ExpenseLine",
    "FieldChange",
    "Party",
    "PartyFigures",
    "PersonnelCostLine",
    "PersonnelExchangeRow",
    "PortfolioData",
    "ProjectRow",
    "RateUsed",
    "Settlement",
    "ShareVersion",
]
