"""Bundles passed on as a `.satchel` file: "Share this bundle" saves one; a second browser
profile that opened the app once online installs it with the network off, then reads and
searches it; a file that is not exactly the publisher's is refused with its own message and
leaves the device as it was; so is a version the device already has or has passed; and a file
written by `satchel export` (format 2, the brotli bytes the network sends) holds what the app
makes (format 1, gzip), installs offline, and is refused alike when changed."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from urllib.request import urlopen

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import expect

from satchel.commands.bundle_file import ENVELOPE_MAGIC, MAGIC
from satchel.manifest import canonical_bytes
from satchel.stages.repository import (
    KeyFolders,
    carried_metadata,
    current_metadata,
    find_signer,
    rotate_role_key,
)
from satchel.stages.sign import Signer, describe_key
from satchel.store import Store

from ..helpers.bundle_files import (
    read_bundle_file,
    unwrapped,
    write_device_file,
    write_export_file,
)
from ..helpers.tuf_forgery import forge_targets_signed_by
from .caregiving import CAREGIVING, RENAMED, STRAIN, card, rename_strain
from .conftest import (
    DECODER,
    TRUST_RECORD,
    Site,
    checked_line,
    controlled,
    install,
    installed_record,
    installed_version,
    not_checked_line,
    offline_code_cached,
    ready,
    shell_cache_urls,
    stored_keys,
    stored_objects,
)

KEY = "caregiving/en"
WELL = "Staying well at home"


def write_like(source, path, manifest: bytes, objects: list[bytes]) -> None:
    """A `.satchel` file of exactly these records in the format of ``source``, with its TUF
    metadata, as anyone could write one."""
    metadata, inner = unwrapped(source.read_bytes(), source)
    exported = inner.startswith(MAGIC)
    (write_export_file if exported else write_device_file)(path, manifest, objects, metadata)


def share(page, folder):
    """Click "Share this bundle" on the caregiving card; the path of the file saved."""
    with page.expect_download() as download:
        card(page).get_by_role("button", name="Share this bundle").click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def open_file(page, path) -> None:
    page.get_by_label("Open a bundle file").set_input_files(path)


def fresh_device(new_page, url: str):
    """A browser profile that opened the app once online (its shell cached, then, idle, the
    code it keeps for offline use; the publisher's keys learned) and holds no bundle, now
    offline."""
    page = new_page(accept_downloads=True)
    with page.expect_response("**/repo/keys/keyring.json"):
        ready(page, url + "/")
    controlled(page)
    offline_code_cached(page)
    page.context.set_offline(True)
    ready(page)
    return page


def staged(page) -> list[str]:
    return stored_keys(page, "staging")


def read_and_search_offline(page) -> None:
    card(page).get_by_role("link", name="Read").click()
    page.get_by_role("link", name=STRAIN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(STRAIN)
    expect(page.locator("section.considerations")).to_contain_text("doctor")
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for a word or a symptom").fill("stressed")
    expect(page.locator(".results .card h3").filter(has_text=STRAIN)).to_have_count(1)


@pytest.fixture(scope="module")
def shared(browser, live_server, tmp_path_factory):
    """The caregiving bundle as "Share this bundle" saved it on a device of the live server."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    ready(page, live_server + "/")
    controlled(page)
    install(page, CAREGIVING)
    path = share(page, tmp_path_factory.mktemp("shared"))
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    return path


@pytest.fixture(scope="module")
def exported(shared, tmp_path_factory):
    """The same bundle as `satchel export` writes it (format 2)."""
    contents = read_bundle_file(shared)
    path = tmp_path_factory.mktemp("exported") / shared.name
    write_export_file(path, contents.manifest, list(contents.objects.values()), contents.metadata)
    return path


def test_share_then_install_offline_on_another_device(shared, new_page, live_server):
    assert shared.name == "caregiving-en-v1.satchel"
    contents = read_bundle_file(shared)
    assert contents.manifest == urlopen(live_server + "/api/v1/bundles/caregiving/en").read()
    manifest = json.loads(contents.manifest)
    entries = manifest["articles"] + manifest["about"] + manifest["search"]["segments"]
    named = dict.fromkeys(entry["object"] for entry in entries if entry["object"])
    assert list(contents.objects) == list(named)  # each once, in manifest order

    page = fresh_device(new_page, live_server)
    expect(page.get_by_text("Downloaded: version")).to_have_count(0)
    open_file(page, shared)
    expect(page.locator("#notices")).to_contain_text(
        f"{CAREGIVING}, version 1, was installed from the file."
    )
    expect(card(page)).to_contain_text("Downloaded: version 1")
    assert installed_version(page, KEY) == 1
    assert installed_record(page, KEY)["keyId"] == manifest["signature"]["key_id"]
    assert set(stored_objects(page)) == set(contents.objects)
    read_and_search_offline(page)


def changed_object(source, path):
    contents = read_bundle_file(source)
    objects = list(contents.objects.values())
    assert b"carers" in objects[0]
    objects[0] = objects[0].replace(b"carers", b"carer5", 1)
    write_like(source, path, contents.manifest, objects)


def changed_manifest(source, path):
    contents = read_bundle_file(source)
    manifest = contents.manifest.replace(b"felt strained", b"felt 5trained", 1)
    assert manifest != contents.manifest
    write_like(source, path, manifest, list(contents.objects.values()))


def missing_object(source, path):
    contents = read_bundle_file(source)
    write_like(source, path, contents.manifest, list(contents.objects.values())[:-1])


def changed_segment(source, path):
    contents = read_bundle_file(source)
    objects = list(contents.objects.values())
    assert objects[-1].startswith(b"SXI1")  # the search index
    objects[-1] = objects[-1][:-1] + bytes([objects[-1][-1] ^ 1])
    write_like(source, path, contents.manifest, objects)


def cut_off(source, path):
    path.write_bytes(source.read_bytes()[:-100])


def bytes_after_the_end(source, path):
    path.write_bytes(source.read_bytes() + bytes(8))


def unknown_key(source, path):
    """The publisher's bundle, re-signed by a key of someone else's, listed with the real ones."""
    contents = read_bundle_file(source)
    private = Ed25519PrivateKey.generate()
    forger = describe_key(private.public_key())
    manifest = json.loads(contents.manifest)
    signed = Signer([forger], private).sign({**manifest, "keys": [*manifest["keys"], forger]})
    write_like(source, path, canonical_bytes(signed), list(contents.objects.values()))


def not_a_bundle(_source, path):
    path.write_bytes(gzip.compress(b'{"format": "satchel-saved-articles", "saved": []}'))


REFUSALS = {
    changed_object: "An article or search index in this file was changed after it was published.",
    changed_segment: "An article or search index in this file was changed after it was published.",
    changed_manifest: "The list of contents in this file was changed after it was published",
    missing_object: "Part of the bundle is missing from this file.",
    cut_off: "This file is incomplete or damaged: it may have been cut off",
    bytes_after_the_end: "This file is incomplete or damaged: it may have been cut off",
    unknown_key: "This file was not signed by a publisher this app knows",
    not_a_bundle: "This is not a Satchel bundle file.",
}


@pytest.mark.parametrize("written_by", ["device", "export"])
@pytest.mark.parametrize("tamper", REFUSALS, ids=lambda tamper: tamper.__name__)
def test_a_file_not_exactly_the_publishers_is_refused(
    tamper, written_by, shared, exported, new_page, live_server, tmp_path
):
    source = shared if written_by == "device" else exported
    path = tmp_path / shared.name
    tamper(source, path)
    page = fresh_device(new_page, live_server)
    open_file(page, path)
    expect(page.locator("#notices .notice-error")).to_contain_text(REFUSALS[tamper])
    expect(page.locator("#notices")).to_contain_text("Nothing on this device was changed.")
    assert installed_version(page, KEY) is None
    assert stored_objects(page) == [] and staged(page) == []
    expect(page.get_by_text("Downloaded: version")).to_have_count(0)


def test_updates_from_a_file_never_go_back_and_a_bad_one_loses_nothing(new_page, site, tmp_path):
    page = new_page(accept_downloads=True)
    ready(page, site.url + "/")
    controlled(page)
    install(page, CAREGIVING)
    first = share(page, tmp_path)
    open_file(page, first)
    expect(page.locator("#notices")).to_contain_text(
        "This file holds version 1 of the bundle, and this device already has version 1."
    )

    rename_strain(site)  # version 2, installed on another device and shared from there
    other = new_page(accept_downloads=True)
    ready(other, site.url + "/")
    install(other, CAREGIVING)
    second = share(other, tmp_path)
    assert second.name == "caregiving-en-v2.satchel"

    page.context.set_offline(True)
    ready(page)
    before = set(stored_objects(page))
    changed_object(second, tmp_path / "changed.satchel")
    open_file(page, tmp_path / "changed.satchel")
    expect(page.locator("#notices")).to_contain_text("was changed after it was published")
    assert installed_version(page, KEY) == 1
    assert set(stored_objects(page)) == before and staged(page) == []

    open_file(page, second)  # the genuine update, offline
    expect(page.locator("#notices")).to_contain_text(f"{CAREGIVING}, version 2, was installed")
    assert installed_version(page, KEY) == 2
    assert set(stored_objects(page)) == set(read_bundle_file(second).objects)
    ready(page, site.url + "/#/read/caregiving/en/caregiver-strain-and-health")
    expect(page.get_by_role("heading", level=1)).to_have_text(RENAMED)

    ready(page, site.url + "/")
    open_file(page, first)
    expect(page.locator("#notices")).to_contain_text(
        "This file holds version 1 of the bundle, and this device already has version 2."
    )
    assert installed_version(page, KEY) == 2


def satchel_export(site, path, locale="en", bundle="caregiving"):
    """`satchel export` of ``bundle``'s current version, to ``path``."""
    args = ["bundles", "export", "--bundle", bundle, "--locale", locale, "--out", str(path)]
    result = site.app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return path


def test_a_file_from_satchel_export_is_the_one_the_app_makes(new_page, site, tmp_path):
    exported = satchel_export(site, tmp_path / "from-the-server.satchel")
    page = fresh_device(new_page, site.url)
    open_file(page, exported)
    expect(page.locator("#notices")).to_contain_text(f"{CAREGIVING}, version 1, was installed")
    read_and_search_offline(page)
    ready(page, site.url + "/")
    shared_again = share(page, tmp_path)
    assert read_bundle_file(shared_again) == read_bundle_file(exported)


def test_the_decoder_is_cached_after_the_shell_not_with_it(new_page, site):
    """The worker's install caches the shell alone; the decoder follows once the started page,
    idle, asks for it (here it never does)."""
    page = new_page()
    page.add_init_script("ServiceWorker.prototype.postMessage = () => {};")
    ready(page, site.url + "/")
    controlled(page)  # activated: the shell is cached
    held = shell_cache_urls(page)
    assert any(url.endswith("/") for url in held)
    assert not any(DECODER in url for url in held)


def test_a_file_from_satchel_export_carries_the_bytes_a_first_install_downloads(site, tmp_path):
    compressed = site.app.test_cli_runner().invoke(args=["bundles", "compress-packs"])
    assert compressed.exit_code == 0, compressed.output
    exported = satchel_export(site, tmp_path / "exported.satchel").read_bytes()
    client = site.app.test_client()

    def sent_with_brotli(path: str) -> bytes:
        with client.get(path, headers={"Accept-Encoding": "br"}) as response:
            assert response.headers["Content-Encoding"] == "br", path
            return response.data

    pack = sent_with_brotli("/api/v1/bundles/caregiving/en/pack")
    manifest = site.get("/api/v1/bundles/caregiving/en").json
    segments = [
        sent_with_brotli(f"/api/v1/objects/{s['object']}") for s in manifest["search"]["segments"]
    ]
    framed = [len(record).to_bytes(4, "big") + record for record in [pack, *segments]]
    metadata = carried_metadata(Store(site.data))
    envelope = ENVELOPE_MAGIC + len(metadata).to_bytes(4, "big") + metadata
    assert exported == envelope + MAGIC + b"".join(framed) + bytes(4)


def test_after_a_key_rotation_a_file_signed_by_the_next_key_installs(new_page, site, tmp_path):
    page = fresh_device(new_page, site.url)  # it learned the first key only
    result = site.app.test_cli_runner().invoke(args=["bundles", "keys", "rotate"])
    assert result.exit_code == 0, result.output
    rename_strain(site)  # version 2, signed by the next key, which the first one endorses
    manifest = site.get("/api/v1/bundles/caregiving/en").json
    first, following = manifest["keys"]
    assert manifest["signature"]["key_id"] == following["id"] != first["id"]

    open_file(page, satchel_export(site, tmp_path / "signed-by-the-next-key.satchel"))
    expect(page.locator("#notices")).to_contain_text(f"{CAREGIVING}, version 2, was installed")
    ready(page, site.url + "/#/read/caregiving/en/caregiver-strain-and-health")
    expect(page.get_by_role("heading", level=1)).to_have_text(RENAMED)


def test_a_file_in_another_language_has_its_own_card(new_page, tmp_path):
    """The library lists bundles in the reader's language; one installed from a file in
    another language must still be found there, online and offline."""
    site = Site(tmp_path / "site", translated=True)
    try:
        check_spanish_card(new_page, site, tmp_path)
    finally:
        site.stop()


def check_spanish_card(new_page, site, tmp_path):
    page = fresh_device(new_page, site.url)  # offline, reading in English
    open_file(page, satchel_export(site, tmp_path / "caregiving-es.satchel", locale="es"))
    expect(page.locator("#notices")).to_contain_text("version 1, was installed from the file")
    spanish = page.locator("li.card", has_text="Language: Spanish")
    for online in (False, True):
        page.context.set_offline(not online)
        ready(page, site.url + "/")
        expect(spanish).to_contain_text("Downloaded: version 1")
        if online:  # and the English one, which can be downloaded
            expect(card(page)).to_have_count(2)
        spanish.get_by_role("link", name="Read").click()
        expect(page).to_have_url(f"{site.url}/#/read/caregiving/es")


UNCONFIRMED = (
    "Its publisher's signed list of current content does not confirm this file: it may hold "
    "a version since replaced, or have been signed by a key its publisher has withdrawn. "
    "Nothing on this device was changed."
)


def trusted_timestamp(page) -> int | None:
    """The version of the TUF timestamp the device keeps, None when it keeps none."""
    record = json.loads(page.evaluate(TRUST_RECORD))
    return record and record["timestamp"]["signed"]["version"]


def test_a_file_installs_offline_on_its_own_metadata_and_never_rolls_the_device_back(
    new_page, site, tmp_path
):
    exported = satchel_export(site, tmp_path / "staying-well.satchel", bundle="staying-well")
    carried = read_bundle_file(exported).metadata
    assert {"1.root.json", "timestamp.json"} <= set(carried)
    first = fresh_device(new_page, site.url)  # never checked the publisher's metadata
    assert trusted_timestamp(first) is None
    open_file(first, exported)
    expect(first.locator("#notices")).to_contain_text("version 1, was installed from the file")
    assert trusted_timestamp(first) == carried["timestamp.json"]["signed"]["version"]
    expires = datetime.fromisoformat(carried["timestamp.json"]["signed"]["expires"])
    assert expires > datetime.now(UTC)
    expect(first.locator("li.card", has_text=WELL)).to_contain_text(checked_line(datetime.now(UTC)))

    refreshed = site.app.test_cli_runner().invoke(args=["bundles", "refresh"])
    assert refreshed.exit_code == 0, refreshed.output
    second = new_page(accept_downloads=True)
    ready(second, site.url + "/")
    controlled(second)
    install(second, CAREGIVING)  # the device now holds newer metadata than the file's
    newer = trusted_timestamp(second)
    assert newer > carried["timestamp.json"]["signed"]["version"]
    second.context.set_offline(True)
    open_file(second, exported)
    expect(second.locator("#notices")).to_contain_text("version 1, was installed from the file")
    assert trusted_timestamp(second) == newer


def test_a_file_whose_manifest_its_targets_do_not_list_is_refused(new_page, site, tmp_path):
    old_metadata = read_bundle_file(satchel_export(site, tmp_path / "v1.satchel")).metadata
    rename_strain(site)
    contents = read_bundle_file(satchel_export(site, tmp_path / "v2.satchel"))
    path = tmp_path / "v2-with-v1-metadata.satchel"
    write_export_file(path, contents.manifest, list(contents.objects.values()), old_metadata)
    page = fresh_device(new_page, site.url)
    open_file(page, path)
    expect(page.locator("#notices .notice-error")).to_contain_text(UNCONFIRMED)
    assert installed_version(page, KEY) is None
    assert stored_objects(page) == [] and staged(page) == []
    assert trusted_timestamp(page) is None


def test_a_file_whose_targets_a_revoked_key_signed_is_refused(new_page, site, tmp_path):
    page = new_page(accept_downloads=True)
    ready(page, site.url + "/")
    controlled(page)
    install(page, CAREGIVING)
    store = Store(site.data)
    (targets_key,) = current_metadata(store, "root").signed.roles["targets"].keyids
    stolen = find_signer(targets_key, KeyFolders.of(store))
    rotate_role_key(store, KeyFolders.of(store), "targets", None)
    ready(page)  # the device follows the new root, which revokes the stolen key
    expect(card(page)).to_contain_text("Downloaded: version 1")
    rename_strain(site)
    version_2 = store.manifest_bytes("caregiving", "en", 2)
    forge_targets_signed_by(store, stolen, "bundles/caregiving/en/2.json", version_2)
    forged = satchel_export(site, tmp_path / "signed-by-a-revoked-key.satchel")
    page.context.set_offline(True)
    ready(page)
    before = trusted_timestamp(page)
    open_file(page, forged)
    expect(page.locator("#notices .notice-error")).to_contain_text(UNCONFIRMED)
    assert installed_version(page, KEY) == 1 and staged(page) == []
    assert trusted_timestamp(page) == before


def test_an_expired_file_installs_and_says_since_when_it_was_not_checked(new_page, site, tmp_path):
    exported = satchel_export(site, tmp_path / "old.satchel")
    expires = read_bundle_file(exported).metadata["timestamp.json"]["signed"]["expires"]
    page = fresh_device(new_page, site.url)
    page.clock.set_fixed_time(datetime.fromisoformat(expires) + timedelta(days=40))
    ready(page)
    open_file(page, exported)
    expect(page.locator("#notices")).to_contain_text(f"{CAREGIVING}, version 1, was installed")
    expect(card(page)).to_contain_text(not_checked_line(datetime.fromisoformat(expires)))
    read_and_search_offline(page)


def test_a_file_of_a_version_the_device_knows_was_replaced_is_refused(new_page, site, tmp_path):
    replaced = satchel_export(site, tmp_path / "caregiving-v1.satchel")
    rename_strain(site)  # version 2 replaces the file's version 1
    page = new_page(accept_downloads=True)
    ready(page, site.url + "/")
    controlled(page)
    install(page, WELL)  # the device's metadata now lists caregiving version 2
    page.context.set_offline(True)
    open_file(page, replaced)
    expect(page.locator("#notices .notice-error")).to_contain_text(UNCONFIRMED)
    assert installed_version(page, KEY) is None and staged(page) == []
