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


def reference_text(article_id: str, title: str, sections: list[tuple[str, str]]) -> str:
    body = "\n".join(f"## {heading}\n\n{text}\n" for heading, text in sections)
    return (
        f"---\nkind: reference\nid: {article_id}\ntitle: {title}\nsource:\n"
        f"  url: https://example.org/{article_id}\n  collection: Example Health\n---\n\n{body}"
    )


# Two articles of one title, as two sources write them: one has a section on treatment, the
# other only says "treated" in passing, twice.
TREATED = {
    "en": (
        "how is asthma treated",
        {
            "asthma-care": ("Asthma", [
                ("Overview", "Asthma narrows the airways."),
                ("Treatment", "Most people use an inhaler every day."),
            ]),
            "asthma-school": ("Asthma", [
                ("Overview", "At school, children are treated by the nurse when asthma flares; "
                             "asthma treated early settles."),
                ("Who is at risk?", "Children with allergies."),
            ]),
        },
    ),
    "es": (
        "cómo se trata el asma",
        {
            "asthma-care": ("Asma", [
                ("Resumen", "El asma estrecha las vías respiratorias."),
                ("Tratamiento", "La mayoría usa un inhalador cada día."),
            ]),
            "asthma-school": ("Asma", [
                ("Resumen", "En la escuela, la enfermera trata el asma de los niños; "
                            "el asma tratada pronto se calma."),
                ("Quién corre riesgo", "Los niños con alergias."),
            ]),
        },
    ),
}  # fmt: skip


def write_references(root, bundle_id, locale, articles):
    """A bundle of reference articles: ``{id: (title, [(heading, text)])}``."""
    folder = write(root, bundle_id, locale, {})
    for article_id, (title, sections) in articles.items():
        text = reference_text(article_id, title, sections)
        (folder / "summaries" / f"{article_id}.md").write_text(text)
    return folder


# A French title with an elided article, an article that says its noun more often, and a
# title holding a letter that French also writes elided ("d'").
ELISION = {
    "asthme": dict(
        title="L'asthme",
        teaser="Une maladie des bronches.",
        takeaway="Les crises passent avec un inhalateur.",
        findings="Elle touche un enfant sur dix.",
    ),
    "saisons": dict(
        title="L'asthme au printemps",
        teaser="Au printemps, l'asthme et le rhume des foins augmentent.",
        takeaway="L'asthme s'aggrave avec le pollen; l'asthme des enfants aussi.",
        findings="Asthme: plus de crises en avril.",
    ),
    "vitamine-d": dict(
        title="Vitamine D",
        teaser="La vitamine D et les os.",
        takeaway="Le soleil en donne.",
        findings="Les os des enfants en profitent.",
    ),
}
