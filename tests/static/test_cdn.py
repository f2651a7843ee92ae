"""The app behind a CDN stand-in (deploy/cdn.py: nginx with proxy_cache in front of the
server's /repo/ or of the bucket the build publishes to, named in CONTENT_URL): it installs,
reads, searches offline and updates after an edit with every reading and update request going
to the CDN, none to the server's /repo/ or its API's reading routes, and the update costs the
bytes its changes promise."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from playwright.sync_api import expect

from deploy.cdn import cdn_stand_in
from deploy.seaweedfs import CREDENTIALS
from deploy.topology import free_port
from satchel.bucket import Bucket
from satchel.stages.publish import compress_packs
from satchel.store import Store

from .caregiving import CAREGIVING, RENAMED, card, install_then_update, rename_strain
from .conftest import Site, ready

# The API routes the app read bundles, download sizes and interface catalogs from before it had a
# content source.
READING_API = re.compile(r"/api/v1/(bundles|keys|objects|locales/[^/]+/messages)(/|$)")


@contextlib.contextmanager
def site_behind_a_cdn(tmp_path, sources_before: tuple[str, ...] = (), bucket: Bucket | None = None):
    """A site whose content sources are ``sources_before``, then a CDN stand-in in front of
    its /repo/, or of ``bucket`` when given (each build uploads there, and anyone may read
    it, as ``satchel reader-policy`` allows); yields the site, the CDN's URL and its access
    log."""
    port = free_port()
    sources = " ".join([*sources_before, f"http://127.0.0.1:{port}/"])
    site = Site(tmp_path / "site", translated=True, config={"CONTENT_URL": sources}, bucket=bucket)
    if bucket:
        bucket.client.put_bucket_policy(
            Bucket=bucket.name, Policy=json.dumps(bucket.reader_policy())
        )
        origin = f"{bucket.client.meta.endpoint_url}/{bucket.name}/{bucket.prefix}"
    else:
        compress_packs(Store(site.data))  # as `satchel bundles build` does
        origin = f"{site.url}/repo/"
    try:
        with cdn_stand_in(origin, tmp_path / "cdn", port, bucket=bucket is not None) as cdn:
            yield site, cdn, tmp_path / "cdn" / "access.log"
    finally:
        site.stop()


@pytest.fixture(params=["server", "bucket"])
def behind_a_cdn(request, tmp_path, monkeypatch):
    """The CDN stand-in in front of the server's /repo/, or of the bucket it publishes to."""
    bucket = None
    if request.param == "bucket":
        for name, value in CREDENTIALS.items():
            monkeypatch.setenv(name, value)
        config = request.getfixturevalue("bucket_config")
        bucket = Bucket.from_url(config["STORE"], config["S3_ENDPOINT"])
    with site_behind_a_cdn(tmp_path, bucket=bucket) as served:
        yield served


def test_every_reading_and_update_request_goes_to_the_cdn(new_page, behind_a_cdn):
    site, cdn, access_log = behind_a_cdn
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
        if any(request.url == cdn + "ui/en.json" for request in asked):
            break
        page.wait_for_timeout(100)

    urls = [request.url for request in asked]
    assert not [url for url in urls if "/repo/" in url or READING_API.search(url)]
    from_cdn = [url[len(cdn) :] for url in urls if url.startswith(cdn)]
    assert {
        "bundles.json",
        "keys/keyring.json",
        "bundles/caregiving/current.json",
        "bundles/caregiving/en/1.download.json",
        "ui/en.json",
        "bundles/caregiving/en/changes/1-2.json",
    } <= set(from_cdn)
    logged = access_log.read_text()
    for path in from_cdn:
        assert f"GET /{path.split('?')[0]} " in logged, path
    update = [r for r in asked[before_update:] if r.url.startswith(cdn + "objects/")]
    assert update and sum(r.sizes()["responseBodySize"] for r in update) <= promised


def test_a_source_that_is_down_hands_over_to_the_next(new_page, tmp_path):
    closed = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    with site_behind_a_cdn(tmp_path, sources_before=(closed,)) as (site, cdn, access_log):
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
