"""The caregiving sample bundle as the update, download, transfer and trust tests use it:
its titles, its manifest, its card, a page with it installed, and a republish that renames
one article."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import controlled, install, ready

CAREGIVING = "Caring for someone: what research says"
STRAIN = "Older carers who felt strained had a higher risk of dying"
RENAMED = "Older carers under strain had a higher risk of dying"
MANIFEST = "/api/v1/bundles/caregiving/en"
# In the static repository the app reads from: the pointer, the update from the installed
# version (any), and each version's manifest.
POINTER = "/repo/bundles/caregiving/current.json"
CHANGES = "**/repo/bundles/caregiving/en/changes/*.json"
STORED_MANIFEST = re.compile(r"/repo/bundles/caregiving/en/[0-9]+\.json$")


def objects_in(url: str) -> str | None:
    return url.rsplit("/", 1)[1] if "/repo/objects/" in url else None


def installed_page(new_page, site):
    page = new_page()
    ready(page, site.url + "/")
    controlled(page)
    install(page, CAREGIVING)
    return page


def card(page):
    return page.locator("li.card", has=page.get_by_role("heading", name=CAREGIVING))


def rename_strain(site):
    site.edit("caregiving", "caregiver-strain-and-health", f"title: {STRAIN}", f"title: {RENAMED}")
    site.publish("caregiving")


def install_then_update(page, site):
    """Download the bundle from the library shown, republish it with one article renamed,
    and update to version 2."""
    card(page).get_by_role("button", name="Download for offline").click()
    expect(card(page)).to_contain_text("Downloaded: version 1")
    rename_strain(site)
    ready(page)
    card(page).get_by_role("button", name="Update now").click()
    expect(card(page)).to_contain_text("Downloaded: version 2")
