"""The web layer: the HTTP API, its one error shape, caching, security headers and
the app shell. It reads only what the build published (through ``satchel.store``)
and never imports ``satchel.stages``."""

from __future__ import annotations

from . import api, caching, errors, pages, reports, search, security, shell, v1  # noqa: F401 (views register)


def init_app(app) -> None:
    errors.init_app(app)
    security.init_app(app)
    caching.init_app(app)
    reports.init_app(app)
    v1.init_app(app)
    shell.init_app(app)
