"""audit hash chain, append-only audit rows

Issue 14 / DOMAIN.md rule 15: every audit row carries ``prev_hash`` and ``hash`` (SHA-256
over the previous hash and the row's canonical JSON, docs/EVIDENCE.md); the existing rows
are chained here in id order. ``audit_chain_head`` holds the newest hash, locked by every
append. The database refuses UPDATE and DELETE on ``audit_entry`` (and TRUNCATE on
PostgreSQL) with triggers.

The canonical form is written out again below rather than imported (a migration never
imports the application); it must stay byte for byte the one of ``reports/evidence.py``.

The columns are added with ``ALTER TABLE ... ADD COLUMN`` (no table copy), so SQLite keeps
the AUTOINCREMENT of migration 3f6a9c1d2b74.

Revision ID: c91e4b7a2f05
Revises: 6e2b8f4a1c37
Create Date: 2026-12-01 14:10:00.000000

"""
import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c91e4b7a2f05'
down_revision = '6e2b8f4a1c37'
branch_labels = None
depends_on = None

GENESIS = '0' * 64
FIELDS = ('action', 'address', 'after', 'at', 'before', 'entity', 'entity_id',
          'parent_entity', 'parent_id', 'user_agent', 'user_id')

SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: DELETE refused'); END",
)
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only: %% refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
PG_TRIGGERS = (
    "CREATE TRIGGER audit_entry_no_update_delete BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
)


def _plain(value):
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, 'f')
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise TypeError(f'not canonical: {type(value).__name__}')


def _hash(prev, row):
    data = {name: _plain(row[name]) for name in FIELDS}
    at = row['at']
    if isinstance(at, str):
        at = datetime.fromisoformat(at.removesuffix('Z'))
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    data['at'] = at.strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    body = json.dumps(data, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
    return hashlib.sha256(prev.encode('ascii') + b'\n' + body.encode('utf-8')).hexdigest()


def upgrade():
    bind = op.get_bind()
    op.add_column('audit_entry', sa.Column('prev_hash', sa.String(64), nullable=False,
                                           server_default=''))
    op.add_column('audit_entry', sa.Column('hash', sa.String(64), nullable=False,
                                           server_default=''))
    op.create_table('audit_chain_head',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head')),
    )
    entry = sa.table('audit_entry', sa.column('id', sa.Integer), sa.column('at', sa.DateTime),
                     sa.column('user_id', sa.Integer), sa.column('action', sa.String),
                     sa.column('entity', sa.String), sa.column('entity_id', sa.Integer),
                     sa.column('parent_entity', sa.String), sa.column('parent_id', sa.Integer),
                     sa.column('before', sa.JSON), sa.column('after', sa.JSON),
                     sa.column('address', sa.String), sa.column('user_agent', sa.String),
                     sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    prev = GENESIS
    last_id = 0
    while True:
        rows = bind.execute(sa.select(entry).where(entry.c.id > last_id)
                            .order_by(entry.c.id).limit(5000)).mappings().all()
        if not rows:
            break
        for row in rows:
            digest = _hash(prev, row)
            bind.execute(entry.update().where(entry.c.id == row['id'])
                         .values(prev_hash=prev, hash=digest))
            prev, last_id = digest, row['id']
    bind.execute(sa.text('INSERT INTO audit_chain_head (id, hash) VALUES (1, :h)'), {'h': prev})
    if bind.dialect.name == 'postgresql':
        op.alter_column('audit_entry', 'prev_hash', server_default=None)
        op.alter_column('audit_entry', 'hash', server_default=None)
        bind.exec_driver_sql(PG_FUNCTION)
        for sql in PG_TRIGGERS:
            bind.exec_driver_sql(sql)
    else:
        for sql in SQLITE_TRIGGERS:
            bind.exec_driver_sql(sql)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        bind.exec_driver_sql('DROP TRIGGER IF EXISTS audit_entry_no_update_delete ON audit_entry')
        bind.exec_driver_sql('DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry')
        bind.exec_driver_sql('DROP FUNCTION IF EXISTS audit_entry_append_only()')
    else:
        bind.exec_driver_sql('DROP TRIGGER IF EXISTS audit_entry_no_update')
        bind.exec_driver_sql('DROP TRIGGER IF EXISTS audit_entry_no_delete')
    op.drop_table('audit_chain_head')
    op.drop_column('audit_entry', 'hash')
    op.drop_column('audit_entry', 'prev_hash')
