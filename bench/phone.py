"""Updates and first installs as a phone sees them: the real app in Chromium, served by the
production topology (nginx in front of gunicorn, ``deploy/topology.py``).

``updates``: install a bundle, publish an edit, let the app find and apply the update, and add
up every response the page received meanwhile (headers and bodies as they crossed the
network, compressed): after editing 1 and 10 articles of the larger synthetic bundle and of
MedQuAD, after correcting one sentence of a Spanish translation, and for 20 updates in a row of
10 articles each of the synthetic bundle (one row: every update must meet its target). The peer
is what changed: the changed articles plus a segment of only their postings, as stored with
brotli, whatever the publish merged into the segment it wrote; the target is at most twice that
plus 2 kB. The sequence row also gives what the same publishes sent with the policy before
small segments merged (a segment per update, a new base past 4), built on a copy in this
process and summed on the server side. The service worker is blocked, so that every request of
the page goes to the network and is counted (it only keeps offline copies of the bundle list and
catalogs).

``install``: MedQuAD installed by the app (its "Download for offline" button) with the CPU slowed
4× (``Emulation.setCPUThrottlingRate``, a mid-range phone), against a floor measured in the same
page: fetch the same pack and segments from the same URLs (the content source's brotli copies)
and parse each line, without hashing or storing; three
rounds of floor then install, the round of the median ratio reported (the machine's load moves
both). Then
where the time goes: the pack fetched and cut into lines, and what parsing, hashing or storing
each line adds to that (each run alone), and how long the install kept the page's main thread
busy (CDP's TaskDuration), and the CPU time its main thread used against the floor's, CPU not
slowed (CDP's ThreadTime: unlike wall time, the machine's load hardly moves it). Also the JS
heap's peak during the install (``performance.memory``,
sampled every 50 ms, precise), and the same install from a ``.satchel`` file of each format
(``satchel export``'s, and a device's) opened with the library's file input.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .chromium import chromium
from .commands import flask_command, timed_build, translate_one_article
from .trust import metadata_in_files_row

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
        self.worked_seconds = 0.0
        self.open_requests = 0
        self.last_event = time.monotonic()
        self.context.on("request", self._open)
        self.context.on("requestfinished", self._count)
        self.context.on("requestfailed", self._close)
        self.page.goto(url + "/")
        self.page.wait_for_selector("html[data-ready]")

    def _open(self, _request) -> None:
        self.open_requests += 1
        self.last_event = time.monotonic()

    def _close(self, _request) -> None:
        self.open_requests -= 1
        self.last_event = time.monotonic()

    def _count(self, request) -> None:
        self._close(request)
        sizes = request.sizes()
        self.responses.append(
            (request.url, sizes["responseHeadersSize"] + max(sizes["responseBodySize"], 0))
        )

    def settle(self, quiet: float = 1.5, timeout: float = 120) -> None:
        """Wait until no request has been open for ``quiet`` seconds. Playwright's
        "networkidle" was reached at the page's load and resolves at once ever after, so what
        an install fetches once it is recorded (the device search's code, when the service
        worker is blocked) was counted against the update that followed (about 20 kB, nine
        responses, in the one-edit rows)."""
        deadline = time.monotonic() + timeout
        while self.open_requests or time.monotonic() - self.last_event < quiet:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the page kept {self.open_requests} requests open")
            self.page.wait_for_timeout(100)

    def click(self, focus_key: str) -> None:
        self.page.locator(f'[data-focus-key="{focus_key}"]').click()

    def received_during(self, work) -> list[tuple[str, int]]:
        """What the page received while ``work`` ran and until the network fell quiet; how
        long ``work`` took is ``worked_seconds``."""
        start = len(self.responses)
        started = time.perf_counter()
        work()
        self.worked_seconds = time.perf_counter() - started
        self.settle()
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
    """What changed, as stored with brotli: the changed articles plus a segment of only their
    postings (whatever the publish merged into the segment it wrote); and the changes."""
    from satchel import create_app
    from satchel.stages.device_export import changed_only_segment
    from satchel.stages.publish import compress
    from satchel.store import Store

    client = create_app({"DATA_DIR": str(data), "TESTING": True}).test_client()
    changes = client.get(f"/api/v1/bundles/{bundle}/{locale}/changes?since={since}").json
    store = Store(data)
    entries = [e for e in changes["added"] + changes["changed"] if e["object"]]
    articles = sum(store.object_path(e["object"], "br").stat().st_size for e in entries)
    if not changes["search"]:
        return articles, changes
    before, after = (store.manifest(bundle, locale, v) for v in (since, changes["to"]))
    segment = changed_only_segment(store, before, after, sorted(e["id"] for e in entries))
    return articles + len(compress(segment, "br")), changes


@dataclass
class Update:
    received: list[tuple[str, int]]  # every response (url, bytes) the page got
    peer: int  # what changed (``changed_bytes``)
    changes: dict

    @property
    def total(self) -> int:
        return sum(size for _url, size in self.received)

    @property
    def met(self) -> bool:
        return self.total <= 2 * self.peer + ALLOWANCE


TARGET = "≤ 2× changed articles + a segment of their postings (br) + 2 kB"


def update_row(bench: Bench, measure: str, update: Update) -> None:
    by_kind: dict[str, int] = {}
    for url, size in update.received:
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
    changes = update.changes
    bench.row(
        measure,
        update.total,
        "bytes",
        peer=update.peer,
        ratio=update.total / update.peer,
        target=TARGET,
        met=update.met,
        note=f"{len(update.received)} responses: "
        + ", ".join(f"{kind} {size:,} B" for kind, size in sorted(by_kind.items()))
        + f"; {len(changes['changed']) + len(changes['added'])} articles, "
        f"{len(changes['search'])} segment(s) of {sum(s['docs'] for s in changes['search'])} docs",
    )


def sequence_row(bench: Bench, measure: str, updates: list[Update], before: list[int]) -> None:
    """One row for a sequence of updates: the worst against its target, the sum, and what
    the same publishes sent before small segments merged (``before``)."""
    worst = max(updates, key=lambda u: u.total / (2 * u.peer + ALLOWANCE))
    total, peer = sum(u.total for u in updates), sum(u.peer for u in updates)
    bench.row(
        measure,
        total,
        "bytes",
        peer=peer,
        ratio=total / peer,
        target=f"every update {TARGET}",
        met=all(u.met for u in updates),
        note=f"worst update {worst.total:,} B against {worst.peer:,} B; before (a segment per "
        f"update, a new base past 4 segments; server-side sum): {sum(before):,} B in all, "
        f"largest {max(before):,} B",
    )


def measure_updates(bench, browser, bundles, data, bundle, locale, edits) -> list[Update]:
    """Install ``bundle`` × ``locale``, then for each edit publish it and update."""
    from satchel.store import Store

    key = f"{bundle}/{locale}"
    updates = []
    with production(data, bench.workdir / f"run-phone-{bundle}") as topology:
        phone = Phone(browser, topology.url, locale)
        try:
            phone.click(f"download-{key}")
            wait_installed(phone.page, key)
            phone.settle()  # what the install fetches once recorded is not the update's
            for edit in edits:
                since = Store(data).current(bundle)[locale]
                edit()
                timed_build(bundles, data, bench.workdir / "build.log")
                received = phone.update(key, Store(data).current(bundle)[locale])
                updates.append(Update(received, *changed_bytes(data, bundle, locale, since)))
        finally:
            phone.close()
    return updates


def served_update_bytes(data: Path, bundle: str, locale: str, since: int) -> int:
    """What an update from ``since`` to the current version sends, computed on the server:
    the changes as nginx compresses them, the new articles and segments as stored (br)."""
    from satchel import create_app
    from satchel.store import Store

    from .servers import as_nginx_sends

    client = create_app({"DATA_DIR": str(data), "TESTING": True}).test_client()
    body = client.get(f"/api/v1/bundles/{bundle}/{locale}/changes?since={since}").data
    changes = json.loads(body)
    entries = changes["added"] + changes["changed"] + changes["search"]
    store = Store(data)
    stored = sum(
        store.object_path(e["object"], "br").stat().st_size for e in entries if e["object"]
    )
    return len(as_nginx_sends(body)) + stored


def updates_before_merging(bench, bundles, data, bundle, edits) -> list[int]:
    """The bytes of each update with the policy before merging (no merges, a new base past 4
    segments), the same publishes built in this process on a copy."""
    from unittest import mock

    from satchel import create_app
    from satchel.stages import device_export
    from satchel.store import Store

    from .commands import satchel_env

    env = satchel_env(bundles, data)
    app = create_app(
        {
            "BUNDLES_DIR": env["SATCHEL_BUNDLES_DIR"],
            "DATA_DIR": env["SATCHEL_DATA_DIR"],
            "TRANSLATIONS_DIR": env["SATCHEL_TRANSLATIONS_DIR"],
        }
    )
    sizes = []
    with mock.patch.multiple(device_export, MERGE_BUDGET=0, MAX_SEGMENTS=4):
        for edit in edits:
            since = Store(data).current(bundle)["en"]
            edit()
            result = app.test_cli_runner().invoke(args=["bundles", "build", "--no-compress-packs"])
            if result.exit_code:
                raise RuntimeError(result.output)
            sizes.append(served_update_bytes(data, bundle, "en", since))
    return sizes


def fresh_copy(bench: Bench, name: str, data: Path, bundles: Path) -> tuple[Path, Path]:
    """A copy of a built bundle and its data folder, edited by this section only."""
    import shutil

    target = bench.workdir / f"phone-{name}"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(bundles, target / "bundles", symlinks=True)
    shutil.copytree(data, target / "data", symlinks=True)
    return target / "bundles", target / "data"


SEQUENCE = 20  # small updates in a row, each of SEQUENCE_EDITS articles
SEQUENCE_EDITS = 10


def edits(folder: Path) -> list[tuple[str, Callable[[], list[str]]]]:
    """(measure, edit): one article, ten, then the sequence of small updates."""
    single = [
        (f"update after editing {count} article{'s' * (count > 1)}", count, count)
        for count in (1, 10)
    ]
    sequence = [("", SEQUENCE_EDITS, 100 + k) for k in range(SEQUENCE)]
    return [
        (measure, lambda count=count, seed=seed: edit_articles(folder, count, seed))
        for measure, count, seed in single + sequence
    ]


def updates_section(bench: Bench) -> None:
    """Bytes a phone receives per update, every response counted (Chromium, production)."""
    from .device import medquad_data, synthetic_data

    size = bench.sizes[-1]
    synthetic = (synthetic_data(bench), bench.workdir / f"bundles-{size}")
    medquad = (medquad_data(bench), bench.workdir / "bundles-medquad")
    before_bundles, before_data = fresh_copy(bench, "synthetic-before", *synthetic)
    planned = [edit for _measure, edit in edits(before_bundles / "synthetic")]
    before = updates_before_merging(bench, before_bundles, before_data, "synthetic", planned)
    with chromium("--enable-precise-memory-info") as browser:
        for label, bundle, (data, bundles) in (
            (f"{size:,} summaries", "synthetic", synthetic),
            ("MedQuAD", "medquad", medquad),
        ):
            bundles, data = fresh_copy(bench, bundle, data, bundles)
            planned = edits(bundles / bundle)[: None if bundle == "synthetic" else 2]
            updates = measure_updates(
                bench, browser, bundles, data, bundle, "en", [edit for _m, edit in planned]
            )
            for (measure, _edit), update in zip(planned[:2], updates, strict=False):
                update_row(bench, f"{measure}, {label}", update)
            if bundle == "synthetic":
                sequence_row(
                    bench,
                    f"{SEQUENCE} updates in a row, {SEQUENCE_EDITS} articles each, {label}",
                    updates[2:],
                    before[2:],
                )
        spanish_update(bench, browser, *reversed(synthetic))


def spanish_update(bench: Bench, browser, bundles: Path, data: Path) -> None:
    """One article of the larger synthetic bundle translated into Spanish, installed; then
    one sentence corrected."""
    bundles, data = fresh_copy(bench, "synthetic-es", data, bundles)
    _article, correct = translate_one_article(bench, bundles, data, "synthetic")
    (update,) = measure_updates(bench, browser, bundles, data, "synthetic", "es", [correct])
    update_row(bench, "update after correcting 1 translated sentence, es", update)


# -- install ---------------------------------------------------------------------------------

# The pack the app fetches, from the same URL (its content source's brotli copy), so that the
# floor reads the very bytes the install reads (the API's /pack is another answer).
PACK_URL = """const packUrl = async (bundle, locale) => {
  const current = await fetch(`/repo/bundles/${bundle}/current.json`, { cache: "no-cache" });
  const version = (await current.json()).locales[locale];
  return `/repo/bundles/${bundle}/${locale}/${version}.pack.ndjson.br`;
};"""

FLOOR = "async ([bundle, locale]) => {\n" + PACK_URL + """
  const started = performance.now();
  let peak = performance.memory.usedJSHeapSize;
  const manifest = { value: null };
  const response = await fetch(await packUrl(bundle, locale));
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
    await (await fetch(`/repo/objects/${segment.object.slice(0, 2)}/${segment.object}`))
      .arrayBuffer();
  }
  return { ms: performance.now() - started, lines, peak };
}"""

# One part of an install at a time, to tell where its time goes: the pack fetched and cut into
# lines (step "fetch"), then each line also parsed, hashed as download.js hashes it (the digests
# of a 60 kB chunk awaited together), or stored as db.js stores it (copied into 60 kB chunk
# records listing their lines, 1 MB of them a transaction, in a scratch database).
STEP = "async ([bundle, locale, step]) => {\n" + PACK_URL + """
  const started = performance.now();
  const response = await fetch(await packUrl(bundle, locale));
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const db = step !== "put" ? null : await new Promise((resolve, reject) => {
    const open = indexedDB.open(`bench-${step}-${Date.now()}`);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("chunks", { keyPath: "id" })
        .createIndex("names", "names", { multiEntry: true });
      open.result.createObjectStore("chunkData", { keyPath: "id" });
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  let chunk = new Uint8Array(60 << 10);
  let ends = [];
  let hashes = [];
  let chunks = [];
  const seal = async () => {
    if (step === "hash") await Promise.all(hashes);
    if (step === "put") chunks.push({ id: lines, names: ends.map((_, i) => `${lines}-${i}`), ends,
      bytes: chunk.slice(0, ends.at(-1)).buffer });
    [ends, hashes] = [[], []];
  };
  const flush = async () => {
    if (step === "put" && chunks.length) {
      await new Promise((resolve, reject) => {
        const tx = db.transaction(["chunks", "chunkData"], "readwrite");
        for (const { id, names, ends: at, bytes } of chunks) {
          tx.objectStore("chunks").put({ id, names, ends: at });
          tx.objectStore("chunkData").put({ id, bytes });
        }
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
    }
    chunks = [];
  };
  const line = async (bytes) => {
    if (step === "parse") JSON.parse(decoder.decode(bytes));
    if (step !== "hash" && step !== "put") return;
    const used = ends.at(-1) ?? 0;
    if (ends.length && used + bytes.length > 60 << 10) {
      await seal();
      if (chunks.length >= 16) await flush();
    }
    const start = ends.at(-1) ?? 0;
    if (start + bytes.length > chunk.length) chunk = new Uint8Array(start + bytes.length);
    chunk.set(bytes, start);
    ends.push(start + bytes.length);
    if (step === "hash") hashes.push(crypto.subtle.digest("SHA-256", bytes));
  };
  let rest = new Uint8Array(0);
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let chunked = value;
    if (rest.length) {
      chunked = new Uint8Array(rest.length + value.length);
      chunked.set(rest);
      chunked.set(value, rest.length);
    }
    let start = 0;
    let end;
    while ((end = chunked.indexOf(10, start)) >= 0) {
      await line(chunked.subarray(start, end));
      lines += 1;
      start = end + 1;
    }
    rest = chunked.slice(start);
  }
  if (ends.length) await seal();
  await flush();
  if (db) db.close();
  return { ms: performance.now() - started, lines };
}"""
# What an install does with the manifest, each part timed alone on its bytes (the manifest file of
# the current version, the very bytes of the pack's first line): parse them, hash them twice (the
# ETag's digest and the publisher metadata's target check), verify an Ed25519 signature over them
# (a key made here: the cost is the bytes' SHA-512, whoever signed), and store them twice in a
# scratch database, as the staging and then the installs record. The parsed manifest is kept in
# `window.benchManifest`, as db.js keeps it, for the heap it holds to be read.
MANIFEST_PARTS = "async ([bundle, locale]) => {\n" + PACK_URL + """
  const url = (await packUrl(bundle, locale)).replace(/\\.pack\\.ndjson\\.br$/, ".json");
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const timed = async (work) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const key = await crypto.subtle.generateKey("Ed25519", false, ["sign", "verify"]);
  const signature = await crypto.subtle.sign("Ed25519", key.privateKey, bytes);
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open(`bench-manifest-${Date.now()}`);
    open.onupgradeneeded = () => open.result.createObjectStore("records", { keyPath: "id" });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const put = (id) => new Promise((resolve, reject) => {
    const tx = db.transaction("records", "readwrite");
    tx.objectStore("records").put({ id, manifestBytes: bytes.slice().buffer });
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  const parts = {
    parse: await timed(() => {
      window.benchManifest = JSON.parse(new TextDecoder().decode(bytes));
    }),
    hash: await timed(() => Promise.all([1, 2].map(() => crypto.subtle.digest("SHA-256", bytes)))),
    verify: await timed(() => crypto.subtle.verify("Ed25519", key.publicKey, signature, bytes)),
    store: await timed(async () => { await put("staging"); await put("installs"); }),
  };
  db.close();
  return { bytes: bytes.length, parts };
}"""


def manifest_parts(page, cdp, bundle: str, locale: str = "en") -> dict:
    """``MANIFEST_PARTS`` at the page's slowdown: the manifest's bytes, what each part took
    (ms), and the JS heap its parsed form holds (bytes, after garbage collection)."""
    def heap() -> int:
        cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Runtime.getHeapUsage")["usedSize"]

    before = heap()
    measured = page.evaluate(MANIFEST_PARTS, [bundle, locale])
    measured["parsed_heap"] = heap() - before
    page.evaluate("() => { delete window.benchManifest; }")
    return measured


BREAKDOWN_STEPS = ("fetch", "parse", "hash", "put")
STEP_NAMES = {
    "parse": "parse each line",
    "hash": "hash each line",
    "put": "store the lines in 60 kB chunk records",
}

# The app's own buttons, as a reader uses them: the production build keeps no module of the
# download at a fixed URL to import. `appears(key)`: once the button of that focus key shows.
APPEARS = """const appears = (key) => new Promise((resolve) => {
  const found = () => document.querySelector(`[data-focus-key="${key}"]`);
  if (found()) { resolve(); return; }
  const watch = new MutationObserver(() => {
    if (found()) { watch.disconnect(); resolve(); }
  });
  watch.observe(document.body, { childList: true, subtree: true });
});"""

INSTALL = "async (key) => {\n" + APPEARS + """
  let peak = performance.memory.usedJSHeapSize;
  const sampler = setInterval(() => {
    peak = Math.max(peak, performance.memory.usedJSHeapSize);
  }, 50);
  const before = performance.memory.usedJSHeapSize;
  const installed = appears(`remove-${key}`);
  const started = performance.now();
  document.querySelector(`[data-focus-key="download-${key}"]`).click();
  await installed;
  const ms = performance.now() - started;
  clearInterval(sampler);
  return { ms, peak: Math.max(peak, performance.memory.usedJSHeapSize), before };
}"""

# Remove the download (so everything is stored anew), then time the install of the file the
# bench hands to the page's file input, from its change event.
UNINSTALL = """
  const removed = appears(`download-${key}`);
  document.querySelector(`[data-focus-key="remove-${key}"]`).click();
  await removed;"""
REMOVE_DOWNLOAD = "async (key) => {\n" + APPEARS + UNINSTALL + "\n}"
REMOVE = "async (key) => {\n" + APPEARS + UNINSTALL + """
  window.benchImport = new Promise((resolve) => {
    document.addEventListener("change", () => {
      const started = performance.now();
      appears(`remove-${key}`).then(() => resolve({ ms: performance.now() - started }));
    }, { capture: true, once: true });
  });
}"""


def imported(page, key: str, data: bytes) -> dict:
    """The time the app took to install ``data`` opened as a file, removed first."""
    page.evaluate(REMOVE, key)
    file = {"name": "medquad.satchel", "mimeType": "application/octet-stream", "buffer": data}
    page.set_input_files("#bundle-file", files=[file])
    return page.evaluate("() => window.benchImport")


def file_row(bench: Bench, store, version: int, size: int, before: int) -> None:
    """MedQuAD's ``.satchel`` file against its first install over the network (the pack and
    segments as nginx sends them: their brotli copies)."""
    from satchel.manifest import search_segments
    from satchel.store import encoded

    manifest = store.manifest("medquad", "en", version)
    pack = encoded(store.pack_path("medquad", "en", version), "br").stat().st_size
    names = [s["object"] for s in search_segments(manifest)]
    download = pack + sum(store.object_path(name, "br").stat().st_size for name in names)
    bundle_file_row(bench, "MedQuAD bundle file (.satchel format 2)", size, download, before)
    metadata_in_files_row(bench, "TUF metadata a .satchel file carries, MedQuAD", store, [size])


def bundle_file_row(bench: Bench, measure: str, size: int, download: int, before: int, note=""):
    """A ``.satchel`` file's bytes against the first install it carries, and a file of the
    format before (``before``: gzip 9 of the plain records, as a device writes it)."""
    bench.row(
        measure,
        size,
        "bytes",
        peer=download,
        ratio=size / download,
        target="≤ 1.15× a first install",
        met=size <= 1.15 * download,
        note=f"peer: a first install over the network. {note}Before, format 1 (gzip 9 of "
        f"manifest, articles and segments, as a device still writes it): {before:,} B "
        f"({before / download:.2f}×)",
    )


def main_thread_seconds(cdp, metric: str = "TaskDuration") -> float:
    """How long the page's main thread has been busy (CDP's TaskDuration), or the CPU time it
    has used (``ThreadTime``)."""
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == metric)


def cpu_seconds(page, cdp, script: str, arg) -> float:
    """The CPU time the page's main thread spent on ``script``: unlike the time it took, the
    machine's other work does not move it."""
    before = main_thread_seconds(cdp, "ThreadTime")
    page.evaluate(script, arg)
    return main_thread_seconds(cdp, "ThreadTime") - before


def cpu_rounds(page, cdp) -> list[tuple[float, float]]:
    """The main thread's CPU time for the install and for the floor, ``ROUNDS`` times, at full
    speed: CPU throttling spins the thread, and that would count."""
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    rounds = []
    for _ in range(ROUNDS):
        page.evaluate(REMOVE_DOWNLOAD, "medquad/en")
        cdp.send("HeapProfiler.collectGarbage")
        floor = cpu_seconds(page, cdp, FLOOR, ["medquad", "en"])
        cdp.send("HeapProfiler.collectGarbage")
        rounds.append((cpu_seconds(page, cdp, INSTALL, "medquad/en"), floor))
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN})
    return rounds


def cpu_row(bench: Bench, rounds: list[tuple[float, float]]) -> None:
    """The round of the median ratio of ``cpu_rounds``."""
    install, floor = sorted(rounds, key=lambda pair: pair[0] / pair[1])[len(rounds) // 2]
    bench.row(
        "main-thread CPU of that install, CPU not slowed",
        install,
        "s",
        peer=floor,
        ratio=install / floor,
        note="peer: the floor's; CDP's ThreadTime, the round of the median ratio of "
        + ", ".join(f"{i:.2f}/{f:.2f} s" for i, f in rounds),
    )


def breakdown_row(bench: Bench, steps: dict[str, float], installed: dict) -> None:
    """Where the install's time goes: each part alone on top of fetching the pack, at the
    same slowdown, and how long the install kept the page's main thread busy."""
    fetch = steps["fetch"]
    added = {step: ms - fetch for step, ms in steps.items() if step != "fetch"}
    bench.row(
        "that install's parts: fetch and cut the pack into lines",
        fetch / 1000,
        "s",
        note=", ".join(f"{STEP_NAMES[step]} +{ms / 1000:.2f} s" for step, ms in added.items())
        + f"; the install kept the main thread busy {installed['main_thread_ms'] / 1000:.2f} s"
        f" of its {installed['ms'] / 1000:.2f} s",
    )
    bench.state["install_parts"] = {**steps, "main_thread": installed["main_thread_ms"]}


# On a loaded machine one floor and one install minutes apart say little: each round measures
# the floor and then the install, and the row reports the round of the median ratio.
ROUNDS = 3


def floor_then_install(page, cdp, bundle: str = "medquad", locale: str = "en") -> tuple[dict, dict]:
    """One round: the floor, then the app's install (the download removed first, if any)."""
    key = f"{bundle}/{locale}"
    if page.query_selector(f'[data-focus-key="remove-{key}"]'):
        page.evaluate(REMOVE_DOWNLOAD, key)
    cdp.send("HeapProfiler.collectGarbage")
    floor = page.evaluate(FLOOR, [bundle, locale])
    cdp.send("HeapProfiler.collectGarbage")
    busy = main_thread_seconds(cdp)
    installed = page.evaluate(INSTALL, key)
    installed["main_thread_ms"] = (main_thread_seconds(cdp) - busy) * 1000
    return floor, installed


def slowed_app_page(browser, url: str):
    """The app at ``url`` in a context of its own (service worker blocked), its CPU slowed
    ``SLOWDOWN``×, CDP's performance metrics on: (context, page, CDP session)."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_selector("html[data-ready]")
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN})
    cdp.send("Performance.enable")
    return context, page, cdp


def install_section(bench: Bench) -> None:
    """MedQuAD installed by the app at 4× CPU slowdown, against a floor in the same page, then
    installed again from a ``.satchel`` file."""
    from satchel.commands.bundle_file import (
        device_records,
        write_bundle_file,
        write_device_records,
    )
    from satchel.store import Store

    from .device import medquad_data

    data = medquad_data(bench)
    bundles = bench.workdir / "bundles-medquad"
    flask_command(["bundles", "compress-packs"], bundles, data, bench.workdir / "build.log")
    store = Store(data)
    version = store.current("medquad")["en"]
    passed_on, device_file = io.BytesIO(), io.BytesIO()
    write_bundle_file(store, "medquad", "en", version, passed_on)
    write_device_records(device_records(store, "medquad", "en", version), device_file)
    with production(data, bench.workdir / "run-install") as topology, chromium() as browser:
        context, page, cdp = slowed_app_page(browser, topology.url)
        # Each starts from a collected heap, so neither pays for the other's garbage.
        steps = {}
        for step in BREAKDOWN_STEPS:
            cdp.send("HeapProfiler.collectGarbage")
            steps[step] = page.evaluate(STEP, ["medquad", "en", step])["ms"]
        rounds = [floor_then_install(page, cdp) for _ in range(ROUNDS)]
        floor, installed = sorted(rounds, key=lambda pair: pair[1]["ms"] / pair[0]["ms"])[1]
        cpu = cpu_rounds(page, cdp)
        cdp.send("HeapProfiler.collectGarbage")
        from_file = imported(page, "medquad/en", passed_on.getvalue())
        cdp.send("HeapProfiler.collectGarbage")
        from_device_file = imported(page, "medquad/en", device_file.getvalue())
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        context.close()
    file_row(bench, store, version, len(passed_on.getvalue()), len(device_file.getvalue()))
    ratio = installed["ms"] / floor["ms"]
    each = ", ".join(f"{i['ms'] / 1000:.2f}/{f['ms'] / 1000:.2f} s" for f, i in rounds)
    bench.row(
        f"first install of MedQuAD ({floor['lines'] - 1:,} articles), CPU {SLOWDOWN}× slower",
        installed["ms"] / 1000,
        "s",
        peer=floor["ms"] / 1000,
        ratio=ratio,
        target="≤ 1.5× floor (fetch and parse only)",
        met=ratio <= 1.5,
        note="the floor fetches the same pack and segments from the same URLs and parses each "
        "line; the median of "
        f"{ROUNDS} rounds of floor then install, install/floor: {each}",
    )
    breakdown_row(bench, steps, installed)
    cpu_row(bench, cpu)
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
        from_file["ms"] / 1000,
        "s",
        peer=installed["ms"] / 1000,
        ratio=from_file["ms"] / installed["ms"],
        note=f"peer: the install over the network above; the file is "
        f"{len(passed_on.getvalue()):,} B (format 2, brotli, decoded in JavaScript). Before, "
        f"format 1 (gzip, as a device writes it): {from_device_file['ms'] / 1000:.1f} s for "
        f"{len(device_file.getvalue()):,} B",
    )
    bench.state["install"] = {
        "floor": floor,
        "install": installed,
        "import": from_file,
        "import_device_format": from_device_file,
        "main_thread_cpu": cpu,
    }


# -- the same from a CDN ----------------------------------------------------------------------

@dataclass
class Visit:
    """A first install then a one-edit update, as one phone on one content source saw them."""

    install_ms: float = 0
    install_bytes: int = 0
    update_ms: float = 0
    update_bytes: int = 0


def install_and_update_from_two_sources(bench: Bench, bundles: Path, data: Path, sources: dict):
    """The app installing the synthetic bundle at 4× CPU, then updating after one edit, from
    each of ``sources`` (label → the app's URL, whose page names its content source), the
    phones side by side: both install the same version and update to the same one. Returns
    label → ``Visit``."""
    from satchel.store import Store

    key = "synthetic/en"
    visits = {label: Visit() for label in sources}
    with chromium() as browser:
        phones = {label: Phone(browser, url) for label, url in sources.items()}
        try:
            for label, phone in phones.items():
                phone.context.new_cdp_session(phone.page).send(
                    "Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN}
                )
                received = phone.received_during(
                    lambda phone=phone: installed_from_the_library(phone, key)
                )
                visits[label].install_ms = phone.worked_seconds * 1000
                visits[label].install_bytes = sum(size for _url, size in received)
            edit_articles(bundles / "synthetic", 1, seed=7)
            timed_build(bundles, data, bench.workdir / "build.log")
            version = Store(data).current("synthetic")["en"]
            for label, phone in phones.items():
                received = phone.update(key, version)
                visits[label].update_ms = phone.worked_seconds * 1000
                visits[label].update_bytes = sum(size for _url, size in received)
        finally:
            for phone in phones.values():
                phone.close()
    return visits


def installed_from_the_library(phone: Phone, key: str) -> None:
    phone.click(f"download-{key}")
    wait_installed(phone.page, key)


def cdn_phone_rows(bench: Bench, label: str, cdn: Visit, flask: Visit) -> None:
    """A first install and a one-edit update from the CDN against the same from Flask."""
    for measure, through, direct, unit, scale in (
        ("first install", cdn.install_ms, flask.install_ms, "s", 1000),
        ("first install", cdn.install_bytes, flask.install_bytes, "bytes", 1),
        ("update after editing 1 article", cdn.update_ms, flask.update_ms, "s", 1000),
        ("update after editing 1 article", cdn.update_bytes, flask.update_bytes, "bytes", 1),
    ):
        slowed = f", CPU {SLOWDOWN}× slower" if unit == "s" else ""
        bench.row(
            f"{measure} of {label} from the CDN stand-in{slowed}",
            through / scale,
            unit,
            peer=direct / scale,
            ratio=through / direct,
            note="peer: the same from Flask's /repo/ in the same run; every response the page "
            "received, headers included" if unit == "bytes" else "peer: the same from "
            "Flask's /repo/ in the same run; timed from the click (an update: from the app's "
            "check) to the version installed, polled every 200 ms",
        )
