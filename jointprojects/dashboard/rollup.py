# ruff: noqa: S608 - trigger DDL assembled from constant fragments; no input reaches it
"""Triggers that keep ``portfolio_total`` equal to a roll-up of ``expense_total``.

The roll-up is defined by :data:`ROLLUP_SELECT`: for every ``expense_total`` row, one
contribution per (member, area) pair, where member is 0 and each party of the arrangement,
and area is 0 and each area of its project. The triggers apply that definition
incrementally:

* a row of ``expense_total`` inserted, updated or deleted: its contributions are added or
  taken away;
* a project gains or loses an area, an arrangement gains or loses a party, or changes
  project or currency: the contributions of the arrangements concerned move accordingly;
* an arrangement is deleted: its contributions are taken away before the rows go.

Taking away is always an ``UPDATE`` of existing rows, never an insert of negative ones, so
that emptying the tables in any order leaves ``portfolio_total`` empty. Rows that fall back to
zero stay (they cost nothing and are re-used by the next expense of that month).

The SQL is the same on SQLite and PostgreSQL (``INSERT ... ON CONFLICT DO UPDATE``, row-value
``UPDATE``); only the trigger wrappers differ. The migration that installs the triggers calls
:func:`install`; a later change to them needs a new migration that calls :func:`drop` and
:func:`install` again.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

COLUMNS = ("share_amount", "paid_amount", "unallocated", "expense_count")
KEY = "member_id, area_id, currency, month, organization_id"

#: The whole roll-up computed from scratch: the definition the triggers maintain.
ROLLUP_SELECT = f"""
SELECT m.member_id, r.area_id, s.currency, et.month, et.organization_id,
       {", ".join(f"SUM(et.{c})" for c in COLUMNS)}
FROM expense_total et
JOIN special_arrangement s ON s.id = et.arrangement_id
JOIN (SELECT id AS arrangement_id, 0 AS member_id FROM special_arrangement
      UNION ALL SELECT arrangement_id, organization_id FROM arrangement_party) m
  ON m.arrangement_id = s.id
JOIN (SELECT id AS project_id, 0 AS area_id FROM project
      UNION ALL SELECT project_id, area_id FROM project_area) r
  ON r.project_id = s.project_id
GROUP BY m.member_id, r.area_id, s.currency, et.month, et.organization_id
"""

_UPSERT = (
    f"ON CONFLICT ({KEY}) DO UPDATE SET "
    + ", ".join(f"{c} = portfolio_total.{c} + excluded.{c}" for c in COLUMNS)
)
_INSERT = f"INSERT INTO portfolio_total ({KEY}, {', '.join(COLUMNS)})"


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


# --- one expense_total row --------------------------------------------------------------------

def _row_add(row: str) -> str:
    return f"""{_INSERT}
SELECT m.member_id, r.area_id, s.currency, {row}.month, {row}.organization_id,
       {", ".join(f"{row}.{c}" for c in COLUMNS)}
FROM special_arrangement s
CROSS JOIN ({_members_of(f"{row}.arrangement_id")}) m
CROSS JOIN ({_areas_of_project(_project_of(f"{row}.arrangement_id"))}) r
WHERE s.id = {row}.arrangement_id
ORDER BY 1, 2
{_UPSERT}"""


def _row_sub(row: str) -> str:
    sets = ", ".join(f"{c} = {c} - {row}.{c}" for c in COLUMNS)
    return f"""UPDATE portfolio_total SET {sets}
WHERE currency = {_currency_of(f"{row}.arrangement_id")}
  AND month = {row}.month AND organization_id = {row}.organization_id
  AND {_member_in_all(f"{row}.arrangement_id")}
  AND {_area_in_all(_project_of(f"{row}.arrangement_id"))}"""


# --- all rows of one arrangement, for a set of members and areas ------------------------------

def _arrangement_add(arrangement: str, currency: str, members: str, areas: str) -> str:
    return f"""{_INSERT}
SELECT m.member_id, r.area_id, {currency}, et.month, et.organization_id,
       {", ".join(f"SUM(et.{c})" for c in COLUMNS)}
FROM expense_total et
CROSS JOIN ({members}) m
CROSS JOIN ({areas}) r
WHERE et.arrangement_id = {arrangement} AND {currency} IS NOT NULL
GROUP BY m.member_id, r.area_id, et.month, et.organization_id
ORDER BY 1, 2
{_UPSERT}"""


def _arrangement_sub(arrangement: str, currency: str, member_cond: str, area_cond: str) -> str:
    match = (f"et.arrangement_id = {arrangement} AND et.month = portfolio_total.month "
             "AND et.organization_id = portfolio_total.organization_id")
    values = ", ".join(f"portfolio_total.{c} - COALESCE(SUM(et.{c}), 0)" for c in COLUMNS)
    return f"""UPDATE portfolio_total SET ({", ".join(COLUMNS)}) = (
  SELECT {values} FROM expense_total et WHERE {match})
WHERE currency = {currency} AND {member_cond} AND {area_cond}
  AND EXISTS (SELECT 1 FROM expense_total et WHERE {match})"""


# --- all arrangements of one project, for one area --------------------------------------------

def _project_area_add(project: str, area: str) -> str:
    return f"""{_INSERT}
SELECT m.member_id, {area}, s.currency, et.month, et.organization_id,
       {", ".join(f"SUM(et.{c})" for c in COLUMNS)}
FROM expense_total et
JOIN special_arrangement s ON s.id = et.arrangement_id
JOIN (SELECT id AS arrangement_id, 0 AS member_id FROM special_arrangement
      WHERE project_id = {project}
      UNION ALL SELECT ap.arrangement_id, ap.organization_id FROM arrangement_party ap
      JOIN special_arrangement s2 ON s2.id = ap.arrangement_id WHERE s2.project_id = {project}) m
  ON m.arrangement_id = s.id
WHERE s.project_id = {project}
GROUP BY m.member_id, s.currency, et.month, et.organization_id
ORDER BY 1
{_UPSERT}"""


def _project_area_sub(project: str, area: str) -> str:
    match = (f"s.project_id = {project} AND s.currency = portfolio_total.currency "
             "AND et.month = portfolio_total.month "
             "AND et.organization_id = portfolio_total.organization_id "
             "AND (portfolio_total.member_id = 0 OR EXISTS (SELECT 1 FROM arrangement_party ap "
             "WHERE ap.arrangement_id = s.id AND ap.organization_id = portfolio_total.member_id))")
    values = ", ".join(f"portfolio_total.{c} - COALESCE(SUM(et.{c}), 0)" for c in COLUMNS)
    source = "FROM expense_total et JOIN special_arrangement s ON s.id = et.arrangement_id"
    return f"""UPDATE portfolio_total SET ({", ".join(COLUMNS)}) = (
  SELECT {values} {source} WHERE {match})
WHERE area_id = {area} AND EXISTS (SELECT 1 {source} WHERE {match})"""


# --- the events -------------------------------------------------------------------------------

def _expense_total(op: str) -> list[str]:
    return {"INSERT": [_row_add("NEW")], "DELETE": [_row_sub("OLD")],
            "UPDATE": [_row_sub("OLD"), _row_add("NEW")]}[op]


def _project_area(op: str) -> list[str]:
    add = _project_area_add("NEW.project_id", "NEW.area_id")
    sub = _project_area_sub("OLD.project_id", "OLD.area_id")
    return {"INSERT": [add], "DELETE": [sub], "UPDATE": [sub, add]}[op]


def _arrangement_party(op: str) -> list[str]:
    add = _arrangement_add("NEW.arrangement_id", _currency_of("NEW.arrangement_id"),
                           "SELECT NEW.organization_id AS member_id",
                           _areas_of_project(_project_of("NEW.arrangement_id")))
    sub = _arrangement_sub("OLD.arrangement_id", _currency_of("OLD.arrangement_id"),
                           "member_id = OLD.organization_id",
                           _area_in_all(_project_of("OLD.arrangement_id")))
    return {"INSERT": [add], "DELETE": [sub], "UPDATE": [sub, add]}[op]


def _arrangement_moved() -> list[str]:
    """An arrangement's project or currency changed: move its contributions."""
    return [
        _arrangement_sub("OLD.id", "OLD.currency", _member_in_all("OLD.id"),
                         _area_in_all("OLD.project_id")),
        _arrangement_add("NEW.id", "NEW.currency", _members_of("NEW.id"),
                         _areas_of_project("NEW.project_id")),
    ]


def _arrangement_deleted() -> list[str]:
    """Before an arrangement goes (its expense_total rows go with it by cascade, when the
    arrangement can no longer be seen): take its contributions away."""
    return [_arrangement_sub("OLD.id", "OLD.currency", _member_in_all("OLD.id"),
                             _area_in_all("OLD.project_id"))]


#: (name, table, timing, events, condition, statements per event)
_MOVED = ("OLD.project_id IS NOT NEW.project_id OR OLD.currency IS NOT NEW.currency")


def _sqlite_triggers() -> list[tuple[str, str]]:
    result = []
    for table, short, builder in (("expense_total", "et", _expense_total),
                                  ("project_area", "pa", _project_area),
                                  ("arrangement_party", "ap", _arrangement_party)):
        for op in ("INSERT", "UPDATE", "DELETE"):
            name = f"jp_portfolio_{short}_{op.lower()}"
            body = ";\n".join(builder(op))
            result.append((name, f"CREATE TRIGGER {name} AFTER {op} ON {table}\n"
                                 f"BEGIN\n{body};\nEND"))
    body = ";\n".join(_arrangement_moved())
    result.append(("jp_portfolio_sa_update", (
        "CREATE TRIGGER jp_portfolio_sa_update AFTER UPDATE OF project_id, currency "
        f"ON special_arrangement WHEN {_MOVED}\nBEGIN\n{body};\nEND")))
    body = ";\n".join(_arrangement_deleted())
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


def _postgres_statements() -> list[str]:
    result = []
    for table, short, builder in (("expense_total", "et", _expense_total),
                                  ("project_area", "pa", _project_area),
                                  ("arrangement_party", "ap", _arrangement_party)):
        function = f"jp_portfolio_{short}"
        branches = {op: builder(op) for op in ("INSERT", "UPDATE", "DELETE")}
        result.append(_plpgsql(function, branches, "NULL"))
        result.append(f"CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                      f"FOR EACH ROW EXECUTE FUNCTION {function}()")
    result.append(_plpgsql("jp_portfolio_sa_update", {"UPDATE": _arrangement_moved()}, "NULL"))
    result.append(
        "CREATE TRIGGER jp_portfolio_sa_update AFTER UPDATE OF project_id, currency "
        "ON special_arrangement FOR EACH ROW WHEN ("
        + _MOVED.replace("IS NOT", "IS DISTINCT FROM")
        + ") EXECUTE FUNCTION jp_portfolio_sa_update()")
    result.append(_plpgsql("jp_portfolio_sa_delete", {"DELETE": _arrangement_deleted()}, "OLD"))
    result.append("CREATE TRIGGER jp_portfolio_sa_delete BEFORE DELETE ON special_arrangement "
                  "FOR EACH ROW EXECUTE FUNCTION jp_portfolio_sa_delete()")
    return result


_PG_TRIGGERS = (("jp_portfolio_et", "expense_total"), ("jp_portfolio_pa", "project_area"),
                ("jp_portfolio_ap", "arrangement_party"),
                ("jp_portfolio_sa_update", "special_arrangement"),
                ("jp_portfolio_sa_delete", "special_arrangement"))


def install(connection: Connection) -> None:
    """Create the triggers on ``connection``'s database (SQLite or PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        statements = _postgres_statements()
    else:
        statements = [ddl for _, ddl in _sqlite_triggers()]
    for statement in statements:
        connection.execute(text(statement))


def drop(connection: Connection) -> None:
    """Remove the triggers (and on PostgreSQL their functions)."""
    if connection.dialect.name == "postgresql":
        for name, table in _PG_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            connection.execute(text(f"DROP FUNCTION IF EXISTS {name}()"))
    else:
        for name, _ in _sqlite_triggers():
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild(connection: Connection) -> None:
    """Recompute ``portfolio_total`` from scratch (after a bulk load with the triggers off)."""
    connection.execute(text("DELETE FROM portfolio_total"))
    connection.execute(text(f"{_INSERT}\n{ROLLUP_SELECT}"))
