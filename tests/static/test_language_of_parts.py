"""Language of parts (WCAG 2.2 SC 3.1.2): on every screen, in the Arabic and the English
interface, each piece of text in another language than its surroundings carries lang and dir,
so screen readers pronounce it in its own language and punctuation lands on the right side.
The English interface reads Arabic articles (which fall back to English in places); the Arabic
one reads them too, and an English-only bundle. What the reader types is isolated with dir=auto
or <bdi>."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from .conftest import PROJECT, fake_speech, ready

WALK = (Path(__file__).parent / "js" / "language-of-parts.js").read_text()
# Names written the same in every language: drug names kept as written, and the app's.
NAMES = ["Satchel"] + sorted(
    {
        name
        for folder in (PROJECT / "bundles").iterdir()
        for name in yaml.safe_load((folder / "bundle.yaml").read_text()).get("drug_names", [])
    }
)
SCREENS = [
    "#/",
    "#/read/ms-research/ar",
    "#/read/ms-research/ar/ebv-and-ms-risk",  # translated
    "#/read/ms-research/ar/cannabis-for-spasticity",  # falls back to English: title and all
    "#/read/ms-research/ar/about/understanding-research",  # its title falls back
    "#/read/ms-research/ar/about/how-we-rate",
    "#/read/caregiving/en",
    "#/read/caregiving/en/start-coping-programme",
    "#/search?bundle=ms-research&q=fatigue",
    "#/search?bundle=ms-research&q=cannabis",  # found in an article shown in English
    "#/search?bundle=ms-research&q=zzzqqq",
    "#/saved",
    "#/settings",
    "#/about",
]


@pytest.mark.parametrize("interface", ["ar", "en"])
def test_every_part_in_another_language_is_tagged(new_page, live_server, interface):
    page = new_page(locale=interface, service_workers="block")
    fake_speech(page.context, [{"lang": "en-US"}, {"lang": "ar-SA"}])
    # Articles in Arabic wherever a bundle has them, whatever the interface.
    page.context.add_init_script("localStorage.setItem('satchel.contentLocale', 'ar')")
    ready(page, f"{live_server}/#/read/ms-research/ar/cannabis-for-spasticity")
    save = page.locator(".article-actions button.save")
    text = save.inner_text()
    save.click()
    expect(save).not_to_have_text(text)
    problems = {}
    for screen in SCREENS:
        page.evaluate("() => document.querySelector('main h1')?.setAttribute('data-left', '')")
        page.goto(f"{live_server}/{screen}")
        expect(page.locator("main h1:not([data-left])")).to_be_visible()
        if screen.startswith("#/search"):
            expect(page.locator(".results .card, .results .help").first).to_be_visible()
        page.wait_for_timeout(100)  # the status region speaks 50 ms after a screen shows
        found = page.evaluate(WALK, NAMES)
        if found:
            problems[screen] = found
    assert problems == {}, "\n".join(f"{s}: {p}" for s, found in problems.items() for p in found)


def test_what_the_reader_types_is_isolated(new_page, live_server):
    page = new_page(locale="ar", service_workers="block")
    ready(page, f"{live_server}/#/search?bundle=ms-research&q=zzzqqq")
    expect(page.locator("#q")).to_have_attribute("dir", "auto")
    expect(page.locator(".results bdi")).to_have_text("zzzqqq")
