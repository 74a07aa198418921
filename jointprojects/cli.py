"""The ``jointprojects`` command line (../shared/API.md). Thin wrappers over services."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from waitress import serve as waitress_serve

from jointprojects import create_app
from jointprojects.auth import services as auth_services
from jointprojects.auth import sessions as auth_sessions
from jointprojects.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from jointprojects.documents.cli import COMMANDS as document_commands
from jointprojects.errors import DomainError
from jointprojects.evidence.checkpoint_cli import checkpoint
from jointprojects.evidence.cli import COMMANDS as evidence_commands
from jointprojects.evidence.cli import verify
from jointprojects.expenses.cli import COMMANDS as expense_commands
from jointprojects.extensions import db
from jointprojects.jobs import queue
from jointprojects.jobs.cli import COMMANDS as jobs_commands
from jointprojects.notifications import services as notifications
from jointprojects.notifications.cli import COMMANDS as notification_commands
from jointprojects.organizations.services import load_reference_data
from jointprojects.reporting.cli import COMMANDS as reporting_commands
from jointprojects.server import run_gunicorn
from jointprojects.statements.cli import COMMANDS as statement_commands


def _create_app() -> Flask:
    return create_app()


def fail(message: str) -> None:
    """One line on stderr, non-zero exit status."""
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def run_service(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a service in one transaction; a DomainError becomes a one-line error."""
    try:
        result = fn(*args, **kwargs)
        db.session.commit()
        return result
    except DomainError as exc:
        fail("; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in exc.errors))


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the schema and load the reference data (safe to run twice)."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    changed = run_service(load_reference_data)
    click.echo(
        "Database is at the latest schema; reference data "
        + ("loaded." if changed else "already present.")
    )


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "programme_manager", "finance", "leadership"]),
)
@click.option("--organization", required=True, help="Organization code, e.g. UN")
@click.option("--name", default="", help="Display name")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters; prompted when absent",
)
@with_appcontext
def create_user(email: str, role: str, organization: str, name: str, password: str) -> None:
    """Create a user of an organization with one role."""
    user = run_service(auth_services.create_user_audited, email, password, role, organization,
                       name)
    click.echo(f"Created {user.email} ({user.role}, {organization}).")


@click.command("create-token")
@click.argument("email")
@with_appcontext
def create_token(email: str) -> None:
    """Print a new API token for EMAIL (its last line of output)."""
    token = run_service(auth_services.create_token, email)
    click.echo("New API token (shown once; send it as 'Authorization: Bearer <token>'):")
    click.echo(token)


@click.group("sessions")
def sessions() -> None:
    """Web sessions."""


@sessions.command("prune")
@with_appcontext
def prune_sessions() -> None:
    """Delete the sessions that no longer hold (ended, idle or past their lifetime); safe to
    run periodically (e.g. from cron) and from several hosts at once."""
    expired, deleted = run_service(auth_sessions.prune)
    click.echo(f"Pruned {deleted} session(s), {expired} of them expired without a logout.")


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load a realistic demo portfolio and demo users (idempotent)."""
    created = run_service(load_demo)
    click.echo("Demo portfolio " + ("loaded." if created else "already present."))
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role, org in DEMO_USERS:
        click.echo(f"  {role:<18} {org:<9} {email}")


def default_workers() -> int:
    """Web processes by default: the number of cores in production, one otherwise."""
    if os.environ.get("JOINTPROJECTS_CONFIG") == "production":
        return os.cpu_count() or 1
    return 1


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int,
              help="Threads per web process")
@click.option("--workers", default=None, type=click.IntRange(1, 256),
              help="Web processes (gunicorn on POSIX; default: the number of cores in "
                   "production, else 1)")
@click.option("--jobs/--no-jobs", "consume", default=None,
              help="Run jobs inside the server (default: yes with the embedded queue, no "
                   "with Redis, where `jointprojects worker` runs them)")
def serve(host: str, port: int, threads: int, workers: int | None,
          consume: bool | None) -> None:
    """Serve the application: waitress for one process, gunicorn for several (POSIX)."""
    app = _create_app()
    workers = workers or default_workers()
    if consume is None:
        consume = not app.config.get("JOBS_REDIS_URL")
    where = queue.describe(app)
    click.echo(f"Serving jointprojects on http://{host}:{port}")
    click.echo(f"Jobs: {where}, " + ("run by this server" if consume else
                                     "run by `jointprojects worker` processes"))
    with app.app_context():
        click.echo(f"Mail: {notifications.describe()}")
    base = str(app.config.get("BASE_URL") or "").rstrip("/")
    if base != f"http://{host}:{port}":
        # The links in mail are absolute: they must name the address people open.
        click.echo(f"Mail links start with {base} (JOINTPROJECTS_BASE_URL): set it to the "
                   "address people open this server at.")
    if workers > 1 and os.name == "posix":
        click.echo(f"{workers} web processes (gunicorn), {threads} threads each")
        run_gunicorn(host=host, port=port, workers=workers, threads=threads, consume=consume)
        return
    if workers > 1:
        click.echo("Several processes need gunicorn (POSIX): serving one with waitress.")
    if consume:
        queue.start_embedded_consumer(app)
    waitress_serve(app, host=host, port=port, threads=threads, ident="jointprojects")


def register_commands(app: Flask) -> None:
    for command in (init_db, create_user, create_token, sessions, demo, *reporting_commands,
                    *statement_commands, *document_commands, *jobs_commands,
                    *evidence_commands, *expense_commands, *notification_commands):
        app.cli.add_command(command)


cli = FlaskGroup(
    create_app=_create_app,
    add_default_commands=False,
    help="jointprojects: joint projects and cost sharing under special arrangements.",
)
cli.add_command(serve)
cli.add_command(verify)  # on the group itself: a bundle is checked without any application
cli.add_command(checkpoint)  # likewise: `checkpoint sign FILE.json` needs no application


def main() -> None:
    """The console script: whatever goes wrong ends in one line on stderr, never a traceback
    (set JOINTPROJECTS_TRACEBACK=1 to see it while debugging)."""
    try:
        cli.main(prog_name="jointprojects")
    except Exception as exc:
        if os.environ.get("JOINTPROJECTS_TRACEBACK") == "1":
            raise
        message = (str(exc).strip().splitlines() or [""])[0][:300]
        click.echo(f"Error: {type(exc).__name__}: {message}", err=True)
        sys.exit(1)
