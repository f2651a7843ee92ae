"""The build, as the list of its stages: ``STAGES`` is what ``build()`` runs, in order.

Each stage is a function from the ``Run`` so far to the next one: a frozen record of
what was asked and of what the stages before made, extended with
``dataclasses.replace``. Every bundle is loaded and validated before anything is
written, so one bad file anywhere publishes nothing and reports every problem at
once. What was published when the build began is read once (``Store.published``) and
passed to the stages that build on it; publish checks it again under its lock.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from ..bucket import Bucket, Transfer, push
from ..errors import Problem, SatchelError, SourceInvalid
from ..i18n.catalogs import (
    UI_DOMAIN,
    UI_SOURCE_LOCALE,
    ContentCatalog,
    catalog_locales,
    catalog_path,
    compile_ui,
    read_catalog,
    source_ui_catalog,
)
from ..settings import SHIPPED_TRANSLATIONS_DIR
from ..store import Published, Store
from .abbreviations import Abbreviations, find_abbreviations
from .cache import NO_CACHE, BuildCache, NoCache
from .device_export import DeviceIndex, export_device_index
from .index import BuiltIndex, index_pack
from .pack import PackedLocale, pack_bundle
from .parallel import SERIAL, Workers
from .publish import (
    PREVIEW_BROTLI_QUALITY,
    CompressedPack,
    CompressFailed,
    PublishReport,
    Release,
    compress_ahead,
    compress_packs,
    publish_releases,
)
from .readability import LocaleReadability, measure_bundle
from .render import RenderedBundle, render_bundle
from .repository import MetadataReport
from .sign import Signer
from .source import DEFAULT_LIMITS, BundleSource, Limits, discover_bundles, load_bundle
from .thesaurus import Thesaurus, load_thesaurus
from .translate import LocalisedBundle, load_catalogs, translate_bundle
from .validate import ValidBundle, validate_bundle

# ``progress(label, total)`` may return a callback, called once per unit of work.
Progress = Callable[[str, int], Callable[[], None]]


def no_progress(_label: str, _total: int) -> Callable[[], None]:
    return lambda: None


@dataclass(frozen=True)
class Run:
    """One build on its way through ``STAGES``: what was asked, then what each stage made."""

    bundles_dir: Path
    bundle_ids: list[str]  # the bundles to build, all of them checked to exist
    requested: list[str] | None  # the bundles as asked for: None for every one
    store: Store
    cache: NoCache
    scratch: Path  # where the indexes are built, removed when the build ends
    strict: bool = False
    today: date | None = None
    now: datetime | None = None
    translations_dir: Path | None = None
    limits: Limits = DEFAULT_LIMITS
    prune_grace: float = 0
    compress: bool = False
    preview: bool = False  # objects' brotli copies at PREVIEW_BROTLI_QUALITY
    progress: Progress = no_progress
    bucket: Bucket | None = None  # where the public tree is uploaded after publishing
    workers: Workers = SERIAL  # the processes render, readability and index spread over
    # load
    sources: list[tuple[BundleSource, tuple[Thesaurus, list[Problem]]]] = field(
        default_factory=list
    )
    # validate
    bundles: list[ValidBundle] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    summaries: int = 0  # in every bundle built
    # render
    rendered: list[RenderedBundle] = field(default_factory=list)
    # translate: each rendered bundle's catalogs, and the bundle in each of its locales
    catalogs: list[dict[str, ContentCatalog]] = field(default_factory=list)
    localised: list[LocalisedBundle] = field(default_factory=list)
    # readability
    readability: list[LocaleReadability] = field(default_factory=list)
    # pack, abbreviations, index, device export: one per localised bundle, in its order
    packs: list[PackedLocale] = field(default_factory=list)
    compressing: dict = field(default_factory=dict)  # what pack started (``compress_ahead``)
    abbreviations: list[Abbreviations] = field(default_factory=list)
    published: Published | None = None  # what the index and the device export build on
    indexes: list[BuiltIndex] = field(default_factory=list)
    device_indexes: list[DeviceIndex] = field(default_factory=list)
    # publish
    reports: list[PublishReport] = field(default_factory=list)
    signer: Signer | None = None
    metadata: MetadataReport | None = None  # the TUF metadata signed for the publish
    # compress packs
    compressed: list[CompressedPack] = field(default_factory=list)
    compress_failed: str | None = None  # why compressing failed (the versions stay published)
    # upload
    uploaded: Transfer | None = None


def load_sources(bundles_dir: Path, bundle_ids, limits: Limits, cache):
    """Each bundle's files and its thesaurus (with the problems found reading it)."""
    sources = []
    for bundle_id in bundle_ids:
        source = load_bundle(bundles_dir / bundle_id, limits, cache)
        source_locale = source.config.data.get("source_locale", "")
        sources.append((source, load_thesaurus(source.root, source_locale)))
    return sources


def validate_sources(sources, strict: bool, today: date | None, cache):
    """The valid bundles and every problem found; SourceInvalid on any error (on any
    problem when ``strict``)."""
    bundles, problems = [], []
    for source, thesaurus in sources:
        bundle, found = validate_bundle(source, thesaurus, today, cache)
        problems += found
        if bundle:
            bundles.append(bundle)
    if [p for p in problems if strict or p.severity == "error"]:
        raise SourceInvalid(problems)
    return bundles, problems


def load(run: Run) -> Run:
    """Read each bundle's files: bundle.yaml, about pages, summaries and thesaurus."""
    sources = load_sources(run.bundles_dir, run.bundle_ids, run.limits, run.cache)
    return replace(run, sources=sources)


def validate(run: Run) -> Run:
    """Check every file against the schemas and the rules across files; stop on errors."""
    bundles, warnings = validate_sources(run.sources, run.strict, run.today, run.cache)
    summaries = sum(len(bundle.summaries) for bundle in bundles)
    return replace(run, bundles=bundles, warnings=warnings, summaries=summaries)


def render(run: Run) -> Run:
    """Turn each summary's Markdown and the about pages into safe HTML."""
    total = sum(len(bundle.summaries) for bundle in run.bundles)
    tick = run.progress("Rendering summaries", total) or (lambda: None)
    rendered = [render_bundle(b, tick, run.cache, run.workers) for b in run.bundles]
    return replace(run, rendered=rendered)


def translate(run: Run) -> Run:
    """Make each bundle in its source locale and in every locale with a catalog."""
    catalogs = [
        load_catalogs(run.translations_dir, rendered) if run.translations_dir else {}
        for rendered in run.rendered
    ]
    localised = [
        locale
        for rendered, found in zip(run.rendered, catalogs, strict=True)
        for locale in translate_bundle(rendered, found, run.cache)
    ]
    return replace(run, catalogs=catalogs, localised=localised)


def measure_readability(run: Run) -> Run:
    """Grade the reading level of every article in every locale; warn above the limit."""
    readings, too_hard = [], []
    for rendered, catalogs in zip(run.rendered, run.catalogs, strict=True):
        found, problems = measure_bundle(rendered, catalogs, run.cache, run.workers)
        readings += found
        too_hard += problems
    if run.strict and too_hard:
        raise SourceInvalid(too_hard)
    return replace(run, readability=readings, warnings=run.warnings + too_hard)


def pack(run: Run) -> Run:
    """Make each article and about page a content object, list them, start compressing them."""
    packs = [pack_bundle(locale) for locale in run.localised]
    # The objects now carry every article: the files as read, rendered and translated,
    # which no later stage reads, are let go (50 MiB of the peak at 3,000 summaries).
    packed = [replace(locale, summaries=[], about=[]) for locale in run.localised]
    bundles = [
        replace(b, summaries=[], source=replace(b.source, summaries=[], about=[]))
        for b in run.bundles
    ]
    objects = (obj for p in packs for obj in p.objects.values())
    folder = compressed_folder(run)
    compressing = compress_ahead(run.store, objects, run.workers, folder, objects_quality(run))
    return replace(
        run,
        packs=packs,
        compressing=compressing,
        sources=[],
        bundles=bundles,
        rendered=[],
        localised=packed,
    )


def abbreviations(run: Run) -> Run:
    """Find the abbreviations each bundle's text defines, in each locale."""
    found = [find_abbreviations(p, run.cache, run.workers) for p in run.packs]
    return replace(run, abbreviations=found)


def index(run: Run) -> Run:
    """Build a search index of each bundle in each locale, from the published one."""
    published = run.store.published(run.bundle_ids)
    indexes = [
        index_pack(
            p, locale.thesaurus, found.pairs, run.scratch, run.store, published, run.workers
        )
        for p, locale, found in zip(run.packs, run.localised, run.abbreviations, strict=True)
    ]
    return replace(run, published=published, indexes=indexes)


def export_for_devices(run: Run) -> Run:
    """Encode each search index as segments the app searches offline."""
    device_indexes = [
        export_device_index(p, built, run.store, run.published)
        for p, built in zip(run.packs, run.indexes, strict=True)
    ]
    # A base segment takes seconds to compress: started now, it is ready by the time
    # publish has written the articles.
    segments = (obj for device in device_indexes for obj in device.objects.values())
    folder = compressed_folder(run)
    started = compress_ahead(run.store, segments, run.workers, folder, objects_quality(run))
    return replace(
        run, device_indexes=device_indexes, compressing={**run.compressing, **started}
    )


def publish(run: Run) -> Run:
    """Write the new versions and switch readers to them in one step; prune old ones."""
    releases: dict[str, list[Release]] = {}
    for p, built, device in zip(run.packs, run.indexes, run.device_indexes, strict=True):
        releases.setdefault(p.bundle, []).append(release(p, built, device))
    retain = {b.config["id"]: b.config["retain_versions"] for b in run.bundles}
    ui = compile_ui_catalogs(run.translations_dir) if run.translations_dir else {}
    reports, signer, metadata = publish_releases(
        run.store,
        releases,
        retain,
        run.published,
        run.now,
        ui,
        run.prune_grace,
        run.cache,
        run.workers,
        run.compressing,
        objects_quality(run),
    )
    return replace(run, reports=reports, signer=signer, metadata=metadata, compressing={})


def compress_new_packs(run: Run) -> Run:
    """Compress each new version's first-install pack (unless the build was told not to)."""
    if not run.compress:
        return run
    try:
        return replace(run, compressed=compress_packs(run.store, run.requested, run.progress))
    except CompressFailed as exc:
        return replace(run, compress_failed=str(exc))


def objects_quality(run: Run) -> int:
    """The brotli quality of the objects' precompressed copies: fast in a preview build."""
    return PREVIEW_BROTLI_QUALITY if run.preview else 11


def compressed_folder(run: Run) -> Path:
    """Where the objects compressed ahead of publish wait for it (``compress_ahead``)."""
    folder = run.scratch / "compressed"
    folder.mkdir(exist_ok=True)
    return folder


def upload(run: Run) -> Run:
    """Copy the public tree to the bucket (STORE), pointers last, when there is one."""
    if run.bucket is None:
        return run
    return replace(run, uploaded=push(run.store, run.bucket))


STAGES = (
    ("load", load),
    ("validate", validate),
    ("render", render),
    ("translate", translate),
    ("readability", measure_readability),
    ("pack", pack),
    ("abbreviations", abbreviations),
    ("index", index),
    ("device export", export_for_devices),
    ("publish", publish),
    ("compress packs", compress_new_packs),
    ("upload", upload),
)


@dataclass
class BuildResult:
    reports: list[PublishReport]
    warnings: list
    summaries: int = 0
    rendered: int = 0  # summaries rendered anew; the others were unchanged since a build
    readability: list[LocaleReadability] = field(default_factory=list)
    new_key: Path | None = None  # the keys folder, when this build made the first key
    new_repository_keys: Path | None = None  # the keys folder, when it made the TUF keys
    compressed: list[CompressedPack] = field(default_factory=list)
    compress_failed: str | None = None  # the message, when compressing a pack failed
    uploaded: Transfer | None = None  # what went to the bucket, when there is one


def load_and_validate(
    bundles_dir: Path, bundle_ids, strict: bool, today: date | None
) -> tuple[list[ValidBundle], list[Problem]]:
    """The first two stages alone, for the commands that read the source without
    building (``satchel i18n``): the valid bundles and the warnings."""
    sources = load_sources(bundles_dir, bundle_ids, DEFAULT_LIMITS, NO_CACHE)
    return validate_sources(sources, strict, today, NO_CACHE)


def freeze_long_lived() -> None:
    """Leave every object alive now out of later garbage collections, until ``build`` ends.

    Stages build millions of objects that live until publish; Python's collector would
    walk them all again each time the heap grows by a quarter, which cost a rebuild of
    10,000 summaries a fifth of its time. Cycles among them are collected afterwards.
    """
    gc.freeze()


def open_cache(data_dir: Path):
    """The incremental-build cache; a damaged one is started afresh, and none at all
    when the folder can't be written (publish reports that)."""
    path = data_dir / ".cache" / "build.sqlite"
    for _attempt in range(2):
        try:
            return BuildCache(path)
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)
        except OSError:
            break
    return NoCache()


def index_scratch(data_dir: Path) -> TemporaryDirectory:
    """The folder the Whoosh indexes are built in, removed afterwards. It lies in the
    data folder: on the published indexes' file system, an update hard-links their files
    and publishing links the new ones, where another one (a tmpfs /tmp) copies both."""
    folder: Path | None = data_dir / ".cache" / "index"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # the data folder can't be written: publish reports that
        folder = None
    return TemporaryDirectory(prefix="satchel-index-", dir=folder)


def compile_ui_catalogs(translations: Path) -> dict[str, bytes]:
    """Every interface catalog as the JSON the app and the API read, the source
    language's too (its msgids), so that the app reads each from its content source. A
    translations folder with none of them (a content team's own) gets those shipped with
    Satchel."""
    if not catalog_locales(translations, UI_DOMAIN):
        translations = SHIPPED_TRANSLATIONS_DIR
    catalogs = {
        locale: compile_ui(read_catalog(catalog_path(translations, locale, UI_DOMAIN)), locale)
        for locale in catalog_locales(translations, UI_DOMAIN)
    }
    catalogs.setdefault(UI_SOURCE_LOCALE, source_ui_catalog())
    return {
        locale: json.dumps(catalog, ensure_ascii=False, sort_keys=True).encode()
        for locale, catalog in catalogs.items()
    }


def release(packed: PackedLocale, built: BuiltIndex, device: DeviceIndex) -> Release:
    """What one bundle × locale publishes, from the results of the stages that made it."""
    search = {**built.manifest_entry, **device.manifest_entry}
    return Release(
        packed.bundle,
        packed.locale,
        packed.listing,
        search,
        {**packed.objects, **device.objects},
        built.folder,
    )


def chosen_bundles(bundles_dir: Path, bundle_ids: list[str] | None) -> list[str]:
    """``bundle_ids``, or every bundle in ``bundles_dir``; an unknown one is an error."""
    available = discover_bundles(bundles_dir)
    chosen = bundle_ids or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise SatchelError(
            f"no bundle named {', '.join(unknown)} in {bundles_dir}; "
            f"available: {', '.join(available) or 'none'}"
        )
    return chosen


def build(
    bundles_dir: Path,
    data_dir: Path,
    bundle_ids: list[str] | None = None,
    strict: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
    now: datetime | None = None,
    translations_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    prune_grace: float = 0,
    compress: bool = False,
    preview: bool = False,
    on_stage: Callable[[str], None] | None = None,
    bucket: Bucket | None = None,
    jobs: int = 1,
) -> BuildResult:
    """Build and publish ``bundle_ids`` (default: every bundle in ``bundles_dir``).

    ``progress(label, total)`` may return a callback called once per summary rendered
    and per line of a pack compressed. Catalogs come from ``translations_dir`` (none:
    the source locale only). ``prune_grace``: seconds a replaced version outlives its
    retention. ``compress``: compress the new first-install packs too. ``preview``: write
    the objects' brotli copies fast rather than small (``PREVIEW_BROTLI_QUALITY``).
    ``on_stage(name)`` is called as each stage of ``STAGES`` begins. ``bucket``: where
    to upload the public tree after publishing (``satchel.bucket``); raises BucketFailed
    when that fails, with the data folder published. ``jobs``: processes to render,
    grade and index on (``satchel.stages.parallel``); the output is the same for any.
    """
    chosen = chosen_bundles(bundles_dir, bundle_ids)
    with ExitStack() as resources:
        cache = open_cache(Path(data_dir))
        resources.callback(gc.unfreeze)
        resources.callback(cache.close)
        scratch = resources.enter_context(index_scratch(Path(data_dir)))
        workers = resources.enter_context(Workers(jobs))
        run = Run(
            bundles_dir,
            chosen,
            bundle_ids,
            Store(data_dir),
            cache,
            Path(scratch),
            strict=strict,
            today=today,
            now=now,
            translations_dir=translations_dir,
            limits=limits,
            prune_grace=prune_grace,
            compress=compress,
            preview=preview,
            progress=progress or no_progress,
            bucket=bucket,
            workers=workers,
        )
        freeze_long_lived()  # the modules and the app: hundreds of thousands of objects
        for name, stage in STAGES:
            if on_stage:
                on_stage(name)
            run = stage(run)
            freeze_long_lived()
    return BuildResult(
        run.reports,
        run.warnings,
        run.summaries,
        cache.computed["render"],
        run.readability,
        run.signer.created,
        run.metadata.created_keys,
        run.compressed,
        run.compress_failed,
        run.uploaded,
    )
