"""Updates as a device sees them: only the `changes` bytes are downloaded, the switch is
atomic, an interrupted download resumes without fetching anything twice, a corrupted object is
never used, `version_expired` falls back to a full download, and withdrawn articles disappear."""

from __future__ import annotations

import hashlib
import json

from playwright.sync_api import expect

from .caregiving import (
    CAREGIVING,
    CHANGES,
    MANIFEST,
    POINTER,
    RENAMED,
    STORED_MANIFEST,
    STRAIN,
    card,
    install_then_update,
    installed_page,
    objects_in,
    rename_strain,
)
from .conftest import (
    installed_record,
    installed_version,
    ready,
    stored_objects,
)

# What one more kept version adds to the TUF targets a phone fetches (brotli, generous): the
# path, length and sha256 of its manifest.
MANIFEST_LINE = 200


def test_update_downloads_exactly_the_changes_and_removes_withdrawn(new_page, site):
    page = installed_page(new_page, site)
    rename_strain(site)
    site.edit("caregiving", "caregiving-and-longer-life", "status: published", "status: withdrawn")
    for other in ("caregiver-strain-and-health", "reach-ii-dementia-carers"):
        text = site.summary("caregiving", other).read_text()
        site.summary("caregiving", other).write_text(
            text.replace(", caregiving-and-longer-life", "").replace(
                "caregiving-and-longer-life, ", ""
            )
        )
    site.publish("caregiving")
    changes = site.get("/api/v1/bundles/caregiving/en/changes?since=1").json
    assert changes["to"] == 3 and changes["removed"] == []

    # The listener only keeps each response: reading its body inside the listener would
    # block it, and a busy machine could reach the assertions before every listener is back.
    responses = []
    page.on("response", lambda response: responses.append(response))
    ready(page)
    expect(card(page)).to_contain_text("Update available: version 3")
    expect(card(page)).to_contain_text("1 article withdrawn")
    card(page).get_by_role("button", name="Update now").click()
    expect(card(page)).to_contain_text("Downloaded: version 3")

    downloaded = {objects_in(r.url): len(r.body()) for r in responses if objects_in(r.url)}
    assert sum(downloaded.values()) == changes["bytes"]
    # ... and the new search segment: exactly the objects and bytes /changes listed.
    assert len(changes["search"]) == 1
    wanted = {
        e["object"]
        for e in changes["added"] + changes["changed"] + changes["about"] + changes["search"]
    }
    assert set(downloaded) == {name for name in wanted if name}
    manifest = site.get("/api/v1/bundles/caregiving/en").json
    entries = manifest["articles"] + manifest["about"] + manifest["search"]["segments"]
    names = {e["object"] for e in entries if e["object"]}
    assert set(stored_objects(page)) == names  # old objects were collected after the switch
    expect(page.locator("#notices")).to_contain_text(
        "withdrawn by its authors and removed from this device: Family carers lived slightly"
    )

    page.context.set_offline(True)
    ready(page, site.url + "/#/read/caregiving/en")
    expect(page.locator("main")).not_to_contain_text("Family carers lived slightly longer")
    expect(page.get_by_role("link", name=RENAMED)).to_be_visible()
    ready(page, site.url + "/#/read/caregiving/en/caregiving-and-longer-life")
    expect(page.locator("main")).to_contain_text("This article was withdrawn by its authors.")


def test_update_leaves_no_request_open(new_page, site):
    """Every request of an install and an update ends, the absent files the app asks for (the
    next root of the chain, a pack not yet compressed) included: a request left open kept a
    page from ever going quiet (the bench's update rows waited for it forever)."""
    page = new_page()
    open_requests = {}
    page.on("request", lambda r: open_requests.__setitem__(id(r), r.url))
    page.on("requestfinished", lambda r: open_requests.pop(id(r), None))
    page.on("requestfailed", lambda r: open_requests.pop(id(r), None))
    absent = []
    page.on("response", lambda r: r.status == 404 and absent.append(r.url))
    ready(page, site.url + "/")
    install_then_update(page, site)
    page.wait_for_load_state("networkidle", timeout=15_000)
    assert any(url.endswith("/tuf/2.root.json") for url in absent)
    assert list(open_requests.values()) == []


def test_what_an_update_fetches_besides_objects_does_not_grow_with_the_versions_kept(
    new_page, site
):
    """A phone that updates after every publish receives as much besides the objects (TUF
    metadata, the pointer, the update) the sixth time as the first, give or take a manifest's
    line in the targets for each version kept since: the targets list each kept version once,
    not the update between every two of them, which grew with the square of the versions kept
    and cost a one-article edit more than its article."""
    page = installed_page(new_page, site)
    metadata = []
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    for version, (old, new) in enumerate([(STRAIN, RENAMED), (RENAMED, STRAIN)] * 3, start=2):
        site.edit("caregiving", "caregiver-strain-and-health", f"title: {old}", f"title: {new}")
        site.publish("caregiving")
        finished.clear()
        ready(page)
        card(page).get_by_role("button", name="Update now").click()
        expect(card(page)).to_contain_text(f"Downloaded: version {version}")
        page.wait_for_load_state("networkidle")
        received = [r for r in finished if "/repo/" in r.url and not objects_in(r.url)]
        metadata.append(sum(r.sizes()["responseBodySize"] for r in received))
    # Versions kept: 1 and 2 at the first update, 3 to 7 at the last (retain_versions: 5).
    assert len(metadata) == 6 and metadata[-1] <= metadata[0] + (5 - 2) * MANIFEST_LINE, metadata


def test_interrupted_update_resumes_and_old_version_stays_readable(new_page, site):
    page = installed_page(new_page, site)
    # Two articles change, so the update is three objects (with the search segment) and the
    # connection can drop after two.
    site.edit(
        "caregiving",
        "reach-ii-dementia-carers",
        "title: A home support programme helped dementia carers",
        "title: A home support programme helped carers of people with dementia",
    )
    rename_strain(site)
    changes = site.get("/api/v1/bundles/caregiving/en/changes?since=1").json
    listed = changes["changed"] + changes["added"] + changes["about"] + changes["search"]
    wanted = {e["object"] for e in listed}
    assert len(wanted) >= 3
    ready(page)

    first = []

    def flaky(route):
        if len(first) < 2:
            first.append(objects_in(route.request.url))
            route.continue_()
        else:
            route.abort("internetdisconnected")

    page.route("**/repo/objects/**", flaky)
    card(page).get_by_role("button", name="Update now").click()
    expect(page.locator("#notices")).to_contain_text("will continue where it left off")
    assert installed_version(page, "caregiving/en") == 1
    page.get_by_role("link", name=CAREGIVING).click()
    expect(page.get_by_role("link", name=STRAIN)).to_be_visible()  # the old version, whole
    page.get_by_role("link", name=STRAIN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(STRAIN)

    page.unroute("**/repo/objects/**")
    second = []
    page.on("request", lambda r: objects_in(r.url) and second.append(objects_in(r.url)))
    ready(page, site.url + "/")  # start-up resumes the staged download
    expect(card(page)).to_contain_text("Downloaded: version 2")
    assert not set(first) & set(second), "an object was downloaded twice"
    assert set(first) | set(second) == wanted
    ready(page, site.url + "/#/read/caregiving/en/caregiver-strain-and-health")
    expect(page.get_by_role("heading", level=1)).to_have_text(RENAMED)


def test_corrupted_object_is_rejected(new_page, site):
    page = installed_page(new_page, site)
    before = set(stored_objects(page))
    rename_strain(site)
    ready(page)

    def corrupt(route):
        response = route.fetch()
        body = response.body().replace(b"carers", b"carer5", 1)
        route.fulfill(response=response, body=body, headers={"content-type": "application/json"})

    page.route("**/repo/objects/**", corrupt)
    card(page).get_by_role("button", name="Update now").click()
    expect(page.locator("#notices")).to_contain_text("was damaged and was not used")
    assert installed_version(page, "caregiving/en") == 1
    assert set(stored_objects(page)) == before

    page.unroute("**/repo/objects/**")
    card(page).get_by_role("button", name="Resume download").click()
    expect(card(page)).to_contain_text("Downloaded: version 2")


def test_expired_version_falls_back_to_a_full_download(new_page, site):
    page = installed_page(new_page, site)
    rename_strain(site)
    page.route(CHANGES, lambda route: route.fulfill(status=404))  # version 1 no longer kept
    packs = []
    page.on("request", lambda r: r.url.endswith("/pack") and packs.append(r.url))
    ready(page)
    expect(card(page)).to_contain_text("needs the whole bundle to be downloaded again")
    card(page).get_by_role("button", name="Update now").click()
    expect(card(page)).to_contain_text("Downloaded: version 2")
    assert len(packs) == 1
    assert installed_version(page, "caregiving/en") == 2


FILL_STORAGE = """
const realPut = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (...args) {
  if (this.name === "chunkData") {
    throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
  }
  return realPut.apply(this, args);
};
"""


def test_storage_full_during_update_keeps_the_installed_version(new_page, site):
    page = installed_page(new_page, site)
    rename_strain(site)
    page.add_init_script(FILL_STORAGE)  # from the next load on, the device is full
    ready(page)
    expect(card(page)).to_contain_text("Update available: version 2")
    card(page).get_by_role("button", name="Update now").click()
    expect(page.locator("body")).to_contain_text(
        "There is not enough space on this device to finish the download"
    )
    assert installed_version(page, "caregiving/en") == 1
    ready(page, site.url + "/#/read/caregiving/en/caregiver-strain-and-health")
    expect(page.locator("main h1")).to_have_text(STRAIN)


def canonical_sha256(value) -> str:
    data = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def full_manifest_requests(page) -> list[str]:
    asked = []
    page.on("request", lambda r: STORED_MANIFEST.search(r.url) and asked.append(r.url))
    return asked


def test_update_rebuilds_the_exact_manifest_without_downloading_it(new_page, site):
    page = installed_page(new_page, site)
    rename_strain(site)
    asked = full_manifest_requests(page)
    ready(page)
    card(page).get_by_role("button", name="Update now").click()
    expect(card(page)).to_contain_text("Downloaded: version 2")
    assert asked == []

    served = site.get(MANIFEST)
    install = installed_record(page, "caregiving/en")
    assert canonical_sha256(install["manifest"]) == hashlib.sha256(served.data).hexdigest()
    assert install["etag"] == f'"{served.get_etag()[0]}"'

    with page.expect_response(lambda r: r.url.endswith(POINTER)) as check:
        ready(page)  # nothing changed since: the pointer revalidated, a 304 of a few hundred bytes
    assert "if-none-match" in check.value.request.all_headers()
    sizes = check.value.request.sizes()
    assert sizes["responseBodySize"] == 0 and sizes["responseHeadersSize"] < 1000
    assert asked == []


def test_changes_that_rebuild_another_manifest_are_refused(new_page, site):
    page = installed_page(new_page, site)
    rename_strain(site)

    def tamper(route):
        response = route.fetch()
        changes = response.json()
        changes["changed"][0]["title"] = "Carers live forever"
        route.fulfill(response=response, json=changes)

    page.route(CHANGES, tamper)
    asked = full_manifest_requests(page)
    ready(page)
    expect(card(page).locator(".changed-list")).to_have_text(RENAMED)  # as the manifest says
    card(page).get_by_role("button", name="Update now").click()
    expect(card(page)).to_contain_text("Downloaded: version 2")
    assert len(asked) == 1  # the full manifest, checked against the hash in `changes`
    served = site.get(MANIFEST)
    install = installed_record(page, "caregiving/en")
    assert canonical_sha256(install["manifest"]) == hashlib.sha256(served.data).hexdigest()
    assert RENAMED in {entry["title"] for entry in install["manifest"]["articles"]}


REWRITE_EVERY_MANIFEST = """async () => {
  const { canonicalBytes, sha256Hex } = await import("/static/lib/manifest.js");
  const differ = [];
  for (const bundle of await (await fetch("/api/v1/bundles")).json()) {
    for (const locale of bundle.locales) {
      const response = await fetch(`/api/v1/bundles/${bundle.id}/${locale}`);
      const served = await response.arrayBuffer();
      const written = canonicalBytes(JSON.parse(new TextDecoder().decode(served)));
      if ((await sha256Hex(written)) !== (await sha256Hex(served))) {
        differ.push(`${bundle.id}/${locale}`);
      }
    }
  }
  return differ;
}"""


def test_the_device_writes_every_manifest_byte_for_byte_as_stored(page, live_server):
    """Arabic, Spanish and Portuguese text, licences and thesauri included: a rebuilt manifest
    can only match its hash if the device writes JSON exactly as the build does."""
    ready(page, live_server + "/")
    locales = sum(
        len(b["locales"]) for b in page.evaluate("fetch('/api/v1/bundles').then(r => r.json())")
    )
    assert locales >= 6
    assert page.evaluate(REWRITE_EVERY_MANIFEST) == []
