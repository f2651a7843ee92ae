"""The TUF key ceremony and the timestamp refresh from the command line: ``satchel keys
ceremony``, ``rotate-role``, ``revoke``, ``roles`` and ``satchel refresh`` (the roles and
the metadata they sign are in ``satchel.stages.repository``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..bucket import push
from ..cli import echo_table
from ..errors import SatchelError
from ..stages.publish import build_lock
from ..stages.repository import (
    ONLINE_ROLES,
    ROLES,
    ROOT,
    KeyFolders,
    ceremony,
    current_metadata,
    revoke_role_key,
    rotate_role_key,
    update_metadata,
)
from ..store import Store
from .bucket import configured_bucket, report_upload

ROLE = click.Choice(ROLES)
OFFLINE = click.option(
    "--offline",
    "offline",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder holding root keys (the offline USB stick); may be given more than once.",
)


def data_store() -> Store:
    return Store(current_app.config["DATA_DIR"])


def run_locked(store: Store, action):
    """``action()`` under the build lock, a SatchelError as the command's error."""
    try:
        with build_lock(store):
            return action()
    except SatchelError as exc:
        raise click.ClickException(str(exc)) from exc


def created_repository_message(folder: Path) -> str:
    return (
        f"Created the TUF repository keys in {folder}: the root key in {folder / 'root'}, "
        f"the targets, snapshot and timestamp keys in {folder / 'tuf'}. Fine for trying "
        "Satchel; a real publisher moves root trust to offline keys with 'satchel keys "
        "ceremony --offline DIR' and runs 'satchel refresh' on a timer."
    )


@click.command("ceremony")
@with_appcontext
@click.option(
    "--offline",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder for the new root keys: a USB stick kept offline afterwards.",
)
@click.option("--root-keys", "count", default=3, show_default=True, help="Root keys to make.")
@click.option("--threshold", default=2, show_default=True, help="Root keys needed to sign.")
@click.option(
    "--old-root",
    "old_root",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder holding the current root keys, when they are not in the data folder.",
)
def ceremony_command(offline, count, threshold, old_root):
    """Move root trust to new offline keys and give every online role a fresh key.

    The new root is signed by the current root keys and the new ones, so devices follow
    it; the data folder's own root key is deleted afterwards."""
    store = data_store()
    root = run_locked(
        store, lambda: ceremony(store, offline, count, threshold, old_root=tuple(old_root))
    )
    click.echo(
        f"Published root version {root.signed.version}: {count} root keys in {offline} "
        f"({threshold} sign), fresh {', '.join(ONLINE_ROLES)} keys in "
        f"{KeyFolders.of(store).online}. Copy {offline} to a second stick, then keep both "
        "offline: they are needed only to replace or revoke a key."
    )


@click.command("rotate-role")
@with_appcontext
@click.argument("role", type=ROLE)
@click.option("--key", "keyid", help="The key to replace (a prefix of its id).")
@OFFLINE
def rotate_role_command(role, keyid, offline):
    """Replace a key of ROLE by a fresh one, in a new root: devices stop trusting the
    old key once they see it."""
    store = data_store()
    folders = KeyFolders.of(store, tuple(offline))
    old, new = run_locked(store, lambda: rotate_role_key(store, folders, role, keyid))
    where = offline[0] if role == ROOT else folders.online
    click.echo(f"Replaced the {role} key {old[:12]} by {new[:12]} (in {where}).")


@click.command("revoke")
@with_appcontext
@click.argument("role", type=ROLE)
@click.argument("keyid")
@OFFLINE
def revoke_command(role, keyid, offline):
    """Take the key KEYID (a prefix will do) out of ROLE, in a new root."""
    store = data_store()
    folders = KeyFolders.of(store, tuple(offline))
    old = run_locked(store, lambda: revoke_role_key(store, folders, role, keyid))
    click.echo(f"Revoked the {role} key {old[:12]}.")


@click.command("roles")
@with_appcontext
def roles_command():
    """List the TUF roles: their keys, thresholds and the metadata's expiry."""
    store = data_store()
    root = run_locked(store, lambda: current_metadata(store, ROOT))
    if root is None:
        raise click.ClickException("no TUF root yet: the first 'satchel build' makes one")
    rows = [("role", "threshold", "keys", "version", "expires (UTC)")]
    for role in ROLES:
        md = current_metadata(store, role)
        named = root.signed.roles[role]
        rows.append(
            (
                role,
                str(named.threshold),
                " ".join(sorted(k[:12] for k in named.keyids)),
                str(md.signed.version) if md else "-",
                f"{md.signed.expires:%Y-%m-%d %H:%M}" if md else "-",
            )
        )
    echo_table(rows)


@click.command("refresh")
@with_appcontext
def refresh_command():
    """Re-sign the TUF timestamp (and snapshot or targets when near their expiry) without
    a build: run it hourly (deploy/ ships a systemd timer). With STORE set, the new
    metadata is uploaded to the bucket too, the timestamp last."""
    store = data_store()
    report = run_locked(store, lambda: update_metadata(store, KeyFolders.of(store)))
    versions = ", ".join(f"{role} {version}" for role, version in report.versions.items())
    click.echo(f"Signed the repository's metadata: {versions}.")
    bucket = configured_bucket()
    if bucket is not None:
        try:
            report_upload(push(store, bucket), bucket)
        except SatchelError as exc:
            raise click.ClickException(str(exc)) from exc
