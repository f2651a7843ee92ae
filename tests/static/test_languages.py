"""The app speaks the reader's language from the first visit, with the real
catalogs: chosen from the browser's languages by the server's rule (its JavaScript twin,
static/lib/locale-choice.js), or forced with ?lang=; without the server's API too, from the
content source's list of languages."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from satchel.i18n.catalogs import compile_ui, read_catalog
from satchel.i18n.negotiation import choose_locale, match_locale

from .conftest import PROJECT, ready


def translated(code: str, msgid: str) -> str:
    path = PROJECT / "translations" / code / "LC_MESSAGES" / "messages.po"
    return compile_ui(read_catalog(path), code)["messages"][msgid]


@pytest.mark.parametrize(
    "browser_locale, url, lang, direction",
    [
        ("es-ES", "/", "es", "ltr"),
        ("ar-EG", "/", "ar", "rtl"),
        ("pt-PT", "/", "pt-BR", "ltr"),
        ("es-ES", "/?lang=ar", "ar", "rtl"),
    ],
)
def test_first_visit_is_in_the_negotiated_language(
    new_page, live_server, browser_locale, url, lang, direction
):
    page = new_page(locale=browser_locale, service_workers="block")
    ready(page, live_server + url)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", direction)
    expect(page.locator("main h1")).to_have_text(translated(lang.replace("-", "_"), "Library"))


def test_spanish_reader_gets_the_spanish_bundle(new_page, live_server):
    page = new_page(locale="es-ES", service_workers="block")
    ready(page, live_server + "/#/read/ms-research/es/ebv-and-ms-risk")
    catalog = read_catalog(PROJECT / "translations" / "es" / "LC_MESSAGES" / "ms-research.po")
    title = next(e.msgstr for e in catalog if e.msgctxt == "ebv-and-ms-risk/title")
    expect(page.locator("main h1")).to_have_text(title)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(
        page.get_by_text(translated("es", "Credibility: {value} out of 5").replace("{value}", "4"))
    ).to_be_visible()


CHOICES = ["en", "ar", "es", "pt-BR", "zh-Hant-TW", "sr-Latn"]
REQUESTS = [
    ["pt-BR"],
    ["pt_br"],
    ["PT-pt"],
    ["pt"],
    ["en-GB", "es"],
    ["en-XY"],
    ["fr-CA", "fr", "es"],
    ["*"],
    [],
    ["!!garbage"],
    ["xx", "ar"],
    ["zh-TW"],
    ["zh-hant-tw"],
    ["sr"],
    ["sr-Cyrl"],
    ["es-419"],
    ["e"],
    ["toolongsubtag-x"],
    ["ar-EG", "es"],
    [""],
    ["es-"],
    ["-es"],
]
DEVICE_CHOICE = """async ([requests, choices]) => {
  const rule = await import("/static/lib/locale-choice.js");
  return requests.map((requested) => ({
    chosen: rule.chooseLocale(requested, choices, "en"),
    matched: requested.map((wanted) => rule.matchLocale(wanted, choices)),
  }));
}"""


def test_the_device_chooses_a_language_as_the_server_does(page, live_server):
    page.goto(live_server + "/")
    found = page.evaluate(DEVICE_CHOICE, [REQUESTS, CHOICES])
    assert found == [
        {
            "chosen": choose_locale(requested, CHOICES, "en"),
            "matched": [match_locale(wanted, CHOICES) for wanted in requested],
        }
        for requested in REQUESTS
    ]
    assert [entry["chosen"] for entry in found[:8]] == [*["pt-BR"] * 4, *["en"] * 2, "es", "en"]


def test_without_the_server_s_api_the_app_starts_in_the_reader_s_language(new_page, live_server):
    page = new_page(locale="es-ES", service_workers="block")
    api = []
    page.route("**/api/**", lambda route: (api.append(route.request.url), route.abort()))
    ready(page, live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main h1")).to_have_text(translated("es", "Library"))

    page.goto(live_server + "/#/settings")
    options = page.locator("#ui-locale option")
    expect(options.first).to_be_attached()
    listed = json.loads(urllib.request.urlopen(live_server + "/repo/locales.json").read())
    assert options.evaluate_all("all => all.map((o) => o.value)") == [e["code"] for e in listed]
    expect(page.locator("#ui-locale option[value='ar']")).to_have_text("العربية")
    expect(page.locator("#ui-locale")).to_have_value("es")
    assert not [url for url in api if "/locales" in url or "/messages" in url]
