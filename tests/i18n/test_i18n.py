"""Translators' workflow through ``satchel i18n`` and what readers then get."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import polib
import pytest
from babel import Locale

from satchel.i18n.catalogs import (
    compile_ui,
    live,
    new_catalog,
    plural_rule,
    read_catalog,
    write_catalog,
)

from ..helpers.translating import SPANISH, catalog_file, translate


@pytest.fixture
def i18n(runner):
    def run(*args, expect_ok=True):
        result = runner.invoke(args=["i18n", *args])
        if expect_ok:
            assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture
def translations(app):
    return Path(app.config["TRANSLATIONS_DIR"])


NO_BUNDLE = "There is no bundle called '{bundle}'."


def translate_ui(translations: Path, msgid: str, text: str, locale="es") -> None:
    path = catalog_file(translations, locale, domain="messages")
    catalog = read_catalog(path)
    catalog.find(msgid).msgstr = text
    write_catalog(path, catalog)


def entries(path: Path) -> dict[str, polib.POEntry]:
    """The live entries of a content catalog by msgctxt."""
    return {entry.msgctxt: entry for entry in live(read_catalog(path))}


def edit_alpha(bundles_dir: Path, old: str, new: str) -> None:
    """An author's edit of the source text of summary 'alpha'."""
    path = bundles_dir / "demo" / "summaries" / "alpha.md"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def article(client, bundle, locale, article_id):
    manifest = client.get(f"/api/v1/bundles/{bundle}/{locale}").json
    entry = next(a for a in manifest["articles"] if a["id"] == article_id)
    return client.get(f"/api/v1/objects/{entry['object']}").json


@pytest.fixture
def spanish(i18n, translations, build):
    i18n("add-language", "es")
    translate(catalog_file(translations), SPANISH)
    build()


def test_extraction_covers_server_and_javascript(i18n, translations):
    i18n("update")
    template = read_catalog(translations / "messages.pot")
    sources = {path.split("/")[0] for entry in template for path, _line in entry.occurrences}
    assert sources == {"satchel", "static"}
    ids = {entry.msgid for entry in template}
    assert "There is no bundle called '{bundle}'." in ids
    assert "Credibility: {value} out of 5" in ids
    assert "{count} new article" in ids
    assert template.find("{count} new article").msgid_plural == "{count} new articles"


def test_content_template_has_one_entry_per_segment(i18n, translations):
    i18n("update")
    template = entries(translations / "demo.pot")
    assert {
        "alpha/title",
        "alpha/teaser",
        "alpha/findings/1",
        "alpha/findings/2",
        "about/understanding-research/1",
        "bundle/title",
    } <= set(template)
    findings = template["alpha/findings/2"]
    assert findings.msgid == "Half of them did the exercise programme."
    # Paths are shown from the content root (the bundles folder's parent), from any folder.
    [(path, line)] = findings.occurrences
    assert path == "bundles/demo/summaries/alpha.md" and line == "30"
    assert "What they found" in findings.comment
    assert not any(e.msgid.startswith("A study about") for e in template.values())  # citation


def test_add_language_rejects_unknown_locales_with_close_matches(i18n):
    result = i18n("add-language", "spanish", expect_ok=False)
    assert result.exit_code != 0 and "Did you mean: es" in result.output
    assert "not a locale" in i18n("add-language", "xx-QQ", expect_ok=False).output


def test_add_language_then_update_keeps_translations(i18n, translations):
    i18n("add-language", "es")
    path = catalog_file(translations)
    translate(path, SPANISH)
    before = path.read_bytes()
    i18n("update")
    i18n("add-language", "es")  # again: keeps the existing catalog
    assert path.read_bytes() == before


def test_source_edit_marks_only_that_segment_fuzzy_and_falls_back(
    spanish, i18n, bundles_dir, translations, build, client
):
    edit_alpha(bundles_dir, "Half of them did", "Half of them finished")
    i18n("update")
    catalog = entries(catalog_file(translations))
    fuzzy = {ctx for ctx, m in catalog.items() if m.fuzzy}
    assert fuzzy == {"alpha/findings/2"}
    assert catalog["alpha/findings/2"].previous_msgid == "Half of them did the exercise programme."
    assert catalog["alpha/findings/1"].msgstr == SPANISH["alpha/findings/1"]
    build()
    findings = article(client, "demo", "es", "alpha")["sections"][1]["html"]
    assert "<li>Participaron 120 personas.</li>" in findings
    assert '<li lang="en">Half of them finished the exercise programme.</li>' in findings
    translation = article(client, "demo", "es", "alpha")["translation"]
    assert translation["status"] == "partial" and 0 < translation["coverage"] < 1


def test_changed_number_withholds_an_unfuzzied_translation(
    spanish, i18n, bundles_dir, translations, build, client
):
    edit_alpha(bundles_dir, "120 people", "150 people")
    i18n("update")
    translate(catalog_file(translations), {"alpha/findings/1": "Participaron 120 personas."})
    assert not entries(catalog_file(translations))["alpha/findings/1"].fuzzy
    result = i18n("check", expect_ok=False)
    assert re.search(r"demo\.po:\d+: alpha/findings/1: numbers differ: 150 missing", result.output)
    status = i18n("status").output
    assert re.search(r"demo\s+es\s+\d+\s+0\s+\d+\s+1\s", status), status
    build()
    findings = article(client, "demo", "es", "alpha")["sections"][1]["html"]
    assert '<li lang="en">150 people took part.</li>' in findings


def test_complete_translation_reads_entirely_in_spanish(spanish, client):
    alpha = article(client, "demo", "es", "alpha")
    assert alpha["lang"] == "es" and alpha["title"] == "Título de alpha"
    assert alpha["translation"]["status"] == "complete" and alpha["translation"]["coverage"] == 1
    assert "lang=" not in json.dumps(alpha["sections"])
    assert alpha["source"]["title"] == "A study about alpha"  # citations stay as published
    beta = article(client, "demo", "es", "beta")
    assert beta["translation"]["status"] == "source"
    assert beta["translation"]["fallback"] == {"title": "en", "teaser": "en"}
    manifest = json.loads(client.get("/api/v1/bundles/demo/es").data)
    assert {a["id"]: a["translation"] for a in manifest["articles"]} == {
        "alpha": "complete",
        "beta": "source",
        "gamma": "source",
    }


def test_regional_locale_falls_back_to_language_then_source(
    spanish, i18n, translations, build, client
):
    i18n("add-language", "es-MX")
    translate(catalog_file(translations, "es_MX"), {"alpha/title": "Título mexicano"})
    build()
    alpha = article(client, "demo", "es-MX", "alpha")
    assert alpha["title"] == "Título mexicano"
    assert alpha["teaser"] == SPANISH["alpha/teaser"]
    assert alpha["translation"]["fallback"] == {"teaser": "es"}
    assert '<p lang="es">Las personas' in alpha["sections"][0]["html"]


def test_rtl_article_marks_direction_of_fallback_segments(i18n, translations, build, client):
    i18n("add-language", "ar")
    translate(
        catalog_file(translations, "ar"),
        {"alpha/title": "عنوان ألفا", "alpha/findings/1": "شارك 120 شخصا."},
    )
    build()
    alpha = article(client, "demo", "ar", "alpha")
    assert alpha["dir"] == "rtl" and alpha["lang"] == "ar"
    findings = alpha["sections"][1]["html"]
    assert "<li>شارك 120 شخصا.</li>" in findings
    assert '<li lang="en" dir="ltr">Half of them' in findings
    assert client.get("/api/v1/bundles/demo/ar").json["direction"] == "rtl"


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script> Participaron 120 personas.",
        "[Participaron](javascript:alert(1)) 120 personas.",
        '<img src=x onerror="alert(1)"> 120 personas.',
    ],
)
def test_translated_html_is_sanitised(i18n, translations, build, client, payload):
    i18n("add-language", "es")
    translate(catalog_file(translations), {"alpha/findings/1": payload})
    build()
    html = article(client, "demo", "es", "alpha")["sections"][1]["html"]
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert "<img" not in html


CHECKS = [
    (
        "links",
        "alpha/takeaway/1",
        "Mira [esto](https://evil.example) **menos cansadas** 12.",
        "links differ",
    ),
    ("html", "alpha/findings/1", "Participaron <b>120</b> personas.", "contains HTML"),
    (
        "markup",
        "alpha/takeaway/1",
        "Se sintieron menos cansadas después de 12 semanas.",
        "Markdown markup differs",
    ),
    ("numbers", "alpha/findings/1", "Participaron ciento veinte personas.", "numbers differ"),
    (
        "negation lost",
        "alpha/considerations/1",
        "Fue un estudio pequeño. Cambie su tratamiento tras hablar con su médico.",
        "negation differs",
    ),
    ("negation added", "alpha/findings/1", "No participaron 120 personas.", "negation differs"),
]


@pytest.mark.parametrize(
    "context, translation, problem", [c[1:] for c in CHECKS], ids=[c[0] for c in CHECKS]
)
def test_check_catches_each_problem(i18n, translations, context, translation, problem):
    i18n("add-language", "es")
    translate(catalog_file(translations), {context: translation})
    result = i18n("check", expect_ok=False)
    assert result.exit_code == 1
    assert re.search(rf"demo\.po:\d+: {re.escape(context)}: {problem}", result.output), (
        result.output
    )


def test_check_keeps_drug_names(i18n, bundles_dir, translations):
    config = bundles_dir / "demo" / "bundle.yaml"
    config.write_text(config.read_text() + "drug_names: [fingolimod]\n")
    edit_alpha(bundles_dir, "Anyone who feels", "Anyone on fingolimod who feels")
    i18n("add-language", "es")
    translate(
        catalog_file(translations),
        {"alpha/who_should_care/1": "Quien toma fingolimod y se siente agotado."},
    )
    assert "drug name" not in i18n("check").output
    translate(
        catalog_file(translations),
        {"alpha/who_should_care/1": "Quien toma el fármaco y se siente agotado."},
    )
    assert "drug name missing: keep fingolimod" in i18n("check", expect_ok=False).output


def test_check_catches_broken_ui_placeholders(i18n, translations):
    i18n("add-language", "es")
    translate_ui(translations, NO_BUNDLE, "No hay ninguna colección llamada '{nombre}'.")
    output = i18n("check", expect_ok=False).output
    assert re.search(
        r"messages\.po:\d+: There is no bundle called '\{bundle\}'\.: "
        r"placeholders differ",
        output,
    )


def test_api_errors_speak_the_negotiated_language(i18n, translations, build, client):
    i18n("add-language", "es")
    translate_ui(translations, NO_BUNDLE, "No hay ninguna colección llamada '{bundle}'.")
    build()
    spanish = client.get("/api/v1/bundles/nope/en", headers={"Accept-Language": "es-ES,en;q=0.5"})
    assert spanish.json["error"]["message"] == "No hay ninguna colección llamada 'nope'."
    english = client.get("/api/v1/bundles/nope/en?lang=en", headers={"Accept-Language": "es"})
    assert english.json["error"]["message"] == "There is no bundle called 'nope'."


@pytest.mark.parametrize(
    "header, query, expected",
    [
        ("pt-BR,pt;q=0.9", None, "pt-BR"),
        ("pt-PT,pt;q=0.9", None, "pt-BR"),
        ("en-GB,en;q=0.8", None, "en"),
        ("fr-CA,fr;q=0.9,es;q=0.5", None, "es"),
        ("es;q=0.2,ar;q=0.9", None, "ar"),
        ("*", None, "en"),
        ("", None, "en"),
        ("!!garbage;;q=x", None, "en"),
        ("es", "ar", "ar"),
        ("es", "xx", "es"),
    ],
)
def test_negotiation(app, header, query, expected):
    from satchel.web.language import negotiate

    url = "/" + (f"?lang={query}" if query else "")
    with app.test_request_context(url, headers={"Accept-Language": header}):
        assert negotiate(["ar", "es", "pt-BR"]) == expected


@pytest.mark.parametrize(
    "code, categories",
    [
        ("ru", {"one", "few", "many", "other"}),
        ("ar", {"zero", "one", "two", "few", "many", "other"}),
        ("ja", {"other"}),
    ],
)
def test_ui_plurals_are_keyed_by_cldr_category(code, categories):
    catalog = new_catalog("messages", code.replace("-", "_"))
    forms, _expression = plural_rule(catalog)
    catalog.append(
        polib.POEntry(
            msgid="{count} article",
            msgid_plural="{count} articles",
            msgstr_plural={i: f"form {i}" for i in range(forms)},
        )
    )
    compiled = compile_ui(catalog, code)
    assert set(compiled["messages"]["{count} article"]) == categories
    assert set(compiled["plural_categories"]) == categories
    assert categories - {"other"} == set(Locale.parse(code).plural_form.tags)
    if code == "ru":  # 1 → one, 3 → few, 5 → many: gettext forms 0, 1, 2
        assert compiled["messages"]["{count} article"] == {
            "one": "form 0",
            "few": "form 1",
            "many": "form 2",
            "other": "form 2",
        }


def test_locales_endpoint(spanish, client):
    listing = {entry["code"]: entry for entry in client.get("/api/v1/locales").json}
    assert listing["es"]["name"] == "Spanish" and listing["es"]["native_name"] == "español"
    assert listing["es"]["direction"] == "ltr"
    assert listing["es"]["bundles"]["demo"]["version"] == 1
    assert 0 < listing["es"]["bundles"]["demo"]["coverage"] < 1
    assert listing["en"]["bundles"]["demo"]["coverage"] == 1
    messages = client.get("/api/v1/locales/es/messages").json
    assert messages["locale"] == "es" and messages["direction"] == "ltr"
    assert client.get("/api/v1/locales/zz/messages").status_code == 404


PREVIOUS = '#| msgid "Half of them did the exercise programme."'


def test_fuzzy_translation_keeps_its_old_source_until_reviewed(
    spanish, i18n, bundles_dir, translations, build, client
):
    """Poedit and Weblate show a fuzzy entry's ``#| msgid`` as "what changed"; it must
    survive every update, and stay the text the translation was written for."""
    edit_alpha(bundles_dir, "Half of them did", "Half of them finished")
    i18n("update")
    i18n("update")
    edit_alpha(bundles_dir, "Half of them finished", "Half of them completed")
    i18n("update")
    path = catalog_file(translations)
    entry = entries(path)["alpha/findings/2"]
    assert entry.fuzzy and entry.msgstr == SPANISH["alpha/findings/2"]
    assert entry.msgid == "Half of them completed the exercise programme."
    assert entry.previous_msgid == "Half of them did the exercise programme."
    lines = path.read_text().splitlines()
    assert [line for line in lines if line.startswith("#|")] == [PREVIOUS]
    assert not [line for line in lines if line.startswith("# |")]  # not a translator comment
    assert re.search(r"demo\s+es\s+6\s+1\s+19\s+0\s", i18n("status").output)  # 1 fuzzy

    build()
    alpha = article(client, "demo", "es", "alpha")
    findings = alpha["sections"][1]["html"]
    assert '<li lang="en">Half of them completed the exercise programme.</li>' in findings
    assert SPANISH["alpha/findings/2"] not in json.dumps(alpha, ensure_ascii=False)

    reviewed = "La mitad de ellas completó el programa de ejercicio."
    translate(path, {"alpha/findings/2": reviewed})
    i18n("update")
    assert "#|" not in path.read_text()
    build()
    assert f"<li>{reviewed}</li>" in article(client, "demo", "es", "alpha")["sections"][1]["html"]


def test_changed_interface_text_is_fuzzy_with_its_old_source(i18n, translations, build, client):
    i18n("add-language", "es")
    path = catalog_file(translations, domain="messages")
    catalog = read_catalog(path)  # as if translated before the code said "called"
    entry = catalog.find(NO_BUNDLE)
    entry.msgid = "There is no bundle named '{bundle}'."
    entry.msgstr = "No hay ninguna colección llamada '{bundle}'."
    write_catalog(path, catalog)
    i18n("update")
    i18n("update")
    entry = read_catalog(path).find(NO_BUNDLE)
    assert entry.fuzzy and entry.msgstr == "No hay ninguna colección llamada '{bundle}'."
    assert entry.previous_msgid == "There is no bundle named '{bundle}'."
    assert "#| msgid \"There is no bundle named '{bundle}'.\"" in path.read_text().splitlines()
    assert not read_catalog(path).obsolete_entries()  # its translation moved to the new text
    build()
    answer = client.get("/api/v1/bundles/nope/en", headers={"Accept-Language": "es"})
    assert answer.json["error"]["message"] == "There is no bundle called 'nope'."


def every_catalog(translations: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(translations.rglob("*.po*"))}


def test_a_second_update_rewrites_nothing_and_gettext_tools_agree(
    spanish, i18n, bundles_dir, translations
):
    """With fuzzy, obsolete, plural (Arabic: six forms) and translated interface
    entries: the second update writes no byte, msgfmt accepts every catalog, and
    msgcat, as translators' tools do, keeps the old source of the fuzzy entry."""
    i18n("add-language", "ar")
    translate_ui(translations, NO_BUNDLE, "No hay ninguna colección llamada '{bundle}'.")
    edit_alpha(bundles_dir, "- 120 people took part.\n", "")  # findings/2 moves to findings/1
    first = i18n("update").output
    assert "1 fuzzy" in first and "1 obsolete" in first
    before = every_catalog(translations)
    assert "updated" not in i18n("update").output
    assert every_catalog(translations) == before
    path = catalog_file(translations)
    assert '#~ msgctxt "alpha/findings/2"' in path.read_text()
    for po in before:
        checked = subprocess.run(
            ["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
    concatenated = subprocess.run(["msgcat", str(path)], capture_output=True, text=True, check=True)
    assert '#| msgid "120 people took part."' in concatenated.stdout.splitlines()


def test_a_broken_catalog_is_named_with_its_line(i18n, translations, build):
    i18n("add-language", "es")
    path = catalog_file(translations)
    text = path.read_text()  # a continuation line typed without its quotes
    path.write_text(text + 'msgctxt "alpha/title"\nmsgid "Title of alpha"\nmsgstr ""\nTítulo\n')
    for result in (i18n("check", expect_ok=False), build(expect_ok=False)):
        assert result.exit_code == 1
        assert (
            f"Syntax error in po file {path} (line {len(text.splitlines()) + 4})" in result.output
        )
        assert "msgfmt --check" in result.output and result.exception.__class__ is SystemExit


def test_the_app_starts_in_the_negotiated_language(i18n, translations, build, client):
    i18n("add-language", "es")
    i18n("add-language", "pt-BR")
    build()
    response = client.get("/api/v1/messages", headers={"Accept-Language": "pt-PT,es;q=0.5"})
    assert response.json["locale"] == "pt-BR" and response.headers["Content-Language"] == "pt-BR"
    assert "Accept-Language" in response.headers["Vary"]
    assert client.get("/api/v1/messages?lang=es").json["locale"] == "es"
    assert client.get("/api/v1/messages", headers={"Accept-Language": "ja"}).json["locale"] == "en"
    page = client.get("/?lang=es", headers={"Accept-Language": "pt-BR"})
    assert page.headers["Content-Language"] == "es"


def test_translated_thesaurus_expands_spanish_searches(
    i18n, bundles_dir, translations, build, client
):
    (bundles_dir / "demo" / "thesaurus.yaml").write_text(
        "fatigue:\n  clinical: fatigue\n  lay: [tired, worn out]\n"
    )
    i18n("add-language", "es")
    path = catalog_file(translations)
    entry = entries(path)["thesaurus/fatigue"]
    assert entry.msgid == "fatigue, tired, worn out"
    assert entry.occurrences[0][0].endswith("demo/thesaurus.yaml")

    def search(q):
        response = client.get(
            "/api/v1/search", query_string={"q": q, "bundle": "demo", "locale": "es"}
        )
        return [hit["id"] for hit in response.json["hits"]]

    translate(path, SPANISH)
    build()
    assert search("cansancio") == []  # a lay word no Spanish text uses
    translate(path, {"thesaurus/fatigue": "fatiga, cansancio, agotado"})
    build()
    # Found through "agotado" in its text; the others through their symptom tag "fatigue".
    assert search("cansancio") == ["alpha", "beta", "gamma"]
    manifest = client.get("/api/v1/bundles/demo/es").json
    assert manifest["search"]["thesaurus"] == {"fatigue": ["fatiga", "cansancio", "agotado"]}


def test_manifest_says_which_titles_fall_back_so_the_app_can_tag_them(spanish, client):
    manifest = client.get("/api/v1/bundles/demo/es").json
    by_id = {entry["id"]: entry for entry in manifest["articles"]}
    assert "fallback" not in by_id["alpha"]  # all Spanish
    assert by_id["beta"]["fallback"] == {"teaser": "en", "title": "en"}
    assert manifest["fallback"] == {"description": "en", "title": "en"}
    assert manifest["about"][0]["fallback"] == {"title": "en"}
    about = client.get(f"/api/v1/objects/{manifest['about'][0]['object']}").json
    assert about["fallback"] == {"title": "en"} and about["lang"] == "es"
    assert "fallback" not in client.get("/api/v1/bundles/demo/en").json


def test_an_update_from_another_folder_changes_no_catalog(
    spanish, i18n, bundles_dir, translations, monkeypatch
):
    """References name files from the content root, whatever the translator's current
    folder: a routine update from inside a bundle, or from outside the project, rewrites
    nothing."""
    i18n("update")
    before = every_catalog(translations)
    occurrences = {path for entry in live(read_catalog(catalog_file(translations)))
                   for path, _line in entry.occurrences}  # fmt: skip
    assert "bundles/demo/summaries/alpha.md" in occurrences
    for folder in (bundles_dir / "demo" / "summaries", bundles_dir.parent.parent):
        monkeypatch.chdir(folder)
        assert "updated" not in i18n("update").output
        assert every_catalog(translations) == before
