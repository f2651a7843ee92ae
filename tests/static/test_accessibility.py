"""WCAG 2.2 AA, proven in Chromium for every screen in English and Arabic, light and dark:
axe-core finds nothing; nothing scrolls sideways at 320 px; 200% text and WCAG 1.4.12 text
spacing clip and overlap nothing; targets are at least 24×24 px; keyboard focus is always
visible and never hidden. Screenshots of each screen at 320 and 1280 px go to test-artifacts/.

Arabic uses the real catalogs: the interface from translations/ar, and the Arabic
ms-research bundle, whose untranslated parts fall back to English marked lang="en"."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from satchel.i18n.catalogs import compile_ui, read_catalog

from .conftest import ARTIFACTS, PROJECT, axe_violations, fake_speech, ready

JS = Path(__file__).parent / "js"  # page-side checks, one function per file


def interface(code: str) -> dict:
    """The real compiled interface catalog of a locale (English: the msgids)."""
    if code == "en":
        return {}
    path = PROJECT / "translations" / code / "LC_MESSAGES" / "messages.po"
    return compile_ui(read_catalog(path), code)["messages"]


UI = {code: interface(code) for code in ("en", "ar")}


def t(lang: str, msgid: str) -> str:
    """What the interface shows for ``msgid`` in ``lang`` (before placeholders)."""
    return UI[lang].get(msgid, msgid).split("{")[0].strip()


SEARCH_ANSWER = {
    "query": "tired",
    "bundle": "ms-research",
    "locale": "en",
    "version": 1,
    "bundles": [{"id": "ms-research", "title": "MS research explained", "version": 1}],
    "total": 1,
    "page": 1,
    "hits": [
        {
            "bundle": "ms-research",
            "bundle_title": "MS research explained",
            "id": "exercise-for-fatigue",
            "title": "Exercise can ease MS fatigue",
            "teaser": "Regular exercise helped.",
            "published": "2024-01-01",
            "score": 3.2,
            "highlights": ["People felt less <mark>tired</mark> &amp; stronger."],
        }
    ],
    "facets": {"topics": {"exercise": 1}, "symptoms": {"fatigue": 1}},
    "suggestion": None,
}

SCREENS = {
    "library": ("#/", "Library"),
    "article": ("#/read/ms-research/{lang}/ebv-and-ms-risk", "ebv-and-ms-risk/title"),
    "search": ("#/search?bundle=ms-research&q=tired", "Search"),
    "saved": ("#/saved", "Saved articles"),
    "settings": ("#/settings", "Settings"),
    "about": ("#/about", "About Satchel"),
}


def stub_services(context):
    def answer(route):
        locale = parse_qs(urlparse(route.request.url).query)["locale"][0]
        route.fulfill(json=SEARCH_ANSWER | {"locale": locale})

    context.route("**/api/v1/search?*", answer)


def article_title(lang: str, context: str) -> str:
    folder = PROJECT / "translations" / lang / "LC_MESSAGES" / "ms-research.po"
    catalog = (
        read_catalog(folder)
        if lang != "en"
        else read_catalog(PROJECT / "translations" / "ms-research.pot")
    )
    entry = next(e for e in catalog if e.msgctxt == context)
    return entry.msgstr or entry.msgid


def open_screen(page, base, lang, name):
    hash_, heading = SCREENS[name]
    page.goto(f"{base}/{hash_.format(lang=lang)}")
    expected = article_title(lang, heading) if name == "article" else t(lang, heading)
    expect(page.locator("main h1")).to_contain_text(expected)
    if name == "search":
        expect(page.locator(".results .card")).to_have_count(1)
    if name == "article":  # saved, so the saved screen has a card to check
        save = page.locator("button.save")
        expect(save).not_to_have_text("")
        if save.inner_text() == t(lang, "Save"):
            save.click()
            expect(save).to_have_text(t(lang, "Remove from saved"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")


def page_for(new_page, lang, **options):
    # Service workers blocked so every request meets the stubs; the shell is tested elsewhere.
    page = new_page(locale=lang, service_workers="block", **options)
    stub_services(page.context)
    # Voices for both languages, so the article screen offers "Listen" and it is checked too.
    fake_speech(page.context, [{"lang": "en-US"}, {"lang": "ar-SA"}])
    return page


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_any_screen(new_page, live_server, lang, scheme):
    page = page_for(new_page, lang, color_scheme=scheme, viewport={"width": 1280, "height": 900})
    ready(page, live_server + "/")
    found = {}
    for name in SCREENS:
        open_screen(page, live_server, lang, name)
        violations = axe_violations(page)
        if violations:
            found[name] = violations
        if scheme == "light":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"{name}-{lang}-1280.png", full_page=True)
    assert found == {}


OVERFLOW_PROBLEMS = (JS / "overflow-problems.js").read_text()

TEXT_SPACING = (JS / "text-spacing.js").read_text()

SMALL_TARGETS = (JS / "small-targets.js").read_text()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_reflow_text_size_spacing_and_targets(new_page, live_server, lang):
    page = page_for(new_page, lang, viewport={"width": 320, "height": 720})
    ready(page, live_server + "/")
    problems = {}
    for name in SCREENS:
        open_screen(page, live_server, lang, name)
        found = [f"320px: {p}" for p in page.evaluate(OVERFLOW_PROBLEMS)]
        found += [f"target: {t}" for t in page.evaluate(SMALL_TARGETS)]
        if lang == "en":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"{name}-{lang}-320.png", full_page=True)
        page.evaluate(TEXT_SPACING)
        found += [f"text spacing: {p}" for p in page.evaluate(OVERFLOW_PROBLEMS)]
        page.reload()
        open_screen(page, live_server, lang, name)
        page.set_viewport_size({"width": 640, "height": 720})
        page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        found += [f"200% text: {p}" for p in page.evaluate(OVERFLOW_PROBLEMS)]
        page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
        page.set_viewport_size({"width": 320, "height": 720})
        if found:
            problems[name] = found
    assert problems == {}


FOCUS_STATE = (JS / "focus-state.js").read_text()


def tab_to(page, text, limit=60, key="Tab"):
    """Press Tab until the focused element's name starts with ``text``; check every stop."""
    for _ in range(limit):
        page.keyboard.press(key)
        state = page.evaluate(FOCUS_STATE)
        if state is None or state["tag"] == "H1":
            continue
        assert state["outline"], f"focus not visible on {state}"
        assert state["inView"] and state["unobscured"], f"focus hidden on {state}"
        if state["text"].startswith(text):
            return state
    raise AssertionError(f"never reached {text!r} by keyboard")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_keyboard_alone_downloads_reads_and_searches(new_page, live_server, lang):
    page = page_for(new_page, lang, viewport={"width": 390, "height": 700})
    ready(page, live_server + "/")
    tab_to(page, t(lang, "Download for offline"))
    page.keyboard.press("Enter")
    installed = t(lang, "Downloaded: version {version}, published {date}")
    expect(page.get_by_text(installed).first).to_be_visible()
    tab_to(page, t(lang, "Read"))
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text("Caring for someone: what research says")
    tab_to(page, "Eight coping sessions")
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_contain_text("Eight coping sessions")
    tab_to(page, t(lang, "Listen"))
    page.keyboard.press("Enter")
    expect(page.locator(".listen button").first).to_have_text(t(lang, "Pause"))
    expect(page.locator("main h1")).to_have_class("speaking")
    tab_to(page, t(lang, "Stop"))
    page.keyboard.press("Enter")
    expect(page.locator(".speaking")).to_have_count(0)
    tab_to(page, t(lang, "Save"))
    page.keyboard.press("Enter")
    expect(page.locator("button.save")).to_have_text(t(lang, "Remove from saved"))
    tab_to(page, t(lang, "Read more"))
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).not_to_contain_text("Eight coping sessions")

    tab_to(page, t(lang, "Search"), key="Shift+Tab", limit=120)
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text(t(lang, "Search"))
    field = tab_to(page, "")  # the search box is the first field after the heading
    assert field["tag"] == "INPUT", field
    page.keyboard.type("stress")
    expect(page.locator(".results .card").first).to_be_visible()
    # Every bundle is searched by default; the one downloaded can be chosen from the keyboard.
    tab_to(page, t(lang, "All bundles"))
    page.keyboard.press("ArrowDown")
    tab_to(page, "A home support programme")
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text("A home support programme helped dementia carers")
