"""Locales at run time: which locale a request wants, the compiled interface
catalogs, and translated API messages.

Negotiation: ``?lang=`` wins over ``Accept-Language``; Werkzeug parses the
header and orders it by q-value; each tag is matched by ``i18n.negotiation``'s rule,
which the device shares (exactly, else by its language: ``pt-PT`` → ``pt`` or
``pt-BR``); nothing usable gets the default. (Werkzeug's own ``best_match`` prefers
any exact match, so ``es-ES,en;q=0.5`` would get English.)
"""

from __future__ import annotations

import json

from flask import current_app, g, has_request_context, request

from ..i18n.catalogs import UI_SOURCE_LOCALE, interface_locales, source_ui_catalog
from ..i18n.negotiation import choose_locale
from ..store import Store
from .caching import cache


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
        return source_ui_catalog() if locale == UI_SOURCE_LOCALE else None


def ui_locales() -> list[str]:
    return interface_locales(store())


def negotiate(available: list[str], default: str = UI_SOURCE_LOCALE) -> str:
    """The best of ``available`` for this request: ``?lang=``, then Accept-Language
    in quality order (Werkzeug parses it), by the rule the device shares
    (``i18n.negotiation``)."""
    requested = [request.args["lang"]] if request.args.get("lang") else []
    requested += [value for value, quality in request.accept_languages if quality > 0]
    return choose_locale(requested, available, default)


def request_locale() -> str:
    if "ui_locale" not in g:
        g.ui_locale = negotiate(ui_locales())
    return g.ui_locale


def _(message: str, **params) -> str:
    """``message`` in the request's interface language, with ``{params}`` filled in."""
    if has_request_context() and request_locale() != UI_SOURCE_LOCALE:
        catalog = ui_catalog(request_locale()) or {}
        translated = catalog.get("messages", {}).get(message)
        if isinstance(translated, str):
            message = translated
    return message.format(**params) if params else message
