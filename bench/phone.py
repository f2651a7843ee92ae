"""Updates and first installs as a phone sees them: the real app in Chromium, served by the
production topology (nginx in front of gunicorn, ``deploy/topology.py``).

``updates``: install a bundle, publish an edit, let the app find and apply the update, and add
up every response the page received meanwhile (headers and bodies as they crossed the
network, compressed): after editing 1 and 10 articles of the larger synthetic bundle and of
MedQuAD, and after correcting one sentence of a Spanish translation. The peer is what changed:
the changed articles plus their new search segment, as stored with brotli; the target is at most
twice that plus 2 kB. The service worker is blocked, so that every request of the page goes to
the network and is counted (it only keeps offline copies of the bundle list and catalogs).

``install``: MedQuAD installed by the app with the CPU slowed 4× (``Emulation.
setCPUThrottlingRate``, a mid-range phone), against a floor measured in the same page: fetch the
same pack and segments and parse each line, without hashing or storing. Also the JS heap's peak
during the install (``performance.memory``, sampled every 50 ms, precise).
"""

from __future__ import annotations

import io
import random
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .chromium import chromium

if TYPE_CHECKING:
    from .run import Bench

MIB = 1024 * 1024
SLOWDOWN = 4
ALLOWANCE = 2000  # bytes on top of twice what changed


@contextmanager
def production(data: Path, run_dir: Path):
    from deploy.topology import Topology

    topology = Topology(data, run_dir, workers=2, access_log=False)
    topology.start()
    try:
        yield topology
    finally:
        topology.stop()




INSTALLED = """key => new Promise((resolve) => {
  const open = indexedDB.open("satchel");
  open.onupgradeneeded = () => {};
  open.onsuccess = () => {
    const names = Array.from(open.result.objectStoreNames);
    if (!names.includes("installs")) { open.result.close(); resolve(null); return; }
    const get = open.result.transaction("installs").objectStore("installs").get(key);
    get.onsuccess = () => { resolve(get.result ? get.result.version : null); open.result.close(); };
  };
})"""


def wait_installed(page, key: str, version: int | None = None, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        installed = page.evaluate(INSTALLED, key)
        if installed is not None and (version is None or installed == version):
            return
        page.wait_for_timeout(200)
    raise RuntimeError(f"{key} did not reach version {version} in {timeout:.0f} s")


def edit_articles(folder: Path, count: int, seed: int) -> list[str]:
    """Add a sentence to the first section of ``count`` articles (summaries or reference
    pages alike); return their ids."""
    rng = random.Random(f"phone-edit-{seed}")
    paths = rng.sample(sorted((folder / "summaries").glob("*.md")), count)
    for path in paths:
        text = path.read_text()
        heading = text.index("\n## ")
        body = text.index("\n\n", heading + 1) + 2
        path.write_text(text[:body] + "A later check of the data confirmed this. " + text[body:])
    return sorted(path.stem for path in paths)


class Phone:
    """One browser context on the app, counting every response it receives."""

    def __init__(self, browser, url: str, locale: str = "en"):
        self.context = browser.new_context(service_workers="block", locale=locale)
        self.page = self.context.new_page()
        self.responses: list[tuple[str, int]] = []
        self.context.on("requestfinished", self._count)
        self.page.goto(url + "/")
        self.page.wait_for_selector("html[data-ready]")

    def _count(self, request) -> None:
        sizes = request.sizes()
        self.responses.append(
            (request.url, sizes["responseHeadersSize"] + max(sizes["responseBodySize"], 0))
        )

    def click(self, focus_key: str) -> None:
        self.page.locator(f'[data-focus-key="{focus_key}"]').click()

    def received_during(self, work) -> list[tuple[str, int]]:
        start = len(self.responses)
        work()
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(500)
        return self.responses[start:]

    def update(self, key: str, version: int) -> list[tuple[str, int]]:
        """Reconnect (the app checks for updates), update, and return what was received."""

        def work():
            self.page.evaluate("window.dispatchEvent(new Event('online'))")
            self.page.locator(f'[data-focus-key="update-{key}"]').wait_for(timeout=120_000)
            self.click(f"update-{key}")
            wait_installed(self.page, key, version)

        return self.received_during(work)

    def close(self) -> None:
        self.context.close()


def changed_bytes(data: Path, bundle: str, locale: str, since: int) -> tuple[int, dict]:
    """The changed articles and new search segments as stored with brotli, and the changes."""
    from satchel import create_app
    from satchel.store import Store

    client = create_app({"DATA_DIR": str(data), "TESTING": True}).test_client()
    changes = client.get(f"/api/v1/bundles/{bundle}/{locale}/changes?since={since}").json
    store = Store(data)
    entries = changes["added"] + changes["changed"] + changes["search"]
    stored = [store.object_path(e["object"], "br") for e in entries if e["object"]]
    return sum(path.stat().st_size for path in stored), changes


def update_row(bench: Bench, measure: str, received, peer: int, changes: dict) -> None:
    total = sum(size for _url, size in received)
    by_kind: dict[str, int] = {}
    for url, size in received:
        kind = (
            "objects"
            if "/objects/" in url
            else "changes"
            if "/changes?" in url
            else "manifest"
            if url.rstrip("/").count("/") == 7
            else "other"
        )
        by_kind[kind] = by_kind.get(kind, 0) + size
    limit = 2 * peer + ALLOWANCE
    bench.row(
        measure,
        total,
        "bytes",
        peer=peer,
        ratio=total / peer,
        target="≤ 2× changed articles + segment (br) + 2 kB",
        met=total <= limit,
        note=f"{len(received)} responses: "
        + ", ".join(f"{kind} {size:,} B" for kind, size in sorted(by_kind.items()))
        + f"; {len(changes['changed']) + len(changes['added'])} articles, "
        f"{len(changes['search'])} segment(s)",
    )


def measure_updates(bench, browser, label, bundles, data, bundle, locale, edits) -> None:
    """Install ``bundle`` × ``locale``, then for each (count, edit) publish the edit and
    update: one row each."""
    from .run import timed_build

    key = f"{bundle}/{locale}"
    with production(data, bench.workdir / f"run-phone-{bundle}") as topology:
        phone = Phone(browser, topology.url, locale)
        try:
            phone.click(f"download-{key}")
            wait_installed(phone.page, key)
            for measure, edit in edits:
                from satchel.store import Store

                since = Store(data).current(bundle)[locale]
                edit()
                timed_build(bundles, data, bench.workdir / "build.log")
                version = Store(data).current(bundle)[locale]
                received = phone.update(key, version)
                peer, changes = changed_bytes(data, bundle, locale, since)
                update_row(bench, f"{measure}, {label}", received, peer, changes)
        finally:
            phone.close()


def fresh_copy(bench: Bench, name: str, data: Path, bundles: Path) -> tuple[Path, Path]:
    """A copy of a built bundle and its data folder, edited by this section only."""
    import shutil

    target = bench.workdir / f"phone-{name}"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(bundles, target / "bundles", symlinks=True)
    shutil.copytree(data, target / "data", symlinks=True)
    return target / "bundles", target / "data"


def updates_section(bench: Bench) -> None:
    """Bytes a phone receives per update, every response counted (Chromium, production)."""
    from .device import medquad_data, synthetic_data

    size = bench.sizes[-1]
    corpora = [
        (
            f"{size:,} summaries",
            "synthetic",
            *fresh_copy(
                bench, "synthetic", synthetic_data(bench), bench.workdir / f"bundles-{size}"
            ),
        ),
        (
            "MedQuAD",
            "medquad",
            *fresh_copy(bench, "medquad", medquad_data(bench), bench.workdir / "bundles-medquad"),
        ),
    ]
    with chromium("--enable-precise-memory-info") as browser:
        for label, bundle, bundles, data in corpora:
            folder = bundles / bundle
            measure_updates(
                bench,
                browser,
                label,
                bundles,
                data,
                bundle,
                "en",
                [
                    (
                        f"update after editing {count} article{'s' * (count > 1)}",
                        lambda count=count, folder=folder: edit_articles(folder, count, seed=count),
                    )
                    for count in (1, 10)
                ],
            )
        label, bundle, bundles, data = corpora[0]
        spanish_update(bench, browser, bundles, data, bundle)


def spanish_update(bench: Bench, browser, bundles: Path, data: Path, bundle: str) -> None:
    """One article translated into Spanish, installed; then one sentence corrected."""
    from .run import translate_one_article

    _article, correct = translate_one_article(bench, bundles, data, bundle)
    measure_updates(
        bench,
        browser,
        "es",
        bundles,
        data,
        bundle,
        "es",
        [("update after correcting 1 translated sentence", correct)],
    )


# -- install ---------------------------------------------------------------------------------

FLOOR = """async ([bundle, locale]) => {
  const started = performance.now();
  let peak = performance.memory.usedJSHeapSize;
  const manifest = { value: null };
  const response = await fetch(`/api/v1/bundles/${bundle}/${locale}/pack`, { cache: "no-store" });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let rest = "";
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    peak = Math.max(peak, performance.memory.usedJSHeapSize);
    if (done) break;
    const text = rest + decoder.decode(value, { stream: true });
    const parts = text.split("\\n");
    rest = parts.pop();
    for (const line of parts) {
      const parsed = JSON.parse(line);
      if (!manifest.value) manifest.value = parsed;
      lines += 1;
    }
  }
  for (const segment of manifest.value.search.segments) {
    await (await fetch(`/api/v1/objects/${segment.object}`)).arrayBuffer();
  }
  return { ms: performance.now() - started, lines, peak };
}"""

INSTALL = """async ([bundle, locale]) => {
  const { download } = await import("/static/lib/download.js");
  let peak = performance.memory.usedJSHeapSize;
  const sampler = setInterval(() => {
    peak = Math.max(peak, performance.memory.usedJSHeapSize);
  }, 50);
  const before = performance.memory.usedJSHeapSize;
  const started = performance.now();
  await download(bundle, locale);
  const ms = performance.now() - started;
  clearInterval(sampler);
  return { ms, peak: Math.max(peak, performance.memory.usedJSHeapSize), before };
}"""


# The same bundle again, from a file passed on (removed first, so everything is stored anew).
IMPORT = """async ([bundle, locale, url]) => {
  const { remove } = await import("/static/lib/download.js");
  const { installBundleFile } = await import("/static/lib/transfer.js");
  const file = new File([await (await fetch(url)).blob()], `${bundle}.satchel`);
  await remove(`${bundle}/${locale}`);
  const started = performance.now();
  await installBundleFile(file);
  return { ms: performance.now() - started };
}"""
FILE_URL = "/bench/bundle.satchel"


def install_section(bench: Bench) -> None:
    """MedQuAD installed by the app at 4× CPU slowdown, against a floor in the same page, then
    installed again from a ``.satchel`` file."""
    from satchel.commands.bundle_file import write_bundle_file
    from satchel.store import Store

    from .device import medquad_data
    from .run import flask_command

    data = medquad_data(bench)
    bundles = bench.workdir / "bundles-medquad"
    flask_command(["bundles", "compress-packs"], bundles, data, bench.workdir / "build.log")
    store = Store(data)
    passed_on = io.BytesIO()
    write_bundle_file(store, "medquad", "en", store.current("medquad")["en"], passed_on)
    with production(data, bench.workdir / "run-install") as topology, chromium() as browser:
        context = browser.new_context(service_workers="block")
        context.route(f"**{FILE_URL}", lambda route: route.fulfill(body=passed_on.getvalue()))
        page = context.new_page()
        page.goto(topology.url + "/")
        page.wait_for_selector("html[data-ready]")
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN})
        # Each starts from a collected heap, so neither pays for the other's garbage.
        cdp.send("HeapProfiler.collectGarbage")
        floor = page.evaluate(FLOOR, ["medquad", "en"])
        cdp.send("HeapProfiler.collectGarbage")
        installed = page.evaluate(INSTALL, ["medquad", "en"])
        cdp.send("HeapProfiler.collectGarbage")
        imported = page.evaluate(IMPORT, ["medquad", "en", FILE_URL])
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        context.close()
    ratio = installed["ms"] / floor["ms"]
    bench.row(
        f"first install of MedQuAD ({floor['lines'] - 1:,} articles), CPU {SLOWDOWN}× slower",
        installed["ms"] / 1000,
        "s",
        peer=floor["ms"] / 1000,
        ratio=ratio,
        target="≤ 2× floor (fetch and parse only)",
        met=ratio <= 2,
        note="the floor fetches the same pack and segments and parses each line",
    )
    peak = installed["peak"] / MIB
    bench.row(
        "JS heap peak during that install",
        peak,
        "MiB",
        peer=floor["peak"] / MIB,
        ratio=peak / (floor["peak"] / MIB),
        target="≤ 64 MiB",
        met=peak <= 64,
        note=f"{installed['before'] / MIB:.1f} MiB before it started; the peer is the floor's "
        "peak: V8 collects the pack's buffers late, whoever reads them",
    )
    bench.row(
        "the same install from a .satchel file (signature and every object checked)",
        imported["ms"] / 1000,
        "s",
        peer=installed["ms"] / 1000,
        ratio=imported["ms"] / installed["ms"],
        note=f"peer: the install over the network above; the file is "
        f"{len(passed_on.getvalue()):,} B (gzip)",
    )
    bench.state["install"] = {"floor": floor, "install": installed, "import": imported}
