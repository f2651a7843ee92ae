"""``satchel push`` and ``satchel pull``: the data folder's public tree to and from the
bucket of STORE (``satchel.bucket``); ``satchel reader-policy``, the bucket policy that
opens that tree to readers; and what ``satchel build`` and ``satchel verify`` add when
STORE is set."""

from __future__ import annotations

import json
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from ..bucket import Bucket, Transfer, pull, push, verify_bucket
from ..errors import SatchelError
from ..store import Store


def configured_bucket(required: bool = False) -> Bucket | None:
    """The bucket of STORE; None when STORE is empty (unless ``required``)."""
    url = current_app.config["STORE"]
    if not url:
        if required:
            raise click.ClickException(
                "STORE is empty: set SATCHEL_STORE to s3://bucket/prefix (and "
                "SATCHEL_S3_ENDPOINT for a server other than AWS)"
            )
        return None
    try:
        return Bucket.from_url(url, current_app.config["S3_ENDPOINT"])
    except SatchelError as exc:
        raise click.ClickException(str(exc)) from exc


def report_upload(done: Transfer | None, bucket: Bucket | None) -> None:
    if done is not None:
        click.echo(
            f"Uploaded {len(done.copied):,} files to {bucket} (pointers last), deleted "
            f"{len(done.deleted):,} it kept past the grace period."
        )


@click.command("push")
@with_appcontext
def push_command():
    """Upload DATA_DIR's public files to the bucket of STORE, as a build does at its end.

    Only files the bucket lacks or holds other bytes of are sent, every immutable one
    first and the current.json pointers last; files the folder no longer has are then
    deleted. Run it after 'satchel compress-packs', or when a build's upload failed."""
    bucket = configured_bucket(required=True)
    try:
        done = push(Store(current_app.config["DATA_DIR"]), bucket)
    except SatchelError as exc:
        raise click.ClickException(str(exc)) from exc
    report_upload(done, bucket)


@click.command("reader-policy")
@with_appcontext
def reader_policy_command():
    """Print the bucket policy that lets CDNs, mirrors and phones read STORE's public files
    without credentials (the search indexes stay private), for the bucket's owner to apply:
    'aws s3api put-bucket-policy --bucket NAME --policy file://policy.json', or your
    provider's equivalent. A TUF client trusts the content by its signatures, not the host."""
    click.echo(json.dumps(configured_bucket(required=True).reader_policy(), indent=2))


@click.command("pull")
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="Pull again every SECONDS, until stopped; a failed pull is reported and retried.",
)
@with_appcontext
def pull_command(every):
    """Make DATA_DIR a copy of the bucket of STORE, for a search worker group on a
    machine of its own.

    Copies the public tree and the search indexes; the pointers last, so the server
    reading DATA_DIR switches to a new version in one step, without a restart."""
    bucket = configured_bucket(required=True)
    store = Store(current_app.config["DATA_DIR"])
    while True:
        try:
            report_pull(pull(bucket, store), bucket, store)
        except SatchelError as exc:
            if not every:
                raise click.ClickException(str(exc)) from exc
            click.echo(f"Error: {exc}", err=True)
        if not every:
            return
        time.sleep(every)


def report_pull(done: Transfer, bucket: Bucket, store: Store) -> None:
    for refused in done.refused:
        click.echo(f"Kept back: {refused}", err=True)
    if done.changed:
        click.echo(
            f"Pulled {len(done.copied):,} files from {bucket} into {store.root}, deleted "
            f"{len(done.deleted):,}.",
        )
    sys.stdout.flush()


def verify_configured_bucket() -> int:
    """Check the bucket of STORE, if any, as verify checks the folder; the problem count."""
    bucket = configured_bucket()
    if bucket is None:
        return 0
    try:
        check = verify_bucket(bucket)
    except SatchelError as exc:
        raise click.ClickException(str(exc)) from exc
    for key, problem in check.problems:
        click.echo(f"{key}: {problem}")
    if check.problems:
        click.echo(
            f"{len(check.problems)} problem(s) in {bucket}: 'satchel push' uploads again "
            "every file the bucket holds other bytes of than DATA_DIR (run 'satchel build' "
            "first if DATA_DIR has problems too).",
        )
    else:
        click.echo(f"All {check.objects:,} objects and every manifest in {bucket} are intact.")
    return len(check.problems)
