"""``trust``: what the TUF metadata (satchel/stages/repository.py) costs a phone. Bytes, as
stored and with brotli (how a CDN or nginx sends them), of an update check when nothing changed
(``timestamp.json``), of one after a publish (timestamp, snapshot, targets) and of a first
install (all four roles); and the time the app's client (static/lib/tuf.js) takes to verify
them all from the first root, and the app's own check before it takes a manifest in an update
(static/lib/freshness.js: the refresh from the metadata it keeps, then the largest manifest's
bytes against the targets), with the CPU slowed 4× (``Emulation.setCPUThrottlingRate``),
median of several runs. The repository is the sample bundles' in every translated locale;
the page and the metadata are served by ``page.route``, so no server's time is counted. And
the bytes the metadata adds to a ``.satchel`` file (the envelope of format 3,
satchel/commands/bundle_file.py), against the whole files of the sample bundles (and
MedQuAD's, in the phone section)."""

from __future__ import annotations

import io
import mimetypes
import statistics
from pathlib import Path
from typing import TYPE_CHECKING

import brotli

from satchel.store import Store

from .chromium import chromium

if TYPE_CHECKING:
    from .run import Bench

PROJECT = Path(__file__).resolve().parents[1]
ORIGIN = "http://localhost:9"  # loopback: a secure context, where WebCrypto is
SLOWDOWN = 4
RUNS = 7

VERIFY = """async () => {
  const tuf = await import("/static/lib/tuf.js");
  const fetchMetadata = async (name) => {
    const response = await fetch(`/repo/tuf/${name}`);
    return response.ok ? new Uint8Array(await response.arrayBuffer()) : null;
  };
  const root = await (await fetch("/repo/tuf/1.root.json")).json();
  const started = performance.now();
  await tuf.refresh({root}, fetchMetadata);
  return performance.now() - started;
}"""

# What an update check costs the app: freshness.js, its IndexedDB record included. The first
# run takes the first root on the publisher key's word and keeps what it verified.
UPDATE_CHECK = """async ([bundle, locale, version]) => {
  const freshness = await import("/static/lib/freshness.js");
  const path = `/repo/bundles/${bundle}/${locale}/${version}.json`;
  const bytes = new Uint8Array(await (await fetch(path)).arrayBuffer());
  const started = performance.now();
  const targets = await freshness.verifiedTargets();
  await freshness.checkManifest(targets, {bundle, locale}, bytes, version);
  return performance.now() - started;
}"""


def serve(route, data: Path) -> None:
    path = route.request.url.removeprefix(ORIGIN + "/")
    if path == "api/v1/keys":
        route.fulfill(json={"keys": Store(data).publisher_keys()})
        return
    if path.startswith("api/v1/tuf/"):
        path = path.replace("api/v1/", "repo/", 1)
    if path.startswith("repo/"):
        file = data / path.removeprefix("repo/")
    elif path.startswith("static/"):
        file = PROJECT / path
    else:
        route.fulfill(body="<!doctype html><title>bench</title>", content_type="text/html")
        return
    if not file.is_file():
        route.fulfill(status=404, body="")
        return
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    route.fulfill(body=file.read_bytes(), content_type=kind)


def sizes(folder: Path, names: list[str]) -> tuple[int, int]:
    """Plain and brotli bytes of the metadata files ``names``."""
    data = [(folder / name).read_bytes() for name in names]
    return sum(map(len, data)), sum(len(brotli.compress(d)) for d in data)


def verify_times(data: Path, script: str, arguments=None) -> list[float]:
    """The times ``script`` reports at 4× CPU, after one run that loads the modules."""
    with chromium() as browser:
        context = browser.new_context(service_workers="block")
        context.route(f"{ORIGIN}/**", lambda route: serve(route, data))
        page = context.new_page()
        page.goto(ORIGIN + "/")
        cdp = context.new_cdp_session(page)
        page.evaluate(script, arguments)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN})
        times = [page.evaluate(script, arguments) for _ in range(RUNS)]
        context.close()
    return times


def largest_manifest(store: Store) -> list:
    """[bundle, locale, version] of the largest current manifest."""
    current = [
        (bundle, locale, version)
        for bundle in store.bundles()
        for locale, version in store.current(bundle).items()
    ]
    return list(max(current, key=lambda key: len(store.manifest_bytes(*key))))


def metadata_in_files_row(bench: Bench, measure: str, store: Store, files: list[int]) -> None:
    """The bytes the TUF envelope adds to a ``.satchel`` file, against the whole files of
    ``store`` whose sizes are ``files``."""
    from satchel.commands.bundle_file import write_envelope
    from satchel.stages.repository import carried_metadata, current_metadata

    envelope = io.BytesIO()
    write_envelope(carried_metadata(store), envelope)
    added = len(envelope.getvalue())
    shares = [added / size for size in files]
    roots = current_metadata(store, "root").signed.version
    targets = len(current_metadata(store, "targets").signed.targets)
    bench.row(
        measure,
        added,
        "B",
        note=f"{min(shares):.1%}–{max(shares):.1%} of the file ({len(files)} files, "
        f"{min(files):,}–{max(files):,} B with it); plain JSON: {roots} root(s), timestamp, "
        f"snapshot, {targets} targets",
    )


def exported_sizes(store: Store) -> list[int]:
    """The size of each current bundle × locale's file as ``satchel export`` writes it."""
    from satchel.commands.bundle_file import write_bundle_file

    return [
        write_bundle_file(store, bundle, locale, version, io.BytesIO())
        for bundle in store.bundles()
        for locale, version in store.current(bundle).items()
    ]


def trust_section(bench: Bench) -> None:
    """The TUF metadata's bytes for an update check and an install; its verify time at 4× CPU."""
    from satchel.stages.pipeline import build
    from satchel.stages.repository import current_metadata

    data = bench.workdir / "data-trust"
    build(PROJECT / "bundles", data, translations_dir=PROJECT / "translations")
    store = Store(data)
    folder = data / "tuf"
    versions = {
        role: current_metadata(store, role).signed.version for role in ("snapshot", "targets")
    }
    check = ["timestamp.json"]
    update = [
        *check,
        f"{versions['snapshot']}.snapshot.json",
        f"{versions['targets']}.targets.json",
    ]
    install = ["1.root.json", *update]
    targets = len(current_metadata(store, "targets").signed.targets)
    for measure, names in (
        ("TUF bytes of an update check, nothing new", check),
        ("TUF bytes of an update check after a publish", update),
        ("TUF bytes of a first install", install),
    ):
        plain, compressed = sizes(folder, names)
        bench.row(
            measure, compressed, "B", note=f"brotli; {plain:,} B as stored; {targets} targets"
        )
    metadata_in_files_row(
        bench, "TUF metadata a .satchel file carries, sample bundles", store, exported_sizes(store)
    )
    times = verify_times(data, VERIFY)
    bench.row(
        f"verifying every role from the first root, CPU {SLOWDOWN}× slower",
        statistics.median(times),
        "ms",
        note=f"median of {RUNS}, {min(times):.0f}–{max(times):.0f} ms; WebCrypto Ed25519",
    )
    manifest = largest_manifest(store)
    times = verify_times(data, UPDATE_CHECK, manifest)
    size = len(store.manifest_bytes(*manifest))
    bench.row(
        f"the app's check before it takes an update's manifest, CPU {SLOWDOWN}× slower",
        statistics.median(times),
        "ms",
        note=f"median of {RUNS}, {min(times):.0f}–{max(times):.0f} ms; freshness.js with its "
        f"IndexedDB record, then a {size:,} B manifest against the targets",
    )
