"""``satchel gaps`` and ``satchel db upgrade``: what readers could not find or found
unclear, for editors and translators; and the reports database's migrations."""

from __future__ import annotations

import csv
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ..cli import echo_table
from ..reports import database, gaps, records

db_cli = AppGroup("db", help="The database of what readers send.")


def configured_url() -> str:
    return database.database_url(current_app.config)


@db_cli.command("upgrade")
def upgrade_command():
    """Create the reports database's tables, or move them to the newest migration.

    Run before starting the server's workers when DATABASE_URL is PostgreSQL; a SQLite
    database is also migrated on first use."""
    url = configured_url()
    try:
        database.upgrade(url)
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"could not migrate {database.engine_for(url).url!r}: {exc.__class__.__name__}: "
            f"{exc.orig if hasattr(exc, 'orig') else exc}. Check DATABASE_URL."
        ) from exc
    click.echo(f"The reports database at {database.engine_for(url).url!r} is up to date.")


@click.command("gaps")
@with_appcontext
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV to standard output instead.")
@click.option(
    "--min-reports",
    type=click.IntRange(min=1),
    metavar="K",
    help="Show a search only at K separate reports or more. Default: REPORT_MIN_COUNT.",
)
def gaps_command(as_csv, min_reports):
    """Per locale: searches that found nothing (only those at least K separate reports
    asked), the summaries most often marked unclear or wrong with their notes, and the
    languages readers asked for. Deletes reports older than REPORT_RETENTION_DAYS first."""
    config = current_app.config
    url = configured_url()
    try:
        engine = database.engine_for(url)
        if url.startswith("sqlite"):
            database.upgrade(url)
        elif not database.is_current(url):
            raise click.ClickException(
                "the reports database is not migrated: run 'satchel db upgrade'"
            )
        deleted = records.delete_older_than(engine, config["REPORT_RETENTION_DAYS"])
        found = gaps.gaps(engine, min_reports or config["REPORT_MIN_COUNT"])
    except SQLAlchemyError as exc:
        raise click.ClickException(f"could not read the reports database: {exc}") from exc
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(gaps.HEADER)
        writer.writerows(gap.row() for gap in found)
        return
    if deleted:
        click.echo(
            f"Deleted {deleted:,} reports older than {config['REPORT_RETENTION_DAYS']} days."
        )
    if not found:
        click.echo(
            "Nothing to show yet: no search was reported often enough, and no article was "
            "marked unclear or wrong."
        )
        return
    echo_table([gaps.HEADER, *(gap.row() for gap in found)])
