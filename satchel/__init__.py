"""Satchel: plain-language medical research as offline-first content bundles.

``create_app`` wires one module per job: settings, errors, cache, API, CLI and
the web page. Follow a summary through the build in ``build.py``.
"""

from __future__ import annotations

from flask import Flask

from . import api, caching, cli, errors, i18n_cli, security, web
from .settings import load_settings


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    # "//" in a path is an odd identifier to refuse, not a URL to redirect to.
    app.url_map.merge_slashes = False
    load_settings(app.config, test_config)
    if not app.config["DATA_DIR"]:
        app.config["DATA_DIR"] = app.instance_path
    errors.init_app(app)
    security.init_app(app)
    caching.init_app(app)
    api.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    i18n_cli.init_app(app)
    return app
