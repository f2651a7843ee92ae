"""The device believes only manifests its publisher signed: a signed bundle installs, while a
manifest changed on the way (in the pack, in `changes`, from the network for reading) or signed
by a key the device never learned is refused with a message and nothing is installed, and an
article changed in the pack is never stored. A key
rotated on the server is learned through its endorsement, so updates keep coming."""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import expect

from satchel.manifest import canonical_bytes, endorsed_bytes
from satchel.stages.sign import Signer, b64url, describe_key

from .caregiving import (
    CAREGIVING,
    CHANGES,
    MANIFEST,
    RENAMED,
    STORED_MANIFEST,
    STRAIN,
    card,
    installed_page,
    rename_strain,
)
from .conftest import (
    Site,
    as_older_database,
    controlled,
    install,
    installed_record,
    installed_version,
    ready,
    stored_keys,
    stored_objects,
)

CHANGED = "This content was changed or not signed by its publisher"
UNKNOWN = "This content is signed by a key this device does not trust"


def trusted_key_ids(page) -> list[str]:
    return stored_keys(page, "keys")


def staged(page) -> list[str]:
    return stored_keys(page, "staging")


def server_key_ids(site) -> list[str]:
    return [key["id"] for key in site.get("/api/v1/keys").json["keys"]]


def rotate_key(site) -> None:
    result = site.app.test_cli_runner().invoke(args=["bundles", "keys", "rotate"])
    assert result.exit_code == 0, result.output


def fresh_page(new_page, site):
    """A device that opened the app once, online: it trusts the publisher's key."""
    page = new_page()
    ready(page, site.url + "/")
    controlled(page)
    return page


def assert_nothing_installed(page):
    assert installed_version(page, "caregiving/en") is None
    assert stored_objects(page) == []
    assert staged(page) == []


def test_a_signed_bundle_installs_and_reads_offline(new_page, site):
    page = fresh_page(new_page, site)
    assert trusted_key_ids(page) == server_key_ids(site)  # learned on first contact
    install(page, CAREGIVING)
    signature = site.get(MANIFEST).json["signature"]
    assert installed_record(page, "caregiving/en")["keyId"] == signature["key_id"]

    page.context.set_offline(True)
    ready(page, site.url + "/#/read/caregiving/en/caregiver-strain-and-health")
    expect(page.locator("main h1")).to_have_text(STRAIN)


def forge_title(manifest: dict) -> dict:
    return {**manifest, "title": manifest["title"] + "!"}


def drop_signature(manifest: dict) -> dict:
    return {key: value for key, value in manifest.items() if key != "signature"}


@pytest.mark.parametrize("forge", [forge_title, drop_signature])
def test_a_pack_whose_manifest_was_changed_is_refused(new_page, site, forge):
    page = fresh_page(new_page, site)

    def tamper(route):
        response = route.fetch()
        first, rest = response.body().split(b"\n", 1)
        forged = canonical_bytes(forge(json.loads(first)))
        route.fulfill(
            response=response,
            body=forged + b"\n" + rest,
            headers={"content-type": "application/x-ndjson"},
        )

    page.route("**/pack", tamper)
    card(page).get_by_role("button", name="Download for offline").click()
    expect(page.locator("#notices")).to_contain_text(CHANGED)
    expect(page.locator("#notices")).to_contain_text("What you had downloaded before is unchanged")
    assert_nothing_installed(page)


def test_an_article_changed_in_the_pack_is_never_stored(new_page, site):
    """The pack's lines are stored in chunks while the next are read: an article whose bytes
    were changed on the way is stored neither as it came nor as it was, and nothing installs."""
    page = fresh_page(new_page, site)
    changed = set()

    def tamper(route):
        response = route.fetch()
        first, *lines = response.body().split(b"\n")
        forged = [line.replace(b"strained", b"fine") for line in lines]
        for line, kept in zip(lines, forged, strict=True):
            if line != kept:
                changed.update(hashlib.sha256(text).hexdigest() for text in (line, kept))
        route.fulfill(response=response, body=b"\n".join([first, *forged]))

    page.route("**/pack", tamper)
    card(page).get_by_role("button", name="Download for offline").click()
    expect(page.locator("#notices")).to_contain_text("A downloaded file was damaged")
    assert installed_version(page, "caregiving/en") is None
    assert changed and not changed & set(stored_objects(page))


def test_a_manifest_signed_by_an_unknown_key_is_refused(new_page, site, tmp_path):
    page = fresh_page(new_page, site)
    other = Site(tmp_path / "other")  # the same bundles, signed by another publisher
    try:
        page.route(
            "**/pack",
            lambda route: route.fulfill(
                response=route.fetch(url=route.request.url.replace(site.url, other.url))
            ),
        )
        card(page).get_by_role("button", name="Download for offline").click()
        expect(page.locator("#notices")).to_contain_text(UNKNOWN)
    finally:
        other.stop()
    assert_nothing_installed(page)
    assert trusted_key_ids(page) == server_key_ids(site)


def forged_v2(site) -> tuple[dict, bytes]:
    """The manifest of version 2 with a forged title and its canonical bytes."""
    manifest = forge_title(site.get(MANIFEST).json)
    return manifest, canonical_bytes(manifest)


def forge_rebuilt(page, site):
    """`changes` whose patch and hash lead to the forged manifest."""
    manifest, data = forged_v2(site)

    def tamper(route):
        response = route.fetch()
        changes = response.json()
        changes["manifest"]["patch"]["title"] = manifest["title"]
        changes["manifest"]["sha256"] = hashlib.sha256(data).hexdigest()
        route.fulfill(response=response, json=changes)

    page.route(CHANGES, tamper)


def forge_full_manifest(page, site):
    """`changes` that rebuild nothing the hash names, and the forged manifest it names."""
    _manifest, data = forged_v2(site)

    def tamper(route):
        response = route.fetch()
        changes = response.json()
        changes["manifest"]["sha256"] = hashlib.sha256(data).hexdigest()
        route.fulfill(response=response, json=changes)

    page.route(CHANGES, tamper)
    page.route(
        STORED_MANIFEST,
        lambda route: route.fulfill(body=data, headers={"content-type": "application/json"}),
    )


@pytest.mark.parametrize("forge", [forge_rebuilt, forge_full_manifest])
def test_an_update_whose_manifest_was_changed_is_refused(new_page, site, forge):
    """The hash in `changes` matches the forged manifest: only its signature tells."""
    page = installed_page(new_page, site)
    before = set(stored_objects(page))
    rename_strain(site)
    forge(page, site)
    ready(page)
    expect(page.locator("#notices")).to_contain_text(CHANGED)
    expect(card(page)).not_to_contain_text("Update available")
    assert installed_version(page, "caregiving/en") == 1
    assert staged(page) == []
    assert set(stored_objects(page)) == before


def test_a_changed_manifest_is_not_read_from_the_network(new_page, site):
    page = fresh_page(new_page, site)
    _manifest, data = forged_v2(site)
    page.route(
        STORED_MANIFEST,
        lambda route: route.fulfill(body=data, headers={"content-type": "application/json"}),
    )
    ready(page, site.url + "/#/read/caregiving/en")
    expect(page.locator("main")).to_contain_text(CHANGED)
    expect(page.get_by_role("link", name="Older carers")).to_have_count(0)


def test_after_a_key_rotation_the_device_updates_and_reads(new_page, site):
    page = installed_page(new_page, site)
    old = server_key_ids(site)
    rotate_key(site)
    rename_strain(site)
    new = server_key_ids(site)
    assert len(new) == len(old) + 1 and new[: len(old)] == old
    signature = site.get(MANIFEST).json["signature"]
    assert signature["key_id"] == new[-1]

    asked = []
    page.on("request", lambda r: "/keys/keyring.json" in r.url and asked.append(r.url))
    ready(page)
    card(page).get_by_role("button", name="Update now").click()
    expect(card(page)).to_contain_text("Downloaded: version 2")
    assert asked == []  # the new key was learned from the manifest, by its endorsement
    assert sorted(trusted_key_ids(page)) == sorted(new)
    assert installed_record(page, "caregiving/en")["keyId"] == new[-1]
    page.context.set_offline(True)
    ready(page, site.url + "/#/read/caregiving/en/caregiver-strain-and-health")
    expect(page.locator("main h1")).to_have_text(RENAMED)


VERIFY = """async ([text, edit, asStored]) => {
  const { verifyManifest, isUntrusted } = await import("/static/lib/trust.js");
  const edited = edit ? text.replaceAll(edit[0], edit[1]) : text;
  const bytes = asStored ? new TextEncoder().encode(edited) : null;
  try {
    return await verifyManifest(JSON.parse(edited), bytes);
  } catch (error) {
    if (isUntrusted(error)) return error.code;
    throw error;
  }
}"""


@pytest.mark.parametrize("as_stored", [False, True], ids=["written anew", "cut from its bytes"])
def test_verify_manifest_rejects_a_one_character_change(page, live_server, as_stored):
    ready(page, live_server + "/")
    text = page.evaluate(f"fetch('{MANIFEST}').then(r => r.text())")
    key_id = json.loads(text)["signature"]["key_id"]
    title = json.loads(text)["title"]
    signature = text[text.index('"signature":') : text.index("}", text.index('"signature":')) + 1]

    def verify(edit=None):
        return page.evaluate(VERIFY, [text, edit, as_stored])

    assert verify() == key_id
    assert verify([title, title[0].swapcase() + title[1:]]) == "bad_signature"
    assert verify([key_id, "0" * 16]) == "unknown_key"
    assert verify(['"signature":', '"unsigned":']) == "unsigned"
    # A copy of the signature member inside the first article, found before the real one.
    copied = ['"articles":[{', '"articles":[{' + signature + ","]
    assert verify(copied) == "bad_signature"


def test_downloads_made_before_signed_manifests_are_kept(new_page, site):
    page = installed_page(new_page, site)
    objects = set(stored_objects(page))
    # The app before signed manifests: the same records, no keys store.
    assert as_older_database(page, 1) == {
        "version": 1,
        "stores": ["installs", "objects", "staging"],
    }
    ready(page)  # the app upgrades its storage to version 2, and on to chunks
    assert installed_version(page, "caregiving/en") == 1
    assert set(stored_objects(page)) == objects
    assert trusted_key_ids(page) == server_key_ids(site)
    page.context.set_offline(True)
    ready(page, site.url + "/#/read/caregiving/en/caregiver-strain-and-health")
    expect(page.locator("main h1")).to_have_text(STRAIN)


def test_a_key_is_learned_only_through_a_true_endorsement(page, live_server):
    """A manifest signed by a key that claims the trusted key endorsed it, with a signature
    the trusted key never made, is refused and its key never trusted."""
    ready(page, live_server + "/")
    manifest = json.loads(page.evaluate(f"fetch('{MANIFEST}').then(r => r.text())"))
    trusted = trusted_key_ids(page)
    private = Ed25519PrivateKey.generate()
    key = describe_key(private.public_key())
    claimed = b64url(private.sign(endorsed_bytes(key)))  # signed by itself, not the publisher
    key["endorsement"] = {"key_id": manifest["signature"]["key_id"], "value": claimed}
    forged = Signer([key], private).sign({**manifest, "keys": [*manifest["keys"], key]})
    assert page.evaluate(VERIFY, [json.dumps(forged), None]) == "unknown_key"
    assert trusted_key_ids(page) == trusted


def strip_signature_from_staging(page, key: str) -> None:
    """Make the staged download look as the app before signed manifests left it."""
    page.evaluate(
        """key => new Promise((resolve, reject) => {
            const open = indexedDB.open("satchel");
            open.onsuccess = () => {
                const tx = open.result.transaction("staging", "readwrite");
                const store = tx.objectStore("staging");
                store.get(key).onsuccess = (event) => {
                    const { keyId, ...record } = event.target.result;
                    const { signature, keys, ...manifest } = record.manifest;
                    store.put({ ...record, manifest }).onsuccess = () => {
                        open.result.close();
                        resolve();
                    };
                };
            };
            open.onerror = () => reject(open.error);
        })""",
        key,
    )


def test_an_unsigned_download_staged_before_the_upgrade_starts_over(new_page, site):
    """An update interrupted under the old app resumes under this one: its manifest carries no
    signature, so the device starts over from the current, signed version."""
    page = installed_page(new_page, site)
    rename_strain(site)
    ready(page)
    page.route("**/repo/objects/**", lambda route: route.abort("internetdisconnected"))
    card(page).get_by_role("button", name="Update now").click()
    expect(page.locator("#notices")).to_contain_text("will continue where it left off")
    strip_signature_from_staging(page, "caregiving/en")
    page.unroute("**/repo/objects/**")

    packs = []
    page.on("request", lambda r: r.url.endswith("/pack") and packs.append(r.url))
    ready(page)
    expect(card(page)).to_contain_text("Downloaded: version 2")
    assert len(packs) == 1
    assert installed_record(page, "caregiving/en")["keyId"] == server_key_ids(site)[-1]
    expect(page.locator("#notices")).not_to_contain_text("not used")


# A browser whose WebCrypto has no Ed25519 (Chrome before 137, for one).
WITHOUT_ED25519 = """(() => {
  const importKey = crypto.subtle.importKey.bind(crypto.subtle);
  crypto.subtle.importKey = (format, data, algorithm, ...rest) =>
    (algorithm === "Ed25519" || algorithm.name === "Ed25519")
      ? Promise.reject(new DOMException("Ed25519 is not supported", "NotSupportedError"))
      : importKey(format, data, algorithm, ...rest);
})();"""
NOBLE = "/static/vendor/noble-ed25519.js"


def test_without_webcrypto_ed25519_the_vendored_library_verifies_offline_too(new_page, site):
    page = new_page()
    page.add_init_script(WITHOUT_ED25519)
    loaded = []
    page.on("request", lambda request: loaded.append(request.url.endswith(NOBLE)))
    ready(page, site.url + "/")
    controlled(page)
    head = site.get("/sw.js").text.split("\n", 1)[0]
    precache = json.loads(head.removeprefix("const SHELL = ").removesuffix(";"))
    assert NOBLE not in {file["url"] for file in precache["files"]}, "not in every device's shell"
    assert NOBLE in {file["url"] for file in precache["later"]}
    assert not any(loaded), "a browser that has Ed25519 never loads it; this one had no reason yet"
    install(page, CAREGIVING)
    assert any(loaded)
    assert installed_record(page, "caregiving/en")["keyId"] == server_key_ids(site)[-1]

    page.context.set_offline(True)
    ready(page, site.url + "/")
    text = installed_text(page)
    key_id = json.loads(text)["signature"]["key_id"]
    assert page.evaluate(VERIFY, [text, None]) == key_id
    title = json.loads(text)["title"]
    assert page.evaluate(VERIFY, [text, [title, title.upper()]]) == "bad_signature"


def installed_text(page) -> str:
    """The installed manifest as canonical JSON (what the server stored)."""
    return canonical_bytes(installed_record(page, "caregiving/en")["manifest"]).decode()
