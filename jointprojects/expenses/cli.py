"""``jointprojects reallocate REF``: re-allocate an arrangement's expenses from the share
versions in force (issue 15), with a progress bar on a terminal. A thin wrapper over
:func:`jointprojects.expenses.reallocation.reallocate_arrangement`; it acts as the operator,
commits once at its end and fails in one line on stderr."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import with_appcontext

from jointprojects.errors import Conflict, DomainError
from jointprojects.expenses import reallocation
from jointprojects.expenses.pending import reallocation_in_progress
from jointprojects.expenses.tasks import open_from
from jointprojects.extensions import db
from jointprojects.reporting.cli import ProgressBar
from jointprojects.special_arrangements.services import get_arrangement


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("reallocate")
@click.argument("reference")
@click.option("--from", "date_from", default="",
              help="Re-allocate the expenses from this day, YYYY-MM-DD (default: all)")
@click.option("--progress/--no-progress", "show_progress", default=None,
              help="A progress bar on stderr (default: when stderr is a terminal)")
@with_appcontext
def reallocate(reference: str, date_from: str, show_progress: bool | None) -> None:
    """Re-allocate the expenses of arrangement REFERENCE from the versions in force (never
    those of a closed period); settles a re-allocation left pending by a failed or cancelled
    job."""
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    try:
        start = date.fromisoformat(date_from) if date_from else None
    except ValueError:
        _fail(f"--from: {date_from!r} is not a date (YYYY-MM-DD).")
        return
    bar = ProgressBar() if show_progress else None
    try:
        sa = get_arrangement(reference)
        running = reallocation_in_progress(sa)
        if running is not None:  # a pending one (its job failed) is what this settles
            raise Conflict(f"Re-allocation in progress (job {running}): the expenses of "
                           f"{reference} can be re-allocated once it has ended.")
        changed = reallocation.reallocate_arrangement(sa, open_from(sa, start), progress=bar)
        db.session.commit()
    except DomainError as exc:
        _fail(str(exc))
        return
    finally:
        if bar is not None:
            bar.close()
    click.echo(f"Re-allocated {reference}: {changed:,} expense"
               f"{'' if changed == 1 else 's'} changed.")


COMMANDS = (reallocate,)
