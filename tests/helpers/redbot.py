"""REDbot, the HTTP linter, run in the test process through its Python API, and the
request of each endpoint family it checks (the app alone and through nginx)."""

from __future__ import annotations

import json
import subprocess
import sys
from configparser import ConfigParser
from pathlib import Path

import thor
from httplint.note import categories, levels
from redbot.resource import HttpResource


def redbot_problems(url: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """What REDbot finds wrong (bad or a warning) about ``url``'s Date, caching and
    validation, but for the notes named in ``allowed``: ``NOTE_NAME: summary`` each."""
    config = ConfigParser()
    config.read_dict({"redbot": {"enable_local_access": "True"}})  # loopback servers
    resource = HttpResource(config["redbot"])
    resource.set_request(url)

    @thor.events.on(resource)
    def check_done():
        thor.stop()

    resource.check()
    thor.run()
    watched = {categories.GENERAL, categories.CACHING, categories.VALIDATION}
    return [
        f"{type(note).__name__}: {note.summary}"
        for note in resource.response.notes
        if note.category in watched
        and note.level in (levels.BAD, levels.WARN)
        and type(note).__name__ not in allowed
    ]


CHECK_SECONDS = 60


def redbot_problems_apart(url: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """``redbot_problems`` in a process of its own. Against nginx (keep-alive), REDbot's
    event loop (thor), run check after check in one process, now and then never returns;
    in a fresh process each check ends in a second."""
    code = (
        "import json, sys\n"
        "from tests.helpers.redbot import redbot_problems\n"
        "print(json.dumps(redbot_problems(sys.argv[1], frozenset(sys.argv[2:]))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, url, *sorted(allowed)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=CHECK_SECONDS,
        check=True,
    )
    return json.loads(result.stdout)


# The layout (docs/repository.md) sends immutable files as `public`; REDbot calls that
# "probably not necessary", which it is only for requests without credentials.
ALLOWED = frozenset({"STORE_PUBLIC_UNNECESSARY"})


def example_paths(name: str, version: int) -> dict[str, str]:
    """A request for each endpoint family (``name``: an object, ``version``: the current
    one): each answers 200 but the last."""
    return {
        "the page": "/",
        "the worker": "/sw.js",
        "a shell file": "/static/lib/search-worker.js",
        "the API's schemas": "/api/openapi.json",
        "health": "/api/v1/health",
        "the bundle list": "/api/v1/bundles",
        "locales": "/api/v1/locales",
        "keys": "/api/v1/keys",
        "the negotiated catalog": "/api/v1/messages",
        "a catalog": "/api/v1/locales/en/messages",
        "a manifest": "/api/v1/bundles/demo/en",
        "a kept manifest": "/api/v1/bundles/demo/en/versions/1",
        "changes": "/api/v1/bundles/demo/en/changes?since=1",
        "a download size": "/api/v1/bundles/demo/en/download",
        "a pack": "/api/v1/bundles/demo/en/pack",
        "an object": f"/api/v1/objects/{name}",
        "a summary page": "/api/v1/bundles/demo/en/articles/alpha/page",
        "a search": "/api/v1/search?q=tired&bundle=demo",
        "a search of all bundles": "/api/v1/search?q=tired&locale=en",
        "the repository's bundle list": "/repo/bundles.json",
        "a repository pointer": "/repo/bundles/demo/current.json",
        "a repository manifest": f"/repo/bundles/demo/en/{version}.json",
        "a repository update": f"/repo/bundles/demo/en/changes/1-{version}.json",
        "a repository pack": f"/repo/bundles/demo/en/{version}.pack.ndjson.br",
        "a repository object": f"/repo/objects/{name[:2]}/{name}",
        "an error": "/api/v1/objects/" + "0" * 64,
    }


FAMILIES = list(example_paths("ab" * 32, 2))


def served_paths(manifest: dict) -> dict[str, str]:
    return example_paths(manifest["articles"][0]["object"], manifest["version"])
