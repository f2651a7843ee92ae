"""Each validation rule, through ``satchel build``: a bad file in, a
``path:line: field: message`` line out, exit non-zero, nothing published."""

from __future__ import annotations

import re

import pytest

from ..helpers.bundles import summary_text

ALPHA = "demo/summaries/alpha.md"


def edit(old, new):
    return lambda text: text.replace(old, new, 1)


RULES = [
    # (name, change to alpha.md, expected "path:line: field:", expected words)
    (
        "unknown key",
        edit("title: Title", "titel: Title"),
        f"{ALPHA}:3: titel:",
        "did you mean 'title'",
    ),
    (
        "missing field",
        edit("teaser: A short plain sentence about alpha.\n", ""),
        f"{ALPHA}:1: teaser:",
        "is required",
    ),
    (
        "missing nested field",
        edit("  journal: Journal of Examples\n", ""),
        f"{ALPHA}:9: source.journal:",
        "is required",
    ),
    (
        "bad date",
        edit("published: 2025-01-10", "published: 2025-02-30"),
        f"{ALPHA}:5: published:",
        "YYYY-MM-DD",
    ),
    (
        "review_due before reviewed",
        edit("review_due: 2030-02-01", "review_due: 2024-02-01"),
        f"{ALPHA}:7: review_due:",
        "must not be before 'reviewed'",
    ),
    (
        "rating out of range",
        edit("credibility: 4", "credibility: 6"),
        f"{ALPHA}:16: ratings.credibility:",
        "from 1 to 5",
    ),
    (
        "rating not a number",
        edit("interest: 3", "interest: high"),
        f"{ALPHA}:17: ratings.interest:",
        "whole number",
    ),
    (
        "non-http url",
        edit("url: https://example.org/alpha", "url: javascript:alert(1)"),
        f"{ALPHA}:12: source.url:",
        "http:// or https://",
    ),
    (
        "bad slug",
        edit("topics: [treatment]", "topics: [Treatment Options]"),
        f"{ALPHA}:18: topics:",
        "not a slug",
    ),
    (
        "bad status",
        edit("status: published", "status: draft"),
        f"{ALPHA}:8: status:",
        "published, withdrawn",
    ),
    (
        "id differs from file name",
        edit("id: alpha", "id: alpha-two"),
        f"{ALPHA}:2: id:",
        "must equal the file name 'alpha'",
    ),
    (
        "related unknown",
        edit("related: [beta]", "related: [beta, nowhere]"),
        f"{ALPHA}:20: related:",
        "'nowhere' is not a summary",
    ),
    (
        "related to itself",
        edit("related: [beta]", "related: [alpha]"),
        f"{ALPHA}:20: related:",
        "itself",
    ),
    (
        "invalid yaml",
        edit("title: Title of alpha", "title: Title: of alpha"),
        f"{ALPHA}:3: yaml:",
        "not valid YAML",
    ),
    (
        "duplicate key",
        edit("status: published", "status: published\nstatus: withdrawn"),
        f"{ALPHA}:9: status:",
        "appears twice",
    ),
    (
        "no front matter",
        lambda text: text.replace("---\n", "", 1),
        f"{ALPHA}:1: front matter:",
        "must start with a '---' line",
    ),
    (
        "empty section",
        edit("Anyone who feels worn out most days.", ""),
        f"{ALPHA}:32: body:",
        "'who_should_care' is empty",
    ),
    (
        "missing section",
        edit("## Key takeaway {#takeaway}", "Intro"),
        f"{ALPHA}:23: body:",
        "text before the first section",
    ),
    (
        "duplicated section",
        edit("{#findings}", "{#takeaway}"),
        f"{ALPHA}:27: body:",
        "appears twice (first on line 23)",
    ),
    (
        "unknown section",
        edit("{#findings}", "{#results}"),
        f"{ALPHA}:27: body:",
        "unknown section '{#results}'",
    ),
    (
        "heading without marker",
        edit("Anyone who", "## Extra\n\nAnyone who"),
        f"{ALPHA}:34: body:",
        "heading has no section marker",
    ),
]


@pytest.mark.parametrize(
    "change, location, words", [r[1:] for r in RULES], ids=[r[0] for r in RULES]
)
def test_rule_reports_file_line_and_field(bundles_dir, build, client, change, location, words):
    path = bundles_dir / "demo" / "summaries" / "alpha.md"
    path.write_text(change(path.read_text()))
    result = build(expect_ok=False)
    assert result.exit_code == 1
    line = next((ln for ln in result.stderr.splitlines() if location in ln), None)
    assert line is not None, result.stderr
    assert words in line
    assert "nothing was published" in result.stderr
    assert client.get("/api/v1/bundles").json == []


def test_every_problem_is_reported_at_once(bundles_dir, build):
    path = bundles_dir / "demo" / "summaries" / "alpha.md"
    path.write_text(
        path.read_text()
        .replace("credibility: 4", "credibility: 9")
        .replace("url: https", "url: ftp")
    )
    (bundles_dir / "demo" / "summaries" / "beta.md").write_text(
        summary_text("beta").replace("interest: 3", "interest: 0")
    )
    stderr = build(expect_ok=False).stderr
    assert len(re.findall(r"demo/summaries/\w+\.md:\d+: ", stderr, re.M)) == 3
    assert "3 error(s)" in stderr


def test_duplicate_ids_across_files(bundles_dir, build):
    (bundles_dir / "demo" / "summaries" / "delta.md").write_text(summary_text("gamma"))
    stderr = build(expect_ok=False).stderr
    # Files are read in name order, so delta.md claims the id first.
    assert "demo/summaries/gamma.md:2: id: 'gamma' is already used by" in stderr
    assert "delta.md:2: id: 'gamma' must equal the file name 'delta'" in stderr


def test_related_must_not_point_at_withdrawn(bundles_dir, build):
    (bundles_dir / "demo" / "summaries" / "gamma.md").write_text(
        summary_text("gamma", status="withdrawn")
    )
    stderr = build(expect_ok=False).stderr
    assert "demo/summaries/beta.md:20: related: 'gamma' is withdrawn" in stderr


def test_non_utf8_file_names_its_line(bundles_dir, build):
    path = bundles_dir / "demo" / "summaries" / "alpha.md"
    path.write_bytes(path.read_bytes().replace(b"People who", "Caf\u00e9".encode("latin-1")))
    assert f"{ALPHA}:25: file: is not UTF-8" in build(expect_ok=False).stderr


def test_unreadable_file(bundles_dir, build):
    path = bundles_dir / "demo" / "summaries" / "alpha.md"
    path.unlink()
    path.mkdir()  # a folder named like a summary cannot be read as one
    assert f"{ALPHA}: file: cannot be read" in build(expect_ok=False).stderr


def test_bundle_yaml_is_validated(bundles_dir, build):
    path = bundles_dir / "demo" / "bundle.yaml"
    path.write_text(
        path.read_text()
        .replace("source_locale: en", "source_locale: xx-nowhere")
        .replace("retain_versions: 5", "retain_versions: 0")
    )
    stderr = build(expect_ok=False).stderr
    assert "demo/bundle.yaml:4: source_locale: 'xx-nowhere' is not a known locale" in stderr
    assert "demo/bundle.yaml:5: retain_versions: must be 1 or more" in stderr


def test_missing_about_file(bundles_dir, build):
    (bundles_dir / "demo" / "about" / "understanding-research.md").unlink()
    assert (
        "demo/bundle.yaml:9: about.file: 'about/understanding-research.md' does not exist"
        in build(expect_ok=False).stderr
    )


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("review_due: 2030-02-01", "review_due: 2025-03-01", "review_due: 2025-03-01 has passed"),
        ("teaser: A short", "teaser: " + "very " * 45 + "short", "keep it under 200"),
    ],
    ids=["review overdue", "long teaser"],
)
def test_warnings_fail_only_in_strict_mode(bundles_dir, build, client, old, new, words):
    path = bundles_dir / "demo" / "summaries" / "alpha.md"
    path.write_text(path.read_text().replace(old, new))
    relaxed = build()
    assert words in relaxed.stderr and "(warning)" in relaxed.stderr
    strict = build("--strict", expect_ok=False)
    assert strict.exit_code == 1 and words in strict.stderr


def test_withdrawn_summary_needs_no_body(bundles_dir, build):
    (bundles_dir / "demo" / "summaries" / "gamma.md").write_text(
        summary_text("gamma", status="withdrawn").split("## Key")[0]
    )
    path = bundles_dir / "demo" / "summaries" / "beta.md"
    path.write_text(path.read_text().replace("related: [alpha, gamma]", "related: [alpha]"))
    build()
