"""``trust``: what the TUF metadata (satchel/stages/repository.py) costs a phone. Bytes, as
stored and with brotli (how a CDN or nginx sends them), of an update check when nothing changed
(``timestamp.json``), of one after a publish (timestamp, snapshot, targets) and of a first
install (all four roles); and the time the app's client (static/lib/tuf.js) takes to verify
them all from the first root, with the CPU slowed 4× (``Emulation.setCPUThrottlingRate``),
median of several runs. The repository is the sample bundles' in every translated locale;
the page and the metadata are served by ``page.route``, so no server's time is counted."""

from __future__ import annotations

import mimetypes
import statistics
from pathlib import Path
from typing import TYPE_CHECKING

import brotli

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


def serve(route, data: Path) -> None:
    path = route.request.url.removeprefix(ORIGIN + "/")
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


def verify_times(data: Path) -> list[float]:
    with chromium() as browser:
        context = browser.new_context(service_workers="block")
        context.route(f"{ORIGIN}/**", lambda route: serve(route, data))
        page = context.new_page()
        page.goto(ORIGIN + "/")
        cdp = context.new_cdp_session(page)
        page.evaluate(VERIFY)  # loads the modules once
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN})
        times = [page.evaluate(VERIFY) for _ in range(RUNS)]
        context.close()
    return times


def trust_section(bench: Bench) -> None:
    """The TUF metadata's bytes for an update check and an install; its verify time at 4× CPU."""
    from satchel.stages.pipeline import build
    from satchel.stages.repository import current_metadata
    from satchel.store import Store

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
    times = verify_times(data)
    bench.row(
        f"verifying every role from the first root, CPU {SLOWDOWN}× slower",
        statistics.median(times),
        "ms",
        note=f"median of {RUNS}, {min(times):.0f}–{max(times):.0f} ms; WebCrypto Ed25519",
    )
