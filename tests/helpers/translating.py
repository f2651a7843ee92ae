"""What a translator does: the Spanish of the test bundle's first article, and a content
catalog filled in as a PO editor would."""

from __future__ import annotations

from pathlib import Path

from satchel.i18n.catalogs import live, read_catalog, write_catalog

SPANISH = {
    "alpha/title": "Título de alpha",
    "alpha/teaser": "Una frase corta y sencilla sobre alpha.",
    "alpha/takeaway/1": "Las personas que participaron se sintieron **menos cansadas** "
    "después de 12 semanas.",
    "alpha/findings/1": "Participaron 120 personas.",
    "alpha/findings/2": "La mitad de ellas hizo el programa de ejercicio.",
    "alpha/who_should_care/1": "Cualquiera que se sienta agotado casi todos los días.",
    "alpha/considerations/1": "Fue un estudio pequeño. Nunca cambie su tratamiento sin "
    "hablar con su médico.",
}


def catalog_file(translations, locale="es", domain="demo"):
    return translations / locale / "LC_MESSAGES" / f"{domain}.po"


def translate(path: Path, strings: dict[str, str]) -> None:
    """What a translator does in a PO editor: fill in entries and clear their fuzzy mark."""
    catalog = read_catalog(path)
    for entry in live(catalog):
        if entry.msgctxt in strings:
            entry.msgstr = strings[entry.msgctxt]
            entry.fuzzy = False
    write_catalog(path, catalog)
