"""``jointprojects notify``: announce what is newly awaited (or, with ``--digest``, make the
daily digest) and send the mail now, from this process. The periodic jobs of the queue do the
same on their own; running both, or two of these at once, never sends a mail twice."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from jointprojects.notifications import dispatch, services


@click.command("notify")
@click.option("--digest", is_flag=True, help="Make today's digest for every user")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to compute for (default: today), YYYY-MM-DD")
@with_appcontext
def notify(digest: bool, day: object) -> None:
    """Mail what is newly awaited (or the daily digest) and send the queued mail."""
    today = day.date() if hasattr(day, "date") else date.today()  # click gives a datetime
    made = dispatch.digest(today) if digest else dispatch.announce(today)
    counts = dispatch.deliver_all(sorted(set(made) | set(dispatch.send_due())))
    what = "digest(s)" if digest else "message(s) for newly awaited items"
    click.echo(f"{len(made)} {what} made; sent {counts.get('sent', 0)}, to retry "
               f"{counts.get('retry', 0)}, failed {counts.get('failed', 0)}, "
               f"skipped {counts.get('skipped', 0)} (taken by another worker). "
               f"Mail goes to {services.describe()}.")


COMMANDS = (notify,)
