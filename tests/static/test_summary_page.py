"""A summary as one page: the device and the server write the same bytes (satchel/summary_page.py
and its twin static/lib/summary-page.js); "Send as a page" gives that file, which opens with
scripts off and no network with every part, its lang and dir, passes axe and prints on one or
two A4 pages; "Open a bundle file" checks it against the publisher's signature and refuses a
one-letter change. PDFs go to test-artifacts/ for a look."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from satchel.summary_page import page_html

from .conftest import ARTIFACTS, axe_violations, controlled, install, ready

SUMMARY_PAGE_JS = "/static/lib/summary-page.js"
MADE = "2026-01-31"
WRITE = f"""async ([manifest, article, name, catalog, made, library]) => {{
  const page = await import("{SUMMARY_PAGE_JS}");
  return Array.from(page.pageHtml(manifest, article, name, catalog, made, library));
}}"""


def get_json(page, url):
    response = page.request.get(url)
    return response.json() if response.ok else None


def published_articles(page, base):
    """(manifest, article, object name, catalog) of every article the server publishes."""
    for bundle in get_json(page, f"{base}/api/v1/bundles"):
        for locale in bundle["locales"]:
            manifest = get_json(page, f"{base}/api/v1/bundles/{bundle['id']}/{locale}")
            catalog = get_json(page, f"{base}/api/v1/locales/{locale}/messages")
            for entry in manifest["articles"]:
                if entry["object"]:
                    article = get_json(page, f"{base}/api/v1/objects/{entry['object']}")
                    yield manifest, article, entry["object"], catalog


def tricky(manifest, article):
    """An article whose every optional part is there, with text to escape, and one without."""
    escaped = 'A & B <b>"quoted"</b> {value} ’'
    licences = [
        "CC BY 4.0 & more",
        {"name": "CC BY", "url": "https://example.org/?a=1&b=2", "attribution": escaped},
    ]
    return [
        (
            {**manifest, "title": escaped, "license": licence, "fallback": {"title": "ar"}},
            {**article, "title": escaped, "translation": {"fallback": {"title": "en"}}},
        )
        for licence in licences
    ] + [
        (
            manifest,
            {
                "id": "ref", "lang": "he", "title": "x", "published": "2020-01-01",
                "sections": [{"id": "a_b", "title": escaped, "html": "<p>é</p>"}],
            },
        )
    ]  # fmt: skip


def test_the_device_writes_every_page_as_the_server_does(new_page, live_server):
    page = new_page(service_workers="block")
    page.goto(f"{live_server}/")
    cases = list(published_articles(page, live_server))
    assert len(cases) > 20
    manifest, article, name, catalog = cases[0]
    cases += [(m, a, name, catalog) for m, a in tricky(manifest, article)]
    cases += [(manifest, article, name, None)]  # no catalog: English labels
    for manifest, article, name, catalog in cases:
        want = page_html(manifest, article, name, catalog, MADE, f"{live_server}/")
        got = page.evaluate(WRITE, [manifest, article, name, catalog, MADE, f"{live_server}/"])
        assert bytes(got) == want, f"{manifest['locale']}/{article['id']} differs"


ARABIC = "#/read/ms-research/ar/ebv-and-ms-risk"


def send_as_page(new_page, url, folder):
    """Click "Send as a page" where the browser cannot share files: the page is downloaded."""
    page = new_page(service_workers="block", accept_downloads=True)
    page.context.add_init_script("navigator.canShare = () => false;")
    ready(page, f"{url}/{ARABIC}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Send as a page").click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return page, path


def test_send_as_a_page_shares_the_file_where_the_browser_can(new_page, live_server):
    page = new_page(service_workers="block")
    page.context.add_init_script(
        "navigator.canShare = (data) => Boolean(data.files);"
        "navigator.share = async (data) => { window.shared = {"
        " name: data.files[0].name, type: data.files[0].type,"
        " bytes: Array.from(new Uint8Array(await data.files[0].arrayBuffer())) }; };"
    )
    ready(page, f"{live_server}/{ARABIC}")
    page.get_by_role("button", name="Send as a page").click()
    page.wait_for_function("() => window.shared")
    shared = page.evaluate("() => window.shared")
    served = page.request.get(
        f"{live_server}/api/v1/bundles/ms-research/ar/articles/ebv-and-ms-risk/page"
    )
    assert (shared["name"], shared["type"]) == ("ebv-and-ms-risk-ar.html", "text/html")
    assert bytes(shared["bytes"]) == served.body(), "the app's page is not the server's"


def test_the_page_opens_offline_without_scripts_with_every_part(new_page, live_server, tmp_path):
    app, path = send_as_page(new_page, live_server, tmp_path)
    article = app.evaluate(
        """async () => {
            const m = await (await fetch("/api/v1/bundles/ms-research/ar")).json();
            const e = m.articles.find((a) => a.id === "ebv-and-ms-risk");
            return (await fetch(`/api/v1/objects/${e.object}`)).json();
        }"""
    )
    assert path.stat().st_size < 25_000
    viewer = new_page(java_script_enabled=False, offline=True)
    requested = []
    viewer.on("request", lambda request: requested.append(request.url))
    viewer.goto(path.as_uri())
    assert requested == [path.as_uri()], "the page asked for something besides itself"
    expect(viewer.locator("html")).to_have_attribute("lang", "ar")
    expect(viewer.locator("html")).to_have_attribute("dir", "rtl")
    expect(viewer.locator("script")).to_have_count(0)
    heading = viewer.locator("h1")
    expect(heading).to_have_text(article["title"])
    expect(heading).to_have_attribute("dir", "rtl")
    for section in ("takeaway", "findings", "who-should-care", "considerations"):
        expect(viewer.locator(f"section.{section} > div")).to_have_attribute("lang", "ar")
        expect(viewer.locator(f"section.{section} > h2")).not_to_be_empty()
    expect(viewer.locator(".considerations .reminder")).to_have_text(
        re.compile("طبيب")  # "doctor": the reminder in the article's language
    )
    source = viewer.locator("section.source a")
    expect(source).to_have_attribute("href", article["source"]["url"])
    expect(viewer.locator("section.source p").first).to_have_attribute("lang", "en")
    expect(viewer.locator("section.source p").first).to_have_attribute("dir", "ltr")
    expect(viewer.locator(".ratings li")).to_have_count(2)
    body = viewer.locator("body").inner_text()
    for part in (
        article["reviewed"],
        article["review_due"],
        article["source"]["doi"],
        "ebv-and-ms-risk",
        f"{live_server}/#/read/ms-research/ar/ebv-and-ms-risk",
    ):
        assert part in body, f"{part!r} not on the page"
    footer = viewer.locator("footer")
    expect(footer.locator("span[lang]")).to_have_text(re.compile("التصلب"))  # the bundle's title
    # The publisher and licence, as the sample bundle's bundle.yaml names them.
    expect(footer).to_contain_text("Written for Satchel's samples by the Satchel team")
    expect(footer.get_by_role("link", name="CC BY 4.0")).to_have_attribute(
        "href", "https://creativecommons.org/licenses/by/4.0/"
    )
    checker = new_page(offline=True, bypass_csp=True)
    checker.goto(path.as_uri())
    assert axe_violations(checker) == []


def test_the_page_prints_on_one_or_two_a4_pages(new_page, live_server, tmp_path):
    _app, sent = send_as_page(new_page, live_server, tmp_path)
    viewer = new_page(java_script_enabled=False, offline=True)
    viewer.goto(sent.as_uri())
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "summary-page-A4.pdf"
    pdf.write_bytes(viewer.pdf(format="A4"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert 1 <= int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1)) <= 2
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "Longitudinal analysis reveals high prevalence" in text  # the source study
    assert "10.1126/science.abj8222" in text
    assert "فيتامين د" in text  # the considerations, in Arabic


def open_file(page, path):
    page.get_by_label("Open a bundle file").set_input_files(path)


@pytest.mark.parametrize("change", [None, "letter", "label"])
def test_open_a_bundle_file_checks_a_page(new_page, live_server, tmp_path, change):
    app, path = send_as_page(new_page, live_server, tmp_path)
    text = path.read_text()
    if change == "letter":  # one letter of the article's text
        text = text.replace("فيروس شائع جدًا", "فيروس شائع جداً", 1)
    elif change == "label":  # the reminder not to change treatment
        text = text.replace('<p class="reminder">', '<p class="reminder">X', 1)
    assert change is None or text != path.read_text()
    path.write_text(text)
    ready(app, f"{live_server}/")
    open_file(app, path)
    notices = app.locator("#notices")
    if change:
        expect(notices).to_contain_text("This page was changed after it was made")
    else:
        expect(notices.locator(".page-verified")).to_contain_text("exactly as its publisher")
        expect(notices.get_by_role("link", name=re.compile("Open the bundle"))).to_have_attribute(
            "href", "#/read/ms-research/ar"
        )


def test_a_page_is_checked_offline_against_the_installed_bundle(new_page, live_server, tmp_path):
    page = new_page(accept_downloads=True)
    page.context.add_init_script("navigator.canShare = () => false;")
    ready(page, f"{live_server}/")
    controlled(page)
    install(page, "Caring for someone: what research says")
    page.context.set_offline(True)
    ready(page, f"{live_server}/#/read/caregiving/en/caregiver-strain-and-health")
    with page.expect_download() as download:
        page.get_by_role("button", name="Send as a page").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    ready(page, f"{live_server}/")
    open_file(page, path)
    verified = page.locator("#notices .page-verified")
    expect(verified).to_contain_text("exactly as its publisher signed it")
    expect(verified.get_by_role("link", name="Open the bundle")).to_have_attribute(
        "href", "#/read/caregiving/en"
    )
