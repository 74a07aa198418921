"""Throughput of the cost-sharing engine (jointprojects/special_arrangements/allocation.py).

Allocates 1,000,000 expenses (dates over two years, four categories, 1 % refunds) among three
parties under two share versions with category overrides and ceilings that start binding
part-way, and prints expenses per second, the median of ``--repeat`` runs, for:

  (a) the integer path with ceilings: ``allocate_expenses_minor`` (ints in, ints out) and the
      public ``allocate_expenses`` (Decimal in, ExpenseAllocation out);
  (b) the vectorized path without ceilings: version and category looked up with numpy, then
      ``allocate_many_minor`` per (version, category) group;
  (c) a naive Decimal loop (version lookup, ``quantize`` and a sort per expense, no ceilings)
      on a 50,000 sample;

and the ratios to (c). Results are cross-checked (outside the timings): (b) equals the
integer path run without ceilings, and (c) equals it on the sample.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_allocation.py [--expenses N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jointprojects.money import quantum
from jointprojects.special_arrangements.allocation import (
    ExpenseItem,
    ShareVersion,
    allocate_expenses,
    allocate_expenses_minor,
    allocate_many_minor,
    version_in_force,
)

CURRENCY = "USD"
PLACES = 2
PARTIES = ("INTERPOL", "UN", "UNODC")
CATEGORIES = ("travel", "staff", "equipment", "other")
START = date(2025, 1, 1)
D = Decimal

VERSIONS = (
    ShareVersion(
        number=1,
        effective_date=START,
        default={"UN": D("50"), "INTERPOL": D("30"), "UNODC": D("20")},
        categories={"travel": {"UN": D("33.33"), "INTERPOL": D("33.33"), "UNODC": D("33.34")}},
        ceilings={"INTERPOL": D("4000000000.00")},
    ),
    ShareVersion(
        number=2,
        effective_date=date(2025, 7, 1),
        default={"UN": D("45"), "INTERPOL": D("35"), "UNODC": D("20")},
        categories={"equipment": {"UN": D("60"), "INTERPOL": D("25.50"), "UNODC": D("14.50")}},
        ceilings={
            "INTERPOL": D("3000000000.00"),
            "UN": D("18000000000.00"),
            "UNODC": D("2000000000.00"),
        },
    ),
)
NO_CEILINGS = tuple(
    ShareVersion(v.number, v.effective_date, v.default, v.categories, {}) for v in VERSIONS
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Arrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]

Expense = tuple[date, str, int]


def make_expenses(count: int, seed: int = 1997) -> list[Expense]:
    """(date, category, amount in cents), sorted by date: 0.01 to 50,000.00, 1 % refunds."""
    rng = random.Random(seed)
    days = sorted(rng.randrange(730) for _ in range(count))
    expenses: list[Expense] = []
    for day in days:
        refund = rng.random() < 0.01
        amount = -rng.randrange(1, 500_000) if refund else rng.randrange(1, 5_000_000)
        expenses.append((START + timedelta(days=day), rng.choice(CATEGORIES), amount))
    return expenses


def run_integer(expenses: list[Expense]) -> object:
    return allocate_expenses_minor(expenses, VERSIONS, CURRENCY, PARTIES)


def run_public(items: list[ExpenseItem]) -> object:
    return allocate_expenses(items, VERSIONS, CURRENCY, PARTIES)


def run_vectorized(
    expenses: list[Expense],
    versions: Sequence[ShareVersion] = NO_CEILINGS,
    arrays: Arrays | None = None,
) -> npt.NDArray[np.int64]:
    """Rule 4 and 5 without ceilings: group by (version, category), one numpy call each."""
    import numpy as np

    ordinals, category_codes, amounts = arrays if arrays is not None else to_arrays(expenses)
    schedule = sorted(versions, key=lambda v: (v.effective_date, v.number))
    starts = np.array([v.effective_date.toordinal() for v in schedule], dtype=np.int64)
    version_index = np.searchsorted(starts, ordinals, side="right") - 1
    if (version_index < 0).any():
        raise ValueError("an expense predates every version")
    parts = np.empty((len(amounts), len(PARTIES)), dtype=np.int64)
    for v_index, version in enumerate(schedule):
        in_version = version_index == v_index
        for c_index, category in enumerate(CATEGORIES):
            rows = np.nonzero(in_version & (category_codes == c_index))[0]
            shares = version.shares_for(category)
            pairs = [(code, int(shares[code].scaleb(2))) for code in PARTIES]
            parts[rows] = allocate_many_minor(amounts[rows], pairs)
    return parts


def to_arrays(expenses: list[Expense]) -> Arrays:
    import numpy as np

    index = {c: i for i, c in enumerate(CATEGORIES)}
    ordinals = np.fromiter((d.toordinal() for d, _, _ in expenses), np.int64, len(expenses))
    categories = np.fromiter((index[c] for _, c, _ in expenses), np.int64, len(expenses))
    amounts = np.fromiter((a for _, _, a in expenses), np.int64, len(expenses))
    return ordinals, categories, amounts


def naive_allocate(amount: Decimal, shares: dict[str, Decimal]) -> dict[str, Decimal]:
    """Rule 4 written the obvious way with Decimal: the reference the others are timed to."""
    unit = quantum(PLACES)
    magnitude = abs(amount)
    raw = {code: magnitude * p / 100 for code, p in shares.items()}
    parts = {code: r.quantize(unit, rounding=ROUND_DOWN) for code, r in raw.items()}
    missing = int((magnitude - sum(parts.values())) / unit)
    ranked = sorted(shares, key=lambda c: (-(raw[c] - parts[c]), -shares[c], c))
    for code in ranked[:missing]:
        parts[code] += unit
    return {code: (-parts[code] if amount < 0 else parts[code]) for code in sorted(parts)}


def run_naive(items: list[ExpenseItem]) -> list[dict[str, Decimal]]:
    out = []
    for item in items:
        version = version_in_force(NO_CEILINGS, item.date)
        assert version is not None  # the data starts with version 1
        out.append(naive_allocate(item.amount, dict(version.shares_for(item.category))))
    return out


def timed(label: str, count: int, run: Callable[[], object], repeat: int) -> float:
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        rates.append(count / (time.perf_counter() - start))
    rate = statistics.median(rates)
    print(
        f"{label:<62} {rate:>14,.0f} expenses/s  (runs: "
        + ", ".join(f"{r:,.0f}" for r in rates)
        + ")"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expenses", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    expenses = make_expenses(args.expenses)
    items = [
        ExpenseItem(i, d, c, Decimal(a).scaleb(-PLACES)) for i, (d, c, a) in enumerate(expenses)
    ]
    sample_items = items[:: max(1, len(items) // args.sample)][: args.sample]
    arrays = to_arrays(expenses)

    # Cross-checks, outside the timings.
    with_ceilings = allocate_expenses_minor(expenses, VERSIONS, CURRENCY, PARTIES)
    plain = allocate_expenses_minor(expenses, NO_CEILINGS, CURRENCY, PARTIES)
    vectorized = run_vectorized(expenses, arrays=arrays)
    assert [list(row) for row in vectorized.tolist()] == [p for _, p, _ in plain]
    by_key = {item.key: i for i, item in enumerate(items)}
    for item, reference in zip(sample_items, run_naive(sample_items), strict=True):
        expected = plain[by_key[item.key]][1]
        assert [int(reference[c].scaleb(PLACES)) for c in PARTIES] == expected
    changed = sum(1 for a, b in zip(with_ceilings, plain, strict=True) if a[1] != b[1])
    unallocated = sum(u for _, _, u in with_ceilings)
    print(
        f"{len(expenses):,} expenses, {len(PARTIES)} parties, {len(VERSIONS)} versions; "
        f"ceilings change the split of {changed:,} of them; unallocated "
        f"{Decimal(unallocated).scaleb(-PLACES):,} {CURRENCY}"
    )
    print(f"Python {sys.version.split()[0]}, median of {args.repeat} runs")

    naive = timed(
        f"(c) naive Decimal loop, no ceilings ({len(sample_items):,} sample)",
        len(sample_items),
        lambda: run_naive(sample_items),
        args.repeat,
    )
    integer = timed(
        "(a) integer path with ceilings: allocate_expenses_minor",
        len(expenses),
        lambda: run_integer(expenses),
        args.repeat,
    )
    public = timed(
        "(a') Decimal API with ceilings: allocate_expenses",
        len(items),
        lambda: run_public(items),
        args.repeat,
    )
    vector = timed(
        "(b) vectorized, no ceilings: allocate_many_minor per group",
        len(expenses),
        lambda: run_vectorized(expenses, arrays=arrays),
        args.repeat,
    )
    print(
        f"ratios to (c): (a) {integer / naive:.1f}x, (a') {public / naive:.1f}x, "
        f"(b) {vector / naive:.1f}x"
    )


if __name__ == "__main__":
    main()
