"""The cost-split workbook of one special arrangement for a period (Art. 5; issue 5).

An auditor must be able to trace every total: Summary, By category and By month are live
formulas (``SUM`` / ``SUMIFS``, each wrapped in ``ROUND`` to the reporting currency's minor
units) over the Expenses sheet, which holds one row per expense exactly as the application
allocated it. The application's own figures (the cost-split API) are written beside the
formulas with a check cell, so a difference of a cent shows at once.

Built in openpyxl's write-only mode: the Expenses rows are streamed from
:attr:`reports.data.CostSplitReport.expenses` straight to a temporary file, so a million
expenses stay far below 300 MB. Every sheet is created up front in reading order; the
Summary is filled last, once the number of expense rows (the formula ranges) is known.
Bounded ranges (``Expenses!$I$2:$I$1001``) rather than whole columns keep the formulas exact
to read and fast in LibreOffice.

Month sums use a hidden "Month key" column holding ``yyyymm`` as a number: a number is
matched exactly by ``SUMIFS`` in Excel and LibreOffice alike, where a text criterion such as
``"2024-03"`` could be read as a date by either.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from jointprojects.locales import long_date as _long_date
from jointprojects.money import minor_units
from jointprojects.vocabulary import (
    EXPENSE_CATEGORIES,
    KINDS,
    RATE_SOURCE_LABELS,
    label,
)
from reports.cells import CellFactory, ColumnCell, Styles, excel_datetime, lean_rows
from reports.cost_split_changes import CHANGES_SHEET, write_changes_sheet
from reports.cost_split_print import print_header, section_height
from reports.data import BudgetLine, CostSplitReport
from reports.progress import Progress, counted
from reports.sheets import (
    CLASSIFICATION,
    LINE_HEIGHT,
    RowWriter,
    fitting_height,
    page_capacity,
    prepare_sheet,
    set_default_font,
    set_properties,
)

__all__ = ["CHANGES_SHEET", "PERSONNEL_NOTE", "RATE_MISSING", "RULES", "build_cost_split",
           "expense_columns", "write_cost_split"]

#: The rules applied, as the About sheet states them (DOMAIN.md money rules).
RULES: tuple[tuple[str, str], ...] = (
    ("Money", "Amounts are exact decimals rounded to the currency's ISO 4217 minor units "
     "(USD/EUR 2, JPY 0, KWD 3)."),
    ("Conversion (rule 2)", "UN operational rates of exchange: a rate is the number of units "
     "of the expense currency per one unit of the reporting currency; reporting amount = "
     "amount / rate, rounded half-up to the reporting currency's minor unit. Same currency: "
     "rate 1. No rate on the expense: the rate of the expense date's month."),
    ("Shares (rule 3)", "Per party a percentage with at most 2 decimals; the default set and "
     "each category override set sum to exactly 100.00."),
    ("Allocation (rule 4)", "Largest remainder: each party gets amount x percent / 100 "
     "rounded toward zero to the minor unit; the minor units still missing go one each to the "
     "parties with the largest discarded remainder; ties go to the larger percentage, then to "
     "the organization code in ascending order. Parts sum exactly to the amount. A negative "
     "amount (refund) is allocated as its absolute value, then negated."),
    ("Version applied (rule 5)", "The version of the shares in force on the expense date: "
     "the category override when the category has one, else the default set."),
    ("Ceilings (rule 6)", "Expenses are taken in order of date, then recording order. A part "
     "that would take a party past its ceiling is cut at the ceiling; the excess goes to the "
     "parties not yet at their ceiling in proportion to their percentages (rule 4 again). "
     "What no party can take is shown as unallocated."),
    ("Settlement (rule 7)", "Balance = paid - share (positive: the others owe the party). "
     "Transfers: the largest debtor pays the largest creditor the smaller of the two amounts "
     "(ties by organization code), at most n-1 transfers."),
    ("Formulas", "Share, paid, balance, totals, the settlement transfers, the budget's "
     "actual, By category and By month are live formulas over the Expenses sheet and the "
     "balances, rounded to the minor unit; the application's figures are shown beside them "
     "with a check."),
    ("Changes", f"The sheet \"{CHANGES_SHEET}\" lists every edit and deletion of an expense "
     "dated in the period, from the audit trail: which expense, who, when, each field before "
     "and after."),
    ("Classification", CLASSIFICATION + ": the records of an arrangement are shown to its "
     "parties only."),
)

_TABLE_STYLE = "TableStyleMedium2"

#: What the Personnel sheet shows for an item whose month has no rate (never a blank, which a
#: sum would silently leave out).
RATE_MISSING = "rate missing"
#: How the Personnel sheet is made, as it states it.
PERSONNEL_NOTE = (
    "Cost items of the personnel exchanges linked to this arrangement (Art. 8) whose exchange "
    "overlaps the period. Cancelled exchanges are left out: their costs are not incurred. "
    "Each item is converted into the reporting currency of the organization that bears it "
    "with the rate of the item's month (cross rate of the rates table, rule 2), as on the "
    "personnel exchange pages and the API.")


def expense_columns(data: CostSplitReport) -> list[str]:
    """The Expenses sheet's header row (also the table's column names), in the report's
    language."""
    currency = data.arrangement.currency
    t = data.translate
    return [
        t("Expense"),
        t("Date"),
        t("Category"),
        t("Description"),
        t("Document reference"),
        t("Paid by"),
        t("Amount"),
        t("Currency"),
        t("Rate"),
        t("Rate source"),
        f"{t('Reporting amount')} ({currency})",
        *(t("%(party)s part") % {"party": code} + f" ({currency})"
          for code in data.arrangement.party_codes),
        f"{t('Unallocated')} ({currency})",
        t("Version"),
        t("Recorded by"),
        t("Recorded at (UTC)"),
        t("Month key"),
        t("Documents"),
    ]


def expense_widths(parties: int) -> list[float]:
    """The Expenses sheet's column widths (``parties`` part columns)."""
    return [8, 10.5, 18, 26, 15, 9, 12, 8.5, 15, 13, 13, *([12] * parties), 11.5, 7.5, 16,
            15.5, 9, 40]


def build_cost_split(data: CostSplitReport) -> bytes:
    """The workbook as bytes (small and medium reports; big ones: :func:`write_cost_split`
    to a temporary file, which never holds the whole workbook in memory)."""
    buffer = io.BytesIO()
    write_cost_split(data, buffer)
    return buffer.getvalue()


def write_cost_split(data: CostSplitReport, stream: IO[bytes], *,
                     front: Callable[[Workbook, Styles], None] | None = None,
                     progress: Progress | None = None) -> None:
    """Write the cost-split workbook (.xlsx) of ``data`` to the binary ``stream``.

    Consumes ``data.expenses`` once. Raises :class:`jointprojects.money.MoneyError` for an
    unknown currency and ``TypeError`` for a float amount in the Summary figures. ``front``
    adds sheets before the report's own (a statement's sheet, :mod:`reports.statement`);
    ``progress`` (reports.progress) hears the expense rows written, then the saving.
    """
    if progress is not None:
        data = replace(data, expenses=counted(
            data.expenses, progress, "writing the Expenses sheet", data.cost_split.expense_count,
            then="writing the other sheets and saving the workbook"))
    _CostSplitWriter(data, front).write(stream)


class _CostSplitWriter:
    def __init__(self, data: CostSplitReport,
                 front: Callable[[Workbook, Styles], None] | None = None) -> None:
        self.data = data
        self.front = front
        #: The workbook's words in its language (English message ids; reports/ has no catalog).
        self.t = data.translate
        self.language = data.language
        self.arr = data.arrangement
        self.currency = self.arr.currency
        self.places = minor_units(self.currency)
        self.parties = self.arr.party_codes
        self.wb = Workbook(write_only=True)
        set_default_font(self.wb)
        self.styles = Styles(self.wb)
        period = _period(data.period_from, data.period_to, self.t, self.language)
        set_properties(
            self.wb, title=self.t("Cost split: %(reference)s: %(title)s") % {
                "reference": self.arr.reference, "title": self.arr.title},
            subject=self.t("Cost split of %(reference)s (%(article)s), %(period)s, in "
                           "%(currency)s") % {"reference": self.arr.reference,
                                              "article": self.arr.article, "period": period,
                                              "currency": self.currency},
            keywords=f"{self.arr.reference}; {self.arr.project_code}; cost split; "
                     f"{CLASSIFICATION}")
        self.wb.properties.language = self.language  # the frozen workbook says its language
        self.page = print_header(self.arr, period, data.generated_at, self.t)
        self.columns = expense_columns(data)
        # Column letters of the Expenses sheet.
        self.col: dict[str, str] = {}
        names = ["id", "date", "category", "description", "document", "paid_by", "amount",
                 "currency", "rate", "rate_source", "reporting"]
        names += [f"part:{code}" for code in self.parties]
        names += ["unallocated", "version", "recorded_by", "recorded_at", "month", "documents"]
        for index, name in enumerate(names, 1):
            self.col[name] = get_column_letter(index)
        self.last_col = get_column_letter(len(names))
        self.count = 0
        self.last_row = 2
        self.categories: set[str] = set()
        self.months: set[int] = set()
        #: Summary row of each party's balance (the settlement's formulas point at them).
        self.balance_rows: dict[str, int] = {}

    # -- helpers ---------------------------------------------------------------------------

    def rng(self, name: str) -> str:
        """Absolute range of an Expenses column over the expense rows."""
        letter = self.col[name]
        sheet = self.t("Expenses")  # "Dépenses" in French: quoted, as a non-ASCII name
        sheet = sheet if sheet.isascii() and sheet.isalnum() else quote_sheetname(sheet)
        return f"{sheet}!${letter}$2:${letter}${self.last_row}"

    def round(self, expression: str) -> str:
        return f"ROUND({expression},{self.places})"

    # -- the workbook ----------------------------------------------------------------------

    def write(self, stream: IO[bytes]) -> None:
        wb = self.wb
        if self.front is not None:
            self.front(wb, self.styles)
        summary = wb.create_sheet(self.t("Summary"))
        expenses = wb.create_sheet(self.t("Expenses"))
        by_category = wb.create_sheet(self.t("By category"))
        by_month = wb.create_sheet(self.t("By month"))
        changes = wb.create_sheet(self.t(CHANGES_SHEET))
        rates = wb.create_sheet(self.t("Rates"))
        personnel = wb.create_sheet(self.t("Personnel")) if self.data.personnel else None
        about = wb.create_sheet(self.t("About"))

        self.write_expenses(expenses)
        self.write_summary(summary)
        self.write_by_category(by_category)
        self.write_by_month(by_month)
        self.write_changes(changes)
        self.write_rates(rates)
        if personnel is not None:
            self.write_personnel(personnel)
        self.write_about(about)
        wb.save(stream)

    def write_expenses(self, ws: Any) -> None:
        """One row per expense; the hot loop of the report, kept lean: plain values where no
        format is needed, one reused styled cell per numeric column."""
        widths = expense_widths(len(self.parties))
        month_index = len(widths) - 1  # the hidden Month key, before Documents
        prepare_sheet(ws, widths, freeze="C2", title_rows="1:1", hidden=[month_index],
                      page=self.page)
        f = CellFactory(ws, self.styles)
        header = f.header(self.columns)
        height = fitting_height(header, widths)
        if height is not None:
            ws.row_dimensions[1].height = height
        ws.append(header)

        styles = self.styles
        amount_style = styles.amount(self.places)
        lean_rows(ws)
        # One reused cell per numeric column (see ColumnCell): the Expenses sheet is the
        # only big one, and per-cell objects and style look-ups would dominate its cost.
        original_cells: dict[str, ColumnCell] = {}
        reporting = ColumnCell(ws, amount_style)
        parts = [ColumnCell(ws, amount_style) for _ in self.parties]
        unallocated = ColumnCell(ws, amount_style)
        rate_cell = ColumnCell(ws, Styles.RATE)
        recorded_cell = ColumnCell(ws, Styles.MINUTE)
        recorded_cell.data_type = "d"
        part_pairs = list(zip(self.parties, parts, strict=True))
        text = f.text
        categories = self.categories
        months = self.months
        labels = {code: text(self.t(label(code))) for code in EXPENSE_CATEGORIES}

        def category_label(code: str) -> Any:
            value = labels.get(code)
            if value is None:
                value = labels[code] = text(self.t(label(code)))
            return value

        zero = Decimal(0)
        count = 0
        append = ws.append
        sources: dict[str, Any] = {}
        recorders: dict[str, Any] = {}

        for e in self.data.expenses:
            original = original_cells.get(e.currency)
            if original is None:
                original = original_cells[e.currency] = ColumnCell(
                    ws, styles.amount(minor_units(e.currency)))
            # Decimals: ExpenseLine refuses floats when it is built.
            original._value = e.amount
            rate_cell._value = e.rate
            reporting._value = e.reporting_amount
            source = sources.get(e.rate_source)
            if source is None:
                source = sources[e.rate_source] = text(
                    self.t(RATE_SOURCE_LABELS.get(e.rate_source, e.rate_source)))
            recorder = recorders.get(e.recorded_by)
            if recorder is None:
                recorder = recorders[e.recorded_by] = text(e.recorded_by)
            row: list[Any] = [
                e.id,
                e.date,
                category_label(e.category),
                text(e.description),
                text(e.document_reference),
                text(e.paid_by),
                original,
                text(e.currency),
                rate_cell,
                source,
                reporting,
            ]
            got = e.parts.get
            for code, cell in part_pairs:
                cell._value = got(code, zero)
                row.append(cell)
            unallocated._value = e.unallocated
            d = e.date
            month = d.year * 100 + d.month
            recorded: Any = None
            if e.recorded_at is not None:
                recorded_cell._value = excel_datetime(e.recorded_at)  # type: ignore[assignment]  # a date cell (data type "d")
                recorded = recorded_cell
            documents = None
            if e.documents:
                documents = text("\n".join(f"{d.title} (SHA-256 {d.sha256})"
                                           for d in e.documents))
            row += (unallocated, e.version, recorder, recorded, month, documents)
            append(row)
            categories.add(e.category)
            months.add(month)
            count += 1

        self.count = count
        self.last_row = max(count + 1, 2)
        table = Table(displayName="ExpenseRows", ref=f"A1:{self.last_col}{self.last_row}")
        table.tableColumns = [TableColumn(id=i, name=name)
                              for i, name in enumerate(self.columns, 1)]
        table.autoFilter = AutoFilter(ref=table.ref)
        table.tableStyleInfo = TableStyleInfo(name=_TABLE_STYLE, showRowStripes=True)
        with warnings.catch_warnings():
            # openpyxl warns that write-only tables need their columns set by hand: done above.
            warnings.simplefilter("ignore", UserWarning)
            ws.add_table(table)

    def write_summary(self, ws: Any) -> None:
        data, arr, places = self.data, self.arr, self.places
        widths = [30, 40, 15, 15, 15, 15, 15, 15, 11]
        prepare_sheet(ws, widths, page=self.page)
        f = CellFactory(ws, self.styles)
        # Counting the printed page's rows: a section starts on a new page rather than leave
        # its title and header at the bottom of one and its rows on the next.
        w = RowWriter(ws, widths, capacity=page_capacity(widths))
        st = self.styles

        w.append([f.title(self.t("Cost split: %(reference)s") % {"reference": arr.reference})])
        w.append([f.wrap(arr.title)])
        w.blank()
        names = {p.code: p.name for p in arr.parties}
        versions = "; ".join(
            self.t("%(number)s from %(day)s") % {
                "number": v.number, "day": v.effective_date.isoformat()}
            for v in data.versions
        ) or self.t("none recorded")
        kind = KINDS.get(arr.kind)
        facts: list[tuple[str, Any]] = [
            (self.t("Arrangement"), f.text(arr.reference)),
            (self.t("Project"), f.wrap(f"{arr.project_code}: {arr.project_title}")),
            (self.t("Kind"),
             f.text(f"{self.t(kind.label if kind else label(arr.kind))} ({arr.article})")),
            (self.t("Parties"), f.wrap("; ".join(f"{p.code}: {p.name}" for p in arr.parties))),
            (self.t("Reporting currency"), f.text(arr.currency)),
            (self.t("Status"), f.text(self.t(label(arr.status)))),
            (self.t("Entry into force"), f.date(arr.entry_into_force) or self.t("Not in force")),
            (self.t("Period"), f.text(_period(data.period_from, data.period_to, self.t,
             self.language))),
            (self.t("Versions of the shares applied"), f.wrap(versions)),
            (self.t("Expenses"), f.formula(f"=COUNT({self.rng('date')})", Styles.INTEGER)),
            (self.t("Changes in the period"), f.text(
                self.t("%(count)s edit(s) or deletion(s): see the sheet \"%(sheet)s\"") % {
                    "count": len(data.changes), "sheet": self.t(CHANGES_SHEET)}
                if data.changes else self.t("none recorded"))),
            (self.t("Generated (UTC)"), f.date(excel_datetime(data.generated_at))),
            (self.t("Classification"), f.text(CLASSIFICATION)),
        ]
        for name, value in facts:
            w.append([f.label(name), value])
        w.blank()

        w.keep_together(section_height(len(self.parties) + 4))
        w.append([f.section(self.t("Shares, payments and balances (%(article)s), in %(currency)s")
                             % {"article": arr.article, "currency": arr.currency})])
        w.append(f.header([
            self.t("Party"), self.t("Name"), self.t("Share"), self.t("Paid"),
                self.t("Balance (paid - share)"),
            self.t("Share (application)"), self.t("Paid (application)"),
                self.t("Balance (application)"), self.t("Check"),
        ]))
        first = w.next_row
        amount = st.amount(places)
        for code in self.parties:
            r = w.next_row
            self.balance_rows[code] = r
            figures = data.cost_split.figures_for(code)
            w.append([
                f.text(code),
                f.text(names[code]),
                f.formula(f"={self.round('SUM(' + self.rng('part:' + code) + ')')}", amount),
                f.formula("=" + self.round(
                    f'SUMIFS({self.rng("reporting")},{self.rng("paid_by")},"="&$A{r})'), amount),
                f.formula(f"={self.round(f'D{r}-C{r}')}", amount),
                f.amount(figures.share if figures else None, places),
                f.amount(figures.paid if figures else None, places),
                f.amount(figures.balance if figures else None, places),
                self._check(f, r, [("C", "F"), ("D", "G"), ("E", "H")]),
            ])
        last = w.row
        r = w.next_row
        w.append([
            f.label(self.t("Total")), None,
            *(f.formula(f"={self.round(f'SUM({c}{first}:{c}{last})')}", st.total(places))
              for c in "CDEFGH"),
            self._check(f, r, [("C", "F"), ("D", "G"), ("E", "H")]),
        ])
        r = w.next_row
        split = data.cost_split
        w.append([
            f.label(self.t("Expenses total")), f.text(self.t("All expenses in the period")),
            f.formula(f"={self.round('SUM(' + self.rng('reporting') + ')')}", amount),
            None, None, f.amount(split.total, places), None, None,
            self._check(f, r, [("C", "F")]),
        ])
        r = w.next_row
        w.append([
            f.label(self.t("Unallocated")), f.text(self.t("Over the parties' ceilings (rule 6)")),
            f.formula(f"={self.round('SUM(' + self.rng('unallocated') + ')')}", amount),
            None, None, f.amount(split.unallocated, places), None, None,
            self._check(f, r, [("C", "F")]),
        ])
        w.blank()

        self._write_settlement(w, f)
        if data.versions:
            self._write_versions(w, f)
        if data.budget:
            self._write_budget(w, f)

        # Below the tables, never beside them: beside, it would widen the printed page and
        # shrink every figure to fit it.
        chart = BarChart()
        chart.type = "col"
        chart.title = self.t("Share per party (%(currency)s)") % {"currency": arr.currency}
        chart.y_axis.title = arr.currency
        chart.legend = None
        chart.add_data(Reference(ws, min_col=3, min_row=first - 1, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        chart.height = 7.5
        chart.width = 16
        # The chart is about 7.5 cm tall (213 points): on a new page when it would not fit.
        w.keep_together(7.5 / 2.54 * 72 + 2 * LINE_HEIGHT)
        w.blank()
        ws.add_chart(chart, f"A{w.next_row}")

    def _write_settlement(self, w: RowWriter, f: CellFactory) -> None:
        """The transfers of rule 7, each a formula over the balances above (the largest
        debtor pays the largest creditor the smaller of what is left of the two), beside the
        application's amount and a check."""
        places = self.places
        split = self.data.cost_split
        amount = self.styles.amount(places)
        w.keep_together(section_height(max(1, len(split.settlements))))
        w.append([f.section(self.t("Settlement (rule 7), in %(currency)s")
                             % {"currency": self.currency})])
        w.append(f.header([self.t("From"), self.t("To"), self.t("Amount"),
                           self.t("Amount (application)"), self.t("Check")]))
        paid_from: dict[str, list[str]] = {}
        paid_to: dict[str, list[str]] = {}
        for s in split.settlements:
            r = w.next_row
            debtor, creditor = self.balance_rows.get(s.from_org), self.balance_rows.get(
                s.to_org)
            if debtor is None or creditor is None:
                value: Any = f.amount(s.amount, places)
            else:
                debt = "".join(f"-{c}" for c in paid_from.get(s.from_org, []))
                credit = "".join(f"-{c}" for c in paid_to.get(s.to_org, []))
                value = f.formula(
                    f"={self.round(f'MIN(-$E${debtor}{debt},$E${creditor}{credit})')}", amount)
            paid_from.setdefault(s.from_org, []).append(f"C{r}")
            paid_to.setdefault(s.to_org, []).append(f"C{r}")
            w.append([f.text(s.from_org), f.text(s.to_org), value,
                      f.amount(s.amount, places), self._check(f, r, [("C", "D")])])
        if not split.settlements:
            w.append([f.text(self.t("No transfer: the balances are settled."))])
        w.blank()

    def _check(self, f: CellFactory, r: int, pairs: Sequence[tuple[str, str]]) -> Any:
        """"OK" when the formulas of row ``r`` equal the application's figures."""
        conditions = ",".join(f"ROUND({a}{r}-{b}{r},{self.places})=0" for a, b in pairs)
        return f.formula(f'=IF(AND({conditions}),"OK","DIFFERS")')

    def _write_versions(self, w: RowWriter, f: CellFactory) -> None:
        parties = self.parties
        w.keep_together(section_height(min(3, 1 + len(self.data.versions[0].categories))))
        w.append([f.section(
            self.t("Versions of the shares applied (Art. 5; amendments, Art. 10.2)"))])
        w.append(f.header([self.t("Version"), self.t("Effective from"), self.t("Category"),
                           *(f"{code} %" for code in parties)]))
        for v in self.data.versions:
            sets = [(self.t("Default (all)"), v.default),
                    *((self.t(label(c)), shares) for c, shares in sorted(v.categories.items()))]
            for category, shares in sets:
                w.append([v.number, f.date(v.effective_date), f.text(category),
                          *(f.percent(shares.get(code)) for code in parties)])
            if v.ceilings:
                w.append([v.number, f.date(v.effective_date),
                          f.text(f"Ceiling ({self.currency})"),
                          *(f.amount(v.ceilings.get(code), self.places) for code in parties)])
        w.blank()

    def _covers_year(self, year: int) -> bool:
        start, end = self.data.period_from, self.data.period_to
        return ((start is None or start <= date(year, 1, 1))
                and (end is None or end >= date(year, 12, 31)))

    def _actual_formula(self, line: BudgetLine, r: int) -> str:
        """The budget line's actual over the Expenses sheet: the parts of its party (the
        reporting amounts for the arrangement as a whole) in its category and year."""
        column = "reporting" if line.organization is None else f"part:{line.organization}"
        criteria = []
        if line.category is not None:
            criteria.append(f'{self.rng("category")},"="&$B{r}')
        if line.year is not None:
            criteria.append(f'{self.rng("month")},">="&($C{r}*100+1)')
            criteria.append(f'{self.rng("month")},"<="&($C{r}*100+12)')
        if not criteria:
            return "=" + self.round(f"SUM({self.rng(column)})")
        return "=" + self.round(f"SUMIFS({self.rng(column)},{','.join(criteria)})")

    def _write_budget(self, w: RowWriter, f: CellFactory) -> None:
        places = self.places
        amount = self.styles.amount(places)
        w.keep_together(section_height(min(3, len(self.data.budget)), header_lines=3))
        w.append([f.section(f"Budget versus actual, in {self.currency}")])
        w.append(f.header([self.t("Party"), self.t("Category"), self.t("Year"), self.t("Budget"),
                           self.t("Actual (expenses above)"),
                           self.t("Remaining (budget - actual)"), self.t("Used"),
                               self.t("Actual (application, whole year)"), self.t("Check")]))
        for line in self.data.budget:
            r = w.next_row
            party_known = line.organization is None or line.organization in self.parties
            actual = (f.formula(self._actual_formula(line, r), amount) if party_known
                      else f.amount(line.actual, places))
            if line.year is None or self._covers_year(line.year):
                check = self._check(f, r, [("E", "H")])
            else:
                check = f.text(self.t("Part of the year"))
            w.append([
                f.text(line.organization or "All parties"),
                f.text(self.t(label(line.category)) if line.category
                       else self.t("All categories")),
                line.year if line.year is not None else f.text(self.t("Period")),
                f.amount(line.budget, places),
                actual,
                f.formula(f"={self.round(f'D{r}-E{r}')}", amount),
                f.formula(f'=IF(D{r}=0,"",E{r}/D{r})', Styles.USED),
                f.amount(line.actual, places),
                check,
            ])
        if any(line.year is not None and not self._covers_year(line.year)
               for line in self.data.budget):
            w.append([f.wrap("Actual (expenses above) counts the expenses of the period; a "
                             "budget is for a whole year: where the period covers part of "
                             "the year, the application's whole-year actual is shown beside "
                             "it.")])
        w.blank()

    def _sums_row(self, f: CellFactory, criteria_col: str, key_ref: str) -> list[Any]:
        """COUNTIFS and per-column SUMIFS over Expenses where ``criteria_col`` matches."""
        amount = self.styles.amount(self.places)
        crit = self.rng(criteria_col) + "," + key_ref
        cells = [f.formula("=COUNTIFS(" + crit + ")", Styles.INTEGER)]
        for column in ["reporting", *(f"part:{c}" for c in self.parties), "unallocated"]:
            sumifs = "SUMIFS(" + self.rng(column) + "," + crit + ")"
            cells.append(f.formula("=" + self.round(sumifs), amount))
        return cells

    def _totals_row(self, f: CellFactory, first: int, last: int, start_col: int) -> list[Any]:
        cells: list[Any] = []
        n = 3 + len(self.parties)
        for i in range(n):
            letter = get_column_letter(start_col + i)
            if i == 0:
                cells.append(f.formula(f"=SUM({letter}{first}:{letter}{last})",
                                       Styles.INTEGER))
            else:
                total = self.round(f"SUM({letter}{first}:{letter}{last})")
                cells.append(f.formula("=" + total, self.styles.total(self.places)))
        return cells

    def _sum_headers(self) -> list[str]:
        cur = self.currency
        return ["Expenses", f"Total ({cur})", *(f"{c} ({cur})" for c in self.parties),
                f"Unallocated ({cur})"]

    def write_by_category(self, ws: Any) -> None:
        n = len(self.parties)
        widths = [24, 10, 15, *([15] * n), 15]
        prepare_sheet(ws, widths, freeze="A2", title_rows="1:1", landscape=n > 4,
                      page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        w.append(f.header([self.t("Category"), *self._sum_headers()]))
        order = {c: i for i, c in enumerate(EXPENSE_CATEGORIES)}
        categories = sorted(self.categories, key=lambda c: (order.get(c, len(order)), c))
        first = w.next_row
        for category in categories:
            r = w.next_row
            # The criterion "="&A2 compares as text: no wildcard or operator is read into it.
            w.append([f.text(self.t(label(category))),
                      *self._sums_row(f, "category", f'"="&$A{r}')])
        last = max(w.row, first)
        w.append([f.label(self.t("Total")), *self._totals_row(f, first, last, 2)])

    def write_by_month(self, ws: Any) -> None:
        n = len(self.parties)
        widths = [10, 9, 10, 15, *([15] * n), 15]
        prepare_sheet(ws, widths, freeze="A2", title_rows="1:1", landscape=n > 4,
                      page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        w.append(f.header([self.t("Month"), self.t("Month key"), *self._sum_headers()]))
        first = w.next_row
        for key in sorted(self.months):
            r = w.next_row
            w.append([f"{key // 100:04d}-{key % 100:02d}", key,
                      *self._sums_row(f, "month", f"$B{r}")])
        last = max(w.row, first)
        w.append([f.label(self.t("Total")), None, *self._totals_row(f, first, last, 3)])

    def write_changes(self, ws: Any) -> None:
        write_changes_sheet(ws, self.data.changes, self.styles, self.page, self.t)

    def write_rates(self, ws: Any) -> None:
        widths = [10, 10, 16, 12, 70]
        prepare_sheet(ws, widths, freeze="A2", title_rows="1:1", page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        w.append(f.header([self.t("Currency"), self.t("Month"), self.t("Rate"),
                           self.t("Per 1 unit of"), self.t("Source")]))
        for rate in self.data.rates:
            w.append([f.text(rate.currency), f.text(rate.month), f.rate(rate.rate),
                      f.text(rate.base or self.currency), f.wrap(rate.source)])
        if self.data.rates:
            ws.auto_filter.ref = f"A1:E{w.row}"

    def write_personnel(self, ws: Any) -> None:
        """One row per cost item, then totals per bearing organization and per exchange and
        organization, each in that organization's reporting currency (currencies are never
        added together). An item whose month has no rate shows "rate missing" and is left out
        of the sums; the totals count such items and say the total is incomplete."""
        lines = self.data.personnel
        widths = [10, 24, 9, 9, 22, 11, 11, 11, 14, 9, 14, 9, 9, 10, 16]
        prepare_sheet(ws, widths, freeze="A2", title_rows="1:1", page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        w.append(f.header([self.t("Exchange"), self.t("Staff member"), self.t("Home"),
                           self.t("Host"), self.t("Position"), self.t("Start"),
                           self.t("End"), self.t("Status"), self.t("Cost item"),
                               self.t("Borne by"), self.t("Amount"), self.t("Currency"),
                           self.t("Rate month"), self.t("Reporting currency"),
                               self.t("Reporting amount")]))
        first = w.next_row
        for p in lines:
            target = p.reporting_currency or self.currency
            reporting = (f.text(RATE_MISSING) if p.reporting_amount is None
                         else f.money(p.reporting_amount, target))
            w.append([
                p.exchange, f.text(p.staff), f.text(p.home), f.text(p.host),
                f.text(p.position), f.date(p.start_date), f.date(p.end_date),
                f.text(self.t(label(p.status))), f.text(self.t(label(p.category))),
                f.text(p.borne_by),
                f.money(p.amount, p.currency), f.text(p.currency), f.text(p.rate_month),
                f.text(target), reporting,
            ])
        last = w.row
        ws.auto_filter.ref = f"A1:O{last}"

        def col(letter: str) -> str:
            return f"${letter}${first}:${letter}${last}"

        # Per bearing organization: its currency, the application's sum, the items without
        # a rate. One organization always reports in one currency.
        orgs: dict[str, tuple[str, Decimal, int, int]] = {}
        per_exchange: dict[tuple[int, str], tuple[str, str, Decimal, int, int]] = {}
        for p in lines:
            target = p.reporting_currency or self.currency
            value = p.reporting_amount or Decimal(0)
            missing = int(p.reporting_amount is None)
            cur, total, items, gaps = orgs.get(p.borne_by, (target, Decimal(0), 0, 0))
            orgs[p.borne_by] = (cur, total + value, items + 1, gaps + missing)
            key = (p.exchange, p.borne_by)
            staff, cur, total, items, gaps = per_exchange.get(
                key, (p.staff, target, Decimal(0), 0, 0))
            per_exchange[key] = (staff, cur, total + value, items + 1, gaps + missing)

        w.blank()
        w.append([f.section("Totals per bearing organization, each in its own reporting "
                            "currency (different currencies are never added together)")])
        w.append(f.header([self.t("Borne by"), self.t("Currency"), self.t("Cost items"),
                           self.t("Total"),
                           self.t("Total (application)"), self.t("Check"),
                               self.t("Items without a rate"), self.t("Note")]))
        for code in sorted(orgs):
            cur, total, items, gaps = orgs[code]
            places = minor_units(cur)
            r = w.next_row
            match = f'{col("J")},"="&$A{r}'
            w.append([
                f.text(code), f.text(cur),
                f.formula(f"=COUNTIFS({match})", Styles.INTEGER),
                f.formula(f"=ROUND(SUMIFS({col('O')},{match}),{places})",
                          self.styles.total(places)),
                f.amount(total, places),
                f.formula(f'=IF(ROUND(D{r}-E{r},{places})=0,"OK","DIFFERS")'),
                f.formula(f'=COUNTIFS({match},{col("O")},"{RATE_MISSING}")', Styles.INTEGER),
                f.formula(f'=IF(G{r}>0,"INCOMPLETE: "&G{r}&" item(s) without a rate left out'
                          f' of the total","complete")'),
            ])

        w.blank()
        w.append([f.section(self.t("Totals per exchange and bearing organization"))])
        w.append(f.header([self.t("Exchange"), self.t("Staff member"), self.t("Borne by"),
                           self.t("Currency"), self.t("Cost items"),
                           self.t("Total"), self.t("Items without a rate")]))
        for (exchange, code) in sorted(per_exchange):
            staff, cur, total, items, gaps = per_exchange[(exchange, code)]
            places = minor_units(cur)
            r = w.next_row
            match = f'{col("A")},$A{r},{col("J")},"="&$C{r}'
            w.append([
                exchange, f.text(staff), f.text(code), f.text(cur),
                f.formula(f"=COUNTIFS({match})", Styles.INTEGER),
                f.formula(f"=ROUND(SUMIFS({col('O')},{match}),{places})",
                          self.styles.amount(places)),
                f.formula(f'=COUNTIFS({match},{col("O")},"{RATE_MISSING}")', Styles.INTEGER),
            ])

        without_rate = sum(1 for p in lines if p.reporting_amount is None)
        w.blank()
        if without_rate:
            w.append([f.text(f"Incomplete: {without_rate} cost item(s) have no rate for their "
                             "month and are left out of the totals; record the rate and "
                             "download the report again.")])
        w.append([f.wrap(PERSONNEL_NOTE)])

    def write_about(self, ws: Any) -> None:
        widths = [26, 80]
        prepare_sheet(ws, widths, landscape=False, page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        data, arr = self.data, self.arr
        w.append([f.title(self.t("About this workbook"))])
        w.blank()
        for name, value in [
            (self.t("Generated (UTC)"), f.date(excel_datetime(data.generated_at))),
            (self.t("Generated by"), f.text(data.generated_by or "unknown")),
            (self.t("Arrangement"), f.text(f"{arr.reference}: {arr.title}")),
            (self.t("Source"), f.wrap(
                "Cooperation Agreement between the United Nations and the International "
                f"Criminal Police Organization (Interpol), New York, 8 July 1997, {arr.article}"
            )),
            (self.t("Period"), f.text(_period(data.period_from, data.period_to, self.t,
             self.language))),
            (self.t("Filters"), f.wrap(data.filters or "none")),
            (self.t("Reporting currency"), f.text(arr.currency)),
            (self.t("Expenses"), self.count),
            (self.t("Classification"), f.text(CLASSIFICATION)),
        ]:
            w.append([f.label(name), value])
        w.blank()
        w.append([f.section(self.t("Rules applied"))])
        for name, value in RULES:
            w.append([f.label(name), f.wrap(value)])


def long_date(day: date, language: str = "en") -> str:
    """``date(2025, 1, 6)`` -> ``"6 January 2025"``, ``"6 janvier 2025"``."""
    return _long_date(day, language)


def _period(start: date | None, end: date | None, t: Callable[[str], str] = str,
            language: str = "en") -> str:
    if start is None and end is None:
        return t("the arrangement's whole life to date")
    if start is None:
        return t("up to %(day)s") % {"day": long_date(end, language)} if end else ""
    if end is None:
        return t("from %(day)s") % {"day": long_date(start, language)}
    return t("%(start)s to %(end)s") % {"start": long_date(start, language),
                                       "end": long_date(end, language)}
