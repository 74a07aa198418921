# ruff: noqa: S608 - SQL assembled from constant fragments and the schema's names; no input reaches it
"""Derived totals: the one module that says what is kept equal to what, and keeps it.

Three tables are derived data. Nothing but this module (its Python refresh and the database
triggers it defines) writes them, and at the end of every transaction each equals its
definition, written here once (tests/expenses/test_totals.py and tests/dashboard/test_rollup.py
check "rebuilt from scratch == kept incrementally" on SQLite and PostgreSQL):

1. ``expense_total`` (arrangement, month, category, organization), defined by
   :func:`totals_select`; over the arrangement's expenses of that month and category:

   * ``share_amount`` = SUM(expense_part.amount) of the organization's parts;
   * ``paid_amount`` = SUM(expense.reporting_amount), ``unallocated`` =
     SUM(expense.unallocated) and ``expense_count`` = COUNT(*) of those the organization paid.

2. ``portfolio_total`` (member, area, currency, month, organization), defined by
   :func:`rollup_select` (``EXPENSES``): the SUM of each measure of ``expense_total`` over the
   rows of that month and organization of every arrangement ``s`` with ``s.currency`` =
   currency, member in {0} + the parties of ``s``, area in {0} + the areas of ``s``'s project
   (0 meaning "no filter", for the dashboard's organization and area filters).

3. ``portfolio_budget`` (member, area, currency, year, organization), defined by
   :func:`rollup_select` (``BUDGETS``): the same roll-up of ``budget.amount`` per year, with
   organization 0 for the lines of the arrangement as a whole.

Who keeps them:

* ``expense_total``: :func:`refresh_totals` (arrangement, months), in Python. Every write to
  ``expense`` or ``expense_part`` ends with it, in the same transaction: recording one or
  many expenses and the bulk path (``_record_batch``, once per batch), updating and deleting
  an expense and re-allocation (``_synchronize``: an amendment coming into force, an earlier
  expense changing under ceilings). The rows of the months touched are recomputed whole with
  one ``DELETE`` and one ``INSERT ... SELECT ... GROUP BY``; no increments to drift.
* ``portfolio_total`` and ``portfolio_budget``: row triggers generated here
  (:func:`trigger_statements`), fired in the same transaction by every write to
  ``expense_total`` (hence by :func:`refresh_totals`), ``budget`` (``set_budget``,
  ``delete_budget``), ``project_area`` (a project's areas), ``arrangement_party`` (an
  arrangement's parties) and ``special_arrangement`` (its project or currency; its deletion,
  before the cascade removes its rows). Arrangement status changes (signature, notice,
  expiry) do not enter the definitions; an amendment coming into force reaches them through
  re-allocation and :func:`refresh_totals`.

Why the roll-ups stay trigger-kept rather than joining the Python refresh:

* Their inputs are written by four features and by ``ON DELETE CASCADE``, which no Python
  code sees; a trigger cannot be forgotten by a new writer, a raw statement or a script.
* Cost (benchmarks/README.md): a trigger works per ``expense_total`` row that the refresh
  rewrites (the months x categories x parties a change touches), never per expense, so a
  100,000-row import pays hundreds of trigger runs per chunk, not 100,000, and the dashboard
  reads the roll-ups alone (about 20 statements a page, whatever the volume). A Python
  refresh of a roll-up row would have to re-sum every arrangement in its bucket
  (``expense_total`` is 1.7 million rows in the dashboard benchmark, 1.5-2 s to scan on
  SQLite) or take the differences of the rows before and after, which is what the triggers
  do, with more round trips: either would make recording, import and the dashboard slower.
* Bulk loads that bypass the services (the benchmarks) drop the triggers
  (:func:`drop_triggers`), load, then :func:`install_triggers` and :func:`rebuild_rollups`.

4. ``portfolio_version.version`` (one row): a counter raised in the same transaction as
   every write to a table the dashboard's figures read (:data:`VERSIONED_TABLES`: the
   roll-ups above and the projects, arrangements, signatures, consents, exchanges... they
   count), by triggers generated here (:func:`version_trigger_statements`). The dashboard
   caches its figures under (version, filters, the viewer's scope, the day): a committed
   write has raised the version every process reads next, so no process serves figures of
   before it. On SQLite a row trigger (writers take turns on the database anyway); on
   PostgreSQL a deferred constraint trigger that raises the counter once per transaction,
   at its commit: the counter's row lock is the last lock a writer takes, held for the
   commit only, so it never waits for another lock while holding it (no deadlock) and
   writers of different arrangements serialize only for that instant.

Changing the triggers: migrations never import this module; each carries the SQL it installed,
frozen (:func:`trigger_statements` and :func:`drop_statements`, run once per dialect, pasted
in). A change here therefore needs a new migration with the new output;
tests/dashboard/test_rollup.py fails while the database at head differs from the generator.
The SQL is the same on SQLite and PostgreSQL (``INSERT ... ON CONFLICT DO UPDATE``, row-value
``UPDATE``); only the trigger wrappers differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection

from jointprojects.dates import first_day, next_month
from jointprojects.expenses.models import Expense, ExpensePart, ExpenseTotal
from jointprojects.extensions import db

# --- expense_total (kept in Python) -------------------------------------------------------------


def month_expression(column: Any) -> Any:
    """SQL for ``'YYYY-MM'`` of a date column, on PostgreSQL and on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def totals_select(arrangement_id: int, months: Iterable[str] | None = None) -> Select[Any]:
    """The definition of ``expense_total``: ``(arrangement_id, month, category,
    organization_id, share_amount, paid_amount, unallocated, expense_count)`` computed afresh
    from expenses and parts (raw storage integers), for ``months`` or all of them."""
    condition = [Expense.arrangement_id == arrangement_id]
    month = month_expression(Expense.date)
    if months is not None:
        month_list = sorted(months)
        condition += [
            Expense.date >= first_day(month_list[0]),
            Expense.date < next_month(first_day(month_list[-1])),
            month.in_(month_list),
        ]
    zero = literal(0, BigInteger)
    shares = (
        select(month.label("month"), Expense.category.label("category"),
               ExpensePart.organization_id.label("organization_id"),
               func.sum(type_coerce(ExpensePart.amount, BigInteger)).label("share_amount"),
               zero.label("paid_amount"), zero.label("unallocated"),
               zero.label("expense_count"))
        .join(Expense, Expense.id == ExpensePart.expense_id).where(*condition)
        .group_by(month, Expense.category, ExpensePart.organization_id)
    )
    paid = (
        select(month.label("month"), Expense.category.label("category"),
               Expense.paid_by_id.label("organization_id"), zero.label("share_amount"),
               func.sum(type_coerce(Expense.reporting_amount, BigInteger)).label("paid_amount"),
               func.sum(type_coerce(Expense.unallocated, BigInteger)).label("unallocated"),
               func.count().label("expense_count"))
        .where(*condition).group_by(month, Expense.category, Expense.paid_by_id)
    )
    both = union_all(shares, paid).subquery()
    return (
        select(literal(arrangement_id).label("arrangement_id"), both.c.month, both.c.category,
               both.c.organization_id, func.sum(both.c.share_amount),
               func.sum(both.c.paid_amount), func.sum(both.c.unallocated),
               func.sum(both.c.expense_count))
        .group_by(both.c.month, both.c.category, both.c.organization_id)
    )


def refresh_totals(arrangement_id: int, months: Iterable[str] | None = None) -> None:
    """Make the ``expense_total`` rows of ``months`` (all months if None) equal to
    :func:`totals_select` again, after a write to the arrangement's expenses or parts; the
    roll-up triggers carry the change on to ``portfolio_total``."""
    month_list = None if months is None else sorted(set(months))
    if month_list == []:
        return
    table = ExpenseTotal.__table__
    stmt = delete(table).where(table.c.arrangement_id == arrangement_id)
    if month_list is not None:
        stmt = stmt.where(table.c.month.in_(month_list))
    db.session.execute(stmt)
    db.session.execute(insert(table).from_select(
        ["arrangement_id", "month", "category", "organization_id", "share_amount",
         "paid_amount", "unallocated", "expense_count"],
        totals_select(arrangement_id, month_list),
    ))


#: One new expense's place in ``expense_total``: (month, category, organization, share
#: amount, paid amount, unallocated, expense count), raw storage integers.
TotalRow = tuple[str, str, int, int, int, int, int]


def add_totals(arrangement_id: int, rows: Iterable[TotalRow]) -> None:
    """Add new expenses to ``expense_total`` without computing any month again: ``rows``
    summed per (month, category, organization) in Python, then one upsert per key that adds
    the sums to the row or creates it. Equal to :func:`refresh_totals` after an insert of
    expenses that moves no other expense's parts (no ceilings); an import of 100,000 rows
    in chunks of 10,000 would otherwise recompute every month of the arrangement ten times.
    The roll-up triggers carry the change on as for any write."""
    sums: dict[tuple[str, str, int], list[int]] = {}
    for month, category, organization_id, *figures in rows:
        total = sums.setdefault((month, category, organization_id), [0, 0, 0, 0])
        for i, value in enumerate(figures):
            total[i] += value
    if not sums:
        return
    db.session.execute(text(
        "INSERT INTO expense_total (arrangement_id, month, category, organization_id, "
        "share_amount, paid_amount, unallocated, expense_count) "
        "VALUES (:a, :m, :c, :o, :s, :p, :u, :n) "
        "ON CONFLICT (arrangement_id, month, category, organization_id) DO UPDATE SET "
        "share_amount = expense_total.share_amount + excluded.share_amount, "
        "paid_amount = expense_total.paid_amount + excluded.paid_amount, "
        "unallocated = expense_total.unallocated + excluded.unallocated, "
        "expense_count = expense_total.expense_count + excluded.expense_count"),
        [{"a": arrangement_id, "m": m, "c": c, "o": o, "s": s, "p": p, "u": u, "n": n}
         for (m, c, o), (s, p, u, n) in sorted(sums.items())])


# --- portfolio_total and portfolio_budget (kept by triggers) ------------------------------------
#
# rollup_select defines each roll-up from scratch: every source row contributes once per
# (member, area) pair, member being 0 and each party of the arrangement, area 0 and each area
# of its project. The triggers apply that definition incrementally:
#
# * a source row inserted, updated or deleted: its contributions are added or taken away;
# * a project gains or loses an area, an arrangement gains or loses a party, or changes
#   project or currency: the contributions of the arrangements concerned move accordingly;
# * an arrangement is deleted: its contributions are taken away before its rows go (by
#   cascade, once the arrangement can no longer be seen).
#
# Taking away is always an UPDATE of existing rows, never an insert of negative ones, so that
# emptying the tables in any order leaves the roll-ups empty. Rows that fall back to zero stay
# (they cost nothing and are re-used by the next write).


@dataclass(frozen=True)
class Fact:
    """A source table rolled up into a portfolio table (see the module's docstring)."""

    source: str  # the table written by the application
    target: str  # its roll-up
    bucket: str  # the time column, the same name in both
    org: str  # the party column of the source; NULL becomes 0 in the roll-up
    measures: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"member_id, area_id, currency, {self.bucket}, organization_id"

    def party(self, row: str) -> str:
        return f"COALESCE({row}.{self.org}, 0)"


EXPENSES = Fact("expense_total", "portfolio_total", "month", "organization_id",
                ("share_amount", "paid_amount", "unallocated", "expense_count"))
BUDGETS = Fact("budget", "portfolio_budget", "year", "organization_id", ("amount",))
FACTS = (EXPENSES, BUDGETS)


def rollup_select(fact: Fact) -> str:
    """The whole roll-up of ``fact`` computed from scratch: what the triggers maintain."""
    return f"""
SELECT m.member_id, r.area_id, s.currency, f.{fact.bucket}, {fact.party("f")},
       {", ".join(f"SUM(f.{c})" for c in fact.measures)}
FROM {fact.source} f
JOIN special_arrangement s ON s.id = f.arrangement_id
JOIN (SELECT id AS arrangement_id, 0 AS member_id FROM special_arrangement
      UNION ALL SELECT arrangement_id, organization_id FROM arrangement_party) m
  ON m.arrangement_id = s.id
JOIN (SELECT id AS project_id, 0 AS area_id FROM project
      UNION ALL SELECT project_id, area_id FROM project_area) r
  ON r.project_id = s.project_id
GROUP BY m.member_id, r.area_id, s.currency, f.{fact.bucket}, {fact.party("f")}
"""


def _insert(fact: Fact) -> str:
    return f"INSERT INTO {fact.target} ({fact.key}, {', '.join(fact.measures)})"


def _upsert(fact: Fact) -> str:
    return (f"ON CONFLICT ({fact.key}) DO UPDATE SET "
            + ", ".join(f"{c} = {fact.target}.{c} + excluded.{c}" for c in fact.measures))


def _members_of(arrangement: str) -> str:
    return ("SELECT 0 AS member_id UNION ALL SELECT organization_id FROM arrangement_party "
            f"WHERE arrangement_id = {arrangement}")


def _areas_of_project(project: str) -> str:
    return ("SELECT 0 AS area_id UNION ALL SELECT area_id FROM project_area "
            f"WHERE project_id = {project}")


def _project_of(arrangement: str) -> str:
    return f"(SELECT project_id FROM special_arrangement WHERE id = {arrangement})"


def _currency_of(arrangement: str) -> str:
    return f"(SELECT currency FROM special_arrangement WHERE id = {arrangement})"


def _member_in_all(arrangement: str) -> str:
    return ("(member_id = 0 OR member_id IN (SELECT organization_id FROM arrangement_party "
            f"WHERE arrangement_id = {arrangement}))")


def _area_in_all(project: str) -> str:
    return ("(area_id = 0 OR area_id IN (SELECT area_id FROM project_area "
            f"WHERE project_id = {project}))")


# --- one source row -----------------------------------------------------------------------------

def _row_add(fact: Fact, row: str) -> str:
    return f"""{_insert(fact)}
SELECT m.member_id, r.area_id, s.currency, {row}.{fact.bucket}, {fact.party(row)},
       {", ".join(f"{row}.{c}" for c in fact.measures)}
FROM special_arrangement s
CROSS JOIN ({_members_of(f"{row}.arrangement_id")}) m
CROSS JOIN ({_areas_of_project(_project_of(f"{row}.arrangement_id"))}) r
WHERE s.id = {row}.arrangement_id
ORDER BY 1, 2
{_upsert(fact)}"""


def _row_sub(fact: Fact, row: str) -> str:
    sets = ", ".join(f"{c} = {c} - {row}.{c}" for c in fact.measures)
    return f"""UPDATE {fact.target} SET {sets}
WHERE currency = {_currency_of(f"{row}.arrangement_id")}
  AND {fact.bucket} = {row}.{fact.bucket} AND organization_id = {fact.party(row)}
  AND {_member_in_all(f"{row}.arrangement_id")}
  AND {_area_in_all(_project_of(f"{row}.arrangement_id"))}"""


# --- all rows of one arrangement, for a set of members and areas -------------------------------

def _arrangement_add(fact: Fact, arrangement: str, currency: str, members: str,
                     areas: str) -> str:
    return f"""{_insert(fact)}
SELECT m.member_id, r.area_id, {currency}, f.{fact.bucket}, {fact.party("f")},
       {", ".join(f"SUM(f.{c})" for c in fact.measures)}
FROM {fact.source} f
CROSS JOIN ({members}) m
CROSS JOIN ({areas}) r
WHERE f.arrangement_id = {arrangement} AND {currency} IS NOT NULL
GROUP BY m.member_id, r.area_id, f.{fact.bucket}, {fact.party("f")}
ORDER BY 1, 2
{_upsert(fact)}"""


def _arrangement_sub(fact: Fact, arrangement: str, currency: str, member_cond: str,
                     area_cond: str) -> str:
    t = fact.target
    match = (f"f.arrangement_id = {arrangement} AND f.{fact.bucket} = {t}.{fact.bucket} "
             f"AND {fact.party('f')} = {t}.organization_id")
    values = ", ".join(f"{t}.{c} - COALESCE(SUM(f.{c}), 0)" for c in fact.measures)
    return f"""UPDATE {t} SET ({", ".join(fact.measures)}) = (
  SELECT {values} FROM {fact.source} f WHERE {match})
WHERE currency = {currency} AND {member_cond} AND {area_cond}
  AND EXISTS (SELECT 1 FROM {fact.source} f WHERE {match})"""


# --- all arrangements of one project, for one area ---------------------------------------------

def _project_area_add(fact: Fact, project: str, area: str) -> str:
    return f"""{_insert(fact)}
SELECT m.member_id, {area}, s.currency, f.{fact.bucket}, {fact.party("f")},
       {", ".join(f"SUM(f.{c})" for c in fact.measures)}
FROM {fact.source} f
JOIN special_arrangement s ON s.id = f.arrangement_id
JOIN (SELECT id AS arrangement_id, 0 AS member_id FROM special_arrangement
      WHERE project_id = {project}
      UNION ALL SELECT ap.arrangement_id, ap.organization_id FROM arrangement_party ap
      JOIN special_arrangement s2 ON s2.id = ap.arrangement_id WHERE s2.project_id = {project}) m
  ON m.arrangement_id = s.id
WHERE s.project_id = {project}
GROUP BY m.member_id, s.currency, f.{fact.bucket}, {fact.party("f")}
ORDER BY 1
{_upsert(fact)}"""


def _project_area_sub(fact: Fact, project: str, area: str) -> str:
    t = fact.target
    match = (f"s.project_id = {project} AND s.currency = {t}.currency "
             f"AND f.{fact.bucket} = {t}.{fact.bucket} "
             f"AND {fact.party('f')} = {t}.organization_id "
             f"AND ({t}.member_id = 0 OR EXISTS (SELECT 1 FROM arrangement_party ap "
             f"WHERE ap.arrangement_id = s.id AND ap.organization_id = {t}.member_id))")
    values = ", ".join(f"{t}.{c} - COALESCE(SUM(f.{c}), 0)" for c in fact.measures)
    source = f"FROM {fact.source} f JOIN special_arrangement s ON s.id = f.arrangement_id"
    return f"""UPDATE {t} SET ({", ".join(fact.measures)}) = (
  SELECT {values} {source} WHERE {match})
WHERE area_id = {area} AND EXISTS (SELECT 1 {source} WHERE {match})"""


# --- the events ---------------------------------------------------------------------------------

def _source_row(fact: Fact, op: str) -> list[str]:
    return {"INSERT": [_row_add(fact, "NEW")], "DELETE": [_row_sub(fact, "OLD")],
            "UPDATE": [_row_sub(fact, "OLD"), _row_add(fact, "NEW")]}[op]


def _project_area(facts: tuple[Fact, ...], op: str) -> list[str]:
    add = [_project_area_add(f, "NEW.project_id", "NEW.area_id") for f in facts]
    sub = [_project_area_sub(f, "OLD.project_id", "OLD.area_id") for f in facts]
    return {"INSERT": add, "DELETE": sub, "UPDATE": sub + add}[op]


def _arrangement_party(facts: tuple[Fact, ...], op: str) -> list[str]:
    add = [_arrangement_add(f, "NEW.arrangement_id", _currency_of("NEW.arrangement_id"),
                            "SELECT NEW.organization_id AS member_id",
                            _areas_of_project(_project_of("NEW.arrangement_id")))
           for f in facts]
    sub = [_arrangement_sub(f, "OLD.arrangement_id", _currency_of("OLD.arrangement_id"),
                            "member_id = OLD.organization_id",
                            _area_in_all(_project_of("OLD.arrangement_id")))
           for f in facts]
    return {"INSERT": add, "DELETE": sub, "UPDATE": sub + add}[op]


def _arrangement_moved(facts: tuple[Fact, ...]) -> list[str]:
    """An arrangement's project or currency changed: move its contributions."""
    return [
        *(_arrangement_sub(f, "OLD.id", "OLD.currency", _member_in_all("OLD.id"),
                           _area_in_all("OLD.project_id")) for f in facts),
        *(_arrangement_add(f, "NEW.id", "NEW.currency", _members_of("NEW.id"),
                           _areas_of_project("NEW.project_id")) for f in facts),
    ]


def _arrangement_deleted(facts: tuple[Fact, ...]) -> list[str]:
    return [_arrangement_sub(f, "OLD.id", "OLD.currency", _member_in_all("OLD.id"),
                             _area_in_all("OLD.project_id")) for f in facts]


_MOVED = "OLD.project_id IS NOT NEW.project_id OR OLD.currency IS NOT NEW.currency"
_SHORT = {EXPENSES.source: "et", BUDGETS.source: "bu"}
Builder = Callable[[str], list[str]]


def _event_builders(facts: tuple[Fact, ...]) -> list[tuple[str, str, Builder]]:
    """(table, short name, the statements for an operation)."""
    result: list[tuple[str, str, Builder]] = [
        (fact.source, _SHORT[fact.source], partial(_source_row, fact)) for fact in facts
    ]
    return [*result, ("project_area", "pa", partial(_project_area, facts)),
            ("arrangement_party", "ap", partial(_arrangement_party, facts))]


def _sqlite_triggers(facts: tuple[Fact, ...] = FACTS) -> list[tuple[str, str]]:
    result = []
    for table, short, builder in _event_builders(facts):
        for op in ("INSERT", "UPDATE", "DELETE"):
            name = f"jp_portfolio_{short}_{op.lower()}"
            body = ";\n".join(builder(op))
            result.append((name, f"CREATE TRIGGER {name} AFTER {op} ON {table}\n"
                                 f"BEGIN\n{body};\nEND"))
    body = ";\n".join(_arrangement_moved(facts))
    result.append(("jp_portfolio_sa_update", (
        "CREATE TRIGGER jp_portfolio_sa_update AFTER UPDATE OF project_id, currency "
        f"ON special_arrangement WHEN {_MOVED}\nBEGIN\n{body};\nEND")))
    body = ";\n".join(_arrangement_deleted(facts))
    result.append(("jp_portfolio_sa_delete", (
        "CREATE TRIGGER jp_portfolio_sa_delete BEFORE DELETE ON special_arrangement\n"
        f"BEGIN\n{body};\nEND")))
    return result


def _plpgsql(name: str, branches: dict[str, list[str]], returns: str) -> str:
    parts = []
    for op, statements in branches.items():
        body = "".join(f"    {s};\n" for s in statements)
        parts.append(f"  IF TG_OP = '{op}' THEN\n{body}  END IF;\n")
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"{''.join(parts)}  RETURN {returns};\nEND\n$$")


def _postgres_statements(facts: tuple[Fact, ...]) -> list[str]:
    result = []
    for table, short, builder in _event_builders(facts):
        function = f"jp_portfolio_{short}"
        branches = {op: builder(op) for op in ("INSERT", "UPDATE", "DELETE")}
        result.append(_plpgsql(function, branches, "NULL"))
        result.append(f"CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                      f"FOR EACH ROW EXECUTE FUNCTION {function}()")
    result.append(_plpgsql("jp_portfolio_sa_update", {"UPDATE": _arrangement_moved(facts)},
                           "NULL"))
    result.append(
        "CREATE TRIGGER jp_portfolio_sa_update AFTER UPDATE OF project_id, currency "
        "ON special_arrangement FOR EACH ROW WHEN ("
        + _MOVED.replace("IS NOT", "IS DISTINCT FROM")
        + ") EXECUTE FUNCTION jp_portfolio_sa_update()")
    result.append(_plpgsql("jp_portfolio_sa_delete", {"DELETE": _arrangement_deleted(facts)},
                           "OLD"))
    result.append("CREATE TRIGGER jp_portfolio_sa_delete BEFORE DELETE ON special_arrangement "
                  "FOR EACH ROW EXECUTE FUNCTION jp_portfolio_sa_delete()")
    return result


_PG_TRIGGERS = (("jp_portfolio_et", "expense_total"), ("jp_portfolio_bu", "budget"),
                ("jp_portfolio_pa", "project_area"), ("jp_portfolio_ap", "arrangement_party"),
                ("jp_portfolio_sa_update", "special_arrangement"),
                ("jp_portfolio_sa_delete", "special_arrangement"))


def trigger_statements(dialect: str, facts: tuple[Fact, ...] = FACTS) -> list[str]:
    """The DDL creating the triggers (and on PostgreSQL their functions) that keep the
    roll-ups of ``facts`` on ``dialect`` ("sqlite" or "postgresql"). Migrations carry its
    output frozen, for the facts their schema has."""
    if dialect == "postgresql":
        return _postgres_statements(facts)
    return [ddl for _, ddl in _sqlite_triggers(facts)]


def drop_statements(dialect: str) -> list[str]:
    """The DDL removing every roll-up trigger (and on PostgreSQL their functions)."""
    if dialect == "postgresql":
        return [statement for name, table in _PG_TRIGGERS
                for statement in (f"DROP TRIGGER IF EXISTS {name} ON {table}",
                                  f"DROP FUNCTION IF EXISTS {name}()")]
    return [f"DROP TRIGGER IF EXISTS {name}" for name, _ in _sqlite_triggers()]


def rebuild_statements(facts: tuple[Fact, ...] = FACTS) -> list[str]:
    """The statements recomputing the roll-ups of ``facts`` from scratch (both dialects)."""
    return [statement for fact in facts
            for statement in (f"DELETE FROM {fact.target}",
                              f"{_insert(fact)}\n{rollup_select(fact)}")]


def trigger_names(dialect: str) -> set[str]:
    """The names of the roll-up triggers a database at head has."""
    if dialect == "postgresql":
        return {name for name, _ in _PG_TRIGGERS}
    return {name for name, _ in _sqlite_triggers()}


def _execute(connection: Connection, statements: list[str]) -> None:
    for statement in statements:
        connection.execute(text(statement))


def install_triggers(connection: Connection, facts: tuple[Fact, ...] = FACTS) -> None:
    """Create the roll-up triggers on ``connection``'s database (after :func:`drop_triggers`
    for a bulk load; migrations use their own frozen copy)."""
    _execute(connection, trigger_statements(connection.dialect.name, facts))


def drop_triggers(connection: Connection) -> None:
    """Remove every roll-up trigger (and on PostgreSQL their functions)."""
    _execute(connection, drop_statements(connection.dialect.name))


def rebuild_rollups(connection: Connection, facts: tuple[Fact, ...] = FACTS) -> None:
    """Recompute the roll-ups from scratch (after a bulk load with the triggers off)."""
    _execute(connection, rebuild_statements(facts))


# --- portfolio_version (kept by triggers) -------------------------------------------------------

#: The tables whose writes may move a dashboard figure (jointprojects.dashboard.figures reads
#: them, or the roll-ups it reads are kept from them).
VERSIONED_TABLES: tuple[str, ...] = (
    "organization", "area", "project", "project_area", "special_arrangement",
    "arrangement_party", "share_version", "share", "ceiling", "signature", "consent",
    "personnel_exchange", "exchange_approval", "exchange_extension", "exchange_cost_item",
    "expense_total", "budget", "portfolio_total", "portfolio_budget",
)

_BUMP = "UPDATE portfolio_version SET version = version + 1 WHERE id = 1"
_PG_BUMP_FUNCTION = (
    "CREATE FUNCTION jp_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
    "  IF current_setting('jointprojects.version_bumped', true) = "
    "txid_current()::text THEN\n    RETURN NULL;\n  END IF;\n"
    "  PERFORM set_config('jointprojects.version_bumped', txid_current()::text, true);\n"
    f"  {_BUMP};\n  RETURN NULL;\nEND\n$$"
)


def version_trigger_statements(dialect: str) -> list[str]:
    """The DDL of the triggers raising ``portfolio_version`` on every write to
    :data:`VERSIONED_TABLES` (migrations carry it frozen)."""
    if dialect == "postgresql":
        return [_PG_BUMP_FUNCTION, *(
            f"CREATE CONSTRAINT TRIGGER jp_version_{table} AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION jp_version_bump()" for table in VERSIONED_TABLES)]
    return [f"CREATE TRIGGER jp_version_{table}_{op.lower()} AFTER {op} ON {table}\n"
            f"BEGIN\n{_BUMP};\nEND"
            for table in VERSIONED_TABLES for op in ("INSERT", "UPDATE", "DELETE")]


def version_trigger_names(dialect: str) -> set[str]:
    if dialect == "postgresql":
        return {f"jp_version_{table}" for table in VERSIONED_TABLES}
    return {f"jp_version_{table}_{op}" for table in VERSIONED_TABLES
            for op in ("insert", "update", "delete")}


def portfolio_version(connection: Connection | None = None) -> int:
    """The counter as this transaction sees it (0 before the first write)."""
    query = text("SELECT version FROM portfolio_version WHERE id = 1")
    value = connection.scalar(query) if connection is not None else db.session.scalar(query)
    return int(value or 0)
