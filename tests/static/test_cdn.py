"""The app reading from a content source other than its server (CONTENT_URL): a CDN stand-in
(deploy/cdn.py: nginx with proxy_cache) in front of the server's /repo/ or of the bucket the
build publishes to, or a clinic hotspot (nginx serving a plain folder that `satchel pull` keeps
a copy of that bucket in). The app installs, reads, searches offline and updates after an edit
with every reading and update request going to that source, none to the server's /repo/ or its
API's reading routes, and the update costs the bytes its changes promise."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from deploy.cdn import cdn_stand_in, hotspot
from deploy.topology import free_port
from satchel import create_app
from satchel.bucket import Bucket
from satchel.stages.publish import compress_packs
from satchel.store import Store

from .caregiving import CAREGIVING, RENAMED, card, install_then_update, rename_strain
from .conftest import Site, ready

# The API routes the app read bundles, download sizes and interface catalogs from before it had a
# content source.
READING_API = re.compile(r"/api/v1/(bundles|keys|objects|locales/[^/]+/messages)(/|$)")


@dataclass
class Served:
    """A site, the content source its app reads from, and that source's access log; ``sync``
    brings the source up to date after a publish, as its operator would."""

    site: Site
    url: str
    access_log: Path
    sync: Callable[[], None] = lambda: None


@contextlib.contextmanager
def site_behind_a_cdn(tmp_path, sources_before: tuple[str, ...] = (), bucket: Bucket | None = None):
    """A site whose content sources are ``sources_before``, then a CDN stand-in in front of
    its /repo/, or of ``bucket`` when given (each build uploads there)."""
    port = free_port()
    site = Site(
        tmp_path / "site", translated=True, config=content_urls(sources_before, port), bucket=bucket
    )
    if bucket:
        origin = f"{bucket.client.meta.endpoint_url}/{bucket.name}/{bucket.prefix}"
        open_to_readers(bucket)
    else:
        compress_packs(Store(site.data))  # as `satchel bundles build` does
        origin = f"{site.url}/repo/"
    try:
        with cdn_stand_in(origin, tmp_path / "cdn", port, bucket=bucket is not None) as cdn:
            yield Served(site, cdn, tmp_path / "cdn" / "access.log")
    finally:
        site.stop()


@contextlib.contextmanager
def site_with_a_hotspot(tmp_path, bucket: Bucket):
    """A site publishing to ``bucket``, whose content source is a hotspot: nginx serving a
    folder that ``satchel pull`` copies the bucket into, again at each ``sync``."""
    port = free_port()
    site = Site(tmp_path / "site", translated=True, config=content_urls((), port), bucket=bucket)
    folder = tmp_path / "hotspot"
    puller = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(folder),
            "STORE": str(bucket),
            "S3_ENDPOINT": bucket.client.meta.endpoint_url,
        }
    ).test_cli_runner()

    def sync():
        result = puller.invoke(args=["bundles", "pull"])
        assert result.exit_code == 0 and "Pulled" in result.output, result.output

    sync()
    try:
        with hotspot(folder, tmp_path / "nginx", port) as url:
            yield Served(site, url, tmp_path / "nginx" / "access.log", sync)
    finally:
        site.stop()


def content_urls(sources_before: tuple[str, ...], port: int) -> dict:
    return {"CONTENT_URL": " ".join([*sources_before, f"http://127.0.0.1:{port}/"])}


def open_to_readers(bucket: Bucket) -> None:
    """Let anyone read the bucket's public files, as ``satchel reader-policy`` allows."""
    bucket.client.put_bucket_policy(Bucket=bucket.name, Policy=json.dumps(bucket.reader_policy()))


@pytest.fixture(params=["server", "bucket", "hotspot"])
def content_source(request, tmp_path):
    """The CDN stand-in in front of the server's /repo/ or of the bucket it publishes to, or
    a hotspot holding a copy of that bucket. The session's SeaweedFS puts its credentials in
    the environment for good: setting them here too would unset them after the first test."""
    bucket = None
    if request.param != "server":
        config = request.getfixturevalue("bucket_config")
        bucket = Bucket.from_url(config["STORE"], config["S3_ENDPOINT"])
    serving = site_with_a_hotspot if request.param == "hotspot" else site_behind_a_cdn
    with serving(tmp_path, bucket=bucket) as served:
        yield served


def test_every_reading_and_update_request_goes_to_the_content_source(new_page, content_source):
    site, source, access_log = content_source.site, content_source.url, content_source.access_log
    page = new_page(service_workers="block")  # so that every request is seen here
    asked = []
    page.on("requestfinished", lambda request: asked.append(request))
    ready(page, site.url + "/")
    card(page).get_by_role("button", name="Download for offline").click()
    expect(card(page)).to_contain_text("Downloaded: version 1")

    page.goto(site.url + "/#/search?bundle=caregiving&locale=en")
    hit = page.locator("#results a[href^='#/read/caregiving/en/']").first
    for query, offline in (("carers", False), ("strain", True)):  # the page's worker is loaded
        page.context.set_offline(offline)
        page.get_by_label("Search for a word or a symptom").fill(query)
        expect(page.locator("#status")).to_contain_text(f"for “{query}”")
        expect(hit).to_be_visible()
    page.context.set_offline(False)

    rename_strain(site)
    content_source.sync()
    stored = site.data / "bundles" / "caregiving" / "en" / "changes" / "1-2.json"
    promised = json.loads(stored.read_bytes())["transfer_bytes"]  # the objects, as brotli
    before_update = len(asked)
    ready(page, site.url + "/")
    card(page).get_by_role("button", name="Update now").click()
    expect(card(page)).to_contain_text("Downloaded: version 2")
    page.get_by_role("link", name=CAREGIVING).click()
    page.get_by_role("link", name=RENAMED).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RENAMED)
    # The article asks for its labels' catalog without waiting for it (reader.js).
    for _ in range(50):
        if any(request.url == source + "ui/en.json" for request in asked):
            break
        page.wait_for_timeout(100)

    urls = [request.url for request in asked]
    assert not [url for url in urls if "/repo/" in url or READING_API.search(url)]
    from_source = [url[len(source) :] for url in urls if url.startswith(source)]
    assert {
        "bundles.json",
        "keys/keyring.json",
        "bundles/caregiving/current.json",
        "bundles/caregiving/en/1.download.json",
        "ui/en.json",
        "bundles/caregiving/en/changes/1-2.json",
    } <= set(from_source)
    logged = access_log.read_text()
    for path in from_source:
        assert f"GET /{path.split('?')[0]} " in logged, path
    update = [r for r in asked[before_update:] if r.url.startswith(source + "objects/")]
    assert update and sum(r.sizes()["responseBodySize"] for r in update) <= promised


def test_a_source_that_is_down_hands_over_to_the_next(new_page, tmp_path):
    closed = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    with site_behind_a_cdn(tmp_path, sources_before=(closed,)) as served:
        site, cdn, access_log = served.site, served.url, served.access_log
        page = new_page(service_workers="block")
        response = page.goto(site.url + "/")
        policy = response.headers["content-security-policy"]
        assert f"connect-src 'self' {closed.rstrip('/')} {cdn.rstrip('/')}" in policy
        ready(page)
        expect(card(page)).to_contain_text("Download size:")  # read from the CDN
        install_then_update(page, site)
        logged = access_log.read_text()
        assert "GET /bundles/caregiving/en/1.pack.ndjson.br " in logged
        assert "GET /bundles/caregiving/en/changes/1-2.json " in logged
