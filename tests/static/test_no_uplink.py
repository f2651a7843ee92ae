"""A network that says "online" and carries nothing (a clinic hotspot with no uplink): every
request the app makes to its server or its content source goes unanswered while the browser
still reports online. What the device holds must still answer: starting up, the library,
reading, sending a summary as a page, checking that page, keeping feedback, and searching a
downloaded bundle, alone or among all the bundles there are. (The service worker is blocked so
that the test's hold on requests sees every one the page makes.)"""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import install, ready, stored_keys

ARTICLE = "#/read/caregiving/en/caregiver-strain-and-health"
# lib/api.js gives up on an answer after 10 s; each step below may wait that once or twice.
PATIENCE_MS = 25_000
BUNDLE = "Caring for someone: what research says"


def test_what_the_device_holds_answers_when_requests_go_unanswered(new_page, site, tmp_path):
    page = new_page(service_workers="block", accept_downloads=True)
    page.context.add_init_script("navigator.canShare = () => false;")
    ready(page, f"{site.url}/")
    install(page, BUNDLE)
    held = []
    for source in ("**/api/**", "**/repo/**"):  # never answered
        page.context.route(source, lambda route: held.append(route))
    assert page.evaluate("navigator.onLine")

    page.goto(f"{site.url}/{ARTICLE}")  # the same document: no start-up
    expect(page.locator("h1")).to_contain_text("strain", timeout=PATIENCE_MS)
    with page.expect_download(timeout=PATIENCE_MS) as download:
        page.get_by_role("button", name="Send as a page").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)

    page.get_by_role("button", name="No").click()
    expect(page.locator(".feedback-status")).to_contain_text(
        "sent when you are online", timeout=PATIENCE_MS
    )
    assert len(stored_keys(page, "outbox")) == 1

    page.goto(f"{site.url}/#/library")
    page.get_by_label("Open a bundle file").set_input_files(path)
    expect(page.locator("#notices .page-verified")).to_contain_text(
        "exactly as its publisher signed it", timeout=PATIENCE_MS
    )

    page.goto(f"{site.url}/#/search?bundle=caregiving&locale=en")
    for bundle in (BUNDLE, "All bundles"):
        page.locator("select#bundle").select_option(label=bundle)
        query = f"carers {bundle[:3]}"
        page.get_by_label("Search for a word or a symptom").fill(query)
        # Announced once this search has its answer (the last one's hits stay until then).
        expect(page.locator("#status")).to_contain_text(f"for “{query}”", timeout=PATIENCE_MS)
        hit = page.locator("#results a[href^='#/read/caregiving/en/']").first
        expect(hit).to_be_visible()
    page.goto(f"{site.url}/#/")
    page.reload()  # start-up: catalog, bundle list and update check all go unanswered
    card = page.locator("li.card", has=page.get_by_role("heading", name=BUNDLE))
    expect(card).to_contain_text("Downloaded: version 1", timeout=PATIENCE_MS)
    assert held, "no request was made: the test held nothing"
