"""Settings: declared once, overridable, and every one documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from satchel import create_app
from satchel.commands.cli import bundles_cli
from satchel.i18n.cli import i18n_cli
from satchel.settings import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_readme_documents_every_setting(setting):
    row = next(
        (line for line in README.splitlines() if line.startswith(f"| `SATCHEL_{setting.name}` |")),
        None,
    )
    assert row is not None, f"README has no settings row for SATCHEL_{setting.name}"
    if setting.default not in ("", None) and not setting.name.endswith("_DIR"):
        assert str(setting.default) in row


# The build's commands are at the top of the ``satchel`` command, the translators' under
# ``satchel i18n``.
COMMANDS = [("satchel", bundles_cli, name) for name in sorted(bundles_cli.commands)] + [
    ("satchel i18n", i18n_cli, name) for name in sorted(i18n_cli.commands)
]


@pytest.mark.parametrize(
    "prefix, group, command", COMMANDS, ids=[f"{p} {c}" for p, _, c in COMMANDS]
)
def test_readme_documents_every_command_and_option(prefix, group, command):
    line = next(
        (ln for ln in README.splitlines() if ln.startswith(f"| `{prefix} {command}")), None
    )
    assert line is not None, f"README's command tables have no row for '{prefix} {command}'"
    for param in group.commands[command].params:
        names = param.opts if param.param_type_name == "option" else [param.name.upper()]
        assert all(name in line for name in names), f"{names} missing from README"


def test_environment_overrides_default(monkeypatch, tmp_path):
    monkeypatch.setenv("SATCHEL_OBJECT_MAX_AGE", "60")
    monkeypatch.setenv("SATCHEL_DATA_DIR", str(tmp_path))
    app = create_app()
    assert app.config["OBJECT_MAX_AGE"] == 60
    assert app.config["DATA_DIR"] == str(tmp_path)


def test_default_data_dir_is_the_instance_folder():
    app = create_app()
    assert app.config["DATA_DIR"] == app.instance_path
    assert Path(app.instance_path) == Path(__file__).resolve().parent.parent / "instance"


def test_instance_config_file_is_read(tmp_path):
    (tmp_path / "config.py").write_text("CACHE_DEFAULT_TIMEOUT = 7\n")
    from flask import Flask

    from satchel.settings import load_settings

    app = Flask("probe", instance_path=str(tmp_path), instance_relative_config=True)
    load_settings(app.config)
    assert app.config["CACHE_DEFAULT_TIMEOUT"] == 7


def test_settings_have_help_text():
    for setting in SETTINGS:
        assert re.search(r"\w{3,}", setting.help), setting.name
