"""A network that says "online" and carries nothing (a clinic hotspot with no uplink): every
request the app makes to its server or its content source goes unanswered while the browser
still reports online. What the device holds must still answer: starting up, the library,
reading, sending a summary as a page, checking that page, keeping feedback, and searching a
downloaded bundle, alone or among all the bundles there are. (The service worker is blocked so
that the test's hold on requests sees every one the page makes.)"""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from .conftest import install, ready, stored_keys

ARTICLE = "#/read/caregiving/en/caregiver-strain-and-health"
BUNDLE = "Caring for someone: what research says"
# lib/api.js gives up on an answer after 10 s; each step below may wait that once or twice,
# 25 s at most. The page's clock runs those waits fast instead of the test sitting through
# them: it jumps a step at a time while the page has a moment of real time after each.
PATIENCE_MS, STEP_MS, MOMENT_MS = 25_000, 5_000, 500


def patiently(page, check) -> None:
    """Run ``check(timeout)`` (an ``expect`` or a wait) until it passes while the page's
    clock moves on by up to ``PATIENCE_MS``: what a reader waiting that long would see."""
    for _step in range(PATIENCE_MS // STEP_MS):
        try:
            check(MOMENT_MS)
            return
        except (AssertionError, PlaywrightTimeout):
            page.clock.fast_forward(STEP_MS)
    check(10 * MOMENT_MS)


def test_what_the_device_holds_answers_when_requests_go_unanswered(new_page, site, tmp_path):
    page = new_page(service_workers="block", accept_downloads=True)
    page.context.add_init_script("navigator.canShare = () => false;")
    page.clock.install()  # time passes as usual until a step jumps it
    ready(page, f"{site.url}/")
    install(page, BUNDLE)
    held = []
    for source in ("**/api/**", "**/repo/**"):  # never answered
        page.context.route(source, lambda route: held.append(route))
    assert page.evaluate("navigator.onLine")

    page.goto(f"{site.url}/{ARTICLE}")  # the same document: no start-up
    patiently(page, lambda ms: expect(page.locator("h1")).to_contain_text("strain", timeout=ms))
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.get_by_role("button", name="Send as a page").click()
    patiently(page, lambda ms: downloads or page.wait_for_event("download", timeout=ms))
    path = tmp_path / downloads[0].suggested_filename
    downloads[0].save_as(path)

    page.get_by_role("button", name="No").click()
    kept = page.locator(".feedback-status")
    patiently(page, lambda ms: expect(kept).to_contain_text("sent when you are online", timeout=ms))
    assert len(stored_keys(page, "outbox")) == 1

    page.goto(f"{site.url}/#/library")
    opener = page.get_by_label("Open a bundle file")
    patiently(page, lambda ms: expect(opener).to_be_attached(timeout=ms))
    opener.set_input_files(path)
    verified = page.locator("#notices .page-verified")
    patiently(
        page,
        lambda ms: expect(verified).to_contain_text(
            "exactly as its publisher signed it", timeout=ms
        ),
    )

    page.goto(f"{site.url}/#/search?bundle=caregiving&locale=en")
    status = page.locator("#status")
    choice = page.locator("select#bundle")
    for bundle in (BUNDLE, "All bundles"):
        patiently(page, lambda ms: expect(choice).to_be_enabled(timeout=ms))
        choice.select_option(label=bundle)
        query = f"carers {bundle[:3]}"
        page.get_by_label("Search for a word or a symptom").fill(query)
        # Announced once this search has its answer (the last one's hits stay until then).
        announced = f"for “{query}”"
        patiently(page, lambda ms, text=announced: expect(status).to_contain_text(text, timeout=ms))
        hit = page.locator("#results a[href^='#/read/caregiving/en/']").first
        expect(hit).to_be_visible()
    page.goto(f"{site.url}/#/")
    page.reload()  # start-up: catalog, bundle list and update check all go unanswered
    card = page.locator("li.card", has=page.get_by_role("heading", name=BUNDLE))
    patiently(page, lambda ms: expect(card).to_contain_text("Downloaded: version 1", timeout=ms))
    assert held, "no request was made: the test held nothing"
