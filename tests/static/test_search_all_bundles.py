"""The search screen searches every bundle by default: online through the server, offline on
the device over the installed bundles, in the same merged order."""

from __future__ import annotations

import json
from urllib.parse import urlencode
from urllib.request import urlopen

from playwright.sync_api import expect

from .conftest import controlled, install, ready

QUESTION = "always tired"


def search_for(page, text: str) -> None:
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for a word or a symptom").fill(text)


def test_every_bundle_is_searched_online_and_offline_in_the_same_order(new_page, live_server):
    query = urlencode({"q": QUESTION, "locale": "en", "limit": 20})
    online = json.loads(urlopen(f"{live_server}/api/v1/search?{query}").read())
    assert {hit["bundle"] for hit in online["hits"]} == {"caregiving", "ms-research"}
    titles = [hit["title"] for hit in online["hits"]]
    assert titles[0] == "Exercise may help with MS fatigue"  # not in the first bundle listed

    page = new_page()
    ready(page, live_server + "/")
    controlled(page)
    install(page, "Caring for someone: what research says")
    # One bundle of two on the device: the server answers, for the bundle it lacks.
    with page.expect_response("**/api/v1/search?*"):
        search_for(page, QUESTION)
    expect(page.locator("#status")).to_have_text(f"{online['total']} results for “{QUESTION}”")
    expect(page.locator(".results .card h3")).to_have_text(titles)
    expect(page.locator(".results .card").first).to_contain_text("From MS research explained")

    # Every bundle of the locale installed: the device's collection is the server's, so its
    # statistics and its order are too (with two of three, near ties may fall otherwise).
    page.goto(live_server + "/")
    install(page, "MS research explained")
    install(page, "Staying well at home")
    page.context.set_offline(True)
    ready(page)
    search_for(page, QUESTION)
    expect(page.locator("#status")).to_have_text(f"{online['total']} results for “{QUESTION}”")
    expect(page.locator(".results .card h3")).to_have_text(titles)
    assert any(w.url.endswith("/search-worker.js") for w in page.workers)  # the device
    # Each card opens its own bundle's article, offline too.
    page.get_by_role("link", name=titles[0]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])


def test_one_bundle_can_still_be_chosen(new_page, live_server):
    page = new_page()
    ready(page, live_server + "/")
    search_for(page, QUESTION)
    expect(page.locator(".results .card").first).to_be_visible()
    page.get_by_label("Bundle").select_option(label="Caring for someone: what research says")
    expect(page.locator(".results .card h3").first).not_to_have_text(
        "Exercise may help with MS fatigue"
    )
    expect(page.locator(".results .card").first).not_to_contain_text("From Caring")
    assert "bundle=caregiving" in page.url
