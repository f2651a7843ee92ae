"""Search in every script on the device: the engine in Chromium gives the server's ids, order
and scores for the texts of ``tests/helpers/scripts_corpus.py`` (Chinese, Japanese, Korean, Thai,
Burmese, Hindi, Bengali, Tamil, Russian, Hebrew, Swahili), its highlights, and folds and
cuts every character as ``satchel.search.analysis`` does (the twin in static/lib/segment.js).
And the app installs the Hindi and the Chinese version of the sample bundle written in them,
goes offline and answers a search as the server did."""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
import unicodedata
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from playwright.sync_api import expect

from satchel import create_app
from satchel.search import analysis, han
from satchel.search import engine as search
from satchel.store import Store

from ..helpers.scripts_corpus import (
    DISTINCT,
    QUERIES,
    TEXTS,
    VARIANTS,
    build_script_bundles,
    bundle_id,
)
from .conftest import controlled, install, installed_version, ready, serve
from .parity import check, run_parity

HIGHLIGHTS = """async ({url, texts, terms, stops}) => {
  const engine = await import("/static/lib/search-engine.js");
  const get = async (name) => (await fetch(`/api/v1/objects/${name}`)).arrayBuffer();
  const ix = await engine.openIndex([{bundle: "x", tombstones: [], buffers: [await get(url)]}]);
  return texts.map((text) => engine.highlights(ix, {title: "", sections: [
    {id: "takeaway", html: text}], kind: "summary"}, terms));
}"""

# The texts go in and the answers come out as one JSON string each: Playwright passes an
# array value by value, which took a minute each way for the half a million texts of
# test_every_character_folds_and_cuts_alike, where one string takes a second.
SEGMENT = """async ({texts, lang}) => {
  const segment = await import("/static/lib/segment.js");
  const fold = await (await import("/static/lib/search-engine.js")).folder(lang);
  return JSON.stringify(JSON.parse(texts).map((text) => {
    const folded = fold(text);
    return [folded, segment.tokens(folded)];
  }));
}"""


@pytest.fixture(scope="module")
def scripts_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("scripts-device")
    build_script_bundles(root / "bundles", root / "data")
    app = create_app({"DATA_DIR": str(root / "data"), "BUNDLES_DIR": str(root / "bundles")})
    url, stop = serve(app)
    yield {"data": root / "data", "url": url}
    stop()


def queries(lang: str) -> list:
    found = [*QUERIES[lang]] + [q for lang_, q, _ in DISTINCT + VARIANTS if lang_ == lang]
    word = QUERIES[lang][0]
    found += [word[:1], word[:2], word[:-1], f"{word} {word[:1]}", f"-{word}", f'"{word}"']
    found += [f"{word} {QUERIES[lang][1]} {word}"]  # a word said twice (search.repetition)
    for _title, text in TEXTS[lang].values():
        found += [text[:12], text[-9:]]
    return [[q, {}] for q in found]


def test_every_script_ranks_on_the_device_like_the_server(page, scripts_site):
    page.goto(scripts_site["url"] + "/")
    for lang in TEXTS:
        n, bad, _, _ = run_parity(page, scripts_site["data"], bundle_id(lang), lang, queries(lang))
        check(bad, n, f"{lang}: ")


def server_highlights(ix, text: str, terms: set[str]) -> list[str]:
    """``search.highlights`` of an article whose only text is ``text``."""
    found = sorted(search.highlight(ix, text, terms), key=lambda hit: -hit[0])
    return [fragment for _hits, fragment in found[: search.HIGHLIGHTS]]


def test_highlights_are_the_servers(page, scripts_site):
    page.goto(scripts_site["url"] + "/")
    store = Store(scripts_site["data"])
    for lang, articles in TEXTS.items():
        folder = store.index_dir(bundle_id(lang), lang, 1)
        ix = search.open_collection([(bundle_id(lang), folder)])
        segment = store.manifest(bundle_id(lang), lang, 1)["search"]["segments"][0]["object"]
        texts = [text for _title, text in articles.values()]
        for q, _ in queries(lang):
            try:
                terms = sorted(search.rank(ix, q, {}, 10)[0].weights())
            except search.SearchError:
                continue
            want = [server_highlights(ix, text, set(terms)) for text in texts]
            got = page.evaluate(HIGHLIGHTS, {"url": segment, "texts": texts, "terms": terms})
            assert got == want, (lang, q)


@pytest.mark.parametrize("lang", ["", "zh"])
def test_every_character_folds_and_cuts_alike(page, scripts_site, lang):
    """Every character Python's Unicode database knows (for Chinese, every ideograph and
    the rest of its table), with a letter and a Han character around it, so each is folded
    and cut in a word of each kind, and in text without a paired script (cut more simply)."""
    page.goto(scripts_site["url"] + "/")
    known = [
        chr(c) for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) not in ("Cn", "Cs", "Co")
        and (not lang or analysis.paired(chr(c)) or c in han.simplified())
    ]  # fmt: skip
    texts = [text for c in known for text in (f"a{c}病{c}a", f"a{c}a {c}.{c}")]
    got = json.loads(page.evaluate(SEGMENT, {"texts": json.dumps(texts), "lang": lang}))
    differ = [
        (text, want, have)
        for text, have in zip(texts, got, strict=True)
        if have != (want := folded_and_cut(text, lang))
    ]
    assert not differ, differ[:10]


def folded_and_cut(text: str, lang: str) -> list:
    """What the server makes of ``text``: its folded form and that form's tokens."""
    folded = analysis.fold(text, lang)
    return [folded, analysis.tokens(folded)]


def installed_in(new_page, server: str, locale: str):
    """A page of ``server`` that installed the sample bundle in ``locale``."""
    page = new_page()
    page.context.add_init_script(f"localStorage.setItem('satchel.contentLocale', '{locale}')")
    ready(page, server + "/")
    controlled(page)
    install(page, "Staying well at home")
    assert installed_version(page, f"staying-well/{locale}") == 1
    return page


@pytest.mark.parametrize(
    ("locale", "query"), [("hi", "साबुन से हाथ"), ("zh", "肥皂洗手"), ("zh", "疟")]
)
def test_the_app_searches_a_hindi_or_chinese_download_offline(new_page, live_server, locale, query):
    page = installed_in(new_page, live_server, locale)
    searches_offline_as_the_server(page, live_server, locale, query)


def test_a_new_shell_keeps_the_han_table_of_a_chinese_download(
    new_page, live_server, tmp_path, monkeypatch
):
    """The Han table is no part of the shell: cached as a Chinese bundle installs, and again
    under its new name by the worker of a new shell, so Chinese is still searched offline."""
    from satchel.commands import build_app
    from satchel.web import shell as web

    static, built = tmp_path / "static", tmp_path / "built"
    shutil.copytree(web.STATIC_DIR, static)
    monkeypatch.setattr(build_app, "STATIC_DIR", static)
    monkeypatch.setattr(web, "BUILT_APP_DIR", built)
    first = han_table_url(build_app.build_app(built))
    page = installed_in(new_page, live_server, "zh")
    (static / "lib" / "han.js").write_text(
        (static / "lib" / "han.js").read_text() + "\nexport const EDITION = 2;\n"
    )
    second = han_table_url(build_app.build_app(built))
    assert second != first
    page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    for _ in range(75):  # the new worker installs, activates and deletes the old cache
        if page.evaluate(HOLDS, second):
            break
        page.wait_for_timeout(200)
    assert page.evaluate(HOLDS, second)
    searches_offline_as_the_server(page, live_server, "zh", "肥皂洗手")


# Whether the one shell cache left holds `url`.
HOLDS = """async (url) => {
    const shells = (await caches.keys()).filter((name) => name.startsWith("satchel-shell-"));
    return shells.length === 1 && Boolean(await caches.match(url, {cacheName: shells[0]}));
}"""


def han_table_url(precache: dict) -> str:
    (url,) = [entry["url"] for entry in precache["later"] if entry["module"] == "lib/han.js"]
    return url


def searches_offline_as_the_server(page, server: str, locale: str, query: str) -> None:
    """Offline, the app answers ``query`` in the installed bundle as ``server`` did."""
    asked = f"/api/v1/search?bundle=staying-well&locale={locale}&q={quote(query)}"
    online = json.loads(urlopen(server + asked).read())
    assert online["hits"]

    page.context.set_offline(True)
    ready(page)
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for a word or a symptom").fill(query)
    expect(page.locator("#status")).to_contain_text(f"for “{query}”")
    expect(page.locator(".results .card h3")).to_have_text([h["title"] for h in online["hits"]])
    first = online["hits"][0]["highlights"][0]
    marked = re.search("<mark>(.*?)</mark>", first).group(1)
    expect(page.locator(".results .card .highlight").first).to_have_text(
        html.unescape(re.sub("<[^>]+>", "", first))
    )
    expect(page.locator(".highlight mark").first).to_have_text(html.unescape(marked))
