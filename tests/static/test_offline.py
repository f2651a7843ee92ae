"""Install a bundle online, lose the connection, and keep reading and searching; and Chromium
agrees that the app is installable."""

from __future__ import annotations

import html
import json
import re
import shutil
from urllib.request import urlopen

from playwright.sync_api import expect

from .conftest import (
    as_older_database,
    controlled,
    install,
    installed_version,
    ready,
    stored_objects,
)


def test_installable_by_chromium(new_page, live_server):
    page = new_page()
    ready(page, live_server + "/")
    controlled(page)
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert not manifest.get("errors"), manifest.get("errors")


def installed_with_online_answer(new_page, live_server):
    """A page that installed the caregiving bundle, and the server's answer to "stressed"."""
    page = new_page()
    ready(page, live_server + "/")
    controlled(page)
    install(page, "Caring for someone: what research says")
    assert installed_version(page, "caregiving/en") == 1
    online = json.loads(
        urlopen(live_server + "/api/v1/search?bundle=caregiving&locale=en&q=stressed").read()
    )
    return page, online


def read_and_search_offline(page, online: dict) -> None:
    """Offline, the installed bundle is listed, an article reads whole and the device's search
    answers as the server did (``online``)."""
    page.context.set_offline(True)
    ready(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Library")
    expect(page.get_by_text("Downloaded: version 1")).to_be_visible()

    page.get_by_role("link", name="Caring for someone: what research says").click()
    page.get_by_role(
        "link", name="Older carers who felt strained had a higher risk of dying"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Older carers who felt strained had a higher risk of dying"
    )
    expect(page.get_by_text("Credibility: 3 out of 5")).to_be_visible()
    expect(page.locator("section.considerations")).to_contain_text("doctor")

    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for a word or a symptom").fill("stressed")
    # The device answers as the server did online: same articles, order and highlights
    # ("stressed" also finds "strain" through the bundle's thesaurus).
    expect(page.locator("#status")).to_have_text(f"{online['total']} results for “stressed”")
    expect(page.locator(".results .card h3")).to_have_text([h["title"] for h in online["hits"]])
    first = re.sub("<[^>]+>", "", online["hits"][0]["highlights"][0])
    expect(page.locator(".results .card .highlight").first).to_have_text(html.unescape(first))
    expect(page.locator(".highlight mark").first).to_have_text("strain")
    page.locator(".results .card a").first.click()
    expect(page.locator("article h1")).to_be_visible()


def test_read_and_search_an_installed_bundle_offline(new_page, live_server):
    read_and_search_offline(*installed_with_online_answer(new_page, live_server))


def test_a_bundle_stored_before_chunks_is_read_and_searched_offline_after_the_app_updates(
    new_page, live_server
):
    """A phone that installed a bundle with the app of IndexedDB version 4 (an object a record)
    starts the new app offline: the upgrade moves every object into chunks, on the device."""
    page, online = installed_with_online_answer(new_page, live_server)
    objects = sorted(stored_objects(page))
    assert as_older_database(page, 4)["stores"] == sorted(
        ["installs", "keys", "objects", "outbox", "staging", "trust"]
    )
    read_and_search_offline(page, online)
    assert sorted(stored_objects(page)) == objects
    assert "objects" not in page.evaluate(STORES)


# The device database's stores, as the app left them.
STORES = """() => new Promise((resolve) => {
    const open = indexedDB.open("satchel");
    open.onsuccess = () => {
        resolve([...open.result.objectStoreNames]);
        open.result.close();
    };
})"""


def test_a_bundle_not_downloaded_says_so_offline(new_page, live_server):
    page = new_page()
    ready(page, live_server + "/")
    controlled(page)
    page.context.set_offline(True)
    ready(page, live_server + "/#/read/ms-research/en/ebv-and-ms-risk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    expect(page.locator("main")).to_contain_text("You are offline")


# What the browser's eviction leaves: the page remembers the download, its records are gone.
FORGET_INSTALL = """key => new Promise((resolve, reject) => {
    const open = indexedDB.open("satchel");
    open.onsuccess = () => {
        const tx = open.result.transaction("installs", "readwrite");
        tx.objectStore("installs").delete(key);
        tx.oncomplete = () => { open.result.close(); resolve(); };
        tx.onerror = () => reject(tx.error);
    };
})"""


def test_a_download_the_browser_removed_is_reported_once(new_page, live_server):
    page = new_page()
    ready(page, live_server + "/")
    install(page, "Caring for someone: what research says")
    page.evaluate(FORGET_INSTALL, "caregiving/en")
    ready(page)
    evicted = page.get_by_text("The browser removed downloaded bundles to free space.")
    expect(evicted).to_be_visible()
    expect(page.get_by_text("Downloaded: version")).to_have_count(0)
    ready(page)
    expect(evicted).to_have_count(0)


SHELL_CACHES = """() => caches.keys().then((names) =>
    names.filter((name) => name.startsWith("satchel-shell-")))"""


def test_a_new_shell_replaces_the_old_one(new_page, site, tmp_path, monkeypatch):
    from satchel.commands import build_app
    from satchel.web import shell as web

    static, built = tmp_path / "static", tmp_path / "built"
    shutil.copytree(web.STATIC_DIR, static)
    monkeypatch.setattr(build_app, "STATIC_DIR", static)
    monkeypatch.setattr(web, "BUILT_APP_DIR", built)
    build_app.build_app(built)
    page = new_page()
    ready(page, site.url + "/")
    controlled(page)
    first = page.evaluate(SHELL_CACHES)
    assert len(first) == 1
    (static / "app.css").write_text((static / "app.css").read_text() + "\n.v2 { order: 2 }\n")
    build_app.build_app(built)
    page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    for _ in range(75):  # the new worker installs, activates and deletes the old cache
        second = page.evaluate(SHELL_CACHES)
        if second != first and len(second) == 1:
            break
        page.wait_for_timeout(200)
    assert len(second) == 1 and second != first
    page.context.set_offline(True)
    ready(page)
    css = page.evaluate(
        "() => fetch(document.querySelector('link[rel=stylesheet]').href).then((r) => r.text())"
    )
    assert ".v2{order:2}" in css
