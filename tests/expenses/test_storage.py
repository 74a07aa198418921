"""How the expenses are stored on PostgreSQL (migration c4e8a2f61d93): half of each page of
``expense`` and ``expense_part`` is left for the rows' next versions, so that a
re-allocation's updates stay on their page and write no index entry."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.skipif(not USE_POSTGRES, reason="a PostgreSQL storage parameter")


def test_the_expense_tables_leave_half_of_each_page_free(db) -> None:
    options = dict(db.session.execute(text(
        "SELECT relname, reloptions FROM pg_class WHERE relname IN ('expense', "
        "'expense_part') AND relkind = 'r'")).all())
    assert options == {"expense": ["fillfactor=50"], "expense_part": ["fillfactor=50"]}


def test_rewriting_the_parts_touches_no_index(db, make_arrangement) -> None:
    """2,000 parts fill a dozen pages; rewritten in one statement, as a re-allocation does,
    every new version stays on its page (``pg_stat_xact_all_tables``, read before and
    after in one transaction). Without the free room most of them would move and add an
    index entry."""
    sa = make_arrangement()
    db.session.commit()
    un = db.session.scalar(text("SELECT id FROM organization WHERE code = 'UN'"))
    db.session.execute(text(
        "INSERT INTO expense (arrangement_id, date, category, description, amount, currency, "
        "exchange_rate, rate_source, reporting_amount, paid_by_id, document_reference, "
        "unallocated, share_version_number, created_at, updated_at, version, reason) "
        "SELECT :sa, DATE '2024-01-01', 'travel', '', 10000, 'USD', 10000000000, 'same', "
        "10000, :un, '', 0, 1, now(), now(), 1, '' FROM generate_series(1, 2000)"),
        {"sa": sa.id, "un": un})
    db.session.execute(text(
        "INSERT INTO expense_part (expense_id, organization_id, amount) "
        "SELECT id, :un, 10000 FROM expense WHERE arrangement_id = :sa"),
        {"sa": sa.id, "un": un})
    db.session.commit()

    def counts() -> dict[str, tuple[int, int]]:
        return {name: (updated, heap_only) for name, updated, heap_only in db.session.execute(
            text("SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_all_tables "
                 "WHERE relname IN ('expense', 'expense_part')"))}

    before = counts()  # the backend's counts not yet flushed may include earlier ones
    db.session.execute(text(
        "UPDATE expense_part SET amount = amount + 1 WHERE expense_id IN "
        "(SELECT id FROM expense WHERE arrangement_id = :sa)"), {"sa": sa.id})
    db.session.execute(text(
        "UPDATE expense SET share_version_number = 2, updated_at = now() "
        "WHERE arrangement_id = :sa"), {"sa": sa.id})
    after = counts()
    db.session.rollback()
    moved = {name: (after[name][0] - before[name][0], after[name][1] - before[name][1])
             for name in after}
    assert moved == {"expense": (2000, 2000), "expense_part": (2000, 2000)}


def test_the_audit_rows_after_is_compressed_with_lz4_where_the_server_has_it(db) -> None:
    """A re-allocation's batch rows are megabytes of JSON each: LZ4 stores them about four
    times faster than PostgreSQL's default."""
    has_lz4 = db.session.scalar(text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
        "WHERE name = 'default_toast_compression'"))
    compression = db.session.scalar(text(
        "SELECT attcompression FROM pg_attribute WHERE attrelid = 'audit_entry'::regclass "
        "AND attname = 'after'"))
    assert compression == ("l" if has_lz4 else "")
