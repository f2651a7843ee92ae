"""The sources of test bundles: a valid summary with any field replaced, and a bundle of
them written into a folder, as an author would write them."""

from __future__ import annotations

import textwrap
from pathlib import Path

SUMMARY = """\
---
id: {id}
title: {title}
teaser: {teaser}
published: 2025-01-10
reviewed: 2025-02-01
review_due: 2030-02-01
status: {status}
source:
  journal: Journal of Examples
  title: A study about {id}
  url: https://example.org/{id}
{doi}  study_type: {study_type}
ratings:
  credibility: {credibility}
  interest: 3
topics: [{topics}]
symptoms: [{symptoms}]
related: [{related}]
---

## Key takeaway {{#takeaway}}

{takeaway}

## What they found {{#findings}}

{findings}

## Who should care and why {{#who_should_care}}

{who_should_care}

## Important considerations {{#considerations}}

{considerations}
"""
SUMMARY_DEFAULTS = {
    "study_type": "randomised controlled trial",
    "credibility": 4,
    "topics": "treatment",
    "symptoms": "fatigue",
    "takeaway": "People who took part felt **less tired** after 12 weeks.",
    "findings": "- 120 people took part.\n- Half of them did the exercise programme.",
    "who_should_care": "Anyone who feels worn out most days.",
    "considerations": (
        "It was a small study. Never change your treatment without talking to your doctor."
    ),
}


BUNDLE_YAML = """\
id: {id}
title: Test bundle {id}
description: A bundle for tests.
source_locale: en
retain_versions: {retain}
about:
  - id: understanding-research
    title: Understanding research
    file: about/understanding-research.md
"""


def summary_text(
    summary_id: str, *, related=(), status="published", title=None, doi=True, **fields
) -> str:
    """A valid summary; ``fields`` replace any of ``SUMMARY_DEFAULTS`` or the teaser."""
    return SUMMARY.format(
        id=summary_id,
        title=title or f"Title of {summary_id}",
        status=status,
        related=", ".join(related),
        doi=f"  doi: 10.1000/{summary_id}\n" if doi else "",
        **({"teaser": f"A short plain sentence about {summary_id}."} | SUMMARY_DEFAULTS | fields),
    )


def write_bundle(root: Path, bundle_id: str = "demo", summaries=None, retain: int = 5) -> Path:
    """Write a valid bundle; ``summaries`` maps id → file text (default: three)."""
    folder = root / bundle_id
    (folder / "summaries").mkdir(parents=True)
    (folder / "about").mkdir()
    (folder / "bundle.yaml").write_text(BUNDLE_YAML.format(id=bundle_id, retain=retain))
    (folder / "about" / "understanding-research.md").write_text(
        textwrap.dedent("""\
            ## Kinds of study

            A *trial* compares groups.
            """)
    )
    if summaries is None:
        summaries = {
            "alpha": summary_text("alpha", related=["beta"]),
            "beta": summary_text("beta", related=["alpha", "gamma"]),
            "gamma": summary_text("gamma"),
        }
    for summary_id, text in summaries.items():
        (folder / "summaries" / f"{summary_id}.md").write_text(text)
    return folder


# The manifest of the bundle ``write_bundle`` writes by default.
MANIFEST = "/api/v1/bundles/demo/en"


def edit_summary(bundles_dir: Path, summary_id: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in a summary of the ``demo`` bundle."""
    path = bundles_dir / "demo" / "summaries" / f"{summary_id}.md"
    path.write_text(path.read_text().replace(old, new))
