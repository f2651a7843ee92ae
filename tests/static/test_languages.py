"""The app speaks the reader's language from the first visit, with the real
catalogs: negotiated from the browser's languages, or forced with ?lang=."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from satchel.i18n.catalogs import compile_ui, read_catalog

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
