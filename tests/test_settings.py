"""Settings: declared once, overridable, each with its help text (which docs/settings.md
shows; tests/test_docs.py keeps that page current)."""

from __future__ import annotations

import re
from pathlib import Path

from satchel import create_app
from satchel.settings import SETTINGS


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
