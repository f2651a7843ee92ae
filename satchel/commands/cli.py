"""``satchel build``, ``import``, ``verify``…: the command-line face of the build (also
``flask --app satchel bundles …``)."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..bucket import push
from ..cli import echo_table
from ..errors import SatchelError
from ..stages.parallel import default_jobs
from ..stages.pipeline import build
from ..stages.publish import CompressedPack, build_lock, compress_packs
from ..stages.readability import grade_rows, legend
from ..stages.repository import verify_repository
from ..stages.sign import (
    SignatureInvalid,
    created_message,
    read_keyring,
    rotate,
    verify_manifest,
)
from ..stages.source import Limits
from ..store import Store, atomic_file, object_problems, version_problems
from ..summary_page import file_name as page_file_name
from ..summary_page import stored_page
from ..web.language import ui_catalog
from .bucket import (
    configured_bucket,
    pull_command,
    push_command,
    reader_policy_command,
    report_upload,
    verify_configured_bucket,
)
from .build_app import build_app_command
from .bundle_file import file_name, write_bundle_file
from .importer import import_command
from .reports import db_cli, gaps_command
from .synth import synth_command
from .trust import (
    ceremony_command,
    created_repository_message,
    refresh_command,
    revoke_command,
    roles_command,
    rotate_role_command,
)

bundles_cli = AppGroup("bundles", help="Build and publish content bundles.")
bundles_cli.add_command(synth_command)
bundles_cli.add_command(import_command)
keys_cli = AppGroup(
    "keys", help="Show or rotate the publisher's signing keys and the TUF roles' keys."
)
bundles_cli.add_command(keys_cli)
for command in (ceremony_command, rotate_role_command, revoke_command, roles_command):
    keys_cli.add_command(command)
bundles_cli.add_command(refresh_command)
bundles_cli.add_command(db_cli)
bundles_cli.add_command(gaps_command)
bundles_cli.add_command(build_app_command)
bundles_cli.add_command(push_command)
bundles_cli.add_command(pull_command)
bundles_cli.add_command(reader_policy_command)


def describe(report) -> str:
    if not report.changed:
        return "unchanged"
    if report.previous is None:
        return "first version"
    c = report.changes
    return (
        f"{len(c['added'])} added, {len(c['changed'])} changed, "
        f"{len(c['removed'])} removed, {c['bytes']:,} bytes to update"
    )


def bundle_option(action: str):
    return click.option(
        "--bundle",
        "bundle_ids",
        multiple=True,
        metavar="ID",
        help=f"{action} only this bundle (repeatable). Default: every bundle.",
    )


def progress_bars(stack: ExitStack):
    """A ``progress(label, total)`` for the build: one click bar per call, each finished
    when the next one starts."""
    bars = stack.enter_context(ExitStack())

    def progress(label: str, total: int):
        bars.close()
        bar = bars.enter_context(click.progressbar(length=total, label=label, file=sys.stderr))
        return lambda: bar.update(1)

    return progress


@bundles_cli.command("build")
@bundle_option("Build")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--grades",
    is_flag=True,
    help="After the closing table, list every article's reading grade per locale, hardest "
    "first, with its hardest sentence.",
)
@click.option(
    "--compress-packs/--no-compress-packs",
    "compress",
    default=True,
    help="After publishing, compress each new version's first-install pack (about "
    "70 s for 10,000 summaries; the new version is served meanwhile). "
    "With --no-compress-packs, run 'satchel compress-packs' later.",
)
@click.option(
    "--preview",
    is_flag=True,
    help="Write the objects' brotli copies fast rather than small, for a build to look at "
    "rather than publish: many times faster to compress, and a sixth larger for readers "
    "to download than a real build's.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    default=default_jobs,
    show_default="the cores this machine lets the build use",
    help="Processes to render, grade and index summaries on; 1 builds in one process. "
    "The output is the same for any number.",
)
def build_command(bundle_ids, strict, grades, compress, preview, jobs):
    """Validate, render, pack and publish bundles from BUNDLES_DIR into DATA_DIR (and
    upload them to the bucket of STORE, when set)."""
    config = current_app.config
    bucket = configured_bucket()
    with ExitStack() as stack:
        bars = progress_bars(stack)
        try:
            result = build(
                Path(config["BUNDLES_DIR"]),
                Path(config["DATA_DIR"]),
                list(bundle_ids),
                strict=strict,
                progress=bars,
                translations_dir=Path(config["TRANSLATIONS_DIR"]),
                limits=Limits(config["SOURCE_FILE_MAX_BYTES"], config["BUNDLE_MAX_FILES"]),
                prune_grace=config["PRUNE_GRACE_SECONDS"],
                compress=compress,
                preview=preview,
                bucket=bucket,
                jobs=jobs,
            )
        except SatchelError as exc:
            raise click.ClickException(str(exc)) from exc
    for warning in result.warnings:
        click.echo(f"{warning} (warning)", err=True)
    if result.new_key:
        click.echo(created_message(result.new_key), err=True)
    if result.new_repository_keys:
        click.echo(created_repository_message(result.new_repository_keys), err=True)
    if result.rendered == result.summaries:
        click.echo(f"Rendered all {result.summaries} summaries.")
    else:
        click.echo(
            f"Rendered {result.rendered} of {result.summaries} summaries; the others "
            "were unchanged since an earlier build."
        )
    by_locale = {(r.bundle, r.locale): r for r in result.readability}
    rows = [("bundle", "locale", "articles", "bytes", "version", "what changed", "reading grade")]
    rows += [
        (
            r.bundle,
            r.locale,
            str(r.articles),
            f"{r.bytes:,}",
            str(r.version),
            describe(r),
            by_locale[r.bundle, r.locale].describe() if (r.bundle, r.locale) in by_locale else "",
        )
        for r in result.reports
    ]
    echo_table(rows)
    click.echo(legend(result.readability))
    if grades:
        echo_table(grade_rows(result.readability))
    report_compressed(result.compressed)
    report_upload(result.uploaded, bucket)
    if result.compress_failed:
        raise click.ClickException(result.compress_failed)


@bundles_cli.command("compress-packs")
@bundle_option("Compress")
def compress_packs_command(bundle_ids):
    """Compress the first-install pack of every current version that has none yet.

    A build does this itself unless told --no-compress-packs; until a pack is
    compressed, the API streams it plain. With STORE set, the packs are then uploaded."""
    compress_and_report(list(bundle_ids))


def compress_and_report(bundle_ids: list[str]) -> None:
    store, bucket = Store(current_app.config["DATA_DIR"]), configured_bucket()
    try:
        with ExitStack() as stack:
            packs = compress_packs(store, bundle_ids, progress_bars(stack))
        uploaded = push(store, bucket) if bucket else None
    except SatchelError as exc:
        raise click.ClickException(str(exc)) from exc
    report_compressed(packs)
    report_upload(uploaded, bucket)


def report_compressed(packs: list[CompressedPack]) -> None:
    for pack in packs:
        click.echo(
            f"Compressed the {pack.bundle}/{pack.locale} v{pack.version} pack: "
            f"{pack.plain_bytes:,} → {pack.compressed_bytes:,} bytes."
        )


@bundles_cli.command("verify")
def verify_command():
    """Re-hash every object the published manifests name, check every precompressed
    copy, every manifest's signature and the TUF metadata, every target and its hashed
    copy, and that every file a phone fetches is a target; report any damage. With STORE
    set, check the bucket's copy too."""
    store = Store(current_app.config["DATA_DIR"])
    names = store.kept_objects()
    damaged = 0
    with click.progressbar(sorted(names), label="Verifying objects", file=sys.stderr) as bar:
        for name in bar:
            for problem in object_problems(store, name):
                click.echo(f"{store.object_path(name)}: {problem}")
                damaged += 1
    problems = manifest_problems(store) + (verify_repository(store) if store.bundles() else [])
    for problem in problems:
        click.echo(problem)
    in_bucket = verify_configured_bucket()
    if damaged or problems:
        raise click.ClickException(
            f"{damaged + len(problems)} problem(s) in {len(names):,} objects, the "
            "manifests' signatures, the manifests' and packs' compressed copies and the TUF "
            "metadata. 'satchel build' rewrites the objects of the current versions and "
            "publishes a new, signed version of a manifest that changed; delete a damaged "
            "manifest or pack copy (the plain bytes are sent instead) and 'satchel "
            "compress-packs' makes the pack again; 'satchel refresh' signs expired TUF "
            "metadata anew."
        )
    click.echo(
        f"All {len(names):,} objects, every compressed copy, every manifest's signature and "
        "the TUF metadata are intact."
    )
    if in_bucket:
        raise click.ClickException(f"{in_bucket} problem(s) in the bucket, listed above.")


def manifest_problems(store: Store) -> list[str]:
    """Damaged compressed copies of every kept manifest and pack, and bad signatures."""
    problems = []
    keys = publisher_keys(store)
    for bundle in store.bundles():
        for locale in store.current(bundle):
            for version in store.versions(bundle, locale):
                for path, problem in version_problems(store, bundle, locale, version).items():
                    problems.append(f"{path}: {problem}")
                try:
                    verify_manifest(store.manifest(bundle, locale, version), keys)
                except SignatureInvalid as exc:
                    problems.append(f"{store.manifest_path(bundle, locale, version)}: {exc}")
    return problems


def publisher_keys(store: Store) -> list[dict]:
    try:
        return read_keyring(store)
    except SatchelError as exc:
        raise click.ClickException(str(exc)) from exc


@keys_cli.command("show")
def keys_show_command():
    """List the publisher's keys, oldest first; the last one signs."""
    store = Store(current_app.config["DATA_DIR"])
    keys = publisher_keys(store)
    if not keys:
        raise click.ClickException(
            f"no signing key in {store.keys_dir} yet: the first 'satchel build' makes one"
        )
    rows = [("id", "alg", "endorsed by", "public key (base64url)", "")]
    for key in keys:
        endorser = (key.get("endorsement") or {}).get("key_id", "-")
        signs = "signs" if key is keys[-1] else ""
        rows.append((key["id"], key["alg"], endorser, key["public_key"], signs))
    echo_table(rows)
    click.echo(f"Private keys: {store.keys_dir} (back this folder up; keep it private).")


@keys_cli.command("rotate")
def keys_rotate_command():
    """Make a new signing key, endorsed by the current one.

    The next build signs with it and publishes a new version of every bundle; devices
    that trust the current key learn the new one from the endorsement."""
    store = Store(current_app.config["DATA_DIR"])
    try:
        with build_lock(store):
            if not read_keyring(store):
                raise click.ClickException(
                    "there is no key to rotate yet: the first 'satchel build' makes one"
                )
            key = rotate(store)
    except SatchelError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Made the signing key {key['id']}, endorsed by {key['endorsement']['key_id']}. The "
        f"next 'satchel build' signs with it. Back up {store.keys_dir} again."
    )


@bundles_cli.command("export")
@click.option("--bundle", "bundle_id", required=True, metavar="ID", help="The bundle to export.")
@click.option("--locale", required=True, metavar="LOCALE", help="Its locale, e.g. en or pt-BR.")
@click.option(
    "--version", type=int, metavar="N", help="A kept version. Default: the published one."
)
@click.option(
    "--article",
    "article_id",
    metavar="ID",
    help="Write this summary as one self-contained HTML page instead of the whole bundle.",
)
@click.option(
    "--library-url",
    metavar="URL",
    help="With --article: where the page says the whole library is. Default: PUBLIC_URL.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=True, writable=True, path_type=Path),
    required=True,
    help="The file to write, or a folder to write <bundle>-<locale>-v<version>.satchel "
    "(with --article, <article>-<locale>.html) in.",
)
def export_command(bundle_id, locale, version, article_id, library_url, out):
    """Write a published bundle as one .satchel file, for people who pass content on
    (SD cards, USB sticks); the app's "Open a bundle file" installs it offline. With
    --article, one summary as a page anyone can open: the file the app's "Send as a
    page" makes, and "Open a bundle file" checks."""
    store = Store(current_app.config["DATA_DIR"])
    version = kept_version(store, bundle_id, locale, version)
    if article_id:
        manifest = store.manifest(bundle_id, locale, version)
        page = article_page(store, manifest, article_id, library_url)
        name = page_file_name(manifest, article_id)
    else:
        name = file_name(bundle_id, locale, version)
    path = out / name if out.is_dir() else out
    try:
        with atomic_file(path) as handle:
            if article_id:
                handle.write(page)
                size = len(page)
            else:
                size = write_bundle_file(store, bundle_id, locale, version, handle)
    except OSError as exc:
        raise click.ClickException(
            f"could not write {exc.filename or path}: {exc.strerror}. Run 'satchel verify' "
            "if an object is missing; else free some space or choose another --out."
        ) from exc
    what = f"{article_id} from " if article_id else ""
    click.echo(f"Wrote {path}: {what}{bundle_id}/{locale} v{version}, {size:,} bytes.")


def kept_version(store: Store, bundle_id: str, locale: str, version: int | None) -> int:
    """``version`` (default: the published one) of a published bundle, if still kept."""
    published = store.current(bundle_id)
    if not published:
        raise click.ClickException(
            f"no published bundle named {bundle_id}; published: "
            f"{', '.join(store.bundles()) or 'none (run satchel build)'}"
        )
    if locale not in published:
        raise click.ClickException(
            f"{bundle_id} is not published in {locale}; its locales: {', '.join(published)}"
        )
    version = version or published[locale]
    if version not in store.versions(bundle_id, locale):
        raise click.ClickException(
            f"{bundle_id}/{locale} v{version} is no longer kept; kept versions: "
            + ", ".join(f"v{v}" for v in store.versions(bundle_id, locale))
        )
    return version


def article_page(store, manifest, article_id, library_url) -> bytes:
    """The summary page of ``article_id``, made today, as the API serves it."""
    library = library_url or current_app.config["PUBLIC_URL"]
    if not library:
        raise click.ClickException(
            "a page says where the whole library is: give --library-url, or set PUBLIC_URL "
            "(SATCHEL_PUBLIC_URL) to the address readers open the app at"
        )
    today = datetime.now(UTC).date().isoformat()
    catalog = ui_catalog(manifest["locale"])
    page = stored_page(store, manifest, article_id, catalog, today, library)
    if page is None:
        listed = [a["id"] for a in manifest["articles"]]
        where = f"{manifest['bundle']}/{manifest['locale']} v{manifest['version']}"
        raise click.ClickException(
            f"{where} has no readable article {article_id}; its articles: {', '.join(listed)}"
        )
    return page
