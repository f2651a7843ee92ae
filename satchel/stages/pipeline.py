"""The build, as named stages (``STAGES``): load → validate → render → translate →
readability → pack → index → device export → publish → compress packs.

``build()`` runs them in order for the chosen bundles; each stage is a function of
the previous ones' results and returns its own, and ``release`` assembles what one
bundle × locale publishes from them. Every bundle is loaded and validated before
anything is written, so one bad file anywhere publishes nothing and reports every
problem at once. Compressing the first-install packs runs after publishing
(``satchel build`` does it unless told not to), since readers need not wait for it.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from ..errors import SatchelError, SourceInvalid
from ..i18n.catalogs import UI_DOMAIN, catalog_locales, catalog_path, compile_ui, read_catalog
from ..settings import SHIPPED_TRANSLATIONS_DIR
from ..store import Store
from .cache import NO_CACHE, BuildCache, NoCache
from .device_export import DeviceIndex, export_device_index
from .index import SearchIndex, index_pack
from .pack import Pack, pack_bundle
from .publish import PublishReport, Release, compress_packs, publish
from .readability import LocaleReadability, measure_bundle
from .render import render_bundle
from .source import DEFAULT_LIMITS, Limits, discover_bundles, load_bundle
from .translate import load_catalogs, translate_bundle
from .validate import ValidBundle, validate_bundle

STAGES = (
    ("load", load_bundle),
    ("validate", validate_bundle),
    ("render", render_bundle),
    ("translate", translate_bundle),
    ("readability", measure_bundle),
    ("pack", pack_bundle),
    ("index", index_pack),
    ("device export", export_device_index),
    ("publish", publish),
    ("compress packs", compress_packs),
)


@dataclass
class BuildResult:
    reports: list[PublishReport]
    warnings: list
    summaries: int = 0
    rendered: int = 0  # summaries rendered anew; the others were unchanged since a build
    readability: list[LocaleReadability] = field(default_factory=list)
    new_key: Path | None = None  # the keys folder, when this build made the first key


def load_and_validate(
    bundles_dir: Path,
    bundle_ids,
    strict: bool,
    today: date | None,
    limits: Limits = DEFAULT_LIMITS,
    cache=NO_CACHE,
):
    valid: list[ValidBundle] = []
    problems = []
    for bundle_id in bundle_ids:
        source = load_bundle(bundles_dir / bundle_id, limits, cache)
        bundle, found = validate_bundle(source, today, cache)
        problems += found
        if bundle:
            valid.append(bundle)
    failing = [p for p in problems if strict or p.severity == "error"]
    if failing:
        raise SourceInvalid(problems)
    return valid, problems


def settle() -> None:
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
    """Every interface catalog as the JSON the app and the API read. A translations
    folder with none of them (a content team's own) gets those shipped with Satchel."""
    if not catalog_locales(translations, UI_DOMAIN):
        translations = SHIPPED_TRANSLATIONS_DIR
    return {
        locale: json.dumps(
            compile_ui(read_catalog(catalog_path(translations, locale, UI_DOMAIN)), locale),
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        for locale in catalog_locales(translations, UI_DOMAIN)
    }


def release(pack: Pack, index: SearchIndex, device: DeviceIndex) -> Release:
    """What one bundle × locale publishes, from the results of the stages that made it."""
    search = {**index.manifest_entry, **device.manifest_entry}
    return Release(
        pack.bundle,
        pack.locale,
        pack.manifest_body,
        search,
        {**pack.objects, **device.objects},
        index.folder,
    )


def build(
    bundles_dir: Path,
    data_dir: Path,
    bundle_ids: list[str] | None = None,
    strict: bool = False,
    progress: Callable[[int], Callable[[], None]] | None = None,
    today: date | None = None,
    now: datetime | None = None,
    translations_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    prune_grace: float = 0,
) -> BuildResult:
    """Build and publish ``bundle_ids`` (default: every bundle in ``bundles_dir``).

    ``progress(total)`` may return a callback that is called once per summary.
    Catalogs come from ``translations_dir`` (none: the source locale only).
    ``prune_grace``: seconds a replaced version outlives its retention.
    """
    available = discover_bundles(bundles_dir)
    chosen = bundle_ids or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise SatchelError(
            f"no bundle named {', '.join(unknown)} in {bundles_dir}; "
            f"available: {', '.join(available) or 'none'}"
        )
    cache = open_cache(Path(data_dir))
    settle()  # the modules and the app: hundreds of thousands of objects
    try:
        valid, warnings = load_and_validate(bundles_dir, chosen, strict, today, limits, cache)
        settle()
        total = sum(len(bundle.summaries) for bundle in valid)
        tick = progress(total) if progress else (lambda: None)
        packs: dict[str, list[tuple[Pack, dict]]] = {}  # bundle → (pack, thesaurus) per locale
        readability, too_hard = [], []
        for bundle in valid:
            rendered = render_bundle(bundle, tick, cache)
            settle()
            catalogs = load_catalogs(translations_dir, rendered) if translations_dir else {}
            readings, problems = measure_bundle(rendered, catalogs, cache)
            readability += readings
            too_hard += problems
            packs[bundle.config["id"]] = [
                (pack_bundle(locale), bundle.thesaurus.for_locale(locale.locale, locale.thesaurus))
                for locale in translate_bundle(rendered, catalogs, cache)
            ]
            settle()
        warnings += too_hard
        if strict and too_hard:
            raise SourceInvalid(too_hard)
        retain = {b.config["id"]: b.config["retain_versions"] for b in valid}
        ui = compile_ui_catalogs(translations_dir) if translations_dir else {}
        store = Store(data_dir)
        with index_scratch(Path(data_dir)) as scratch:
            releases = {}
            for bundle_id, localised in packs.items():
                releases[bundle_id] = []
                for pack, thesaurus in localised:
                    index = index_pack(pack, thesaurus, Path(scratch), store)
                    device = export_device_index(pack, index, store)
                    releases[bundle_id].append(release(pack, index, device))
            reports, signer = publish(store, releases, retain, now, ui, prune_grace, cache)
    finally:
        cache.close()
        gc.unfreeze()
    return BuildResult(
        reports, warnings, total, cache.computed["render"], readability, signer.created
    )
