"""The leadership portfolio workbook: every project and special arrangement, status, budget,
spend and shares per party, per area of cooperation (Art. 1 (a)-(f)), arrangements under
notice (Art. 10), personnel exchanges (Art. 8).

Amounts stay in each arrangement's reporting currency: totals are given per currency (live
``SUMIFS`` over the Arrangements sheet), never converted into one another.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter

from jointprojects.money import minor_units
from jointprojects.vocabulary import KINDS, label
from reports.cells import CellFactory, Styles, excel_datetime
from reports.data import AREAS, KIND_ARTICLES, AreaTotal, PortfolioData
from reports.sheets import (
    CLASSIFICATION,
    PrintHeader,
    RowWriter,
    prepare_sheet,
    set_default_font,
    set_properties,
)

#: Rows between the tops of two charts below the totals per currency.
_CHART_ROWS = 18

__all__ = ["area_totals", "build_portfolio"]


def build_portfolio(data: PortfolioData) -> bytes:
    """The portfolio workbook (.xlsx) as bytes."""
    buffer = io.BytesIO()
    _PortfolioWriter(data).write(buffer)
    return buffer.getvalue()


def area_totals(data: PortfolioData) -> tuple[AreaTotal, ...]:
    """Per area and currency: projects, arrangements, budget and spend. An arrangement whose
    project covers several areas counts in each (used when ``data.areas`` is empty)."""
    areas_of = {p.code: p.areas for p in data.projects}
    projects: dict[str, set[str]] = defaultdict(set)
    for p in data.projects:
        for area in p.areas:
            projects[area].add(p.code)
    totals: dict[tuple[str, str], list[Any]] = {}
    for a in data.arrangements:
        for area in areas_of.get(a.project, ()):
            entry = totals.setdefault((area, a.currency), [0, Decimal(0), Decimal(0), False])
            entry[0] += 1
            entry[1] += a.spend
            if a.budget is not None:
                entry[2] += a.budget
                entry[3] = True
    result = []
    for area in sorted(set(projects) | {k[0] for k in totals}):
        keys = sorted(k for k in totals if k[0] == area)
        if not keys:
            result.append(AreaTotal(area, "", len(projects[area]), 0, Decimal(0)))
        for key in keys:
            count, spend, budget, has_budget = totals[key]
            result.append(AreaTotal(area, key[1], len(projects[area]), count, spend,
                                    budget if has_budget else None))
    return tuple(result)


class _PortfolioWriter:
    def __init__(self, data: PortfolioData) -> None:
        self.data = data
        #: The workbook's words in its language (English message ids; no catalog here).
        self.t = data.translate
        self.wb = Workbook(write_only=True)
        set_default_font(self.wb)
        self.styles = Styles(self.wb)
        generated = excel_datetime(data.generated_at)
        self.wb.properties.language = data.language  # the workbook says its language
        set_properties(self.wb, title="Portfolio of joint projects",
                       subject=f"Portfolio of joint projects and special arrangements; "
                               f"filters: {data.filters or 'none'}",
                       keywords=f"portfolio; {CLASSIFICATION}")
        self.page = PrintHeader(subject="Portfolio of joint projects",
                                period=f"Filters: {data.filters or 'none'}",
                                generated=f"Generated {generated:%Y-%m-%d %H:%M} UTC")
        codes = [p.code for p in data.organizations]
        for a in data.arrangements:
            for code in sorted(a.shares):
                if code not in codes:
                    codes.append(code)
        self.parties = codes
        self.names = {p.code: p.name for p in data.organizations}

    def area_name(self, code: str) -> str:
        """The area as the pages name it: "(a) National and transnational crime"."""
        return self.data.area_names.get(code) or f"({code}) {AREAS.get(code, '')}".strip()

    def write(self, stream: Any) -> None:
        wb = self.wb
        projects = wb.create_sheet(self.t("Projects"))
        arrangements = wb.create_sheet(self.t("Arrangements"))
        by_area = wb.create_sheet(self.t("By area"))
        personnel = wb.create_sheet(self.t("Personnel")) if self.data.personnel else None
        about = wb.create_sheet(self.t("About"))
        self.write_projects(projects)
        self.write_arrangements(arrangements)
        self.write_by_area(by_area)
        if personnel is not None:
            self.write_personnel(personnel)
        self.write_about(about)
        wb.save(stream)

    def write_projects(self, ws: Any) -> None:
        widths = [14, 40, 12, 44, 10, 11, 11]
        prepare_sheet(ws, widths, freeze="A2", title_rows="1:1", page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        w.append(f.header([self.t("Code"), self.t("Title"), self.t("Status"),
                           self.t("Areas of cooperation (Art. 1)"), self.t("Lead"),
                           self.t("Start"), self.t("End")]))
        text = Styles.TEXT
        for p in self.data.projects:
            w.append([f.text(p.code, text), f.wrap(p.title), f.text(self.t(label(p.status)), text),
                      f.wrap("\n".join(self.area_name(a) for a in p.areas)),
                      f.text(p.lead, text), f.date(p.start_date), f.date(p.end_date)])
        ws.auto_filter.ref = f"A1:G{max(w.row, 2)}"

    def write_arrangements(self, ws: Any) -> None:
        parties = self.parties
        n = len(parties)
        widths = [16, 36, 12, 22, 8, 12, 9, 15, 15, 15, *([15] * n), 14, 14]
        prepare_sheet(ws, widths, freeze="B2", title_rows="1:1", page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        t = self.t
        header = [t("Reference"), t("Title"), t("Project"), t("Kind"), t("Article"), t("Status"),
                  t("Currency"), t("Budget"), t("Spend"), t("Remaining"),
                  *(t("%(party)s share") % {"party": code} for code in parties),
                  t("Unallocated"), t("Under notice: ends")]
        w.append(f.header(header))
        for a in self.data.arrangements:
            r = w.next_row
            places = minor_units(a.currency)
            w.append([
                f.text(a.reference), f.wrap(a.title), f.text(a.project),
                f.text(self.t(KINDS[a.kind].label if a.kind in KINDS else label(a.kind))),
                f.text(KIND_ARTICLES.get(a.kind, "")), f.text(self.t(label(a.status))),
                f.text(a.currency),
                f.amount(a.budget, places), f.amount(a.spend, places),
                f.formula(f'=IF(H{r}="","",ROUND(H{r}-I{r},{places}))',
                          self.styles.amount(places)),
                *(f.amount(a.shares.get(code, Decimal(0)), places) for code in parties),
                f.amount(a.unallocated, places),
                f.date(a.under_notice),
            ])
        last = max(w.row, 2)
        last_col = get_column_letter(len(header))
        ws.auto_filter.ref = f"A1:{last_col}{last}"

        currencies = sorted({a.currency for a in self.data.arrangements})
        if not currencies:
            return
        w.blank()
        w.append([f.section(self.t("Totals per currency (never converted)"))])
        w.append(f.header([self.t("Currency"), self.t("Arrangements"), self.t("Under notice"),
                           None, None, None, None,
                           self.t("Budget"), self.t("Spend"), self.t("Remaining"),
                           *(self.t("%(party)s share") % {"party": code} for code in parties),
                           self.t("Unallocated")]))
        currency_range = f"$G$2:$G${last}"
        header_row = w.row
        currency_rows: list[tuple[str, int]] = []
        for currency in currencies:
            r = w.next_row
            places = minor_units(currency)
            amount = self.styles.total(places)

            def sumifs(letter: str, r: int = r, places: int = places) -> str:
                return (f"=ROUND(SUMIFS(${letter}$2:${letter}${last},{currency_range},"
                        f'"="&$A{r}),{places})')

            letters = [get_column_letter(c) for c in range(8, 8 + 3 + n + 1)]
            w.append([
                f.text(currency),
                f.formula(f'=COUNTIFS({currency_range},"="&$A{r})', Styles.INTEGER),
                f.formula(f'=COUNTIFS({currency_range},"="&$A{r},'
                          f'${last_col}$2:${last_col}${last},"<>")', Styles.INTEGER),
                None, None, None, None,
                *(f.formula(sumifs(letter), amount) for letter in letters),
            ])
            currency_rows.append((currency, r))
        self._charts(ws, w, header_row, currency_rows, n)

    def _charts(self, ws: Any, w: RowWriter, header_row: int,
                currency_rows: list[tuple[str, int]], n: int) -> None:
        """One chart per currency below the totals (amounts of different currencies are
        never drawn on one axis): budget, spend and each party's share, read from that
        currency's totals row."""
        top = w.next_row + 1
        for index, (currency, r) in enumerate(currency_rows):
            chart = BarChart()
            chart.type = "col"
            chart.title = f"Budget, spend and shares per party ({currency})"
            chart.y_axis.title = currency
            chart.legend = None
            # Budget (H) .. the last party's share: one series, that currency's row.
            last_col = 8 + 2 + n
            chart.add_data(Reference(ws, min_col=8, max_col=last_col, min_row=r, max_row=r),
                           from_rows=True, titles_from_data=False)
            chart.set_categories(Reference(ws, min_col=8, max_col=last_col,
                                           min_row=header_row, max_row=header_row))
            chart.height = 7.5
            chart.width = 18
            ws.add_chart(chart, f"A{top + index * _CHART_ROWS}")

    def write_by_area(self, ws: Any) -> None:
        widths = [8, 60, 10, 10, 14, 16, 16]
        prepare_sheet(ws, widths, freeze="A2", title_rows="1:1", page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        w.append(f.header([self.t("Area"), self.t("Area of cooperation (Art. 1)"),
                           self.t("Currency"), self.t("Projects"),
                           self.t("Arrangements"), self.t("Budget"), self.t("Spend")]))
        for t in self.data.areas or area_totals(self.data):
            places = minor_units(t.currency) if t.currency else 2
            w.append([
                f.text(f"({t.area})"), f.wrap(self.area_name(t.area)), f.text(t.currency),
                t.projects, t.arrangements, f.amount(t.budget, places),
                f.amount(t.spend, places),
            ])
        ws.auto_filter.ref = f"A1:G{max(w.row, 2)}"

    def write_personnel(self, ws: Any) -> None:
        currencies = sorted({c for p in self.data.personnel for c, _ in p.costs})
        widths = [26, 10, 10, 26, 11, 11, 12, 16, *([14] * len(currencies))]
        prepare_sheet(ws, widths, freeze="A2", title_rows="1:1", page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        w.append(f.header([self.t("Staff member"), self.t("Home"), self.t("Host"),
                           self.t("Position"), self.t("Start"), self.t("End"),
                           self.t("Status"), self.t("Arrangement"),
                           *(f"Costs ({c})" for c in currencies)]))
        for p in self.data.personnel:
            costs = _sum_by_currency(p.costs)
            w.append([
                f.text(p.staff), f.text(p.home), f.text(p.host), f.text(p.position),
                f.date(p.start_date), f.date(p.end_date), f.text(self.t(label(p.status))),
                f.text(p.arrangement), *(f.money(costs.get(c), c) for c in currencies),
            ])
        last = max(w.row, 2)
        ws.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{last}"
        # One total per currency column (currencies are never added together); a cancelled
        # exchange stays listed with its status but its costs are not incurred.
        totals = []
        for index, currency in enumerate(currencies, 9):
            letter = get_column_letter(index)
            places = minor_units(currency)
            totals.append(f.formula(
                f'=ROUND(SUMIFS(${letter}$2:${letter}${last},$G$2:$G${last},'
                f'"<>{self.t(label("cancelled"))}"),'
                f"{places})", self.styles.total(places)))
        w.append([f.label(self.t("Total, cancelled exchanges left out")), *([None] * 7),
                  *totals])
        w.append([f.wrap("Costs are the exchanges' cost items in the currency they were "
                         "recorded in, one column per currency, not converted.")])

    def write_about(self, ws: Any) -> None:
        widths = [26, 80]
        prepare_sheet(ws, widths, landscape=False, page=self.page)
        f = CellFactory(ws, self.styles)
        w = RowWriter(ws, widths)
        data = self.data
        w.append([f.title(self.t("Portfolio of joint projects"))])
        w.blank()
        for name, value in [
            (self.t("Generated (UTC)"), f.date(excel_datetime(data.generated_at))),
            (self.t("Generated by"), f.text(data.generated_by or "unknown")),
            (self.t("Filters"), f.wrap(data.filters or "none")),
            (self.t("Source"), f.wrap("Cooperation Agreement between the United Nations and the "
                              "International Criminal Police Organization (Interpol), New "
                              "York, 8 July 1997: Art. 1 areas, Art. 5 projects and special "
                              "arrangements, Art. 8 personnel, Art. 10 notice.")),
            (self.t("Parties"), f.wrap("; ".join(f"{c}: {self.names.get(c, c)}"
                                         for c in self.parties) or "none")),
            (self.t("Money"), f.wrap("Budget, spend and shares are in each arrangement's reporting "
                             "currency, with its minor units; totals are per currency and never "
                             "converted. An arrangement counts in every area of its project.")),
            (self.t("Under notice"),
             f.wrap("Termination by written notice takes effect six calendar "
                                    "months after the notice date (Art. 10).")),
            (self.t("Classification"), f.text(CLASSIFICATION)),
        ]:
            w.append([f.label(name), value])


def _sum_by_currency(costs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in costs:
        totals[currency] += amount
    return totals
