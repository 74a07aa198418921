"""storage for re-allocations: room on each page of ``expense`` and ``expense_part`` for the
next version of its rows, and the audit rows' ``after`` compressed with LZ4 (PostgreSQL only;
issue 15)

A re-allocation rewrites every part of an arrangement's expenses and their figures
(``unallocated``, ``share_version_number``, ``updated_at``), none of them indexed. With half
of each page left free, PostgreSQL writes the new row versions on the same page and touches
no index (a heap-only update): measured on 1,000,000 expenses, a bare ``UPDATE`` of the
3,000,000 parts went from 15.4 s to 5.2 s and one of the 1,000,000 expenses from 11.2 s to
2.9 s. The tables take twice the room when freshly loaded, which is what a table holds
anyway after its first re-allocation (the old versions' space). Pages written before this
migration keep what they have until a re-allocation or a vacuum frees their old versions'
space; ``VACUUM FULL expense, expense_part`` applies it at once (it locks the tables while
it runs, so it is left to the operator).

The audit rows' ``after`` is compressed with LZ4 where the server has it (PostgreSQL 14 and
later, built with it): a re-allocation's batch rows are megabytes of JSON each, and the
default (pglz) took 2.5 s to store 49 MB of them against 0.6 s. Rows stored before keep
their compression; both read the same. SQLite has neither setting.

Revision ID: c4e8a2f61d93
Revises: b7c2e9d4f158
Create Date: 2026-12-01 22:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e8a2f61d93'
down_revision = 'b7c2e9d4f158'
branch_labels = None
depends_on = None

#: Percent of each page filled by inserts (PostgreSQL's default is 100).
FILLFACTOR = 50
TABLES = ("expense", "expense_part")


def _lz4() -> bool:
    return bool(op.get_bind().exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
        "WHERE name = 'default_toast_compression'").scalar())


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")
    if _lz4():
        op.execute("ALTER TABLE audit_entry ALTER COLUMN after SET COMPRESSION lz4")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    if _lz4():
        op.execute("ALTER TABLE audit_entry ALTER COLUMN after SET COMPRESSION DEFAULT")
