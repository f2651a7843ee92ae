"""Small bundles written for search tests, and asking ``GET /api/v1/search`` about them."""

from __future__ import annotations

from .bundles import summary_text

# The articles differ from tests/helpers/bundles.py's in the words searches look for.
PLAIN_STUDY = dict(
    doi=False,
    study_type="cohort study",
    who_should_care="People living with MS.",
    considerations="A single study. Talk to your doctor.",
)

BUNDLE = """\
id: {id}
title: Search test bundle
description: Articles for search tests.
source_locale: {locale}
retain_versions: 2
"""


def write(root, bundle_id, locale, articles, thesaurus=None):
    folder = root / bundle_id
    (folder / "summaries").mkdir(parents=True, exist_ok=True)
    (folder / "bundle.yaml").write_text(BUNDLE.format(id=bundle_id, locale=locale))
    for article_id, fields in articles.items():
        (folder / "summaries" / f"{article_id}.md").write_text(
            summary_text(article_id, **PLAIN_STUDY | fields)
        )
    if thesaurus:
        (folder / "thesaurus.yaml").write_text(thesaurus)
    return folder


def find(client, q, bundle="ms", **args):
    where = {"bundle": bundle} if bundle else {}
    response = client.get("/api/v1/search", query_string={"q": q, **where, **args})
    assert response.status_code == 200, response.json
    return response.json


def ids(result):
    return [hit["id"] for hit in result["hits"]]
