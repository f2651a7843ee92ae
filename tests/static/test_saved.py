"""Saved articles: kept across a reload, readable offline (even from a bundle that was never
downloaded), told apart after an update that changes one and one that withdraws another, and
carried to a fresh install through an exported file."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

from .conftest import controlled, install, ready

SLOW_SAVED_DATABASE = (Path(__file__).parent / "js" / "slow-saved-database.js").read_text()

EBV = "A common virus may be the main trigger for MS"
VITAMIN_D = "Higher vitamin D linked with lower risk of getting MS"
CAREGIVING = "Caring for someone: what research says"
STRAIN = "Older carers who felt strained had a higher risk of dying"
LONGER_LIFE = "Family carers lived slightly longer on average"
COPING = "Eight coping sessions eased anxiety and depression in dementia carers"


def save(page, base, path):
    ready(page, f"{base}/#/read/{path}")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("button", name="Remove from saved")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Saved.")


def saved_card(page, title):
    return page.locator("li.card", has=page.get_by_role("heading", name=title))


def open_saved(page):
    page.get_by_role("link", name="Saved", exact=True).click()
    expect(page.locator("main h1")).to_have_text("Saved articles")


def test_saved_across_reload_offline_and_an_exported_file(new_page, live_server, tmp_path):
    page = new_page()
    ready(page, live_server + "/")
    controlled(page)
    save(page, live_server, "ms-research/en/ebv-and-ms-risk")
    save(page, live_server, "ms-research/en/vitamin-d-and-ms-risk")

    ready(page, live_server + "/")  # a reload
    open_saved(page)
    expect(page.locator("main li.card h2")).to_have_text([VITAMIN_D, EBV])  # newest first
    expect(page.locator("main")).not_to_contain_text("Updated since")

    # Offline, with the bundle never downloaded: the saved copies are still there to read.
    page.context.set_offline(True)
    ready(page)
    expect(page.locator("main li.card")).to_have_count(2)
    expect(saved_card(page, EBV)).to_contain_text("Could not check for updates")
    saved_card(page, EBV).get_by_role("link", name=EBV).click()
    expect(page.locator("main h1")).to_have_text(EBV)
    expect(page.locator(".saved-copy")).to_contain_text("You are reading the copy you saved")
    expect(page.locator("section.considerations")).to_contain_text("doctor")
    expect(page.locator("main .doi")).to_contain_text("10.1126/science.abj8222")
    page.context.set_offline(False)

    # Export, then import into a fresh browser profile: a reinstall loses nothing.
    ready(page, live_server + "/#/saved")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export saved articles").click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.name.startswith("satchel-saved-") and exported.suffix == ".json"
    content = json.loads(exported.read_text())
    assert [r["article"]["title"] for r in content["saved"]] == [VITAMIN_D, EBV]
    assert exported.stat().st_size < 40_000  # small: two articles with their text

    fresh = new_page()
    ready(fresh, live_server + "/#/saved")
    expect(fresh.get_by_text("Nothing saved yet.")).to_be_visible()
    fresh.get_by_label("Import saved articles from a file").set_input_files(exported)
    expect(fresh.locator("#notices")).to_contain_text("2 saved articles imported.")
    expect(fresh.locator("main li.card h2")).to_have_text([VITAMIN_D, EBV])
    fresh.get_by_label("Import saved articles from a file").set_input_files(exported)
    expect(fresh.locator("#notices")).to_contain_text("0 saved articles imported.")
    expect(fresh.locator("main li.card")).to_have_count(2)
    not_ours = tmp_path / "other.json"
    not_ours.write_text('{"bookmarks": []}')
    fresh.get_by_label("Import saved articles from a file").set_input_files(not_ours)
    expect(fresh.locator("#notices")).to_contain_text("not a list of saved articles")
    # The imported articles came from the bundle itself, so they read offline too.
    fresh.context.set_offline(True)
    ready(fresh, live_server + "/#/read/ms-research/en/vitamin-d-and-ms-risk")
    expect(fresh.locator(".saved-copy")).to_be_visible()
    expect(fresh.locator("main h1")).to_have_text(VITAMIN_D)
    fresh.context.set_offline(False)
    ready(fresh, live_server + "/#/saved")
    saved_card(fresh, EBV).get_by_role("button", name="Remove from saved").click()
    expect(fresh.locator("main li.card h2")).to_have_text([VITAMIN_D])
    ready(fresh, live_server + "/#/read/ms-research/en/ebv-and-ms-risk")
    expect(fresh.get_by_role("button", name="Save", exact=True)).to_be_visible()


def test_a_saved_article_says_so_from_the_first_paint_however_slow_the_database(
    new_page, live_server
):
    """The button is labelled from what the screen read before it was drawn: a label drawn
    first and corrected by a read of its own showed "Save" on a saved article meanwhile, and a
    click on that "Save" landing just after the read removed the article instead."""
    page = new_page()
    save(page, live_server, "ms-research/en/ebv-and-ms-risk")
    page.context.add_init_script(f"({SLOW_SAVED_DATABASE})(500)")
    ready(page)  # a reload, now with the slow database
    expect(page.locator("main h1")).to_have_text(EBV)
    assert page.locator("button.save").inner_text() == "Remove from saved"  # read once: no retry
    page.locator("button.save").click()
    expect(page.locator("button.save")).to_have_text("Save")
    expect(page.locator("#status")).to_contain_text("Removed from saved articles.")


def test_saved_articles_survive_an_update_that_changes_one_and_withdraws_another(
    new_page, site
):
    page = new_page()
    ready(page, site.url + "/")
    controlled(page)
    install(page, CAREGIVING)
    for article in ("caregiver-strain-and-health", "caregiving-and-longer-life",
                    "start-coping-programme"):
        save(page, site.url, f"caregiving/en/{article}")

    site.edit("caregiving", "caregiver-strain-and-health", "## What they found {#findings}\n",
              "## What they found {#findings}\n\nThe study was updated with later data.\n")
    site.edit("caregiving", "caregiving-and-longer-life", "status: published", "status: withdrawn")
    for other in ("caregiver-strain-and-health", "reach-ii-dementia-carers"):
        text = site.summary("caregiving", other).read_text()
        site.summary("caregiving", other).write_text(
            text.replace(", caregiving-and-longer-life", "")
            .replace("caregiving-and-longer-life, ", ""))
    site.publish("caregiving")
    ready(page, site.url + "/")
    card = page.locator("li.card", has=page.get_by_role("heading", name=CAREGIVING))
    card.get_by_role("button", name="Update now").click()
    expect(card).to_contain_text("Downloaded: version 2")

    # Offline, the installed version tells what happened to each saved article.
    page.context.set_offline(True)
    ready(page, site.url + "/#/saved")
    expect(page.locator("main li.card")).to_have_count(3)
    expect(saved_card(page, STRAIN)).to_contain_text("Updated since you saved it")
    withdrawn = saved_card(page, LONGER_LIFE)
    expect(withdrawn).to_contain_text("Withdrawn.")
    expect(withdrawn).to_contain_text("do not act on what it said")
    expect(withdrawn.get_by_role("link")).to_have_count(0)
    expect(saved_card(page, COPING)).not_to_contain_text("Updated")
    expect(saved_card(page, COPING)).not_to_contain_text("Withdrawn")

    saved_card(page, STRAIN).get_by_role("link", name=STRAIN).click()
    expect(page.locator(".saved-changed")).to_contain_text("updated since you saved it")
    expect(page.locator("main")).to_contain_text("The study was updated with later data.")
    open_saved(page)  # seen: the saved copy is now the current version
    expect(saved_card(page, STRAIN)).not_to_contain_text("Updated since")
    ready(page, site.url + "/#/read/caregiving/en/caregiving-and-longer-life")
    expect(page.locator("main")).to_contain_text("This article was withdrawn by its authors.")
    expect(page.locator("main")).to_contain_text("do not act on what it said")


def test_an_imported_file_never_supplies_the_html_shown(new_page, live_server, tmp_path):
    """A saved-articles file is the reader's own data, but anyone can write one: the article's
    text shown always comes from its bundle (sanitised, checked against its sha256 name)."""
    forged = {
        "format": "satchel-saved-articles",
        "version": 1,
        "saved": [{
            "bundle": "ms-research", "locale": "en", "id": "ebv-and-ms-risk",
            "object": "0" * 64, "savedAt": "2026-01-01T00:00:00Z",
            "bundleTitle": "MS research explained", "bundleLang": "en", "sourceLocale": "en",
            "article": {
                "kind": "summary", "id": "ebv-and-ms-risk", "lang": "en", "title": EBV,
                "sections": [{"id": "takeaway", "html": '<p id="forged">Stop your treatment.</p>'}],
            },
        }],
    }  # fmt: skip
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    page = new_page()
    ready(page, live_server + "/#/saved")
    controlled(page)
    page.get_by_label("Import saved articles from a file").set_input_files(path)
    expect(page.locator("#notices")).to_contain_text("1 saved article imported.")
    card = saved_card(page, EBV)
    expect(card).to_contain_text("Updated since you saved it")  # its sha256 is not the bundle's
    page.context.set_offline(True)
    card.get_by_role("link", name=EBV).click()
    expect(page.locator("main h1")).to_have_text("Something went wrong")
    expect(page.locator("#forged")).to_have_count(0)
    page.context.set_offline(False)
    ready(page)  # a reload, online
    expect(page.locator("main h1")).to_have_text(EBV)
    expect(page.locator(".takeaway")).to_contain_text("Epstein-Barr virus (EBV) is a very common")
    expect(page.locator("#forged")).to_have_count(0)
    expect(page.get_by_text("Stop your treatment.")).to_have_count(0)
