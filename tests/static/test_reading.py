"""The reading view shows everything a summary has, says when parts fall back to another
language (and marks them with lang), renders the coming `reference` kind, and keeps the chosen
text size. Translated bundles do not exist yet, so a Spanish manifest and its objects are
stubbed; their names are real sha256 hashes, because the page verifies every object, and the
manifest is signed by a stub publisher's key and listed by its TUF targets, because the page
verifies that too."""

from __future__ import annotations

import hashlib
import json

from playwright.sync_api import expect

from .conftest import ready, signed_by_stub_publisher


def canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


SUMMARY = {
    "kind": "summary",
    "id": "virus",
    "lang": "es",
    "title": "Un virus común puede desencadenar la EM",
    "teaser": "Un estudio muy grande.",
    "published": "2024-02-12",
    "reviewed": "2025-09-01",
    "review_due": "2027-09-01",
    "status": "published",
    "source": {
        "journal": "Science",
        "title": "Longitudinal analysis of EBV and MS",
        "url": "https://doi.org/10.1126/science.abj8222",
        "doi": "10.1126/science.abj8222",
        "study_type": "cohort study",
    },
    "ratings": {"credibility": 4, "interest": 5},
    "translation": {"status": "partial", "coverage": 0.75},
    "sections": [
        {"id": "takeaway", "html": "<p>El virus es el desencadenante principal.</p>"},
        {"id": "findings", "html": '<p lang="en" dir="ltr">Almost everyone had EBV first.</p>'},
        {"id": "who_should_care", "html": "<p>Personas con EM.</p>"},
        {"id": "considerations", "html": "<p>Es un estudio observacional.</p>"},
    ],
    "topics": ["causes"],
    "symptoms": [],
    "related": ["ref"],
}
REFERENCE = {
    "kind": "reference",
    "id": "ref",
    "lang": "es",
    "title": "Esclerosis múltiple",
    "source": {
        "url": "https://medlineplus.gov/spanish/multiplesclerosis.html",
        "collection": "MedlinePlus",
    },
    "sections": [
        {"id": "summary", "title": "Resumen", "html": "<p>La EM es una enfermedad.</p>"},
        {"id": "causes", "title": "Causas", "html": "<p>No se conoce la causa.</p>"},
    ],
}


def stub_spanish(context):
    objects = {hashlib.sha256(canonical(d)).hexdigest(): canonical(d) for d in (SUMMARY, REFERENCE)}
    names = list(objects)
    manifest = {
        "bundle": "ms-research",
        "locale": "es",
        "source_locale": "en",
        "version": 1,
        "published_at": "2025-10-01T00:00:00Z",
        "title": "La EM explicada",
        "description": "Resúmenes.",
        "license": {
            "name": "CC BY 4.0",
            "url": "https://creativecommons.org/licenses/by/4.0/",
            "attribution": "MedlinePlus",
        },
        "articles": [
            {
                "id": doc["id"],
                "object": name,
                "bytes": len(objects[name]),
                "title": doc["title"],
                "teaser": doc.get("teaser", "Qué es."),
                "published": "2024-01-01",
                "status": "published",
            }
            for doc, name in zip((SUMMARY, REFERENCE), names, strict=True)
        ],
        "about": [],
        "total_bytes": sum(len(body) for body in objects.values()),
    }
    signed = signed_by_stub_publisher(context, manifest)

    def pointer(route):  # the published locales, and the stub's Spanish
        published = route.fetch().json()
        published["locales"]["es"] = signed["version"]
        route.fulfill(json=published)

    context.route("**/repo/bundles/ms-research/current.json", pointer)
    for name, body in objects.items():
        context.route(f"**/repo/objects/{name[:2]}/{name}", serve_bytes(body))


def serve_bytes(body: bytes):
    return lambda route: route.fulfill(body=body, content_type="application/json")


def test_article_shows_everything_and_marks_fallback_segments(new_page, live_server):
    page = new_page(service_workers="block")  # so that every request meets the stubs
    stub_spanish(page.context)
    ready(page, live_server + "/#/read/ms-research/es/virus")
    article = page.locator("main article")
    expect(article.locator("h1")).to_have_attribute("lang", "es")
    expect(article.locator(".prose").first).to_have_attribute("lang", "es")
    expect(page.locator("main h1")).to_have_text(SUMMARY["title"])
    notice = article.locator(".fallback")
    expect(notice).to_contain_text("not yet translated into Spanish")
    expect(notice).to_contain_text("English")
    expect(notice).to_have_attribute("lang", "en")
    assert page.evaluate(
        "document.querySelector('article h1').nextElementSibling.className"
    ).endswith("fallback")
    expect(article.locator(".prose [lang=en]")).to_have_text("Almost everyone had EBV first.")
    expect(article.get_by_text("Credibility: 4 out of 5")).to_be_visible()
    expect(article.get_by_text("Interest: 5 out of 5")).to_be_visible()
    expect(article.locator("section.takeaway")).to_contain_text("desencadenante principal")
    expect(article.locator("section.source")).to_contain_text("Science · cohort study")
    expect(article.locator("section.considerations .reminder")).to_contain_text("doctor")
    expect(article).to_contain_text("Next review due September 1, 2027")
    related = article.locator("section[aria-labelledby=h-related] li")
    expect(related).to_have_count(1)  # titles, teasers and dates come from the manifest
    expect(related).to_contain_text("Qué es.")
    expect(related).to_contain_text("January 1, 2024")
    expect(article.get_by_role("link", name="Read more: Esclerosis múltiple")).to_be_visible()

    article.get_by_role("link", name="Read more: Esclerosis múltiple").click()
    expect(page.locator("main h1")).to_have_text("Esclerosis múltiple")
    expect(page.get_by_role("heading", name="Causas", level=2)).to_be_visible()
    expect(page.get_by_role("link", name="MedlinePlus").first).to_have_attribute(
        "href", REFERENCE["source"]["url"]
    )
    expect(page.get_by_role("link", name="CC BY 4.0")).to_be_visible()


def test_text_size_persists(new_page, live_server):
    page = new_page()
    ready(page, live_server + "/#/settings")
    page.get_by_label("Largest").check()
    expect(page.locator("html")).to_have_class("text-200")
    ready(page, live_server + "/#/read/ms-research/en/ebv-and-ms-risk")
    expect(page.locator("html")).to_have_class("text-200")
    expect(page.locator("main h1")).to_contain_text("A common virus")
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('article .prose p')).fontSize)"
    )
    assert size >= 32
