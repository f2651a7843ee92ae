"""The manifest format has one rule book on each side, ``satchel/manifest.py`` and its
JavaScript twin: both must write the same bytes and read ``changes`` the same way,
since a device checks the manifest it rebuilds against the sha256 of the stored one."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime

import pytest

from satchel import create_app
from satchel.manifest import (
    apply_changes,
    article_changes,
    canonical_bytes,
    changes_between,
    endorsed_bytes,
    object_names,
    signed_bytes,
)
from satchel.stages.pipeline import build
from satchel.store import Store

from .static.conftest import PROJECT, serve

# The one place the device's manifest module is named: the app's layout may move it.
MANIFEST_JS = "/static/lib/manifest.js"

TRICKY = [
    {"é": 1, "e": 2, "Ä": {"ß": "ü"}, "日本": "語", "a": []},
    # Beyond U+FFFF (a surrogate pair in JavaScript) against the top of the BMP.
    {"𝒳": 1, "\uffff": 2, "\ue000": 3, "ｚ": 4, "😀": {"𐐀": [], "z": {}}},
    {"floats": [0.1, 1e-4, 0.5, -2.25, 123456789.125, 1.0, -0.0, 2.0**52, 1e15 + 0.5]},
    {"ints": [0, -1, 2**53 - 1], "empty": [[], {}, ""], "nested": {"b": {"a": {"c": None}}}},
    {"text": 'quote " backslash \\ tab \t line \n control \x01 \x1f del \x7f \u2028 </script>'},
    {"bools": [True, False, None], "list": [{"b": 1, "a": 2}, [1, [2, [3]]]]},
]
# Numbers JavaScript writes another way than Python: refused rather than mis-signed.
UNPORTABLE = [1e-7, 1e16 + 2, 1e21, 2.0**53, 1e300, float("inf"), float("nan"), 2**53 + 1]

CANONICAL = f"""async (values) => {{
  const manifest = await import("{MANIFEST_JS}");
  return values.map((value) => Array.from(manifest.canonicalBytes(value)));
}}"""
APPLY = f"""async (pairs) => {{
  const manifest = await import("{MANIFEST_JS}");
  return pairs.map(([old, changes]) => Array.from(
    manifest.canonicalBytes(manifest.applyChanges(old, changes))));
}}"""
SIGNED_AND_NAMED = f"""async ([manifests, stored, keys]) => {{
  const manifest = await import("{MANIFEST_JS}");
  const bytes = (value) => Array.from(value);
  return {{
    signed: manifests.map((m) => bytes(manifest.signedBytes(m))),
    signedFromStored: stored.map(([m, text]) =>
      bytes(manifest.signedBytes(m, new TextEncoder().encode(text)))),
    endorsed: keys.map((key) => bytes(manifest.endorsedBytes(key))),
    objects: manifests.map((m) => manifest.objectsOf(m).map((entry) => entry.object)),
  }};
}}"""
ARTICLE_CHANGES = f"""async (pairs) => {{
  const manifest = await import("{MANIFEST_JS}");
  return pairs.map(([old, now]) => manifest.articleChanges(old, now));
}}"""


def entry(article_id: str, title: str, obj: str | None = "a" * 64) -> dict:
    return {"id": article_id, "title": title, "object": obj, "bytes": 10 if obj else 0}


def manifest(version: int, articles: list[dict], **members) -> dict:
    base = {
        "bundle": "demo",
        "locale": "en",
        "version": version,
        "title": "Démo",
        "about": [],
        "search": {"rules": 3, "segments": [], "thesaurus": {"fatigue": ["tired"]}},
        "articles": articles,
    }
    return {**base, **members}


# Added, changed, withdrawn and removed articles; members changed, added and removed.
SYNTHETIC = [
    (
        manifest(1, [entry("alpha", "A"), entry("beta", "B"), entry("gamma", "Γ")], old=1),
        manifest(
            2,
            [entry("alpha", "A"), entry("beta", "B2"), entry("delta", "Δ"), entry("ß", "s", None)],
            title="Demo",
            search={"rules": 3, "segments": [], "thesaurus": {}},
            coverage=0.75,
        ),
    ),
    # Articles are ordered by id, by code point: beyond U+FFFF last.
    (manifest(3, []), manifest(4, [entry("z", "z"), entry("\ue000", "p"), entry("𝒳", "x")])),
]


@pytest.fixture(scope="module")
def published(tmp_path_factory, built_app):
    """The sample bundles built, then built again after an edit: the two manifests
    of caregiving/en and the ``changes`` between them, served beside the app."""
    root = tmp_path_factory.mktemp("manifest")
    bundles, data = root / "bundles", root / "data"
    shutil.copytree(PROJECT / "bundles", bundles)
    day = {"today": date(2026, 1, 1), "translations_dir": PROJECT / "translations"}
    build(bundles, data, ["caregiving"], now=datetime(2026, 1, 1, tzinfo=UTC), **day)
    summary = sorted((bundles / "caregiving" / "summaries").glob("*.md"))[0]
    summary.write_text(summary.read_text().replace("the", "the very", 1))
    result = build(bundles, data, ["caregiving"], now=datetime(2026, 1, 2, tzinfo=UTC), **day)
    (report,) = [r for r in result.reports if r.locale == "en"]
    store = Store(data)
    old, new = (store.manifest("caregiving", "en", v) for v in (1, 2))
    url, stop = serve(create_app({"DATA_DIR": str(data), "BUNDLES_DIR": str(bundles)}))
    yield {"url": url, "old": old, "new": new, "changes": report.changes, "store": store}
    stop()


@pytest.fixture(scope="module")
def device(published, browser):
    """A page of the app, where the device's manifest module can be imported."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(published["url"] + "/")
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def test_both_sides_write_the_same_canonical_bytes(device, published):
    values = [*TRICKY, published["old"], published["new"], published["changes"]]
    written = device.evaluate(CANONICAL, values)
    assert [bytes(b) for b in written] == [canonical_bytes(v) for v in values]


def test_the_stored_manifest_is_its_canonical_bytes(published):
    stored = published["store"].manifest_bytes("caregiving", "en", 2)
    assert canonical_bytes(json.loads(stored)) == stored


@pytest.mark.parametrize("number", UNPORTABLE, ids=repr)
def test_a_number_javascript_writes_otherwise_is_refused(number):
    with pytest.raises(ValueError):
        canonical_bytes({"n": number})


def test_the_device_rebuilds_the_new_manifest_from_the_changes(device, published):
    pairs = [(published["old"], published["new"]), *SYNTHETIC]
    diffs = [changes_between(old, new) for old, new in pairs]
    diffs[0] = published["changes"]  # as the build reported it, and the API sends it
    sent = [[old, d] for (old, _new), d in zip(pairs, diffs, strict=True)]
    rebuilt = device.evaluate(APPLY, sent)
    assert [bytes(b) for b in rebuilt] == [canonical_bytes(new) for _old, new in pairs]
    assert [apply_changes(old, d) for old, d in sent] == [new for _old, new in pairs]


def test_both_sides_list_the_same_article_changes(device, published):
    pairs = [(published["old"], published["new"]), *SYNTHETIC]
    listed = device.evaluate(ARTICLE_CHANGES, [list(pair) for pair in pairs])
    assert listed == [article_changes(old, new) for old, new in pairs]
    assert listed[0]["changed"] and not listed[0]["added"]


def test_the_signature_covers_the_manifest_without_it(published):
    new = published["new"]
    assert "signature" in new
    unsigned = {k: v for k, v in new.items() if k != "signature"}
    assert signed_bytes(new) == canonical_bytes(unsigned)


def test_both_sides_sign_endorse_and_name_objects_alike(device, published):
    manifests = [published["old"], published["new"]]
    stored = published["store"].manifest_bytes("caregiving", "en", 2).decode()
    keys = published["new"]["keys"]
    found = device.evaluate(SIGNED_AND_NAMED, [manifests, [[published["new"], stored]], keys])
    assert [bytes(b) for b in found["signed"]] == [signed_bytes(m) for m in manifests]
    # Cut out of the stored bytes, as a device does for a large manifest: the same bytes.
    assert bytes(found["signedFromStored"][0]) == signed_bytes(published["new"])
    assert [bytes(b) for b in found["endorsed"]] == [endorsed_bytes(key) for key in keys]
    assert found["objects"] == [object_names(m) for m in manifests]
    assert any(object_names(m, search=False) != object_names(m) for m in manifests)
