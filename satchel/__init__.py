"""Satchel: plain-language medical research as offline-first content bundles.

``create_app`` is the web app (``satchel.web``) with the command groups of
``satchel.cli``. Follow a summary through the build in ``satchel/stages/pipeline.py``.
"""

from __future__ import annotations

from flask import Flask

from . import cli, web
from .settings import load_settings


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    # "//" in a path is an odd identifier to refuse, not a URL to redirect to.
    app.url_map.merge_slashes = False
    load_settings(app.config, test_config)
    if not app.config["DATA_DIR"]:
        app.config["DATA_DIR"] = app.instance_path
    web.init_app(app)
    cli.init_app(app)
    return app


def main() -> None:
    """The ``satchel`` command."""
    cli.SatchelGroup(create_app=create_app, help="Build Satchel's bundles and serve them.")(
        prog_name="satchel"
    )
