"""Commands: ``jointprojects statement issue REF --to D`` and ``jointprojects statement show
REF N`` (issue 12). Thin wrappers over :mod:`jointprojects.statements.services`, acting as
the operator; a failure is one line on stderr and a non-zero exit status."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import with_appcontext

from jointprojects.errors import DomainError
from jointprojects.extensions import db
from jointprojects.money import format_money
from jointprojects.special_arrangements.services import get_arrangement
from jointprojects.statements import payments, services
from jointprojects.statements.models import Statement


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--{name} must be a date written YYYY-MM-DD, not {text!r}.")
    return None


@click.group("statement")
def statement() -> None:
    """Statements of a period (issue, show)."""


def _show(st: Statement) -> None:
    c = st.currency
    click.echo(f"Statement {st.number} of {st.arrangement.reference}: {st.date_from} to "
               f"{st.date_to}, {st.status}, due {st.due_date}, {c}")
    click.echo("party      opening        share         paid      balance         made"
               "     received      closing")
    for p in st.parties:
        figures = (p.opening_balance, p.share, p.paid, p.balance, p.payments_made,
                   p.payments_received, p.closing_balance)
        click.echo(f"{p.organization.code:<8}" + "".join(
            f"{format_money(v, c):>13}" for v in figures))
    for s in payments.transfer_states(st):
        t = s.transfer
        click.echo(f"transfer {t.from_organization.code} -> {t.to_organization.code} "
                   f"{format_money(t.amount, c)}: paid {format_money(s.paid, c)}, outstanding "
                   f"{format_money(s.outstanding, c)} ({s.status}"
                   f"{', overdue' if s.overdue else ''})")
    for workbook in st.workbooks:
        click.echo(f"sha256 {workbook.sha256} ({workbook.language})"
                   if len(st.workbooks) > 1 else f"sha256 {workbook.sha256}")


@statement.command("issue")
@click.argument("reference")
@click.option("--to", "to", required=True, help="The last day of the period, YYYY-MM-DD")
@click.option("--due", "due", default="", help="The due date (default: in the arrangement's "
                                               "payment term)")
@click.option("--languages", "languages", default="en,fr",
              help="The workbooks' languages, the first one first: en, fr or en,fr "
                   "(default en,fr)")
@with_appcontext
def issue(reference: str, to: str, due: str, languages: str) -> None:
    """Issue the next statement of arrangement REFERENCE up to --to."""
    try:
        sa = get_arrangement(reference)
        st = services.issue_statement(sa, _day(to, "to"), _day(due, "due"), None,
                                      languages=languages)
        db.session.commit()
    except DomainError as exc:
        _fail("; ".join(e.message for e in exc.errors))
        return
    _show(st)


@statement.command("show")
@click.argument("reference")
@click.argument("number", type=int)
@with_appcontext
def show(reference: str, number: int) -> None:
    """Show statement NUMBER of arrangement REFERENCE."""
    try:
        sa = get_arrangement(reference)
        st = services.get_statement(sa, number)
    except DomainError as exc:
        _fail(str(exc))
        return
    _show(st)
    db.session.rollback()  # read only


COMMANDS = (statement,)
