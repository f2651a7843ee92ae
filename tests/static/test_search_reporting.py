"""Searches that found nothing: with the Settings switch off (the default) no request the app
makes carries the query; turned on, such a search reaches the server as its locale, the
bundles searched and the engine's terms, with no identifier."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from satchel.reports import database
from satchel.reports.tables import unanswered_search

from .conftest import install, ready, stored_keys

QUERY = "zebrafish xylophones"
SEARCH = "#/search?bundle=caregiving&locale=en"


def searched_nothing(page, site, requests, installed=True):
    ready(page, f"{site.url}/")
    if installed:  # else the server answers
        install(page, "Caring for someone: what research says")
    page.goto(f"{site.url}/{SEARCH}")
    page.get_by_label("Search for a word or a symptom").fill(QUERY)
    expect(page.locator("#results")).to_contain_text("No articles match")
    page.wait_for_timeout(3000)  # past the time a search must stand to be reported


def reported(site) -> list[dict]:
    with site.app.app_context():
        engine = database.engine()
    with engine.connect() as connection:
        return [row._asdict() for row in connection.execute(select(unanswered_search))]


def watch(page) -> list:
    requests = []
    page.on("request", lambda request: requests.append(request))
    return requests


def test_with_reporting_off_no_request_carries_the_query(new_page, site):
    page = new_page(service_workers="block")
    requests = watch(page)
    searched_nothing(page, site, requests)
    ready(page)  # a start online sends whatever was kept
    page.wait_for_timeout(500)
    assert requests
    for request in requests:
        carried = unquote(request.url) + (request.post_data or "")
        assert "zebrafish" not in carried.lower() and "xylophon" not in carried.lower(), request.url
    assert stored_keys(page, "outbox") == []
    assert reported(site) == []


@pytest.mark.parametrize("installed", [True, False], ids=["device", "server"])
def test_with_reporting_on_an_unanswered_search_arrives_without_identifiers(
    new_page, site, installed
):
    page = new_page(service_workers="block")
    requests = watch(page)
    ready(page, f"{site.url}/#/settings")
    switch = page.get_by_label("Tell the publisher what I searched for and did not find")
    expect(switch).not_to_be_checked()
    switch.check()
    searched_nothing(page, site, requests, installed)
    for _ in range(50):
        if reported(site):
            break
        page.wait_for_timeout(100)
    [row] = reported(site)
    assert (row["locale"], row["bundles"], row["terms"]) == (
        "en",
        "caregiving",
        "zebrafish xylophon",
    )
    [post] = [r for r in requests if r.method == "POST"]
    assert post.url.endswith("/api/v1/searches/unanswered")
    [search] = json.loads(post.post_data)["searches"]
    assert set(search) == {"id", "locale", "bundles", "terms"}
    assert "cookie" not in {name.lower() for name in post.headers}
