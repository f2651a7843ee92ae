"""The build cache gives back what a stage stored, whatever way it is pickled."""

from satchel.stages.cache import BuildCache
from satchel.stages.render import render_text


def test_a_rendered_text_comes_back_from_the_cache_of_an_earlier_build_unchanged(tmp_path):
    rendered = render_text(
        "Most people improved.\n\n- fewer relapses\n- less fatigue",
        "demo/findings",
        "summaries/demo.md",
        12,
        "What they found in 'demo'",
    )
    earlier = BuildCache(tmp_path / "build.sqlite")
    earlier.remember("render", "summaries/demo.md\0sha", rendered)
    earlier.close()
    later = BuildCache(tmp_path / "build.sqlite")
    later.prefetch("render", ["summaries/demo.md\0sha"])
    again = later.recall("render", "summaries/demo.md\0sha")
    later.close()
    assert again == rendered
    assert [s.comment for s in again.segments] == [s.comment for s in rendered.segments]
    assert [s.line for s in again.segments] == [12, 14, 15]
