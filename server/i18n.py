"""Locales at run time: which locale a request wants, the compiled interface
catalogs, and translated API messages.

Negotiation: ``?lang=`` wins over ``Accept-Language``; Werkzeug parses the
header (q-values honoured) and its ``best_match`` falls back from a region to
its language (``pt-PT`` → ``pt-BR`` or ``pt``); anything else gets the default.
"""

from __future__ import annotations

import json

from flask import current_app, g, has_request_context, request
from werkzeug.datastructures import LanguageAccept

from .caching import cache
from .catalogs import UI_SOURCE_LOCALE, compile_ui
from .store import Store


def store() -> Store:
    return Store(current_app.config["DATA_DIR"])


@cache.memoize()
def _ui_catalog(path: str, stamp: int) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def ui_catalog(locale: str) -> dict | None:
    """The compiled interface catalog of ``locale``; None if it has none."""
    path = store().ui_path(locale)
    try:
        return _ui_catalog(str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        if locale == UI_SOURCE_LOCALE:
            from babel.messages.catalog import Catalog

            return compile_ui(Catalog(locale=UI_SOURCE_LOCALE), UI_SOURCE_LOCALE)
        return None


def ui_locales() -> list[str]:
    return sorted({UI_SOURCE_LOCALE, *store().ui_locales()})


def negotiate(available: list[str], default: str = UI_SOURCE_LOCALE) -> str:
    """The best of ``available`` for this request (``?lang=``, then Accept-Language)."""
    choices = [default] + [code for code in available if code != default]
    requested = request.args.get("lang")
    if requested:
        match = LanguageAccept([(requested, 1)]).best_match(choices)
        if match:
            return match
    return request.accept_languages.best_match(choices, default=default)


def request_locale() -> str:
    if "ui_locale" not in g:
        g.ui_locale = negotiate(ui_locales())
    return g.ui_locale


def _(message: str, **params) -> str:
    """``message`` in the request's interface language, with ``{params}`` filled in."""
    if has_request_context():
        catalog = ui_catalog(request_locale()) or {}
        translated = catalog.get("messages", {}).get(message)
        if isinstance(translated, str):
            message = translated
    return message.format(**params) if params else message
