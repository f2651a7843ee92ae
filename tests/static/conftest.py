"""Browser fixtures: the sample bundles built and served on a free loopback
port, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import axe_playwright_python
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, Root, Snapshot, TargetFile, Targets, Timestamp
from werkzeug.serving import make_server

from satchel import create_app
from satchel.bucket import Bucket
from satchel.manifest import canonical_bytes
from satchel.stages.pipeline import build
from satchel.stages.sign import Signer, describe_key

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def _app_is_built(built_app):
    """Every page here is the production build, as phones run it; SATCHEL_APP_SOURCES=1 runs
    them on static/ as written instead, to debug."""


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    build(PROJECT / "bundles", data, translations_dir=PROJECT / "translations", preview=True)
    url, stop = serve(create_app({"DATA_DIR": str(data), "BUNDLES_DIR": str(PROJECT / "bundles")}))
    yield url
    stop()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


ARTIFACTS = PROJECT / "test-artifacts"


def buffered(app):
    """``app`` answering with bytes, never an open file. When a browser resets a
    connection mid-response, werkzeug's development server raises before it closes
    the response, and the file left open fails the test with a ResourceWarning."""

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


def serve(app):
    """Serve ``app`` on a free loopback port; returns (url, stop)."""
    server = make_server("127.0.0.1", 0, buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join()

    return f"http://127.0.0.1:{server.server_port}", stop


class Site:
    """A server over a private copy of the sample bundles that a test may edit and republish.
    Its builds, like the live server's, are preview builds (``satchel build --preview``):
    what a download costs is only ever compared with what the same build published."""

    def __init__(
        self,
        root: Path,
        translated: bool = False,
        config: dict | None = None,
        bucket: Bucket | None = None,
    ):
        self.bundles = root / "bundles"
        self.data = root / "data"
        self.translations = PROJECT / "translations" if translated else None
        self.bucket = bucket  # where each build also publishes, its packs compressed
        shutil.copytree(PROJECT / "bundles", self.bundles)
        self.publish()
        self.app = create_app(
            {"DATA_DIR": str(self.data), "BUNDLES_DIR": str(self.bundles), **(config or {})}
        )
        self.url, self.stop = serve(self.app)

    def summary(self, bundle: str, summary_id: str) -> Path:
        return self.bundles / bundle / "summaries" / f"{summary_id}.md"

    def edit(self, bundle: str, summary_id: str, old: str, new: str) -> None:
        path = self.summary(bundle, summary_id)
        text = path.read_text()
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1))

    def publish(self, bundle: str | None = None) -> None:
        """Build ``bundle`` (None: every one), as ``satchel bundles build`` would."""
        build(
            self.bundles,
            self.data,
            [bundle] if bundle else None,
            translations_dir=self.translations,
            compress=self.bucket is not None,
            preview=True,
            bucket=self.bucket,
        )

    def get(self, path: str):
        with self.app.test_client() as client:
            return client.get(path)


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path)
    yield site
    site.stop()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context with ``options``; fails the test on any page error."""
    opened = []

    def make(**options):
        context = browser.new_context(**options)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        opened.append((context, errors))
        return page

    yield make
    for context, errors in opened:
        # A route handler still answering a request the page no longer waits for would fail
        # in whichever test calls Playwright next ("Response has been disposed").
        context.unroute_all(behavior="ignoreErrors")
        context.close()
        assert errors == [], f"JavaScript errors on the page: {errors}"


def ready(page, url: str | None = None):
    """Load ``url`` (or reload) and wait until start-up, sync included, has finished."""
    if url:
        page.goto(url)
    else:
        page.reload()
    page.wait_for_selector("html[data-ready]")


def controlled(page) -> None:
    """Wait until the service worker controls the page (wait_for_function would need eval)."""
    page.evaluate(
        """() => navigator.serviceWorker.controller || new Promise((resolve) =>
            navigator.serviceWorker.addEventListener("controllerchange", resolve))"""
    )


def shell_cache_urls(page) -> list[str]:
    """The URLs the worker's shell cache holds."""
    return page.evaluate(
        """async () => {
            const shell = (await caches.keys()).find((name) => name.startsWith("satchel-shell-"));
            return (await (await caches.open(shell)).keys()).map((request) => request.url);
        }"""
    )


DECODER = "/vendor/brotli-decode"


def offline_code_cached(page) -> None:
    """Wait until the worker has cached the code it keeps for offline use once the started app
    is idle (the `.satchel` decoder and every language's search code, static/sw.js)."""
    wanted = set(page.evaluate(
        """async () => {
            const head = (await (await fetch("/sw.js")).text()).split("\\n")[0];
            const shell = JSON.parse(head.replace(/^const SHELL = /, "").replace(/;$/, ""));
            return shell.later.filter((file) => file.offline)
                .map((file) => new URL(file.url, location.href).href);
        }"""
    ))
    assert wanted, "the worker lists no code to keep for offline use"
    for _ in range(300):
        if wanted <= set(shell_cache_urls(page)):
            return
        page.wait_for_timeout(100)
    missing = wanted - set(shell_cache_urls(page))
    raise AssertionError(f"the worker did not cache {sorted(missing)} in 30 s")


def install(page, title: str) -> None:
    """Download the bundle whose card is titled ``title`` and wait until it is installed."""
    card = page.locator("li.card", has=page.get_by_role("heading", name=title))
    card.get_by_role("button", name="Download for offline").click()
    card.get_by_text("Downloaded: version").wait_for()


def installed_record(page, key: str) -> dict | None:
    """The device's install record of ``key`` (``bundle/locale``): version, manifest, keyId…,
    the manifest parsed from the bytes the record keeps, as the app reads it."""
    return page.evaluate(
        """key => new Promise((resolve, reject) => {
            const open = indexedDB.open("satchel");
            open.onsuccess = () => {
                const get = open.result.transaction("installs").objectStore("installs").get(key);
                get.onsuccess = () => {
                    const { manifestBytes, ...record } = get.result || {};
                    if (manifestBytes) {
                        record.manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
                    }
                    resolve(get.result ? record : null);
                    open.result.close();
                };
                get.onerror = () => reject(get.error);
            };
        })""",
        key,
    )


def installed_version(page, key: str):
    install = installed_record(page, key)
    return install and install["version"]


def signed_by_stub_publisher(context, manifest: dict) -> dict:
    """``manifest`` signed by a key made for the test, which the repository's key ring
    offers to every page of ``context``, served where the repository keeps it, with TUF
    metadata whose first root that key signed and whose targets list it: a device meeting
    it first trusts it, as it would a real publisher."""
    private = Ed25519PrivateKey.generate()
    key = describe_key(private.public_key())
    context.route("**/repo/keys/keyring.json", lambda route: route.fulfill(json={"keys": [key]}))
    signed = Signer([key], private).sign({**manifest, "keys": [key]})
    path = f"bundles/{signed['bundle']}/{signed['locale']}/{signed['version']}.json"
    body = canonical_bytes(signed)
    context.route(f"**/repo/{path}", lambda route: route.fulfill(body=body))
    serve_stub_repository(context, CryptoSigner(private), {path: body})
    return signed


def serve_stub_repository(context, signer: CryptoSigner, files: dict[str, bytes]) -> None:
    """A TUF repository of one key for every role, listing ``files``, at ``/repo/tuf/``."""
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    root = Root(expires=expires, consistent_snapshot=True)
    for role in ("root", "targets", "snapshot", "timestamp"):
        root.add_key(signer.public_key, role)
    listed = {path: TargetFile.from_data(path, data, ["sha256"]) for path, data in files.items()}
    served = {}
    for role in (root, Targets(expires=expires, targets=listed), Snapshot(expires=expires)):
        served[f"1.{role.type}.json"] = signed_bytes(role, signer)
    served["timestamp.json"] = signed_bytes(Timestamp(expires=expires), signer)

    def answer(route):
        body = served.get(route.request.url.rsplit("/", 1)[1])
        route.fulfill(status=200 if body else 404, body=body or b"")

    context.route("**/repo/tuf/*", answer)


def signed_bytes(signed, signer: CryptoSigner) -> bytes:
    metadata = Metadata(signed)
    metadata.sign(signer)
    return metadata.to_bytes()


def stored_keys(page, store: str) -> list:
    """The keys of the device's IndexedDB object store ``store``."""
    return page.evaluate(
        """store => new Promise((resolve) => {
            const open = indexedDB.open("satchel");
            open.onsuccess = () => {
                const keys = open.result.transaction(store).objectStore(store).getAllKeys();
                keys.onsuccess = () => { resolve(keys.result); open.result.close(); };
            };
        })""",
        store,
    )


# Each object the device stores, chunk after chunk (static/lib/db.js): its name and the sha256 of
# the bytes its chunk holds for it.
STORED_OBJECTS = """() => new Promise((resolve) => {
    const open = indexedDB.open("satchel");
    open.onsuccess = () => {
        const tx = open.result.transaction(["chunks", "chunkData"]);
        const chunks = tx.objectStore("chunks").getAll();
        const data = tx.objectStore("chunkData").getAll();
        tx.oncomplete = async () => {
            open.result.close();
            const bytesOf = new Map(data.result.map((record) => [record.id, record.bytes]));
            const hex = (digest) => Array.from(new Uint8Array(digest),
                (b) => b.toString(16).padStart(2, "0")).join("");
            const stored = [];
            for (const chunk of chunks.result) {
                const bytes = bytesOf.get(chunk.id);
                for (const [i, name] of chunk.names.entries()) {
                    const start = i ? chunk.ends[i - 1] : 0;
                    const digest = await crypto.subtle.digest("SHA-256",
                        bytes.slice(start, chunk.ends[i]));
                    stored.push({ name, sha256: hex(digest), last: i === chunk.names.length - 1,
                        whole: chunk.ends[i] === bytes.byteLength });
                }
            }
            resolve(stored);
        };
    };
})"""


def stored_objects(page) -> list[str]:
    """The names of the objects the device stores; each one's bytes must hash to its name, and
    each chunk's bytes end with its last object."""
    stored = page.evaluate(STORED_OBJECTS)
    assert [o["name"] for o in stored if o["sha256"] != o["name"]] == []
    assert all(o["whole"] for o in stored if o["last"])
    return [o["name"] for o in stored]


OLDER_DATABASE = (Path(__file__).parent / "js" / "older-database.js").read_text()


def as_older_database(page, version: int) -> dict:
    """Make the device's database what the app of IndexedDB ``version`` left, with the same
    records (tests/static/js/older-database.js); returns its {version, stores}."""
    return page.evaluate(f"({OLDER_DATABASE})({version})")


FAKE_SPEECH = (Path(__file__).parent / "js" / "fake-speech.js").read_text()


def fake_speech(context, voices: list[dict]) -> None:
    """Give every page of ``context`` a fake speech engine with ``voices`` ({lang, …})
    installed before the app starts; ``window.fakeSpeech`` drives and records it."""
    context.add_init_script(f"({FAKE_SPEECH})({json.dumps(voices)})")


AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page):
    """What axe-core finds against WCAG 2.2 AA on ``page``: (rule, help, first targets)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
    ]


def long_date(moment: datetime) -> str:
    """A date as the app writes it in English (Intl, dateStyle long, UTC)."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def checked_line(moment: datetime) -> str:
    return f"Checked with the publisher on {long_date(moment)}."


def not_checked_line(moment: datetime) -> str:
    return f"Not checked since {long_date(moment)}: connect to the internet to check for changes."


# The device's kept TUF metadata (freshness.js), as JSON.
TRUST_RECORD = """() => new Promise((resolve) => {
  const open = indexedDB.open("satchel");
  open.onsuccess = () => {
    const get = open.result.transaction("trust").objectStore("trust").get("repository");
    get.onsuccess = () => { resolve(JSON.stringify(get.result || null)); open.result.close(); };
  };
})"""
