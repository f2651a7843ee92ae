"""The app takes no manifest from the network that the publisher's fresh TUF metadata does not
list (static/lib/freshness.js), shown through its screens in Chromium against the test's server,
with routes playing a mirror that lies: a frozen timestamp, a rollback, an old manifest served
beside new metadata, targets signed by a revoked key, a first root the publisher never signed.
Offline reading never stops; the library card and the article say since when nothing was
checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

from satchel.stages.repository import KeyFolders, current_metadata, find_signer, rotate_role_key
from satchel.store import Store

from ..helpers.tuf_forgery import forge_targets_signed_by
from .caregiving import RENAMED, STRAIN, card, installed_page, rename_strain
from .conftest import (
    TRUST_RECORD,
    checked_line,
    installed_version,
    long_date,
    not_checked_line,
    ready,
    stored_keys,
)

KEY = "caregiving/en"
ARTICLE = "/#/read/caregiving/en/caregiver-strain-and-health"
CHANGED = "This content was changed or not signed by its publisher, so it was not used."
UNCHANGED = "What you had downloaded before is unchanged."


def mirror_serves(page, name: str, body: bytes) -> None:
    """Every page of the context gets ``body`` for the TUF file ``name``, as a mirror would."""
    page.context.route(
        f"**/repo/tuf/{name}",
        lambda route: route.fulfill(status=200, body=body, content_type="application/json"),
    )


def frozen_timestamp(site) -> tuple[bytes, datetime]:
    """The current timestamp as a mirror that stopped syncing serves it once its day has
    passed: validly signed, the same version, expired a minute ago."""
    store = Store(site.data)
    timestamp = current_metadata(store, "timestamp")
    keyid = current_metadata(store, "root").signed.roles["timestamp"].keyids[0]
    timestamp.signed.expires = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    timestamp.signatures.clear()
    timestamp.sign(find_signer(keyid, KeyFolders.of(store)))
    return timestamp.to_bytes(), timestamp.signed.expires


def staged(page) -> list:
    return stored_keys(page, "staging")


def notices(page):
    return page.locator("#notices")


def test_a_frozen_source_is_refused_and_offline_reading_says_since_when(new_page, site):
    page = installed_page(new_page, site)
    installed_at = datetime.now(UTC)
    expect(card(page)).to_contain_text(checked_line(installed_at))
    rename_strain(site)  # the publisher moved on; the mirror did not
    frozen, expired = frozen_timestamp(site)
    mirror_serves(page, "timestamp.json", frozen)
    ready(page)
    source = urlsplit(site.url).netloc
    expect(notices(page)).to_contain_text(
        f"{source} has not been confirmed as current by its publisher since "
        f"{long_date(expired)}: it may be holding back changes, so nothing new was taken "
        f"from it. {UNCHANGED}"
    )
    expect(card(page)).not_to_contain_text("Update available")
    assert installed_version(page, KEY) == 1

    page.context.set_offline(True)
    ready(page, site.url + ARTICLE)
    main = page.locator("main")
    # Only the URL's fragment changes: the library (whose card has the line too) is
    # still shown until the article has been read from the device.
    expect(main).to_contain_text(STRAIN)
    expect(main).to_contain_text(checked_line(installed_at))
    fresh_text = main.inner_text()
    # The device's own metadata expires in a day; a clock past it, offline, changes one line.
    trusted = json.loads(page.evaluate(TRUST_RECORD))["timestamp"]["signed"]["expires"]
    page.clock.set_fixed_time(datetime.fromisoformat(trusted) + timedelta(hours=1))
    ready(page)
    expect(main).to_contain_text(not_checked_line(installed_at))
    expect(main).to_contain_text(STRAIN)
    assert main.inner_text().replace(not_checked_line(installed_at), "") == fresh_text.replace(
        checked_line(installed_at), ""
    )
    ready(page, site.url + "/")
    expect(card(page)).to_contain_text(not_checked_line(installed_at))
    expect(card(page)).to_contain_text("Downloaded: version 1")


def test_a_first_install_from_a_frozen_source_is_refused(new_page, site):
    page = new_page()
    frozen, expired = frozen_timestamp(site)
    mirror_serves(page, "timestamp.json", frozen)
    ready(page, site.url + "/")
    card(page).get_by_role("button", name="Download for offline").click()
    expect(notices(page)).to_contain_text(
        f"has not been confirmed as current by its publisher since {long_date(expired)}"
    )
    assert installed_version(page, KEY) is None
    assert staged(page) == []


FORGET_TRUST = """() => new Promise((resolve) => {
  const open = indexedDB.open("satchel");
  open.onsuccess = () => {
    const tx = open.result.transaction("trust", "readwrite");
    tx.objectStore("trust").clear();
    tx.oncomplete = () => { open.result.close(); resolve(); };
  };
})"""


def update_now(page) -> None:
    expect(card(page)).to_contain_text("Update available")
    card(page).get_by_role("button", name="Update now").click()


def test_a_rollback_is_refused_in_a_later_session(new_page, site):
    page = installed_page(new_page, site)
    older = (site.data / "tuf" / "timestamp.json").read_bytes()
    rename_strain(site)
    ready(page)
    update_now(page)
    expect(card(page)).to_contain_text("Downloaded: version 2")
    # A mirror serves the timestamp of the version before: validly signed, not yet expired.
    mirror_serves(page, "timestamp.json", older)
    later = page.context.new_page()
    ready(later, site.url + "/")
    expect(notices(later)).to_contain_text(
        "This source offered an older version than this device has already seen, so it was "
        f"not used. {UNCHANGED}"
    )
    assert installed_version(later, KEY) == 2


def answer_with(body: bytes):
    """A route handler answering with ``body`` (Playwright passes the request to a handler
    that takes a second parameter)."""
    return lambda route: route.fulfill(status=200, body=body, content_type="application/json")


def test_an_old_manifest_beside_new_metadata_is_refused(new_page, site):
    page = installed_page(new_page, site)
    rename_strain(site)
    # Version 2's pointer and changes: its manifest is validly signed, and still listed among
    # the targets, which now name version 3 as current.
    old = {
        name: (Path(site.data) / "bundles" / "caregiving" / name).read_bytes()
        for name in ("current.json", "en/changes/1-2.json")
    }
    site.edit("caregiving", "caregiver-strain-and-health", f"title: {RENAMED}", "title: Strain")
    site.publish("caregiving")
    for name, body in old.items():
        page.context.route(f"**/repo/bundles/caregiving/{name}", answer_with(body))
    ready(page)
    expect(notices(page)).to_contain_text(f"{CHANGED} {UNCHANGED}")
    expect(card(page)).not_to_contain_text("Update available")
    assert installed_version(page, KEY) == 1


def test_targets_signed_by_a_revoked_key_are_refused(new_page, site):
    page = installed_page(new_page, site)
    store = Store(site.data)
    (targets_key,) = current_metadata(store, "root").signed.roles["targets"].keyids
    stolen = find_signer(targets_key, KeyFolders.of(store))
    rotate_role_key(store, KeyFolders.of(store), "targets", None)
    rename_strain(site)
    ready(page)  # the device follows the new root to version 2
    update_now(page)
    expect(card(page)).to_contain_text("Downloaded: version 2")
    forge_targets_signed_by(store, stolen, "bundles/caregiving/en/3.json")
    ready(page)
    expect(notices(page)).to_contain_text(f"{CHANGED} {UNCHANGED}")
    assert installed_version(page, KEY) == 2


def test_a_device_from_before_tuf_moves_to_the_root_its_publisher_key_signed(new_page, site):
    page = installed_page(new_page, site)
    page.evaluate(FORGET_TRUST)  # as a device that installed before the app used TUF
    root = json.loads((site.data / "tuf" / "1.root.json").read_bytes())
    unendorsed = {**root, "signatures": root["signatures"][:1]}  # the root key's alone
    mirror_serves(page, "1.root.json", json.dumps(unendorsed).encode())
    rename_strain(site)
    ready(page)
    expect(notices(page)).to_contain_text(f"{CHANGED} {UNCHANGED}")
    assert json.loads(page.evaluate(TRUST_RECORD)) is None

    page.context.unroute("**/repo/tuf/1.root.json")
    ready(page)
    update_now(page)
    expect(card(page)).to_contain_text("Downloaded: version 2")
    expect(card(page)).to_contain_text(checked_line(datetime.now(UTC)))
    assert json.loads(page.evaluate(TRUST_RECORD))["root"]["signed"]["version"] == 1
