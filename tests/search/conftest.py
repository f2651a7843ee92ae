from __future__ import annotations

from pathlib import Path

import pytest

from satchel import create_app
from satchel.stages.pipeline import build


@pytest.fixture(scope="package")
def samples(tmp_path_factory):
    """The project's sample bundles, built: what `make serve` shows."""
    project = Path(__file__).resolve().parents[2]
    data = tmp_path_factory.mktemp("samples")
    build(project / "bundles", data, translations_dir=project / "translations")
    return create_app({"DATA_DIR": str(data), "BUNDLES_DIR": str(project / "bundles")})
