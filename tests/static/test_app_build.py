"""The production build as a browser meets it: the first load fetches only what the build
counts as the first load (bench.shell_size's budget), and the page names its chunks."""

from __future__ import annotations

import json

from satchel.settings import BUILT_APP_DIR

from .conftest import ready


def first_load() -> set[str]:
    names = json.loads((BUILT_APP_DIR / "build.json").read_text())["first_load"]
    return {"/" if name == "index.html" else f"/static/{name}" for name in names}


def test_the_first_load_fetches_what_the_build_counts_and_nothing_on_demand(new_page,
                                                                             live_server):
    page = new_page(service_workers="block")  # the worker's precaching is not the first load
    fetched = []
    page.on("request", lambda request: fetched.append(request.url.removeprefix(live_server)))
    ready(page, live_server + "/")
    scripts = {url for url in fetched if url.endswith((".js", ".css")) or url == "/"}
    assert scripts == first_load() - {"/static/sw.js"}
    assert not [url for url in scripts if "/han-" in url or url.endswith("search-worker.js")]
