"""``flask i18n …``: what translators and maintainers run on the catalogs."""

from __future__ import annotations

from pathlib import Path

import click
import polib
from flask import current_app
from flask.cli import AppGroup

from ..cli import echo_table
from ..errors import SatchelError
from ..settings import PACKAGE_DIR, STATIC_DIR
from ..stages.pipeline import load_and_validate
from ..stages.readability import legend, measure_locale
from ..stages.render import RenderedBundle, render_bundle
from ..stages.source import discover_bundles
from ..stages.translate import translation_segments
from .catalogs import (
    UI_DOMAIN,
    UI_SOURCE_LOCALE,
    CatalogError,
    ContentCatalog,
    bcp47,
    catalog_locales,
    catalog_path,
    content_template,
    forms,
    live,
    merge_content,
    merge_ui,
    new_catalog,
    parse_locale,
    plural_form_problems,
    read_catalog,
    template_path,
    translation_problems,
    ui_template,
    write_catalog,
)


class CatalogCommand(click.Command):
    """Prints a catalog or locale problem as a command error, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CatalogError as exc:
            raise click.ClickException(str(exc)) from exc


class CatalogGroup(AppGroup):
    command_class = CatalogCommand


i18n_cli = CatalogGroup("i18n", help="Manage translation catalogs (gettext PO files).")


def folders() -> tuple[Path, Path]:
    config = current_app.config
    return Path(config["BUNDLES_DIR"]), Path(config["TRANSLATIONS_DIR"])


def bundle_templates(bundle_ids=None) -> dict[str, tuple[polib.POFile, dict, RenderedBundle]]:
    """Per bundle: its template, today's source text per msgctxt, and its rendering."""
    bundles_dir, _ = folders()
    try:
        valid, _warnings = load_and_validate(
            bundles_dir, bundle_ids or discover_bundles(bundles_dir), False, None
        )
    except SatchelError as exc:
        raise click.ClickException(f"fix the source first:\n{exc}") from exc
    templates = {}
    for bundle in valid:
        rendered = render_bundle(bundle)
        segments = translation_segments(rendered)
        templates[bundle.config["id"]] = (
            content_template(bundle.config["id"], segments, bundles_dir.parent),
            {segment.context: segment.text for segment in segments},
            rendered,
        )
    return templates


def templates_by_domain() -> dict[str, tuple[polib.POFile, callable]]:
    """Every domain's fresh template with the function that merges it into a catalog."""
    sources = {"satchel": PACKAGE_DIR, "static": STATIC_DIR}
    domains = {UI_DOMAIN: (ui_template(sources), merge_ui)}
    for bundle, (template, _current, _rendered) in bundle_templates().items():
        domains[bundle] = (template, merge_content)
    return domains


@i18n_cli.command("update")
def update_command():
    """Re-extract every template and merge it into every catalog.

    New text arrives untranslated; changed text keeps its old translation
    marked fuzzy (with the old source as '#| msgid'); removed text becomes
    obsolete.
    """
    _, translations = folders()
    for domain, (template, merge) in templates_by_domain().items():
        if write_catalog(template_path(translations, domain), template):
            click.echo(f"updated {template_path(translations, domain)}")
        for locale in catalog_locales(translations, domain):
            path = catalog_path(translations, locale, domain)
            merged = merge(read_catalog(path), template)
            if write_catalog(path, merged):
                entries = live(merged)
                fuzzy = sum(1 for entry in entries if entry.fuzzy)
                untranslated = sum(1 for entry in entries if not any(forms(entry)))
                click.echo(
                    f"updated {path}: {fuzzy} fuzzy, {untranslated} untranslated, "
                    f"{len(merged) - len(entries)} obsolete"
                )


@i18n_cli.command("add-language")
@click.argument("locale")
@click.option(
    "--bundle",
    "bundle_ids",
    multiple=True,
    metavar="ID",
    help="Create the catalog of this bundle only (repeatable). Default: every bundle.",
)
def add_language_command(locale, bundle_ids):
    """Start translating into LOCALE (e.g. es, ar, pt-BR): create its catalogs."""
    _, translations = folders()
    parsed = parse_locale(locale)
    code = bcp47(parsed)
    domains = templates_by_domain()
    wanted = [UI_DOMAIN, *(bundle_ids or [d for d in domains if d != UI_DOMAIN])]
    unknown = [d for d in wanted if d not in domains]
    if unknown:
        raise click.ClickException(f"no bundle named {', '.join(unknown)}")
    for domain in wanted:
        path = catalog_path(translations, code, domain)
        if path.exists():
            click.echo(f"{path} exists; kept")
            continue
        template, merge = domains[domain]
        write_catalog(template_path(translations, domain), template)
        write_catalog(path, merge(new_catalog(domain, str(parsed)), template))
        click.echo(f"created {path} ({parsed.english_name})")


def content_catalogs(locales=(), bundle_ids=()):
    """``(bundle, locale, catalog path, ContentCatalog, template, current, readability)``
    to report on."""
    _, translations = folders()
    for bundle, (template, current, rendered) in bundle_templates(list(bundle_ids)).items():
        config = rendered.valid.config
        for locale in catalog_locales(translations, bundle):
            if locales and locale not in locales:
                continue
            path = catalog_path(translations, locale, bundle)
            checked = ContentCatalog.load(
                path, locale, config["source_locale"], current, config["drug_names"]
            )
            reading = measure_locale(rendered, locale, {locale: checked})
            yield bundle, locale, path, checked, template, current, reading


@i18n_cli.command("status")
@click.option("--locale", "locales", multiple=True, metavar="L", help="Only this locale.")
@click.option("--bundle", "bundle_ids", multiple=True, metavar="ID", help="Only this bundle.")
def status_command(locales, bundle_ids):
    """How far each bundle's translation is, per locale."""
    rows = [
        (
            "bundle",
            "locale",
            "translated",
            "fuzzy",
            "untranslated",
            "withheld",
            "words done/all",
            "complete",
            "reading grade",
        )
    ]
    readings = []
    for bundle, locale, _path, checked, _template, current, reading in content_catalogs(
        locales, bundle_ids
    ):
        readings.append(reading)
        withheld = {w.context for w in checked.withheld}
        words = {ctx: len(text.split()) for ctx, text in current.items()}
        done = set(checked.usable)
        fuzzy = checked.fuzzy
        untranslated = set(current) - done - fuzzy - withheld
        total_words = sum(words.values()) or 1
        done_words = sum(words[c] for c in done)
        rows.append(
            (
                bundle,
                locale,
                str(len(done)),
                str(len(fuzzy)),
                str(len(untranslated)),
                str(len(withheld)),
                f"{done_words}/{total_words}",
                f"{100 * done_words / total_words:.0f}%",
                reading.describe(),
            )
        )
    echo_table(rows)
    if readings:
        click.echo(legend(readings))


def ui_problems(path: Path, locale: str):
    """``(line, msgid, problem)`` for every translated interface string that is unsafe."""
    for entry in live(read_catalog(path)):
        if entry.fuzzy:
            continue
        if entry.msgid_plural:
            problems = [
                p
                for form in forms(entry)
                if form
                for p in plural_form_problems(entry.msgid_plural, form)
            ]
        elif entry.msgstr:
            problems = translation_problems(entry.msgid, entry.msgstr, UI_SOURCE_LOCALE, locale)
        else:
            continue
        for problem in problems:
            yield entry.linenum, entry.msgid, problem


@i18n_cli.command("check")
def check_command():
    """Fail if any translation is unsafe to show; print file:line: msgctxt: problem."""
    _, translations = folders()
    found = 0
    for _bundle, _locale, path, checked, *_rest in content_catalogs():
        for withheld in checked.withheld:
            for problem in withheld.problems:
                click.echo(f"{path}:{withheld.line}: {withheld.context}: {problem}")
                found += 1
    for locale in catalog_locales(translations, UI_DOMAIN):
        path = catalog_path(translations, locale, UI_DOMAIN)
        for line, msgid, problem in ui_problems(path, locale):
            click.echo(f"{path}:{line}: {msgid}: {problem}")
            found += 1
    if found:
        raise click.ClickException(
            f"{found} problem(s); these translations are withheld from readers until fixed"
        )
    click.echo("All translations pass.")
