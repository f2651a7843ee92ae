"""The PWA's shell: the service worker carries a precache list with content hashes that
follows the files in static/, and the web manifest is served as one."""

from __future__ import annotations

import hashlib
import json

from satchel.web import shell as web
from satchel.web.shell import STATIC_DIR


def precache_of(client) -> dict:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.cache_control.no_cache
    head = response.get_data(as_text=True).split("\n", 1)[0]
    assert head.startswith("const SHELL = ") and head.endswith(";")
    return json.loads(head.removeprefix("const SHELL = ").removesuffix(";"))


def test_worker_lists_every_shell_file_with_its_hash(client):
    shell = precache_of(client)
    urls = {entry["url"]: entry["sha256"] for entry in shell["files"]}
    assert {"/", "/static/app.js", "/static/app.css", "/static/lib/i18n.js"} <= set(urls)
    assert "/static/manifest.webmanifest" in urls and "/static/icons/icon-192.png" in urls
    # The device search's stemmers, imported only when needed, must work offline too.
    stemmers = {"/static/lib/stem/en.js", "/static/lib/stem/ar.js", "/static/lib/stem/regions.js"}
    assert stemmers <= set(urls)
    assert "/static/sw.js" not in urls
    # Only browsers without WebCrypto's Ed25519 need it: listed apart, cached when first used.
    # The brotli decoder opens files from `satchel export`, often offline: cached with the shell.
    later = {entry["url"]: entry["sha256"] for entry in shell["later"]}
    offline = {entry["url"]: entry["offline"] for entry in shell["later"]}
    assert offline == {
        "/static/vendor/noble-ed25519.js": False,
        "/static/vendor/brotli-decode.js": True,
    }
    assert not set(later) & set(urls)
    for url, digest in {**urls, **later}.items():
        body = client.get(url).data
        assert hashlib.sha256(body).hexdigest() == digest, url


def test_a_changed_shell_file_changes_the_worker_version(client, tmp_path, monkeypatch):
    before = precache_of(client)["version"]
    copy = tmp_path / "static"
    copy.mkdir()
    for name in web.page_files() + ["sw.js"]:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((STATIC_DIR / name).read_bytes())
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
