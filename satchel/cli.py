"""The ``satchel`` command, and the command groups of ``flask --app satchel``.

``satchel build|import|synth|verify|compress-packs`` are the build's commands
(``satchel.commands.cli``), ``satchel i18n …`` the translators' (``satchel.i18n.cli``)
and ``satchel serve`` is Flask's ``run``. The same commands are ``flask --app satchel
bundles …`` and ``flask --app satchel i18n …``.

The groups are loaded by name when a command runs, so an app that only serves
requests never imports the build.
"""

from __future__ import annotations

import importlib

import click
from flask.cli import AppGroup, FlaskGroup

LAZY_GROUPS = {
    "bundles": ("satchel.commands.cli", "bundles_cli", "Build and publish content bundles."),
    "i18n": ("satchel.i18n.cli", "i18n_cli", "Manage translation catalogs (gettext PO files)."),
}
ALIASES = {"serve": "run"}


def echo_table(rows: list[tuple[str, ...]]) -> None:
    """Print rows as left-aligned columns; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def load_group(name: str) -> click.Group:
    module, attribute, _help = LAZY_GROUPS[name]
    return getattr(importlib.import_module(module), attribute)


class LazyGroup(AppGroup):
    """A command group whose commands are imported on first use."""

    def __init__(self, name: str):
        super().__init__(name, help=LAZY_GROUPS[name][2])

    def list_commands(self, ctx):
        return load_group(self.name).list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return load_group(self.name).get_command(ctx, cmd_name)


class SatchelGroup(FlaskGroup):
    """Flask's group for the app, with the build's commands at the top level."""

    def list_commands(self, ctx):
        build = load_group("bundles").list_commands(ctx)
        return sorted({*super().list_commands(ctx), *build, *ALIASES} - {"bundles"})

    def get_command(self, ctx, cmd_name):
        cmd_name = ALIASES.get(cmd_name, cmd_name)
        if cmd_name in load_group("bundles").list_commands(ctx):
            return load_group("bundles").get_command(ctx, cmd_name)
        return super().get_command(ctx, cmd_name)


def init_app(app) -> None:
    for name in LAZY_GROUPS:
        app.cli.add_command(LazyGroup(name))
