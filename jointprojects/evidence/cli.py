"""``jointprojects verify FILE.zip | --database`` and ``jointprojects evidence REF --out FILE``
(API.md "Command line"). ``verify FILE.zip`` needs no application, database nor
configuration: it is :func:`reports.evidence.verify_bundle` alone."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import ScriptInfo, with_appcontext

from jointprojects.errors import DomainError
from jointprojects.evidence import services, tasks
from jointprojects.evidence.bundle import build_bundle
from jointprojects.extensions import db
from jointprojects.special_arrangements.services import get_arrangement
from reports.evidence import verify_bundle


def _result(ok: bool, message: str) -> None:
    if ok:
        click.echo(message)
        return
    click.echo(f"Error: not verified: {message}", err=True)
    sys.exit(1)


@click.command("verify")
@click.argument("bundle", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--database", is_flag=True,
              help="Check the live database (configured as for serve) instead of a bundle")
@click.option("--key", "key", type=click.Path(dir_okay=False, path_type=Path),
              help="The instance's public key (PEM) as you keep it: the bundle must be "
                   "signed with it")
@click.option("--checkpoint", "kept", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="A checkpoint file (JSON) your organization kept; repeatable: the chain "
                   "must pass through it, so nothing before it was rewritten")
@click.pass_context
def verify(ctx: click.Context, bundle: Path | None, database: bool, key: Path | None,
           kept: tuple[Path, ...]) -> None:
    """Check an evidence bundle offline, or with --database the live database: every hash
    and link of the audit chain, every signature, and the records against the replay of the
    log."""
    if database == (bundle is not None):
        click.echo("Error: give either a bundle FILE.zip or --database.", err=True)
        sys.exit(2)
    try:
        checkpoints = [path.read_bytes() for path in kept]
        data = bundle.read_bytes() if bundle is not None else b""
        trusted = key.read_bytes() if key is not None else None
    except OSError as exc:
        click.echo(f"Error: cannot read {exc.filename}: {exc.strerror}", err=True)
        sys.exit(1)
    if bundle is not None:
        _result(*verify_bundle(data, trusted, checkpoints))
        return
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        last = tasks.newest_row()
        ok, message = services.verify_database(checkpoints)
        db.session.rollback()  # the check only reads; its outcome is kept on its own
        # The pages show the latest run, whether an admin pressed "Verify now" or an
        # operator ran this command.
        tasks.record_verification(ok, message, last)
        db.session.commit()
        _result(ok, message)


@click.command("evidence")
@click.argument("reference")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .zip file to write")
@with_appcontext
def evidence(reference: str, out: Path) -> None:
    """Write the evidence bundle of an arrangement (checked by ``jointprojects verify``)."""
    try:
        data = build_bundle(get_arrangement(reference))
    except DomainError as exc:
        click.echo(f"Error: {exc.errors[0].message}", err=True)
        sys.exit(1)
    try:
        out.write_bytes(data)
    except OSError as exc:
        click.echo(f"Error: cannot write {out}: {exc.strerror}", err=True)
        sys.exit(1)
    click.echo(f"Wrote {out} ({len(data)} bytes).")


COMMANDS = (evidence,)
