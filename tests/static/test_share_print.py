"""Share through the Web Share API (else copy the link), and print one clean article: Chromium's
own PDF of the page (A4 and Letter) holds the source study, its DOI, the dates, the ratings in
words and the considerations, kept on one page, and none of the app's navigation or controls.
The PDFs and their pages as PNG go to test-artifacts/ for a look."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, ready

ARTICLE = "#/read/ms-research/en/ebv-and-ms-risk"


def article_object(page, base):
    manifest = page.request.get(f"{base}/api/v1/bundles/ms-research/en").json()
    entry = next(a for a in manifest["articles"] if a["id"] == "ebv-and-ms-risk")
    return page.request.get(f"{base}/api/v1/objects/{entry['object']}").json()


def plain(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", fragment).replace("&quot;", '"').split())


def test_share_uses_the_web_share_api_with_title_takeaway_and_link(new_page, live_server):
    page = new_page(service_workers="block")
    page.context.add_init_script(
        "navigator.share = (data) => { window.shared = data; return Promise.resolve(); };"
        "navigator.canShare = () => true;"
    )
    ready(page, f"{live_server}/{ARTICLE}")
    article = article_object(page, live_server)
    page.get_by_role("button", name="Share").click()
    page.wait_for_function("() => window.shared")
    shared = page.evaluate("() => window.shared")
    takeaway = re.search(r"<p>(.*?)</p>", article["sections"][0]["html"], re.S).group(1)
    assert shared == {
        "title": article["title"],
        "text": plain(takeaway),
        "url": f"{live_server}/{ARTICLE}",
    }


def test_share_without_the_api_copies_the_link(new_page, live_server):
    page = new_page(service_workers="block")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.context.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
    ready(page, f"{live_server}/{ARTICLE}")
    page.get_by_role("button", name="Share").click()
    expect(page.locator("#notices")).to_contain_text("Link copied.")
    assert page.evaluate("() => navigator.clipboard.readText()") == f"{live_server}/{ARTICLE}"


def pdf_text(path, first=None, last=None) -> str:
    pages = ["-f", str(first), "-l", str(last)] if first else []
    done = subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_print_gives_one_clean_article(new_page, live_server, paper):
    page = new_page(service_workers="block")
    ready(page, f"{live_server}/{ARTICLE}")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    article = article_object(page, live_server)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"print-{paper}.pdf"
    path.write_bytes(page.pdf(format=paper, print_background=True))
    text = " ".join(pdf_text(path).split())
    source = article["source"]
    for expected in (
        article["title"],
        source["title"],
        f"DOI: {source['doi']}",
        source["url"],
        "Published February 12, 2024",
        "Reviewed September 1, 2025. Next review due September 1, 2027.",
        "Credibility: 4 out of 5",
        "Interest: 4 out of 5",
        "Important considerations",
        plain(re.search(r"<p>(.*?)</p>", article["sections"][3]["html"], re.S).group(1)),
        "Never change or stop a treatment without talking to your doctor first.",
        "From “MS research explained” in Satchel, printed",
        f"{live_server}/{ARTICLE}",
    ):
        assert expected in text, f"{expected!r} not in the {paper} PDF"
    for app_part in ("Skip to content", "Library", "Settings", "Listen", "Share", "Print",
                     "Remove from saved", "Related articles", "Back to"):
        assert app_part not in text, f"{app_part!r} printed on {paper}"
    # The considerations box is not split across pages.
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout).group(1))
    holding = [n for n in range(1, pages + 1) if "Important considerations" in pdf_text(path, n, n)]
    assert len(holding) == 1
    box = " ".join(pdf_text(path, holding[0], holding[0]).split())
    assert "Never change or stop a treatment" in box
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(path.with_suffix(""))],
                       check=True)
