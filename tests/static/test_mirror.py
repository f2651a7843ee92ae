"""The app reading from a content source that is not its server (CONTENT_URL: a CDN, a
mirror, a hotspot): every bundle, key, manifest, pack, update and object comes from there,
the page's CSP lets it connect there only, and trust comes from the publisher's signature: a
mirror that changes a byte of an object, a manifest or an update is refused with the usual
messages and nothing is installed. The mirror is the test's own (Playwright answers its
requests with the site's repository files, changed or not)."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from satchel.stages.publish import compress_packs
from satchel.store import Store

from .caregiving import CAREGIVING, RENAMED, STRAIN, card, install_then_update, rename_strain
from .conftest import Site, installed_version, ready, stored_objects

MIRROR = "http://mirror.test/satchel/"
CHANGED = "This content was changed or not signed by its publisher"
DAMAGED = "A downloaded file was damaged and was not used"
# What the app reads from its content source, and the API routes that used to answer it.
READING_API = re.compile(r"/api/v1/(bundles|keys|objects)(/|$)(?!.*/download$)")


@pytest.fixture
def mirrored(tmp_path):
    site = Site(tmp_path, config={"CONTENT_URL": MIRROR})
    compress_packs(Store(site.data))  # as `satchel bundles build` does
    yield site
    site.stop()


def mirror(context, site, tamper=lambda path, body: body):
    """Answer the mirror's URLs with the site's /repo/ files, passed through ``tamper``."""

    def answer(route):
        path = route.request.url[len(MIRROR) :]
        stored = route.fetch(url=f"{site.url}/repo/{path}")  # decoded: served plain
        route.fulfill(
            status=stored.status,
            body=tamper(path, stored.body()),
            headers={
                "content-type": stored.headers["content-type"],
                "access-control-allow-origin": "*",
            },
        )

    context.route(f"{MIRROR}**", answer)


def requests_of(page) -> list[str]:
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    return asked


def test_the_app_reads_and_updates_from_the_mirror(new_page, mirrored):
    page = new_page(service_workers="block")  # so that every request meets the mirror
    mirror(page.context, mirrored)
    asked = requests_of(page)
    response = page.goto(mirrored.url + "/")
    assert "connect-src 'self' http://mirror.test" in response.headers["content-security-policy"]
    ready(page)
    install_then_update(page, mirrored)
    page.get_by_role("link", name=CAREGIVING).click()
    expect(page.get_by_role("link", name=RENAMED)).to_be_visible()

    from_mirror = {urlsplit(url).path.split("/satchel/", 1)[1] for url in asked if MIRROR in url}
    assert {"bundles.json", "keys/keyring.json", "bundles/caregiving/current.json"} <= from_mirror
    assert "bundles/caregiving/en/1.pack.ndjson.br" in from_mirror
    assert "bundles/caregiving/en/changes/1-2.json" in from_mirror
    assert any(path.startswith("objects/") for path in from_mirror)
    assert not [url for url in asked if "/repo/" in url or READING_API.search(url)]


def forge(old: bytes, new: bytes):
    """Bytes with ``old`` swapped for ``new``."""
    return lambda body: body.replace(old, new)


FORGED = STRAIN.replace("strained", "fine").encode()


def test_an_object_the_mirror_changed_is_never_stored(new_page, mirrored):
    page = new_page(service_workers="block")
    changed = []

    def flip_a_bit(path, body):
        if not path.startswith("objects/"):
            return body
        changed.append(path.rsplit("/", 1)[1])
        return body[:-1] + bytes([body[-1] ^ 1])

    mirror(page.context, mirrored, flip_a_bit)
    ready(page, mirrored.url + "/")
    card(page).get_by_role("button", name="Download for offline").click()
    expect(page.locator("#notices")).to_contain_text(DAMAGED)
    assert changed and installed_version(page, "caregiving/en") is None
    assert not set(changed) & set(stored_objects(page))


def test_a_manifest_the_mirror_changed_is_refused(new_page, mirrored):
    page = new_page(service_workers="block")
    forged = forge(STRAIN.encode(), FORGED)
    manifest = re.compile(r"^bundles/caregiving/en/1\.(json|pack)")
    mirror(
        page.context, mirrored, lambda path, body: forged(body) if manifest.search(path) else body
    )
    ready(page, mirrored.url + "/")
    card(page).get_by_role("button", name="Download for offline").click()
    expect(page.locator("#notices")).to_contain_text(CHANGED)
    assert installed_version(page, "caregiving/en") is None
    assert stored_objects(page) == []
    ready(page, mirrored.url + "/#/read/caregiving/en")  # nor read from the network
    expect(page.locator("main")).to_contain_text(CHANGED)


def test_an_update_the_mirror_changed_is_refused(new_page, mirrored):
    page = new_page(service_workers="block")
    forged = {}  # path → its forged bytes, once version 2 is published

    mirror(page.context, mirrored, lambda path, body: forged.get(path, body))
    ready(page, mirrored.url + "/")
    card(page).get_by_role("button", name="Download for offline").click()
    expect(card(page)).to_contain_text("Downloaded: version 1")
    before = set(stored_objects(page))
    rename_strain(mirrored)
    # The new manifest and the update to it, forged alike and with the forged manifest's hash,
    # so the device rebuilds exactly the forged bytes: only the signature can tell.
    rename = forge(RENAMED.encode(), FORGED)
    stored = mirrored.data / "bundles" / "caregiving" / "en"
    manifest = rename((stored / "2.json").read_bytes())
    changes = json.loads(rename((stored / "changes" / "1-2.json").read_bytes()))
    changes["manifest"]["sha256"] = hashlib.sha256(manifest).hexdigest()
    forged["bundles/caregiving/en/2.json"] = manifest
    forged["bundles/caregiving/en/changes/1-2.json"] = json.dumps(changes).encode()
    ready(page)
    expect(page.locator("#notices")).to_contain_text(CHANGED)
    expect(card(page)).not_to_contain_text("Update available")
    assert installed_version(page, "caregiving/en") == 1
    assert set(stored_objects(page)) == before


def test_reading_online_refuses_a_stale_version_the_mirror_still_points_to(new_page, mirrored):
    pointer = "bundles/caregiving/current.json"
    stale = (mirrored.data / pointer).read_bytes()
    rename_strain(mirrored)  # version 2; the mirror keeps pointing to version 1, validly signed
    page = new_page(service_workers="block")
    mirror(page.context, mirrored, lambda path, body: stale if path == pointer else body)
    ready(page, mirrored.url + "/#/read/caregiving/en/caregiver-strain-and-health")
    expect(page.locator("main")).to_contain_text(CHANGED)
    expect(page.locator("main")).not_to_contain_text(STRAIN)
    page.context.unroute(f"{MIRROR}**")
    mirror(page.context, mirrored)
    ready(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(RENAMED)
