# ruff: noqa: S608 - trigger DDL assembled from constant fragments; no input reaches it
"""Triggers that keep the portfolio roll-ups equal to their definitions.

Two facts are rolled up, per reporting currency, for every value of the dashboard's filters
(member: 0 or a party; area: 0 or an area of the project), see :data:`FACTS`:

* ``expense_total`` (arrangement, month, category, party) into ``portfolio_total`` (month,
  party): shares, payments, unallocated amounts and expense counts;
* ``budget`` (arrangement, category, year, party or none) into ``portfolio_budget`` (year,
  party or 0 for "not assigned to a party").

:func:`rollup_select` defines each roll-up from scratch: every source row contributes once
per (member, area) pair, member being 0 and each party of the arrangement, area 0 and each
area of its project. The triggers apply that definition incrementally:

* a source row inserted, updated or deleted: its contributions are added or taken away;
* a project gains or loses an area, an arrangement gains or loses a party, or changes
  project or currency: the contributions of the arrangements concerned move accordingly;
* an arrangement is deleted: its contributions are taken away before its rows go (by
  cascade, once the arrangement can no longer be seen).

Taking away is always an ``UPDATE`` of existing rows, never an insert of negative ones, so
that emptying the tables in any order leaves the roll-ups empty. Rows that fall back to zero
stay (they cost nothing and are re-used by the next write).

The SQL is the same on SQLite and PostgreSQL (``INSERT ... ON CONFLICT DO UPDATE``, row-value
``UPDATE``); only the trigger wrappers differ. The migration that installs the triggers calls
:func:`install`; a later change to them needs a new migration that calls :func:`drop` and
:func:`install` again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import text
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Fact:
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


#: Kept for callers of the first version: the expense roll-up's definition.
ROLLUP_SELECT = rollup_select(EXPENSES)


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


def install(connection: Connection, facts: tuple[Fact, ...] = FACTS) -> None:
    """Create the triggers keeping the roll-ups of ``facts`` on ``connection``'s database
    (SQLite or PostgreSQL). Migrations name the facts their schema has."""
    if connection.dialect.name == "postgresql":
        statements = _postgres_statements(facts)
    else:
        statements = [ddl for _, ddl in _sqlite_triggers(facts)]
    for statement in statements:
        connection.execute(text(statement))


def drop(connection: Connection) -> None:
    """Remove every roll-up trigger (and on PostgreSQL their functions)."""
    if connection.dialect.name == "postgresql":
        for name, table in _PG_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            connection.execute(text(f"DROP FUNCTION IF EXISTS {name}()"))
    else:
        for name, _ in _sqlite_triggers():
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild(connection: Connection, facts: tuple[Fact, ...] = FACTS) -> None:
    """Recompute the roll-ups from scratch (after a bulk load with the triggers off)."""
    for fact in facts:
        connection.execute(text(f"DELETE FROM {fact.target}"))
        connection.execute(text(f"{_insert(fact)}\n{rollup_select(fact)}"))
