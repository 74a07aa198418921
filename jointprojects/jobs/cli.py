"""``jointprojects worker``: a queue consumer (issue 15). Start as many as you like, on as
many machines as share the database and the Redis of ``JOINTPROJECTS_REDIS_URL``."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from jointprojects.jobs import queue


@click.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Jobs run at once by this worker")
@with_appcontext
def worker(threads: int) -> None:
    """Run jobs from the queue until stopped (Ctrl-C: after the running jobs end;
    SIGTERM: at once, the running jobs marked failed)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"jointprojects worker ({threads} thread{'s' if threads != 1 else ''}): "
               f"jobs from the {queue.describe(app)}")
    queue.run_consumer(app, workers=threads)


COMMANDS = (worker,)
