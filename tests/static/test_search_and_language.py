"""The search screen against the server search API, and the language switcher.

Edge cases (hostile titles, errors, suggestions) use Playwright routes that answer in the
API's shape (service workers blocked, so that every request meets the routes); the first
test searches the real /api/v1/search of the sample bundles."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from .conftest import ready


def answer(query, hits, suggestion=None):
    return {
        "query": query,
        "bundle": "ms-research",
        "locale": "en",
        "version": 1,
        "bundles": [{"id": "ms-research", "title": "MS research explained", "version": 1}],
        "total": len(hits),
        "page": 1,
        "hits": hits,
        "facets": {"topics": {"exercise": 1, "treatment": 1}, "symptoms": {"fatigue": 2}},
        "suggestion": suggestion,
    }


HITS = [
    {
        "bundle": "ms-research",
        "bundle_title": "MS research explained",
        "id": "exercise-for-fatigue",
        "title": "Exercise <img src=x> can ease fatigue",
        "teaser": "t",
        "published": "2024-01-01",
        "score": 2.0,
        "highlights": ["People felt less <mark>tired</mark> &amp; &lt;b&gt;stronger&lt;/b&gt;."],
    },
    {
        "bundle": "ms-research",
        "bundle_title": "MS research explained",
        "id": "cladribine-tablets",
        "title": "Cladribine tablets",
        "teaser": "t",
        "published": "2024-01-01",
        "score": 1.0,
        "highlights": ["Less <mark>tired</mark> too."],
    },
]


def test_real_server_search_finds_lay_terms_and_typos(new_page, live_server):
    page = new_page(service_workers="block")
    ready(page, live_server + "/#/search?bundle=ms-research&q=pins%20and%20needles")
    results = page.locator(".results .card")
    expect(results.first).to_be_visible()
    expect(page.locator(".results mark").first).to_be_visible()
    expect(page.locator("#status")).to_contain_text("pins and needles")
    ready(page, live_server + "/#/search?bundle=ms-research&q=fingolimd")
    expect(page.locator("main")).to_contain_text("fingolimod")  # did you mean / typo match
    expect(results.first).to_contain_text("fingolimod", ignore_case=True)


def test_server_search_results_filters_and_help(new_page, live_server):
    page = new_page(service_workers="block")
    requests = []

    def search(route):
        params = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        requests.append(params)
        if params["q"] == "tird":
            route.fulfill(json=answer("tird", [], suggestion="tired"))
        elif len(params["q"]) > 50:
            error = {"status": 400, "code": "query_too_long", "message": "Too long."}
            route.fulfill(status=400, json={"error": error})
        else:
            route.fulfill(json=answer(params["q"], HITS))

    page.context.route("**/api/v1/search?*", search)
    ready(page, live_server + "/#/search?bundle=ms-research")
    expect(page.get_by_role("button", name="tired")).to_be_visible()  # help before typing

    box = page.get_by_label("Search for a word or a symptom")
    box.fill("tird")
    expect(page.locator("#status")).to_have_text("0 results for “tird”")
    expect(page.locator(".results")).to_contain_text("No articles match “tird”.")
    page.get_by_role("button", name="tired", exact=True).first.click()
    expect(box).to_have_value("tired")
    expect(page.locator("#status")).to_have_text("2 results for “tired”")
    assert requests[-1]["bundle"] == "ms-research" and requests[-1]["locale"] == "en"

    first = page.locator(".results .card").first
    expect(first.get_by_role("link")).to_have_text("Exercise <img src=x> can ease fatigue")
    expect(first.locator("mark")).to_have_text("tired")
    expect(first.locator(".highlight")).to_have_text("People felt less tired & <b>stronger</b>.")
    assert page.locator(".results img, .results b").count() == 0

    with page.expect_request(lambda request: "symptom=fatigue" in request.url):
        page.get_by_label("Symptom", exact=True).select_option("fatigue")
    expect(page.get_by_label("Symptom", exact=True)).to_have_value("fatigue")
    assert requests[-1]["symptom"] == "fatigue" and requests[-1]["q"] == "tired"
    first.get_by_role("link").click()
    expect(page.locator("main h1")).to_have_text("Exercise may help with MS fatigue")

    ready(page, live_server + "/#/search?bundle=ms-research")
    page.get_by_label("Search for a word or a symptom").fill("x" * 60)
    expect(page.locator(".results")).to_contain_text("That search is too long")


CATALOG = {
    "locale": "ar",
    "direction": "rtl",
    "messages": {
        "Library": "المكتبة",
        "Settings": "الإعدادات",
        "{count} result": {
            "zero": "لا نتائج",
            "one": "نتيجة واحدة",
            "two": "نتيجتان",
            "few": "{count} نتائج",
            "many": "{count} نتيجة",
            "other": "{count} نتيجة",
        },
    },
}
LOCALES = [
    {"code": "en", "name": "English", "native_name": "English", "direction": "ltr", "bundles": {}},
    {"code": "ar", "name": "Arabic", "native_name": "العربية", "direction": "rtl", "bundles": {}},
]


def test_language_switcher_sets_lang_dir_strings_and_plurals(new_page, live_server):
    page = new_page(service_workers="block")
    page.context.route("**/api/v1/locales", lambda route: route.fulfill(json=LOCALES))
    page.context.route("**/repo/ui/ar.json", lambda route: route.fulfill(json=CATALOG))
    ready(page, live_server + "/#/settings")
    page.get_by_label("Language of the app").select_option("ar")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("main h1")).to_have_text("الإعدادات")
    expect(page.get_by_role("link", name="المكتبة")).to_be_visible()
    plurals = page.evaluate(
        """async () => {
            const { ngettext } = await import("/static/lib/i18n.js");
            return [0, 1, 2, 3, 11, 100].map((n) =>
                ngettext("{count} result", "{count} results", n, { count: n }));
        }"""
    )
    # CLDR categories for ar: zero, one, two, few (3–10), many (11–99), other (100); numbers
    # are formatted for the locale (Chromium's CLDR uses Latin digits for plain "ar").
    assert plurals == ["لا نتائج", "نتيجة واحدة", "نتيجتان", "3 نتائج", "11 نتيجة", "100 نتيجة"]

    # Content language is separate: articles stay in English (the only published locale).
    page.get_by_label("Language of the articles").select_option("en")
    ready(page, live_server + "/#/read/ms-research/en/ebv-and-ms-risk")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("main article h1")).to_have_attribute("lang", "en")
    expect(page.locator("main article h1")).to_have_attribute("dir", "ltr")
