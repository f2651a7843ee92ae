"""A first install as a phone sees it: the size the library names before the download is what
crosses the network, one progress bar runs once from 0 to 100 % over pack and segments, and a
download cut off half way resumes without fetching anything twice while the installed version
stays readable."""

from __future__ import annotations

import hashlib
import re

from playwright.sync_api import expect

from .caregiving import (
    CAREGIVING,
    CHANGES,
    STRAIN,
    card,
    installed_page,
    objects_in,
    rename_strain,
)
from .conftest import controlled, install, installed_version, ready, stored_objects

# Every value the progress bar and its label take, recorded as the page sets them.
RECORD_PROGRESS = """
window.progressSeen = [];
new MutationObserver(() => {
  const box = document.querySelector("[data-progress] progress");
  if (box && box.closest("[data-progress]").hidden === false) {
    const label = box.closest("[data-progress]").querySelector("p").textContent;
    const last = window.progressSeen[window.progressSeen.length - 1];
    if (!last || last[0] !== box.value || last[1] !== label) {
      window.progressSeen.push([box.value, label]);
    }
  }
}).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
"""

UNITS = {"byte": 1, "B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}


def parse_size(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.,]+)\s*(\w+)", text.strip()).groups()
    return float(number.replace(",", "")) * UNITS[unit]


def test_size_shown_before_download_is_what_crosses_the_network(new_page, site):
    page = new_page()
    page.add_init_script(RECORD_PROGRESS)
    ready(page, site.url + "/")
    controlled(page)
    shown = card(page).get_by_text(re.compile(r"^Download size: ")).text_content()
    promised = parse_size(shown.split(": ", 1)[1])

    received = []
    page.on(
        "requestfinished",
        lambda r: (
            ("/pack" in r.url or objects_in(r.url))
            and received.append(r.sizes()["responseBodySize"])
        ),
    )
    install(page, CAREGIVING)
    assert len(received) >= 2  # the pack and at least one search segment
    assert abs(sum(received) - promised) <= 0.05 * sum(received)

    seen = page.evaluate("window.progressSeen")
    percents = [value for value, _label in seen]
    assert percents == sorted(percents) and percents[-1] == 100  # one bar, never back to 0
    labels = {label.split(" of ")[1].split(" (")[0] for _value, label in seen if " of " in label}
    assert labels == {shown.split(": ", 1)[1]}  # counted against the size promised


def test_interrupted_full_download_resumes_and_old_version_stays_readable(new_page, site):
    page = installed_page(new_page, site)
    rename_strain(site)
    page.route(CHANGES, lambda route: route.fulfill(status=404))  # version 1 no longer kept
    ready(page)

    kept = []

    def half_a_pack(route):
        # The connection drops after the manifest and half the objects of the new version.
        lines = route.fetch().body().split(b"\n")
        kept.extend(lines[1 : len(lines) // 2])
        body = b"\n".join(lines[: len(lines) // 2]) + b"\n"
        route.fulfill(status=200, body=body, headers={"content-type": "application/x-ndjson"})

    page.route("**/pack", half_a_pack)
    page.route("**/repo/objects/**", lambda route: route.abort("internetdisconnected"))
    card(page).get_by_role("button", name="Update now").click()
    expect(page.locator("#notices")).to_contain_text("will continue where it left off")
    assert installed_version(page, "caregiving/en") == 1
    page.get_by_role("link", name=CAREGIVING).click()
    page.get_by_role("link", name=STRAIN).click()  # the old version, whole
    expect(page.get_by_role("heading", level=1)).to_have_text(STRAIN)
    assert len(kept) >= 2

    page.unroute("**/pack")
    page.unroute("**/repo/objects/**")
    fetched = []
    page.on("request", lambda r: (objects_in(r.url) or "/pack" in r.url) and fetched.append(r.url))
    ready(page, site.url + "/")  # start-up resumes the staged download
    expect(card(page)).to_contain_text("Downloaded: version 2")
    stored_in_half = {hashlib.sha256(line).hexdigest() for line in kept}
    assert not {objects_in(url) for url in fetched} & stored_in_half, "fetched twice"
    assert not any("/pack" in url for url in fetched)
    manifest = site.get("/api/v1/bundles/caregiving/en").json
    entries = manifest["articles"] + manifest["about"] + manifest["search"]["segments"]
    assert set(stored_objects(page)) == {e["object"] for e in entries if e["object"]}


ON_MOBILE_DATA = """
Object.defineProperty(navigator, "connection", {
  value: { saveData: false, type: "cellular", addEventListener() {} },
});
"""


def test_on_mobile_data_a_large_download_waits_for_a_yes(new_page, site):
    page = new_page()
    page.add_init_script(ON_MOBILE_DATA)

    def large(route):
        answered = route.fetch()
        if not answered.ok:  # no size beside the pack yet: the app asks the API
            return route.fulfill(response=answered)
        size = answered.json()
        stated = {"pack_bytes": 6_000_000, "bytes": 6_000_000 + size["bytes"]}
        return route.fulfill(json={**size, **stated})

    # The size the content source states beside the pack, or the API's while there is none.
    page.route(re.compile(r"/caregiving/en/([0-9]+\.)?download(\.json)?$"), large)
    ready(page, site.url + "/")
    controlled(page)
    packs = []
    page.on("request", lambda r: "/pack" in r.url and packs.append(r.url))
    questions = []

    def answer(dialog, yes):
        questions.append(dialog.message)
        dialog.accept() if yes else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, yes=False))
    card(page).get_by_role("button", name="Download for offline").click()
    expect(card(page).get_by_role("button", name="Download for offline")).to_be_enabled()
    assert questions == ["You seem to be on mobile data. This download is 6 MB. Download it now?"]
    assert packs == []
    page.once("dialog", lambda dialog: answer(dialog, yes=True))
    install(page, CAREGIVING)
    assert len(questions) == 2 and len(packs) == 1
