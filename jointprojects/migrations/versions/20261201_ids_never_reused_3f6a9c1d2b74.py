"""ids never reused (SQLite AUTOINCREMENT)

Issue 11 item 8: on SQLite a rowid table hands out max(id) + 1, so the id of the newest row
came back after its deletion ("delete expense #130", then a different "create expense #130").
AUTOINCREMENT keeps the largest id ever given in ``sqlite_sequence`` and never goes below
it. SQLite cannot add AUTOINCREMENT to a table: every table whose rows are audited or named
by id in a URL is recreated (Alembic's batch "move and copy", with ``sqlite_autoincrement``).

What the recreation would lose is put back: the triggers on those tables (the dashboard
roll-up triggers of 20261127 on ``budget`` and ``special_arrangement``) are read from
``sqlite_master`` first and created again afterwards, as are the indexes that reflection
does not carry over. Foreign keys are switched off for the copy (a DROP TABLE with foreign
keys on would cascade into the child rows), checked with ``PRAGMA foreign_key_check`` and
switched on again.

PostgreSQL's sequences never hand out a number twice: nothing to do there.

Revision ID: 3f6a9c1d2b74
Revises: d3a7c5e91b24
Create Date: 2026-12-01 13:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3f6a9c1d2b74'
down_revision = 'd3a7c5e91b24'
branch_labels = None
depends_on = None

#: Rows that are audited or named by id in a URL (children that are neither, such as a
#: share or a party row, keep their rowid tables).
TABLES = (
    'organization', 'agreement', 'agreement_amendment', 'agreement_consent', 'project',
    'user', 'api_token', 'audit_entry', 'exchange_rate', 'special_arrangement', 'budget',
    'expense', 'pending_import', 'personnel_exchange', 'share_version', 'signature',
    'consent', 'exchange_approval', 'exchange_cost_item', 'exchange_extension',
)


def upgrade():
    _recreate(autoincrement=True)


def downgrade():
    _recreate(autoincrement=False)


def _recreate(autoincrement):
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    existing = {name for (name,) in bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables = [t for t in TABLES if t in existing]
    marks = "', '".join(tables)
    triggers = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL"
        " ORDER BY name").fetchall()
    indexes = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ('{marks}') ORDER BY name").fetchall()
    # Every trigger goes (one on another table may name a recreated one in its body, and
    # SQLite checks the whole schema when the copy is renamed); all come back below.
    for name, _sql in triggers:
        bind.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    foreign_keys = _foreign_keys_off(bind)
    try:
        for table in tables:
            with op.batch_alter_table(
                    table, recreate='always',
                    table_kwargs={'sqlite_autoincrement': autoincrement}):
                pass
        problems = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if problems:
            raise RuntimeError(f'foreign keys broken by the copy: {problems[:5]}')
    finally:
        if foreign_keys:
            _foreign_keys_on(bind)
    present = {name for (name,) in bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index'")}
    for name, sql in indexes:
        if name not in present:
            bind.exec_driver_sql(sql)
    for _name, sql in triggers:
        bind.exec_driver_sql(sql)


def _foreign_keys_off(bind):
    """Switch foreign keys off for this connection; a pragma that changes nothing inside a
    transaction, so the transaction so far is committed first (SQLite has no transactional
    DDL for Alembic: each migration stands on its own). Returns whether they were on."""
    on = bind.exec_driver_sql('PRAGMA foreign_keys').scalar()
    if not on:
        return False
    _commit(bind)
    bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    if bind.exec_driver_sql('PRAGMA foreign_keys').scalar():
        raise RuntimeError('could not switch SQLite foreign keys off for the table copy')
    return True


def _foreign_keys_on(bind):
    _commit(bind)
    bind.exec_driver_sql('PRAGMA foreign_keys=ON')


def _commit(bind):
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
