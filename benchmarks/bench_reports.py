"""Benchmarks of reports/ (issue 5): the cost-split workbook against openpyxl's floor, and the
import of an expense spreadsheet. Prints figures; not a test.

    .venv/bin/python benchmarks/bench_reports.py            # 100,000 and 1,000,000 rows
    .venv/bin/python benchmarks/bench_reports.py --rows 100000 --import-rows 100000

Every case runs in its own subprocess so its peak memory (``ru_maxrss``) is its own:

- ``generate``: only iterating the synthetic expenses (the data source both cases share);
- ``floor``: openpyxl in write-only mode writing the same Expenses rows and columns as plain
  values, no styles, no other sheet: the least any xlsx writer built on openpyxl can do;
- ``full``: :func:`reports.cost_split.write_cost_split`, every sheet, styles, table, formulas,
  chart, to a file on disk (how the application streams big reports);
- ``import``: :func:`reports.imports.read_table` + :func:`reports.imports.parse_expense_rows`
  on an .xlsx of N expense rows (file built beforehand, not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTIES = ("UN", "INTERPOL", "UNODC")
PERCENTS = (Decimal(50), Decimal(30), Decimal(20))
CATEGORIES = ("personnel", "travel", "equipment", "training", "meetings",
              "contractual_services", "operating", "other")
CURRENCIES = (("USD", Decimal(1), 2), ("EUR", Decimal("0.9234"), 2), ("JPY", Decimal(150), 0))


def _split(amount: Decimal) -> dict[str, Decimal]:
    """Largest remainder over PERCENTS (enough for synthetic data: no ties to break)."""
    cents = int(amount * 100)
    raw = [cents * int(p) for p in PERCENTS]
    parts = [r // 100 for r in raw]
    missing = cents - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: -(raw[i] % 100))
    for i in order[:missing]:
        parts[i] += 1
    return {code: Decimal(p).scaleb(-2) for code, p in zip(PARTIES, parts, strict=True)}


def expenses(n: int) -> Iterator:
    """``n`` synthetic expenses, three parties, three currencies, streamed."""
    from reports.data import ExpenseLine

    pool = []
    for k in range(997):
        currency, rate, places = CURRENCIES[k % 3]
        amount = Decimal(1000 + k * 7919 % 500_000).scaleb(-places)
        reporting = (amount / rate).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        pool.append((amount, currency, rate, reporting, _split(reporting)))
    start = date(2020, 1, 1)
    days = [start + timedelta(days=d) for d in range(3650)]
    for i in range(n):
        amount, currency, rate, reporting, parts = pool[i % 997]
        yield ExpenseLine(
            date=days[i * 3650 // n],
            category=CATEGORIES[i % 8],
            description=f"Invoice {i}: mission support, Lyon and New York",
            paid_by=PARTIES[i % 3],
            amount=amount,
            currency=currency,
            rate=rate,
            reporting_amount=reporting,
            parts=parts,
            unallocated=Decimal(0),
            version=1,
            document_reference=f"DOC-{i:07d}",
        )


def report_data(n: int):
    from reports.data import (
        ArrangementInfo,
        CostSplit,
        CostSplitReport,
        Party,
        PartyFigures,
        RateUsed,
        ShareVersion,
    )

    arrangement = ArrangementInfo(
        reference="SA-BENCH", title="Benchmark arrangement", project_code="P-BENCH",
        project_title="Benchmark project", kind="joint_action",
        parties=tuple(Party(c, c) for c in PARTIES), currency="USD", status="in_force",
        entry_into_force=date(2020, 1, 1),
    )
    # The figures are not checked here (the tests do that); zeros keep the Summary honest
    # about it: its check cells read DIFFERS.
    split = CostSplit("USD", Decimal(0), Decimal(0),
                      tuple(PartyFigures(c, Decimal(0), Decimal(0), Decimal(0)) for c in PARTIES))
    return CostSplitReport(
        arrangement=arrangement, cost_split=split, expenses=expenses(n),
        versions=(ShareVersion(1, date(2020, 1, 1), dict(zip(PARTIES, PERCENTS, strict=True))),),
        rates=(RateUsed("EUR", "2020-01", Decimal("0.9234"), "UN operational rates"),
               RateUsed("JPY", "2020-01", Decimal(150), "UN operational rates")),
        generated_at=datetime.now(UTC), generated_by="benchmark",
    )


# -- cases, each run in a child process --------------------------------------------------------


def case_generate(n: int, out: str) -> None:
    count = 0
    for _ in expenses(n):
        count += 1
    assert count == n


def case_floor(n: int, out: str) -> None:
    from openpyxl import Workbook

    from reports.cost_split import expense_columns

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Expenses")
    ws.append(expense_columns(report_data(0)))
    for e in expenses(n):
        d = e.date
        ws.append([
            d, e.category, e.description, e.document_reference, e.paid_by, e.amount,
            e.currency, e.rate, e.reporting_amount, *(e.parts[c] for c in PARTIES),
            e.unallocated, e.version, d.year * 100 + d.month,
        ])
    with open(out, "wb") as stream:
        wb.save(stream)


def case_full(n: int, out: str) -> None:
    from reports.cost_split import write_cost_split

    with open(out, "wb") as stream:
        write_cost_split(report_data(n), stream)


def case_import(n: int, out: str) -> None:
    from reports.imports import parse_expense_rows, read_table

    data = Path(out).read_bytes()
    rows = read_table("expenses.xlsx", data, max_bytes=200_000_000)
    good, errors = parse_expense_rows(
        rows, categories=set(CATEGORIES), currencies={c for c, _, _ in CURRENCIES},
        parties=set(PARTIES),
    )
    assert len(good) == n and not errors, (len(good), errors[:3])


def make_import_file(n: int, path: str) -> None:
    """An .xlsx of ``n`` expense rows as a finance officer would fill it (not timed)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Expenses")
    ws.append(["Date", "Category", "Description", "Amount", "Currency", "Exchange_rate",
               "Paid_by", "Document_reference"])
    for e in expenses(n):
        ws.append([e.date, e.category, e.description, e.amount, e.currency,
                   None if e.currency == "USD" else e.rate, e.paid_by, e.document_reference])
    wb.save(path)


CASES = {"generate": case_generate, "floor": case_floor, "full": case_full,
         "import": case_import}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(case: str, n: int, out: str) -> None:
    start, cpu = time.perf_counter(), _cpu()
    CASES[case](n, out)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    size = os.path.getsize(out) if case in ("floor", "full") else 0
    print(json.dumps({"case": case, "rows": n, "seconds": round(seconds, 2),
                      "cpu": round(cpu, 2), "peak_mb": round(peak_kb / 1024, 1),
                      "bytes": size}))


def run(case: str, n: int, out: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", case, "--rows", str(n), "--out", out],
        check=True, capture_output=True, text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def best(case: str, n: int, out: str, repeat: int, runs: dict) -> None:
    """Run ``case`` once more and keep, per figure, the best so far (the least disturbed by
    other processes on the machine)."""
    result = run(case, n, out)
    runs.setdefault(case, []).append(result)


def _min(results: list[dict], key: str) -> float:
    return min(r[key] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each case, alternated; the best is reported")
    parser.add_argument("--child")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows[0], args.out)
        return

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, best of {args.repeat} "
          "(wall seconds; CPU seconds of the process; peak RSS)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.xlsx")
        for n in args.rows:
            runs: dict[str, list[dict]] = {}
            for _ in range(args.repeat):
                for case in ("generate", "floor", "full"):
                    best(case, n, out, args.repeat, runs)
            line = [f"rows {n:>9,}:"]
            for case in ("generate", "floor", "full"):
                r = runs[case]
                size = f", {r[0]['bytes'] / 1e6:.1f} MB file" if r[0]["bytes"] else ""
                line.append(f"{case} {_min(r, 'seconds'):.2f} s wall, {_min(r, 'cpu'):.2f} s "
                            f"CPU, {max(x['peak_mb'] for x in r):.1f} MB peak{size};")
            floor, full = runs["floor"], runs["full"]
            line.append(f"ratio full/floor {_min(full, 'seconds') / _min(floor, 'seconds'):.2f} "
                        f"wall, {_min(full, 'cpu') / _min(floor, 'cpu'):.2f} CPU")
            print(" ".join(line), flush=True)
            print("  runs: " + json.dumps(runs), flush=True)
        if args.import_rows:
            n = args.import_rows
            path = os.path.join(tmp, "import.xlsx")
            make_import_file(n, path)
            size = os.path.getsize(path)
            results = [run("import", n, path) for _ in range(args.repeat)]
            print(f"import {n:,} expense rows ({size / 1e6:.1f} MB xlsx, read + validate): "
                  f"{_min(results, 'seconds'):.2f} s wall, {_min(results, 'cpu'):.2f} s CPU, "
                  f"{max(r['peak_mb'] for r in results):.1f} MB peak", flush=True)


if __name__ == "__main__":
    main()
