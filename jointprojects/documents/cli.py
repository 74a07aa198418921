"""``jointprojects documents check``: re-hash every stored document blob (issue 13).

Exit 0 with a line ``checked: N blobs, all match``; otherwise one line per blob whose bytes no
longer hash to their SHA-256 (changed in the database or on disk), and exit status 1.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from jointprojects.documents import storage
from jointprojects.extensions import db


@click.group("documents")
def documents() -> None:
    """Supporting documents."""


@documents.command("check")
@with_appcontext
def check() -> None:
    """Re-hash every stored blob; report any mismatch (exit 1)."""
    checked, problems = storage.verify()
    db.session.rollback()
    for problem in problems:
        click.echo(f"MISMATCH {problem.sha256}: {problem.problem}", err=True)
    if problems:
        click.echo(f"Error: {len(problems)} of {checked} blobs do not match their SHA-256.",
                   err=True)
        sys.exit(1)
    click.echo(f"checked: {checked} blobs, all match")


COMMANDS = (documents,)
