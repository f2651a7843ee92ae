"""The web layer: the HTTP API, its one error shape, caching, security headers and
the app shell. It reads only what the build published (through ``satchel.store``)
and never imports ``satchel.stages``."""

from __future__ import annotations

from . import (  # noqa: F401 (views register)
    api,
    caching,
    errors,
    pages,
    reports,
    repository,
    search,
    security,
    shell,
    v1,
)


def init_app(app) -> None:
    errors.init_app(app)
    security.init_app(app)
    caching.init_app(app)
    reports.init_app(app)
    v1.init_app(app)
    repository.init_app(app)
    shell.init_app(app)
