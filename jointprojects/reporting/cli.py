"""Commands: ``jointprojects report cost-split`` and ``jointprojects import-expenses`` (API.md),
and ``jointprojects import-rates``. Thin wrappers over :mod:`~jointprojects.reporting.cost_report`
and :mod:`~jointprojects.reporting.imports`;
a failure is one line on stderr (every bad row of an import, one per line) and a non-zero
exit status."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from jointprojects.errors import DomainError
from jointprojects.extensions import db
from jointprojects.i18n import language_scope, translate
from jointprojects.locales import LANGUAGES
from jointprojects.money import format_money
from jointprojects.reporting import cost_report, uploads
from jointprojects.reporting import imports as importer
from jointprojects.special_arrangements.services import get_arrangement


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _messages(exc: DomainError) -> str:
    return "; ".join(f"{e.field}: {translate(e.message)}" if e.field else translate(e.message)
                     for e in exc.errors)


def _arrangement(reference: str):  # type: ignore[no-untyped-def]
    try:
        return get_arrangement(reference)
    except DomainError as exc:
        _fail("; ".join(translate(e.message) for e in exc.errors))


@click.group("report")
def report() -> None:
    """Write reports (Excel workbooks)."""


class ProgressBar:
    """A progress callback (reports.progress) drawing one tqdm bar per phase on stderr."""

    def __init__(self) -> None:
        self.bar: tqdm[None] | None = None
        self.phase: str | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.close()
            self.phase = phase
            counted = {"unit": " rows", "unit_scale": True} if total else {
                "bar_format": "{desc} ({elapsed})"}
            self.bar = tqdm(total=total or None, desc=phase, file=sys.stderr, leave=True,
                            dynamic_ncols=True, **counted)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@report.command("cost-split")
@click.argument("reference")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .xlsx file to write")
@click.option("--from", "date_from", default="", help="First day, YYYY-MM-DD (default: the start)")
@click.option("--to", "date_to", default="", help="Last day, YYYY-MM-DD (default: to date)")
@click.option("--progress/--no-progress", "show_progress", default=None,
              help="A progress bar on stderr (default: when stderr is a terminal)")
@click.option("--lang", "language", type=click.Choice(LANGUAGES), default=None,
              help="The workbook's and the messages' language (default: the locale, LANG)")
@with_appcontext
def cost_split(reference: str, out: Path, date_from: str, date_to: str,
               show_progress: bool | None, language: str | None) -> None:
    """Write the Excel cost report of arrangement REFERENCE to --out."""
    with language_scope(language):
        _cost_split(reference, out, date_from, date_to, show_progress)


def _cost_split(reference: str, out: Path, date_from: str, date_to: str,
                show_progress: bool | None) -> None:
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    bar = ProgressBar() if show_progress else None
    sa = _arrangement(reference)
    try:
        start, end = cost_report.parse_period(date_from, date_to)
    except DomainError as exc:
        _fail(_messages(exc))
    folder = out.resolve().parent
    if not folder.is_dir():
        _fail(f"The folder {folder} does not exist.")
    # Written next to the target, then renamed: no half-written report under its name.
    handle, temporary = tempfile.mkstemp(prefix=".cost-split-", suffix=".xlsx", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            cost_report.write_cost_report(sa, start, end, stream,
                                          generated_by="command line (jointprojects report)",
                                          progress=bar)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    db.session.rollback()  # read only
    click.echo(f"Wrote {out} ({cost_report.report_filename(sa, start, end)}).")


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > uploads.MAX_UPLOAD_BYTES:
            _fail(f"{path} is {size / 1e6:.1f} MB; the limit is "
                  f"{uploads.MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
        return path.read_bytes()
    except OSError as exc:
        _fail(f"Cannot read {path}: {exc.strerror or exc}.")
    return b""  # not reached


def _refuse(exc: importer.ImportFailed, path: Path) -> None:
    db.session.rollback()
    for problem in exc.problems:
        click.echo(f"{path.name}: {problem}", err=True)
    bad = len({p.row for p in exc.problems if p.row})
    if isinstance(exc, importer.DuplicatesRefused):
        _fail(f"nothing imported from {path.name}: {bad} row{'s' if bad != 1 else ''} "
              f"repeat{'s' if bad == 1 else ''} expenses already recorded or other rows of "
              "the file; run again with --allow-duplicates to store them anyway.")
    _fail(f"nothing imported from {path.name}: " + (
        f"{bad} bad row{'s' if bad != 1 else ''}." if bad else "see above."))


@click.command("import-expenses")
@click.argument("reference")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--allow-duplicates", is_flag=True, default=False,
              help="Store rows that repeat an expense already recorded (same date, amount, "
                   "currency, payer and document reference) or another row of the file")
@click.option("--progress/--no-progress", "show_progress", default=None,
              help="A progress bar on stderr (default: when stderr is a terminal)")
@with_appcontext
def import_expenses(reference: str, file: Path, allow_duplicates: bool,
                    show_progress: bool | None) -> None:
    """Import the expenses of FILE (.xlsx or .csv) into arrangement REFERENCE: all rows or
    none; every bad row is listed. Rows repeating an expense already recorded, or another
    row, are refused unless --allow-duplicates."""
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    bar = ProgressBar() if show_progress else None
    sa = _arrangement(reference)
    data = _read(file)
    try:
        result = importer.import_expenses(sa, file.name, data, None,
                                          allow_duplicates=allow_duplicates, progress=bar)
        db.session.commit()
    except importer.ImportFailed as exc:
        if bar is not None:
            bar.close()
        _refuse(exc, file)
        return
    finally:
        if bar is not None:
            bar.close()
    parts = "; ".join(f"{code} {format_money(result.shares[code], result.currency)}"
                      for code in result.parties)
    click.echo(f"Imported {result.count} expense{'s' if result.count != 1 else ''} into "
               f"{result.reference}: {format_money(result.total, result.currency)} "
               f"{result.currency} ({parts}).")
    if result.duplicates:
        n = len(result.duplicates)
        click.echo(f"{n} of them repeat{'s' if n == 1 else ''} an expense already recorded or "
                   "another row (stored as asked, --allow-duplicates).")


@click.command("import-rates")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def import_rates(file: Path) -> None:
    """Import monthly exchange rates (units per 1 USD) from FILE: all rows or none."""
    data = _read(file)
    try:
        result = importer.import_rates(file.name, data, None)
        db.session.commit()
    except importer.ImportFailed as exc:
        _refuse(exc, file)
        return
    click.echo(f"Imported {result.count} exchange rate{'s' if result.count != 1 else ''} "
               f"({result.created} new, {result.replaced} corrected).")


COMMANDS = (report, import_expenses, import_rates)
