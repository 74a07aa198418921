"""the application's PostgreSQL role, without UPDATE or DELETE on the audit rows

Issue 14 / DOMAIN.md rule 15 (docs/EVIDENCE.md "The application's role"): on PostgreSQL a
role ``jointprojects_app`` (NOLOGIN: operators grant it to the login role the application
connects as) may read and write every table, but on ``audit_entry`` only SELECT and INSERT.
The append-only triggers then hold even against that role: it owns no table, so it cannot
drop them, and without the privilege the database refuses UPDATE, DELETE and TRUNCATE
whatever the triggers. ``audit_chain_head`` keeps UPDATE (every append moves it, under
``SELECT ... FOR UPDATE``).

Idempotent: the role is cluster-wide and may already exist (another database of the same
server, or a migration run twice); the grants are of this database. Tables and sequences
created by later migrations get the same rights (default privileges of the role running
the migrations). Nothing on SQLite, which has no roles.

Revision ID: e5b7d2a94c18
Revises: 5b8e2d7c4a19
Create Date: 2026-12-01 15:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5b7d2a94c18'
down_revision = '5b8e2d7c4a19'
branch_labels = None
depends_on = None

ROLE = 'jointprojects_app'

UPGRADE = (
    f"""DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        CREATE ROLE {ROLE} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created meanwhile by a migration of another database
END
$$""",
    f"GRANT USAGE ON SCHEMA public TO {ROLE}",
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}",
    f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
    f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {ROLE}",
    f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_entry FROM {ROLE}",
    "REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_entry FROM PUBLIC",
    f"REVOKE DELETE, TRUNCATE ON audit_chain_head FROM {ROLE}",
)

DOWNGRADE = (
    f"""DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        ALTER DEFAULT PRIVILEGES IN SCHEMA public
            REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {ROLE};
        ALTER DEFAULT PRIVILEGES IN SCHEMA public
            REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM {ROLE};
        REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE};
        REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE};
        REVOKE USAGE ON SCHEMA public FROM {ROLE};
    END IF;
END
$$""",
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade():
    # The role itself stays: it is the server's, and other databases may use it.
    if op.get_bind().dialect.name != 'postgresql':
        return
    for statement in DOWNGRADE:
        op.execute(statement)
