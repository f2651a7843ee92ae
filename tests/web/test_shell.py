"""The PWA's shell: the production build (built/) is what the server sends, precompressed,
with immutable hashed chunks; the service worker carries a precache list with content
hashes that follows the files, built or (APP_SOURCES) in static/; the web manifest is
served as one."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import brotli
import pytest

from satchel.commands import build_app
from satchel.web import shell as web
from satchel.web.shell import STATIC_DIR

from ..conftest import app_for

pytestmark = pytest.mark.usefixtures("built_app")


@pytest.fixture
def sources_client(tmp_path, bundles_dir):
    app = app_for(tmp_path, bundles_dir)
    app.config["APP_SOURCES"] = True
    return app.test_client()


def precache_of(client) -> dict:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.cache_control.no_cache
    head = response.get_data(as_text=True).split("\n", 1)[0]
    assert head.startswith("const SHELL = ") and head.endswith(";")
    return json.loads(head.removeprefix("const SHELL = ").removesuffix(";"))


def test_worker_of_the_sources_lists_every_shell_file_with_its_hash(sources_client):
    client = sources_client
    shell = precache_of(client)
    urls = {entry["url"]: entry["sha256"] for entry in shell["files"]}
    assert {"/", "/static/app.js", "/static/app.css", "/static/lib/i18n.js"} <= set(urls)
    assert "/static/manifest.webmanifest" in urls and "/static/icons/icon-192.png" in urls
    assert "/static/sw.js" not in urls
    # Only browsers without WebCrypto's Ed25519 need it, only devices with a Chinese bundle the
    # Han table and only those with a bundle in a language its stemmer: listed apart, cached
    # when first used. The brotli decoder opens files from `satchel export`, often offline, and
    # a bundle handed over offline needs its language's code: those are also cached once the
    # app has started and is idle.
    later = {entry["url"]: entry["sha256"] for entry in shell["later"]}
    offline = {entry["url"]: entry["offline"] for entry in shell["later"]}
    assert offline == {
        "/static/vendor/noble-ed25519.js": False,
        "/static/vendor/brotli-decode.js": True,
        "/static/lib/han.js": True,
        **{f"/static/lib/stem/{lang}.js": True for lang in ("ar", "en", "es", "pt", "ru")},
    }
    # What every stemmer uses is part of the shell.
    assert "/static/lib/stem/regions.js" in urls
    # In static/ each file is the module it names.
    assert {entry["module"] for entry in shell["later"]} == {
        url.removeprefix("/static/") for url in later
    }
    assert not set(later) & set(urls)
    for url, digest in {**urls, **later}.items():
        body = client.get(url).data
        assert hashlib.sha256(body).hexdigest() == digest, url


def copied_sources(tmp_path):
    """A copy of the app's files in static/ that a test may edit."""
    copy = tmp_path / "static"
    for name in web.page_files() + ["sw.js"]:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((STATIC_DIR / name).read_bytes())
    return copy


def test_a_changed_source_file_changes_the_worker_version(sources_client, tmp_path, monkeypatch):
    client = sources_client
    before = precache_of(client)["version"]
    copy = copied_sources(tmp_path)
    monkeypatch.setattr(web, "STATIC_DIR", copy)
    assert precache_of(client)["version"] == before
    (copy / "app.css").write_text((copy / "app.css").read_text() + "\n/* changed */\n")
    changed = precache_of(client)["version"]
    assert changed != before
    vendored = copy / "vendor" / "noble-ed25519.js"
    vendored.write_text(vendored.read_text() + "\n")
    assert precache_of(client)["version"] != changed


def test_web_manifest_is_served_as_one(client):
    response = client.get("/static/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.json
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"} and {"192x192", "512x512"} <= sizes


def built_page_urls(client) -> list[str]:
    page = client.get("/").get_data(as_text=True)
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', page)


def test_built_worker_precaches_every_built_file_but_source_maps(client):
    shell = precache_of(client)
    urls = {entry["url"]: entry["sha256"] for entry in shell["files"]}
    assert {"/", "/static/lib/search-worker.js", *built_page_urls(client)} <= set(urls)
    assert not {url for url in urls if url.endswith(".map")}
    # Minified, and no longer the source files: the page's script is one hashed bundle.
    assert "/static/app.js" not in urls and "/static/lib/stem/en.js" not in urls
    # Modules tests import by URL keep it, and are there offline too.
    assert "/static/lib/search-engine.js" in urls
    # The stemmers and the Han table stay chunks of their own, loaded and cached on demand,
    # named with the source module each is, which a new worker caches again under its new name.
    chunks = {re.sub(r"-[A-Z2-7]{8}\.js$", "", url) for url in urls}
    assert "/static/lib/regions" in chunks
    later = {entry["url"]: entry["sha256"] for entry in shell["later"]}
    modules = {
        re.sub(r"-[A-Z2-7]{8}\.js$", "", entry["url"]): entry["module"] for entry in shell["later"]
    }
    assert modules == {
        "/static/vendor/noble-ed25519.js": "vendor/noble-ed25519.js",
        "/static/vendor/brotli-decode.js": "vendor/brotli-decode.js",
        "/static/lib/han": "lib/han.js",
        **{f"/static/lib/{lang}": f"lib/stem/{lang}.js" for lang in ("ar", "en", "es", "pt", "ru")},
    }
    # A .satchel file or a bundle is often handed over offline: the decoder and every language's
    # code are cached unasked, after the shell; Ed25519's fallback only when a browser needs it.
    offline = {entry["module"] for entry in shell["later"] if entry["offline"]}
    assert offline == set(modules.values()) - {"vendor/noble-ed25519.js"}
    for url, digest in {**urls, **later}.items():
        body = client.get(url, headers={"Accept-Encoding": "br"})
        assert hashlib.sha256(decoded(body)).hexdigest() == digest, url


def decoded(response) -> bytes:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, bytes)(data)


def test_for_another_content_source_the_built_worker_lists_the_page_as_sent(
    client, tmp_path, bundles_dir
):
    app = app_for(tmp_path, bundles_dir)
    app.config["CONTENT_URL"] = "https://cdn.example/satchel/"
    other = app.test_client()
    page = other.get("/").get_data()
    assert b'<meta name="satchel-content" content="https://cdn.example/satchel/">' in page
    built, sent = precache_of(client), precache_of(other)
    # The same files, chunks cached on demand (the Han table) among them, but the page's hash.
    assert sent["later"] == built["later"]
    assert [e["url"] for e in sent["files"]] == [e["url"] for e in built["files"]]
    assert {e["url"]: e["sha256"] for e in sent["files"]}["/"] == hashlib.sha256(page).hexdigest()
    assert sent["version"] != built["version"]
    worker = other.get("/sw.js").get_data(as_text=True)
    assert worker.split("\n")[1] == 'const CONTENT = ["https://cdn.example/satchel/"];'


@pytest.mark.parametrize(
    "accept, encoding", [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("identity", None)]
)
def test_built_files_are_sent_precompressed_as_the_browser_accepts(client, accept, encoding):
    text = [url for url in built_page_urls(client) if url.endswith((".js", ".css", "manifest"))]
    for url in ["/", "/sw.js", *text]:
        response = client.get(url, headers={"Accept-Encoding": accept})
        assert response.status_code == 200, url
        assert response.headers.get("Content-Encoding") == encoding, url
        assert "Accept-Encoding" in response.vary, url
        plain = client.get(url, headers={"Accept-Encoding": "identity"}).get_data()
        assert decoded(response) == plain, url


def test_hashed_chunks_are_immutable_and_fixed_names_revalidate(client):
    script = next(url for url in built_page_urls(client) if url.endswith(".js"))
    response = client.get(script)
    assert response.cache_control.immutable and response.cache_control.max_age >= 86400 * 365
    for url in ("/", "/sw.js", "/static/lib/search-worker.js", "/static/manifest.webmanifest"):
        response = client.get(url)
        assert response.cache_control.no_cache and not response.cache_control.immutable, url
        again = client.get(url, headers={"If-None-Match": response.get_etag()[0]})
        assert again.status_code == 304, url


def test_a_checkout_that_was_not_built_says_which_command_builds_it(client, tmp_path, monkeypatch):
    monkeypatch.setattr(web, "BUILT_APP_DIR", tmp_path / "built")
    for url in ("/", "/sw.js", "/static/lib/search-worker.js"):
        response = client.get(url)
        assert response.status_code == 503, url
        error = response.json["error"]
        assert error["code"] == "app_not_built" and "make build-app" in error["message"], url


def test_the_build_follows_the_sources_and_is_skipped_when_current(tmp_path, monkeypatch):
    sources = copied_sources(tmp_path)
    monkeypatch.setattr(build_app, "STATIC_DIR", sources)
    out = tmp_path / "built"
    assert build_app.ensure_built(out)
    before = json.loads((out / "build.json").read_text())["precache"]["version"]
    assert not build_app.ensure_built(out)
    engine = sources / "lib" / "search-engine.js"
    engine.write_text(engine.read_text() + "\nexport const probe = 1;\n")
    assert build_app.ensure_built(out)
    assert json.loads((out / "build.json").read_text())["precache"]["version"] != before
