"""The cost-sharing engine of special arrangements (Art. 5 of the 1997 UN-INTERPOL
Cooperation Agreement: special arrangements "shall determine the expenses payable by each"
Organization). Pure and exact: standard library only, no Flask, no database, never a float.

It implements the money rules of ``DOMAIN.md``:

* rule 2, conversion to the reporting currency: :func:`convert`;
* rule 3, share sets: :func:`share_set_errors`;
* rule 4, allocating one expense by largest remainder: :func:`allocate`,
  :func:`allocate_minor` and, vectorized with numpy, :func:`allocate_many_minor`;
* rule 5, the share version in force: :func:`version_in_force`;
* rule 6, ceilings over the arrangement's life: :func:`allocate_expenses`
  (and its integer core :func:`allocate_expenses_minor`; without ceilings, vectorized:
  :func:`allocate_expenses_many_minor`);
* rule 7, settlement: :func:`balances` and :func:`settle`;
* rule 8, calendar months (Art. 10.3 notice), lives in :mod:`jointprojects.dates`.

Internally every amount is an ``int`` of the currency's minor unit (cents for USD, yen for
JPY, fils for KWD) and every percentage an ``int`` of hundredths (``55.25 %`` is ``5525``, a
full share set sums to ``10000``). Decimals are converted at the edges only, exactly: an
amount with more decimals than its currency allows is refused, never rounded silently.

Errors are :class:`ValueError` with a sentence naming what is wrong; the application
services turn them into a ``DomainError``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import MAX_EMAX, MIN_EMIN, ROUND_FLOOR, Context, Decimal, Inexact, Rounded
from functools import lru_cache
from operator import add
from typing import TYPE_CHECKING

from jointprojects.errors import Message
from jointprojects.money import PERCENT_PLACES, minor_units
from jointprojects.vocabulary import N_, phrase

if TYPE_CHECKING:  # numpy is only needed (and imported lazily) by allocate_many_minor
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "ExpenseAllocation",
    "ExpenseItem",
    "ShareVersion",
    "Transfer",
    "allocate",
    "allocate_expenses",
    "allocate_expenses_many_minor",
    "allocate_expenses_minor",
    "allocate_many_minor",
    "allocate_minor",
    "balances",
    "convert",
    "settle",
    "share_set_errors",
    "version_in_force",
]

#: A complete share set in hundredths of a percent (100.00 %).
FULL_SHARE = 10_000

# Scaling a Decimal by a power of ten must never round: this context raises instead.
_EXACT = Context(prec=10_000, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact, Rounded])


# ---------------------------------------------------------------- exact Decimal <-> integers


def _to_units(value: Decimal, places: int, what: str) -> int:
    """``value`` as an integer of ``10**-places`` units; ValueError if that needs rounding."""
    try:
        scaled = value.scaleb(places, _EXACT)
        units = int(scaled)
    except (ArithmeticError, ValueError, TypeError, AttributeError):
        raise ValueError(f"{what} {value!r} is not a finite decimal number") from None
    if scaled != units:
        raise ValueError(f"{what} {value} has more than {places} decimal places")
    return units


def _from_units(units: int, places: int) -> Decimal:
    """The Decimal of ``units`` times ``10**-places``, with exactly ``places`` decimals."""
    return Decimal(units).scaleb(-places, _EXACT)


def _percent_units(percent: Decimal, what: str) -> int:
    units = _to_units(percent, PERCENT_PLACES, what)
    if not 0 <= units <= FULL_SHARE:
        raise ValueError(f"{what} {percent} is not between 0 and 100")
    return units


# ----------------------------------------------------------------------- conversion (rule 2)


def convert(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """Convert ``amount`` of an expense currency into the reporting ``currency`` (rule 2).

    ``rate`` follows the UN operational rates of exchange convention: units of the expense
    currency per one unit of the reporting currency, so the result is ``amount / rate``,
    rounded ROUND_HALF_UP (halves away from zero) to the reporting currency's minor unit.
    The division is done in integers, so the rounding is exact whatever the digits (no
    double rounding at the context's 28 digits). Same currency: pass ``rate=Decimal(1)``.

    Raises :class:`ValueError` if ``rate`` is not a positive finite number, if ``amount`` is
    not finite, or (``MoneyError``, a ValueError) if ``currency`` is unknown.
    """
    places = minor_units(currency)
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        raise ValueError(f"exchange rate must be a positive number, not {rate}")
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"amount must be a finite decimal number, not {amount!r}")
    a_num, a_den = amount.as_integer_ratio()
    r_num, r_den = rate.as_integer_ratio()
    numerator = abs(a_num) * r_den * 10**places
    denominator = a_den * r_num
    units = (2 * numerator + denominator) // (2 * denominator)  # half up on magnitudes
    return _from_units(-units if a_num < 0 else units, places)


# --------------------------------------------------------------- largest remainder (rule 4)


def _largest_remainder(
    amount: int, weights: Sequence[int], total: int, order: Sequence[int]
) -> list[int]:
    """Split ``amount >= 0`` in proportion to ``weights`` (summing to ``total > 0``).

    Each part is ``floor(amount * w / total)``; the units still missing go one each to the
    largest discarded remainders; ``order`` lists the indexes by tie priority (larger
    percentage, then organization code). A zero weight has a zero remainder and so never
    gets a unit (fewer units are missing than there are non-zero remainders).
    """
    parts: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        part, remainder = divmod(amount * weight, total)
        parts.append(part)
        remainders.append(remainder)
    missing = amount - sum(parts)
    if missing:
        # sorted() is stable: equal remainders keep the tie priority of ``order``.
        for index in sorted(order, key=lambda i: -remainders[i])[:missing]:
            parts[index] += 1
    return parts


class _ShareSet:
    """A share set compiled for fast allocation by largest remainder.

    ``weights`` are hundredths of a percent summing to ``total`` (10000 for a full share
    set; less for the parties left under their ceilings, rule 6). Since
    ``a * w == (a // total) * total * w + (a % total) * w``, the remainders, hence the units
    missing, depend on ``a % total`` only: the split of ``a`` is ``(a // total) * w`` plus
    the split of the residue, computed once and kept in ``table``.
    """

    __slots__ = ("codes", "hundredths", "order", "subsets", "table", "total")

    def __init__(
        self, codes: Sequence[str], hundredths: Sequence[int], order: Sequence[int] | None = None
    ) -> None:
        self.codes: tuple[str, ...] = tuple(codes)
        self.hundredths: tuple[int, ...] = tuple(hundredths)
        self.total = sum(hundredths)
        # Tie priority: the larger percentage, then the organization code.
        self.order: tuple[int, ...] = (
            tuple(order)
            if order is not None
            else tuple(sorted(range(len(codes)), key=lambda i: (-hundredths[i], codes[i])))
        )
        self.table: list[list[int] | None] = [None] * self.total
        self.subsets: dict[tuple[bool, ...], _ShareSet | None] = {}

    @classmethod
    def full(cls, codes: Sequence[str], hundredths: Sequence[int]) -> _ShareSet:
        """A complete share set; ValueError unless it sums to 10000 without duplicates."""
        if len(set(codes)) != len(codes):
            raise ValueError(f"an organization appears twice in the shares {list(codes)}")
        for code, share in zip(codes, hundredths, strict=True):
            if not 0 <= share <= FULL_SHARE:
                raise ValueError(f"share of {code} must be 0 to 10000 hundredths, not {share}")
        total = sum(hundredths)
        if total != FULL_SHARE:
            raise ValueError(f"shares sum to {_from_units(total, PERCENT_PLACES)}, not 100.00")
        return cls(codes, hundredths)

    def without(self, excluded: tuple[bool, ...]) -> _ShareSet | None:
        """The same set with the ``excluded`` parties' weights set to 0 (renormalized by
        the smaller total, same tie priority); None if no weight is left."""
        try:
            return self.subsets[excluded]
        except KeyError:
            pass
        weights = [0 if out else w for w, out in zip(self.hundredths, excluded, strict=True)]
        subset = _ShareSet(self.codes, weights, self.order) if any(weights) else None
        self.subsets[excluded] = subset
        return subset

    def residue(self, residue: int) -> list[int]:
        parts = self.table[residue]
        if parts is None:
            parts = _largest_remainder(residue, self.hundredths, self.total, self.order)
            self.table[residue] = parts
        return parts

    def split(self, amount: int) -> list[int]:
        """Rule 4 for ``amount`` minor units (negative: split the magnitude, negate)."""
        if amount >= 0:
            whole, residue = divmod(amount, self.total)
            base = self.table[residue] or self.residue(residue)
            return [whole * w + b for w, b in zip(self.hundredths, base, strict=True)]
        whole, residue = divmod(-amount, self.total)
        base = self.table[residue] or self.residue(residue)
        return [-(whole * w + b) for w, b in zip(self.hundredths, base, strict=True)]


@lru_cache(maxsize=64)
def _compiled(shares_hundredths: tuple[tuple[str, int], ...]) -> _ShareSet:
    return _ShareSet.full([c for c, _ in shares_hundredths], [h for _, h in shares_hundredths])


def allocate_minor(amount_minor: int, shares_hundredths: Sequence[tuple[str, int]]) -> list[int]:
    """Rule 4 in integers: split ``amount_minor`` (minor units of any currency, may be
    negative) among ``shares_hundredths``, ``(organization code, percent in hundredths)``
    pairs summing to 10000.

    Returns the parts in the order of ``shares_hundredths``. Each part is the exact share
    ``amount * p / 10000`` rounded toward zero, plus one unit for the parties with the
    largest discarded remainders until the parts sum exactly to ``amount_minor``; ties go to
    the larger percentage, then to the organization code in ascending order. A negative
    amount is split as its absolute value, then negated.

    Raises :class:`ValueError` if the shares do not sum to 10000, a share is outside
    0..10000 or an organization appears twice.
    """
    key = shares_hundredths if isinstance(shares_hundredths, tuple) else tuple(shares_hundredths)
    return _compiled(key).split(amount_minor)


def allocate(amount: Decimal, shares: Mapping[str, Decimal], currency: str) -> dict[str, Decimal]:
    """Rule 4: split one ``amount`` of ``currency`` among parties by percentage.

    ``amount`` must already be rounded to ``currency``'s minor unit (it may be negative:
    a refund or credit is split as its absolute value, then negated). ``shares`` maps
    organization codes to percentages with at most 2 decimals summing to exactly 100.
    Returns ``{organization: part}`` in organization-code order, each part with the
    currency's decimals; the parts sum exactly to ``amount``. See :func:`allocate_minor`
    for the rounding and the tie rules.

    Raises :class:`ValueError` for an amount with too many decimals, a percentage with more
    than 2 decimals or outside 0..100, shares not summing to 100, an unknown currency.
    """
    places = minor_units(currency)
    units = _to_units(amount, places, f"amount in {currency}")
    codes = sorted(shares)
    pairs = tuple((code, _percent_units(shares[code], f"share of {code}")) for code in codes)
    parts = allocate_minor(units, pairs)
    return {code: _from_units(part, places) for code, part in zip(codes, parts, strict=True)}


def allocate_many_minor(
    amounts_minor: npt.ArrayLike, shares_hundredths: Sequence[tuple[str, int]]
) -> npt.NDArray[np.int64]:
    """Rule 4 vectorized with numpy, for many amounts and one share set without ceilings.

    ``amounts_minor`` is a one-dimensional sequence or array of integer minor units (any
    int64 except ``-2**63``; negative amounts are split as their magnitude, then negated).
    Returns an ``int64`` array of shape ``(len(amounts_minor), len(shares_hundredths))``,
    columns in the order of ``shares_hundredths``, row ``i`` equal to
    ``allocate_minor(amounts_minor[i], shares_hundredths)`` (same ties, same signs).
    The residue decomposition ``a = 10000 q + r`` keeps every product within int64.

    Raises :class:`ValueError` as :func:`allocate_minor` does, or for amounts that are not
    one-dimensional int64 values.
    """
    import numpy as np  # lazily: an optional dependency, only this fast path needs it

    share_set = _compiled(tuple(shares_hundredths))
    amounts = np.asarray(amounts_minor)
    if amounts.ndim != 1:
        raise ValueError("amounts must be a one-dimensional array")
    if amounts.size and amounts.dtype.kind not in "iu":
        raise ValueError(f"amounts must be integers of minor units, not {amounts.dtype}")
    if amounts.size and amounts.dtype.kind == "u" and amounts.max() > np.iinfo(np.int64).max:
        raise ValueError("amounts must fit in int64")
    amounts = amounts.astype(np.int64, copy=False)
    if amounts.size and amounts.min() == np.iinfo(np.int64).min:
        raise ValueError("amount -2**63 cannot be negated in int64")
    count = len(share_set.codes)
    hundredths = np.array(share_set.hundredths, dtype=np.int64)
    # Tie priority as a number: larger means served first on an equal remainder.
    priority = np.empty(count, dtype=np.int64)
    priority[list(share_set.order)] = np.arange(count - 1, -1, -1, dtype=np.int64)

    magnitude = np.abs(amounts)
    whole, residue = np.divmod(magnitude, FULL_SHARE)
    floor, remainder = np.divmod(residue[:, None] * hundredths[None, :], FULL_SHARE)
    missing = residue - floor.sum(axis=1)
    key = remainder * count + priority[None, :]  # distinct within a row
    if count <= 8:
        rank = (key[:, None, :] > key[:, :, None]).sum(axis=2)
    else:
        ordering = np.argsort(-key, axis=1, kind="stable")
        rank = np.empty_like(ordering)
        np.put_along_axis(rank, ordering, np.arange(count)[None, :], axis=1)
    parts = whole[:, None] * hundredths[None, :] + floor + (rank < missing[:, None])
    result: npt.NDArray[np.int64] = np.where(amounts[:, None] < 0, -parts, parts)
    return result


# -------------------------------------------------------------------- share sets (rule 3/5)


@dataclass(frozen=True)
class ShareVersion:
    """One version of an arrangement's shares: the original shares (number 1) or an
    amendment that every party consented to (Art. 10.2 by analogy). Only versions in
    force belong here: a pending amendment is simply not passed to the engine.

    ``effective_date`` is the first day the version applies. ``default`` maps organization
    codes to percentages (2 decimals, summing to 100); ``categories`` maps an expense
    category to an override set of the same form; ``ceilings`` maps organization codes to
    a ceiling in the reporting currency over the arrangement's life (absent: no ceiling).

    The same object describes the versions applied in a cost-split workbook
    (:class:`reports.data.CostSplitReport`).
    """

    number: int
    effective_date: date
    default: Mapping[str, Decimal]
    categories: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    ceilings: Mapping[str, Decimal] = field(default_factory=dict)

    def shares_for(self, category: str) -> Mapping[str, Decimal]:
        """The category's override set if it has one, else the default set (rule 5)."""
        return self.categories.get(category, self.default)


def version_in_force(versions: Sequence[ShareVersion], on: date) -> ShareVersion | None:
    """The version with the latest ``effective_date`` on or before ``on`` (on the same
    date the higher ``number`` wins), or None when no version has started yet (rule 5)."""
    best: ShareVersion | None = None
    for version in versions:
        if version.effective_date <= on and (
            best is None
            or (version.effective_date, version.number) > (best.effective_date, best.number)
        ):
            best = version
    return best


def share_set_errors(
    parties: Sequence[str], rows: Sequence[tuple[str | None, str, Decimal]]
) -> list[tuple[int | None, str]]:
    """Validate the share sets of an arrangement or an amendment (rule 3).

    ``rows`` are ``(category, organization, percent)``; category None (or empty) is the
    default set. Returns ``(row index, message)`` pairs, the index None for a whole set;
    an empty list means valid. Row problems come first, in row order: organization not a
    party, the same (category, organization) twice, percentage not a finite number, with
    more than 2 decimals, or outside 0..100. Then per set (default first, then categories
    in order of appearance): a default set absent, a party missing, a sum other than
    exactly 100.00 (every row counts towards the sum, including faulty ones).
    """
    errors: list[tuple[int | None, str]] = []
    party_set = set(parties)
    sets: dict[str | None, list[tuple[str, Decimal]]] = {}
    seen: set[tuple[str | None, str]] = set()
    for index, (category, organization, percent) in enumerate(rows):
        category = category or None
        label = _set_label(category)
        members = sets.setdefault(category, [])
        if organization not in party_set:
            errors.append((index, Message("%(organization)s is not a party to the arrangement",
                                           organization=organization)))
        if (category, organization) in seen:
            errors.append((index, Message("%(organization)s appears twice in the shares for "
                                           "%(set)s", organization=organization, set=label)))
        seen.add((category, organization))
        if not isinstance(percent, Decimal) or not percent.is_finite():
            errors.append((index, Message("Share of %(organization)s for %(set)s is not a number",
                                           organization=organization, set=label)))
            continue
        if _decimals(percent) > PERCENT_PLACES:
            errors.append(
                (
                    index,
                    Message("Share of %(organization)s for %(set)s has more than %(places)s "
                            "decimals: %(percent)s", organization=organization, set=label,
                            places=PERCENT_PLACES, percent=percent),
                )
            )
        if not 0 <= percent <= 100:
            errors.append(
                (
                    index,
                    Message("Share of %(organization)s for %(set)s must be between 0 and 100, "
                            "not %(percent)s", organization=organization, set=label,
                            percent=percent),
                )
            )
        members.append((organization, percent))
    if None not in sets:
        errors.append((None, Message("Shares for default set: absent (a set without category is "
                                      "required)")))
    for category in sorted(sets, key=lambda c: c is not None):  # stable: default first
        label = _set_label(category)
        present = {organization for organization, _ in sets[category]}
        errors.extend(
            (None, Message("Shares for %(set)s: %(party)s missing", set=label, party=party))
            for party in parties
            if party not in present
        )
        total = sum((percent for _, percent in sets[category]), Decimal(0))
        if total != 100:
            # Two decimals as typed (exact: no more than two), or every decimal there is.
            shown = format(total, ".2f") if _decimals(total) <= PERCENT_PLACES else total
            errors.append((None, Message("Shares for %(set)s sum to %(total)s, not 100.00",
                                         set=label, total=Decimal(shown))))
    return errors


def _set_label(category: str | None) -> str:
    # The category as people read it ("contractual services"), never its code.
    return Message(N_("default set") if category is None else phrase(category))


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


# ---------------------------------------------------------- expenses and ceilings (rule 5/6)


@dataclass(frozen=True)
class ExpenseItem:
    """An expense to allocate: ``amount`` already converted to the reporting currency and
    rounded to its minor unit (rule 2); ``key`` is the caller's id, returned untouched."""

    key: object
    date: date
    category: str
    amount: Decimal


@dataclass(frozen=True)
class ExpenseAllocation:
    """The split of one expense: ``version`` is the number of the share version applied,
    ``parts`` maps every party (organization-code order) to its part, 0 allowed, and
    ``unallocated`` is what no party could take under its ceiling.
    ``sum(parts.values()) + unallocated == amount`` exactly."""

    key: object
    version: int
    parts: dict[str, Decimal]
    unallocated: Decimal


class _CompiledVersion:
    __slots__ = ("capped", "ceilings", "default", "number", "sets")

    def __init__(self, version: ShareVersion, parties: Sequence[str], places: int) -> None:
        self.number = version.number
        index = {party: i for i, party in enumerate(parties)}

        def compile_set(shares: Mapping[str, Decimal], label: str) -> _ShareSet:
            hundredths = [0] * len(parties)
            for code, percent in shares.items():
                if code not in index:
                    raise ValueError(
                        f"version {version.number}: {code} in the shares for {label} is not a party"
                    )
                hundredths[index[code]] = _percent_units(
                    percent, f"version {version.number}: share of {code} for {label}"
                )
            try:
                return _ShareSet.full(parties, hundredths)
            except ValueError as exc:
                raise ValueError(f"version {version.number}, {label}: {exc}") from None

        self.default = compile_set(version.default, "default set")
        self.sets = {
            category: compile_set(shares, category)
            for category, shares in version.categories.items()
        }
        self.ceilings: list[int | None] = [None] * len(parties)
        for code, ceiling in version.ceilings.items():
            if code not in index:
                raise ValueError(f"version {version.number}: ceiling for {code}, not a party")
            if not isinstance(ceiling, Decimal) or not ceiling.is_finite() or ceiling < 0:
                raise ValueError(
                    f"version {version.number}: ceiling for {code} must be a "
                    f"non-negative amount, not {ceiling}"
                )
            # A party's parts are whole minor units: it can reach the ceiling rounded down.
            self.ceilings[index[code]] = int(
                ceiling.scaleb(places, _EXACT).to_integral_value(
                    rounding=ROUND_FLOOR, context=_EXACT
                )
            )
        self.capped = [(i, c) for i, c in enumerate(self.ceilings) if c is not None]


def _cut_at_ceilings(
    parts: list[int], running: Sequence[int], share_set: _ShareSet, version: _CompiledVersion
) -> int:
    """Rule 6 for one positive expense already split by rule 4 into ``parts`` (changed in
    place), given the parties' ``running`` totals before it. Returns the unallocated
    excess: what is left when every party with a share is at its ceiling."""
    full = [False] * len(parts)
    excess = 0
    for i, ceiling in version.capped:
        room = ceiling - running[i]
        if parts[i] >= room:
            if room < 0:  # already past a ceiling lowered by this version
                room = 0
            full[i] = True
            excess += parts[i] - room
            parts[i] = room
    ceilings = version.ceilings
    while excess:
        key = tuple(full)
        subset = share_set.without(key)
        if subset is None:
            break  # nobody left below its ceiling with a share: unallocated
        whole, residue = divmod(excess, subset.total)
        base = subset.table[residue] or subset.residue(residue)
        excess = 0
        for i, weight in enumerate(subset.hundredths):
            more = whole * weight + base[i]
            if not more:
                continue
            limit = ceilings[i]
            if limit is not None:
                room = limit - running[i] - parts[i]
                if more >= room:
                    full[i] = True
                    excess += more - room
                    more = room
            parts[i] += more
    return excess


class _Schedule:
    """The versions by (effective date, number), walked forward as the dates advance."""

    __slots__ = ("codes", "compiled", "last", "places", "position", "versions")

    def __init__(self, versions: Sequence[ShareVersion], codes: Sequence[str], places: int) -> None:
        self.versions = sorted(versions, key=lambda v: (v.effective_date, v.number))
        self.codes = codes
        self.places = places
        self.compiled: list[_CompiledVersion] = []
        self.position = -1
        self.last: date | None = None

    def at(self, on: date) -> _CompiledVersion:
        """The version in force on ``on`` (rule 5); dates must not go backwards (rule 6)."""
        if self.last is not None and on < self.last:
            raise ValueError(
                f"expenses must be given in date order: {on.isoformat()} "
                f"comes after {self.last.isoformat()}"
            )
        self.last = on
        versions = self.versions
        while (
            self.position + 1 < len(versions) and versions[self.position + 1].effective_date <= on
        ):
            self.position += 1
        if self.position < 0:
            raise ValueError(f"no share version is in force on {on.isoformat()}")
        while len(self.compiled) <= self.position:
            self.compiled.append(
                _CompiledVersion(versions[len(self.compiled)], self.codes, self.places)
            )
        return self.compiled[self.position]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a loop builds a million small objects.

    Each new list or dict counts towards a collection, and the collections rescan every
    result built so far: about half of the running time on a million expenses. Nothing
    here creates a reference cycle, so reference counting frees all of it anyway.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def allocate_expenses_minor(
    items: Iterable[tuple[date, str, int]],
    versions: Sequence[ShareVersion],
    currency: str,
    parties: Sequence[str],
) -> list[tuple[int, list[int], int]]:
    """The integer core of :func:`allocate_expenses`: same rules, same errors.

    ``items`` are ``(date, category, amount)`` with the amount in minor units of the
    reporting ``currency`` (cents for USD), in the order of rule 6. Returns one
    ``(version number, parts, unallocated)`` per item, in minor units, ``parts`` in the
    order of ``sorted(parties)``; ``sum(parts) + unallocated == amount``.
    """
    codes = sorted(parties)
    if len(set(codes)) != len(codes):
        raise ValueError(f"a party appears twice in {list(parties)}")
    schedule = _Schedule(versions, codes, minor_units(currency))
    running = [0] * len(codes)  # every party's parts so far, over the arrangement's life
    results: list[tuple[int, list[int], int]] = []
    append = results.append
    last_date: date | None = None
    version: _CompiledVersion
    sets: dict[str, _ShareSet]
    default: _ShareSet
    capped: list[tuple[int, int]]
    number: int
    with _gc_paused():
        for on, category, amount in items:
            if on != last_date:
                version = schedule.at(on)
                sets, default, capped, number = (
                    version.sets,
                    version.default,
                    version.capped,
                    version.number,
                )
                last_date = on
            share_set = sets.get(category, default)
            # Rule 4 as in _ShareSet.split, inlined: this loop is the engine's hot path.
            if amount >= 0:
                whole, residue = divmod(amount, FULL_SHARE)
                base = share_set.table[residue] or share_set.residue(residue)
                parts = [whole * p + b for p, b in zip(share_set.hundredths, base, strict=False)]
                unallocated = 0
                for i, ceiling in capped:
                    if running[i] + parts[i] > ceiling:
                        unallocated = _cut_at_ceilings(parts, running, share_set, version)
                        break
            else:  # a refund: by the shares alone, no ceiling cut (see allocate_expenses)
                whole, residue = divmod(-amount, FULL_SHARE)
                base = share_set.table[residue] or share_set.residue(residue)
                parts = [-(whole * p + b) for p, b in zip(share_set.hundredths, base, strict=False)]
                unallocated = 0
            running = list(map(add, running, parts))
            append((number, parts, unallocated))
    return results


def allocate_expenses(
    items: Iterable[ExpenseItem],
    versions: Sequence[ShareVersion],
    currency: str,
    parties: Sequence[str],
) -> list[ExpenseAllocation]:
    """Allocate an arrangement's expenses over its life (rules 4, 5 and 6).

    ``items`` must come in the order of rule 6, (date, then recording order): the function
    does not re-sort them and raises :class:`ValueError` if a date goes backwards. Each
    ``amount`` is in the reporting ``currency``, already rounded to its minor unit.

    * Rule 5: each expense uses the version in force on its date
      (:func:`version_in_force`), its category's override set or else the default set.
    * Rule 4: the amount is split by largest remainder (:func:`allocate_minor`).
    * Rule 6: the ceilings of that version apply to each party's running total, the sum of
      its parts in all previous items (whatever version they used). A part that would take a
      party past its ceiling is cut at the ceiling (a party already past it, after a lower
      ceiling came into force, gets nothing); the excess is split again by rule 4 among the
      parties not yet at their ceiling, in proportion to their percentages (renormalized,
      same tie rules), and so on. What nobody can take is ``unallocated``. A ceiling with
      more decimals than the currency counts as rounded down to the minor unit.
    * Refunds and credits (negative amounts) are split by the shares alone and reduce the
      running totals; no ceiling cut applies to them. A refund is not linked to the
      expense it refunds, so it is shared like any expense of its date and category; it
      may free room under a ceiling for later expenses.

    Returns one :class:`ExpenseAllocation` per item, in the same order, parts in
    organization-code order with every party present; ``parts + unallocated == amount``.

    Raises :class:`ValueError` naming the date when no version is in force on it, when an
    amount has more decimals than the currency, when a version has invalid shares (not a
    party, more than 2 decimals, not summing to 100) or a negative ceiling, or when the
    dates are out of order.
    """
    places = minor_units(currency)
    item_list = items if isinstance(items, list) else list(items)
    what = f"amount in {currency}"
    try:
        minor = [
            (item.date, item.category, _to_units(item.amount, places, what)) for item in item_list
        ]
    except ValueError:
        for item in item_list:  # find the faulty expense again, to name it
            try:
                _to_units(item.amount, places, what)
            except ValueError as exc:
                raise ValueError(f"expense {item.key!r}: {exc}") from None
        raise
    codes = sorted(parties)
    results = allocate_expenses_minor(minor, versions, currency, codes)
    exact = _EXACT
    with _gc_paused():
        return [
            ExpenseAllocation(
                key=item.key,
                version=number,
                parts={
                    code: Decimal(part).scaleb(-places, exact)
                    for code, part in zip(codes, parts, strict=True)
                },
                unallocated=Decimal(unallocated).scaleb(-places, exact),
            )
            for item, (number, parts, unallocated) in zip(item_list, results, strict=True)
        ]


def allocate_expenses_many_minor(
    days: npt.ArrayLike,
    categories: Sequence[str],
    amounts_minor: npt.ArrayLike,
    versions: Sequence[ShareVersion],
    currency: str,
    parties: Sequence[str],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """:func:`allocate_expenses_minor` vectorized with numpy, for versions without ceilings
    (rule 6 does not apply, so an expense's parts depend on it alone and the order of the
    expenses does not matter).

    ``days`` are the expenses' dates as proleptic ordinals (``date.toordinal()``),
    ``categories`` their categories and ``amounts_minor`` their amounts in minor units of
    the reporting ``currency``, all of one length. Returns ``(numbers, parts)``: the number
    of the version applied to each expense (rule 5) and an ``int64`` array of shape
    ``(len(days), len(parties))``, columns in the order of ``sorted(parties)``; row ``i``
    equals the parts :func:`allocate_expenses_minor` gives (nothing is unallocated without
    ceilings).

    Raises :class:`ValueError` as :func:`allocate_expenses_minor` does (no version in force
    on the earliest date concerned, invalid shares), or if a version has ceilings.
    """
    import numpy as np  # lazily, as in allocate_many_minor

    codes = sorted(parties)
    if len(set(codes)) != len(codes):
        raise ValueError(f"a party appears twice in {list(parties)}")
    places = minor_units(currency)
    ordered = sorted(versions, key=lambda v: (v.effective_date, v.number))
    compiled = [_CompiledVersion(v, codes, places) for v in ordered]
    if any(c.capped for c in compiled):
        raise ValueError("ceilings apply: the expenses must be allocated in order")
    day = np.asarray(days, dtype=np.int64)
    amounts = np.asarray(amounts_minor, dtype=np.int64)
    count = len(day)
    if len(amounts) != count or len(categories) != count:
        raise ValueError("days, categories and amounts must have the same length")
    numbers = np.zeros(count, dtype=np.int64)
    parts = np.zeros((count, len(codes)), dtype=np.int64)
    if not count:
        return numbers, parts
    effective = np.array([v.effective_date.toordinal() for v in ordered], dtype=np.int64)
    position = np.searchsorted(effective, day, side="right") - 1
    if not compiled or int(position.min()) < 0:
        first = date.fromordinal(int(day[position < 0].min()))
        raise ValueError(f"no share version is in force on {first.isoformat()}")
    names = sorted(set(categories))
    index = {name: i for i, name in enumerate(names)}
    category = np.fromiter((index[c] for c in categories), dtype=np.int64, count=count)
    group = position * len(names) + category
    numbers[:] = np.array([c.number for c in compiled], dtype=np.int64)[position]
    for key in np.unique(group).tolist():
        version = compiled[key // len(names)]
        share_set = version.sets.get(names[key % len(names)], version.default)
        rows = group == key
        parts[rows] = allocate_many_minor(
            amounts[rows], tuple(zip(share_set.codes, share_set.hundredths, strict=True)))
    return numbers, parts


# ---------------------------------------------------------------------- settlement (rule 7)


@dataclass(frozen=True)
class Transfer:
    """``from_org`` pays ``to_org`` ``amount`` (positive, in the reporting currency)."""

    from_org: str
    to_org: str
    amount: Decimal


def balances(paid: Mapping[str, Decimal], share: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Rule 7: ``paid - share`` per organization (an organization absent from one mapping
    counts 0 there), in organization-code order. Positive: the others owe it.
    The amounts are added exactly; they keep the decimals they were given with."""
    zero = Decimal(0)
    return {
        code: paid.get(code, zero) - share.get(code, zero)
        for code in sorted(set(paid) | set(share))
    }


def settle(balances: Mapping[str, Decimal]) -> list[Transfer]:
    """Rule 7: the transfers that settle ``balances`` (organization -> ``paid - share``).

    Repeatedly the largest debtor (most negative balance) pays the largest creditor the
    smaller of the two magnitudes; ties go to the organization code in ascending order.
    Zero balances are ignored. Every transfer clears at least one of the two, so there are
    at most n-1 transfers for n non-zero balances.

    If the balances do not sum to zero (an amount was ``unallocated`` under ceilings), the
    engine settles as far as possible: it stops when no debtor or no creditor is left; the
    remainder (equal to the sum of the balances) stays with the creditors if positive, with
    the debtors if negative, for the parties to deal with; it is never spread silently.

    Raises :class:`ValueError` for a balance that is not a finite Decimal.
    """
    open_balances: dict[str, Decimal] = {}
    for code, balance in balances.items():
        if not isinstance(balance, Decimal) or not balance.is_finite():
            raise ValueError(f"balance of {code} must be a finite decimal, not {balance!r}")
        if balance:
            open_balances[code] = balance
    transfers: list[Transfer] = []
    while True:
        debtors = [(b, code) for code, b in open_balances.items() if b < 0]
        creditors = [(-b, code) for code, b in open_balances.items() if b > 0]
        if not debtors or not creditors:
            return transfers
        debt, debtor = min(debtors)  # most negative, then lowest code
        credit, creditor = min(creditors)  # largest, then lowest code
        amount = min(-debt, -credit)
        transfers.append(Transfer(from_org=debtor, to_org=creditor, amount=amount))
        for code, change in ((debtor, amount), (creditor, -amount)):
            left = open_balances[code] + change
            if left:
                open_balances[code] = left
            else:
                del open_balances[code]
