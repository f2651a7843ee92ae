"""Listen: an article read aloud through a fake speech engine stubbed into the page. The order
read, the citation skipped, pause, resume and stop, the paragraph marked, each part in its own
language's voice, and no control (with Settings saying why) where no voice speaks the language."""

from __future__ import annotations

import html
import re

from playwright.sync_api import expect

from .conftest import fake_speech, ready

VOICES = [{"lang": "en-US"}, {"lang": "es-ES"}, {"lang": "pt-BR"}]
HEADINGS = {
    "takeaway": "Key takeaway",
    "findings": "What they found",
    "who_should_care": "Who should care and why",
    "considerations": "Important considerations",
}
REMINDER = "Never change or stop a treatment without talking to your doctor first."


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def expected_reading(article: dict) -> list[str]:
    """What a listener should hear, from the article object itself: the title, then each
    section (key takeaway first) as its heading and its paragraphs and list items."""
    heard = [article["title"]]
    for section in article["sections"]:
        heard.append(HEADINGS[section["id"]])
        heard += [
            text_of(block)
            for _tag, block in re.findall(r"<(p|li|h3)\b[^>]*>(.*?)</\1>", section["html"], re.S)
        ]
        if section["id"] == "considerations":
            heard.append(REMINDER)
    return heard


def article_object(page, base, bundle, locale, article_id):
    manifest = page.request.get(f"{base}/api/v1/bundles/{bundle}/{locale}").json()
    entry = next(a for a in manifest["articles"] if a["id"] == article_id)
    return page.request.get(f"{base}/api/v1/objects/{entry['object']}").json()


def spoken(page) -> list[dict]:
    return page.evaluate("() => window.fakeSpeech.log.filter((e) => e.event === 'speak')")


def finish(page) -> bool:
    return page.evaluate("() => window.fakeSpeech.finish()")


def listen_button(page):
    return page.locator(".listen").get_by_role("button").first


def test_reads_title_takeaway_and_sections_in_order_skipping_the_citation(
    new_page, live_server
):
    page = new_page(service_workers="block")
    fake_speech(page.context, VOICES)
    ready(page, f"{live_server}/#/read/ms-research/en/ebv-and-ms-risk")
    article = article_object(page, live_server, "ms-research", "en", "ebv-and-ms-risk")
    button = listen_button(page)
    expect(button).to_have_text("Listen")
    button.focus()
    page.keyboard.press("Enter")  # works by keyboard
    expect(button).to_have_text("Pause")
    expect(page.locator("#status")).to_have_text("Reading aloud in English.")
    # The paragraph being read is marked, for eyes and for screen readers.
    expect(page.locator("main h1")).to_have_class(re.compile(r"\bspeaking\b"))
    expect(page.locator("main h1")).to_have_attribute("aria-current", "true")
    assert finish(page)
    expect(page.locator(".speaking")).to_have_text("Key takeaway")
    while finish(page):
        pass
    heard = [entry["text"] for entry in spoken(page)]
    assert heard == expected_reading(article)
    source = article["source"]
    assert not any(source["doi"] in text or source["title"] in text for text in heard)
    assert {entry["lang"] for entry in spoken(page)} == {"en"}
    assert {entry["voice"] for entry in spoken(page)} == {"en-US"}
    expect(button).to_have_text("Listen")
    expect(page.locator(".speaking")).to_have_count(0)
    expect(page.locator("#status")).to_have_text("Finished reading.")


def test_pause_resume_and_stop(new_page, live_server):
    page = new_page(service_workers="block")
    fake_speech(page.context, VOICES)
    ready(page, f"{live_server}/#/read/ms-research/en/exercise-for-fatigue")
    button = listen_button(page)
    button.click()
    finish(page)
    finish(page)
    marked = page.locator(".speaking").inner_text()
    button.click()
    expect(button).to_have_text("Resume")
    expect(page.locator("#status")).to_have_text("Paused.")
    assert not finish(page), "a paused engine must not move on"
    assert len(spoken(page)) == 3
    expect(page.locator(".speaking")).to_have_text(marked)  # still marks where it stopped
    button.click()
    expect(button).to_have_text("Pause")
    events = [e["event"] for e in page.evaluate("() => window.fakeSpeech.log")]
    assert events[-2:] == ["pause", "resume"]
    assert finish(page)
    assert len(spoken(page)) == 4  # went on from where it paused, not from the start
    stop = page.locator(".listen").get_by_role("button", name="Stop")
    stop.click()
    assert page.evaluate("() => window.fakeSpeech.log.at(-1).event") == "cancel"
    expect(button).to_have_text("Listen")
    expect(button).to_be_focused()
    expect(stop).to_be_hidden()
    expect(page.locator(".speaking")).to_have_count(0)
    assert not finish(page)
    # Leaving the article stops the voice too.
    button.click()
    page.goto(f"{live_server}/#/settings")
    expect(page.locator("main h1")).to_have_text("Settings")
    assert page.evaluate("() => window.fakeSpeech.log.at(-1).event") == "cancel"


def test_a_part_in_another_language_is_read_with_that_languages_voice(new_page, live_server):
    page = new_page(service_workers="block")
    fake_speech(page.context, VOICES)
    # Partly translated into Brazilian Portuguese: untranslated paragraphs are English.
    ready(page, f"{live_server}/#/read/ms-research/pt-BR/ebv-and-ms-risk")
    article = article_object(page, live_server, "ms-research", "pt-BR", "ebv-and-ms-risk")
    english = {
        text_of(block)
        for section in article["sections"]
        for block in re.findall(r'<(?:p|li) lang="en"[^>]*>(.*?)</(?:p|li)>', section["html"])
    }
    assert english, "the sample needs an untranslated paragraph"
    listen_button(page).click()
    while finish(page):
        pass
    by_text = {entry["text"]: entry for entry in spoken(page)}
    for text in english:
        assert (by_text[text]["lang"], by_text[text]["voice"]) == ("en", "en-US")
    portuguese = [e for e in spoken(page) if e["lang"] == "pt-BR"]
    assert portuguese and {e["voice"] for e in portuguese} == {"pt-BR"}
    assert by_text[article["title"]]["lang"] == "pt-BR"


def test_no_control_without_a_voice_and_settings_says_why(new_page, live_server):
    page = new_page(service_workers="block")
    fake_speech(page.context, [{"lang": "en-GB"}])
    ready(page, f"{live_server}/#/read/ms-research/ar/ebv-and-ms-risk")
    expect(page.get_by_role("button", name="Save")).to_be_visible()
    expect(page.locator(".listen")).to_have_count(0)
    page.goto(f"{live_server}/#/read/ms-research/en/ebv-and-ms-risk")
    expect(listen_button(page)).to_be_visible()  # en-GB speaks English
    page.goto(f"{live_server}/#/settings")
    section = page.locator("section", has=page.get_by_role("heading", name="Listen"))
    expect(section).to_contain_text("“Listen” reads articles aloud in: English.")
    expect(section).to_contain_text("“Listen” is not offered for articles in")
    expect(section).to_contain_text("Arabic")
    expect(section).to_contain_text("this device has no voice for them")


def test_a_browser_without_speech_offers_no_control(new_page, live_server):
    page = new_page(service_workers="block")
    page.context.add_init_script("delete window.speechSynthesis; delete window.SpeechSynthesis")
    ready(page, f"{live_server}/#/read/ms-research/en/ebv-and-ms-risk")
    expect(page.get_by_role("button", name="Share")).to_be_visible()
    expect(page.locator(".listen")).to_have_count(0)
    page.goto(f"{live_server}/#/settings")
    expect(page.locator("main")).to_contain_text("This browser cannot read articles aloud")


def test_offline_only_the_devices_own_voices_are_used(new_page, live_server):
    page = new_page(service_workers="block")
    fake_speech(page.context, [
        {"lang": "en-US", "localService": False, "name": "Online English"},
        {"lang": "es-ES", "localService": True, "name": "Device Spanish"},
    ])  # fmt: skip
    for locale in ("en", "es"):  # saved, so they can be read offline
        ready(page, f"{live_server}/#/read/ms-research/{locale}/ebv-and-ms-risk")
        expect(listen_button(page)).to_be_visible()
        # Not yet saved: the article in this locale is shown, not the one saved before it.
        expect(page.locator("button.save")).to_have_text("Save")
        page.locator("button.save").click()
        expect(page.locator("button.save")).to_have_text(re.compile("Remove"))
    page.context.set_offline(True)
    page.goto(f"{live_server}/#/read/ms-research/en/ebv-and-ms-risk")
    expect(page.locator(".saved-copy")).to_be_visible()
    expect(page.locator(".listen")).to_have_count(0)  # its only English voice is online
    page.goto(f"{live_server}/#/read/ms-research/es/ebv-and-ms-risk")
    expect(page.locator(".saved-copy")).to_be_visible()
    listen_button(page).click()
    assert spoken(page)[-1]["voice"] == "es-ES"
    page.goto(f"{live_server}/#/settings")
    expect(page.locator("main")).to_contain_text("only the voices stored on this device")
