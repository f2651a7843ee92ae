"""The build, as named stages: load → validate → render → pack → index → publish.

``build()`` runs them in order for the chosen bundles. Every bundle is loaded and
validated before anything is written, so one bad file anywhere publishes
nothing and reports every problem at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from .errors import SatchelError, SourceInvalid
from .index import index_pack
from .pack import pack_bundle
from .publish import PublishReport, publish
from .render import render_bundle
from .source import discover_bundles, load_bundle
from .store import Store
from .validate import ValidBundle, validate_bundle


@dataclass
class BuildResult:
    reports: list[PublishReport]
    warnings: list


def load_and_validate(bundles_dir: Path, bundle_ids, strict: bool, today: date | None):
    valid: list[ValidBundle] = []
    problems = []
    for bundle_id in bundle_ids:
        bundle, found = validate_bundle(load_bundle(bundles_dir / bundle_id), today)
        problems += found
        if bundle:
            valid.append(bundle)
    failing = [p for p in problems if strict or p.severity == "error"]
    if failing:
        raise SourceInvalid(problems)
    return valid, problems


def build(
    bundles_dir: Path,
    data_dir: Path,
    bundle_ids: list[str] | None = None,
    strict: bool = False,
    progress: Callable[[int], Callable[[], None]] | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> BuildResult:
    """Build and publish ``bundle_ids`` (default: every bundle in ``bundles_dir``).

    ``progress(total)`` may return a callback that is called once per summary.
    """
    available = discover_bundles(bundles_dir)
    chosen = bundle_ids or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise SatchelError(
            f"no bundle named {', '.join(unknown)} in {bundles_dir}; "
            f"available: {', '.join(available) or 'none'}"
        )
    valid, warnings = load_and_validate(bundles_dir, chosen, strict, today)
    tick = progress(sum(len(b.summaries) for b in valid)) if progress else (lambda: None)
    packs = {b.config["id"]: [pack_bundle(render_bundle(b, tick))] for b in valid}
    retain = {b.config["id"]: b.config["retain_versions"] for b in valid}
    with TemporaryDirectory(prefix="satchel-index-") as scratch:
        for bundle in valid:
            for pack in packs[bundle.config["id"]]:
                index_pack(pack, bundle.thesaurus.for_locale(pack.locale), Path(scratch))
        return BuildResult(publish(Store(data_dir), packs, retain, now), warnings)
