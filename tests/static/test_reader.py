"""A person opens Satchel in Chromium, picks a bundle and reads an article."""

from __future__ import annotations

from playwright.sync_api import expect


def test_open_bundle_and_read_an_article(page, live_server):
    page.goto(live_server + "/")
    page.get_by_role("link", name="MS research explained").click()
    page.get_by_role("link", name="A common virus may be the main trigger for MS").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "A common virus may be the main trigger for MS"
    )
    expect(page.get_by_text("Credibility: 4 out of 5")).to_be_visible()
    expect(page.get_by_text("Interest: 4 out of 5")).to_be_visible()
    source = page.get_by_role("link", name="Longitudinal analysis reveals high prevalence")
    expect(source).to_have_attribute("href", "https://doi.org/10.1126/science.abj8222")
    for heading in (
        "Key takeaway",
        "What they found",
        "Who should care and why",
        "Important considerations",
        "Related articles",
    ):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("section.considerations")).to_contain_text("doctor")

    page.get_by_role("link", name="Read more: ", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(
        "A common virus may be the main trigger for MS"
    )
    expect(page.get_by_text("Credibility:")).to_be_visible()


def test_about_page_explains_the_ratings(page, live_server):
    page.goto(live_server + "/#/read/ms-research/en/ebv-and-ms-risk")
    page.get_by_role("link", name="How we rate studies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How we rate studies")
    expect(page.locator("article")).to_contain_text("Credibility")


def test_unknown_article_says_so(page, live_server):
    page.goto(live_server + "/#/read/ms-research/en/no-such-article")
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    expect(page.get_by_role("link", name="Back to the library")).to_be_visible()
