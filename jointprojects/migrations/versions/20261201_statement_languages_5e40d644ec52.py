"""statement languages: a statement issued in English, French or both (issue 17)

``statement.languages`` lists the languages a statement was issued in, the first one (whose
workbook ``statement.sha256`` is) first: ``'en'``, ``'fr'``, ``'en,fr'`` or ``'fr,en'``.
``statement_workbook`` holds one frozen workbook per language: its key becomes
``(statement_id, language)``. The statements issued before are English only: their
workbooks keep their bytes and their SHA-256, now under ``language = 'en'``.

Revision ID: 5e40d644ec52
Revises: e5f1a8c3d742
Create Date: 2026-12-01 19:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e40d644ec52'
down_revision = 'e5f1a8c3d742'
branch_labels = None
depends_on = None

SETS = "'en', 'fr', 'en,fr', 'fr,en'"


def _workbook_table(name, content_type, with_language):
    language = ("language VARCHAR(2) DEFAULT 'en' NOT NULL, " if with_language else "")
    key = "statement_id, language" if with_language else "statement_id"
    check = (", CONSTRAINT ck_statement_workbook_language CHECK (language IN ('en', 'fr'))"
             if with_language else "")
    return (
        f"CREATE TABLE {name} (statement_id INTEGER NOT NULL, {language}"
        "filename VARCHAR(200) NOT NULL, "
        f"content {content_type} NOT NULL, sha256 VARCHAR(64) NOT NULL, "
        f"CONSTRAINT pk_statement_workbook PRIMARY KEY ({key}), "
        "CONSTRAINT fk_statement_workbook_statement_id_statement FOREIGN KEY (statement_id) "
        f"REFERENCES statement (id) ON DELETE CASCADE{check})"
    )


def upgrade():
    # ADD COLUMN, no table copy: SQLite keeps the statement table's AUTOINCREMENT.
    op.execute(
        "ALTER TABLE statement ADD COLUMN languages VARCHAR(5) DEFAULT 'en' NOT NULL "
        f"CONSTRAINT ck_statement_languages CHECK (languages IN ({SETS}))"
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "ALTER TABLE statement_workbook ADD COLUMN language VARCHAR(2) DEFAULT 'en' "
            "NOT NULL CONSTRAINT ck_statement_workbook_language "
            "CHECK (language IN ('en', 'fr'))"
        )
        op.execute("ALTER TABLE statement_workbook DROP CONSTRAINT pk_statement_workbook")
        op.execute("ALTER TABLE statement_workbook ADD CONSTRAINT pk_statement_workbook "
                   "PRIMARY KEY (statement_id, language)")
        return
    # SQLite cannot change a primary key: the table is copied (no AUTOINCREMENT to keep).
    op.execute(_workbook_table("statement_workbook_new", "BLOB", True))
    op.execute("INSERT INTO statement_workbook_new (statement_id, language, filename, "
               "content, sha256) SELECT statement_id, 'en', filename, content, sha256 "
               "FROM statement_workbook")
    op.execute("DROP TABLE statement_workbook")
    op.execute("ALTER TABLE statement_workbook_new RENAME TO statement_workbook")


def downgrade():
    # Only the first language's workbook stays (the one statement.sha256 is of).
    op.execute("DELETE FROM statement_workbook WHERE language <> (SELECT substr(s.languages, "
               "1, 2) FROM statement s WHERE s.id = statement_workbook.statement_id)")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE statement_workbook DROP CONSTRAINT pk_statement_workbook")
        op.execute("ALTER TABLE statement_workbook DROP COLUMN language")
        op.execute("ALTER TABLE statement_workbook ADD CONSTRAINT pk_statement_workbook "
                   "PRIMARY KEY (statement_id)")
        op.execute("ALTER TABLE statement DROP COLUMN languages")
        return
    op.execute(_workbook_table("statement_workbook_old", "BLOB", False))
    op.execute("INSERT INTO statement_workbook_old (statement_id, filename, content, sha256) "
               "SELECT statement_id, filename, content, sha256 FROM statement_workbook")
    op.execute("DROP TABLE statement_workbook")
    op.execute("ALTER TABLE statement_workbook_old RENAME TO statement_workbook")
    # SQLite 3.35+ drops a column whose CHECK is its own, without copying the table.
    op.execute("ALTER TABLE statement DROP COLUMN languages")
