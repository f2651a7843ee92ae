"""The build is the list of its stages: ``STAGES`` is what runs, in that order."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from satchel.stages.pipeline import STAGES, build

PROJECT = Path(__file__).resolve().parents[1]


def test_a_build_of_the_sample_bundles_runs_the_stages_as_listed(tmp_path):
    ran = []
    result = build(
        PROJECT / "bundles",
        tmp_path / "data",
        today=date(2026, 1, 1),
        now=datetime(2026, 1, 1, tzinfo=UTC),
        translations_dir=PROJECT / "translations",
        compress=True,
        on_stage=ran.append,
    )
    assert ran == [name for name, _stage in STAGES]
    assert {(r.bundle, r.locale) for r in result.reports} == {
        (p.bundle, p.locale) for p in result.compressed
    }


def test_each_stage_says_in_one_line_what_it_does():
    for name, stage in STAGES:
        assert re.fullmatch(r"[a-z]+( [a-z]+)?", name)
        summary, *_rest = stage.__doc__.split("\n")
        assert summary.endswith(".") and len(summary) <= 96, name
