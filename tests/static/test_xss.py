"""An XSS corpus in every text field, Markdown body and translation never runs a
script in Chromium under the app's CSP, and never survives the sanitiser."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from satchel import create_app
from satchel.stages.pipeline import build
from satchel.stages.render import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from satchel.store import Store

from ..helpers.bundles import summary_text, write_bundle
from ..helpers.translating import translate
from .conftest import ready, serve

PAYLOADS = [
    "<script>window.__pwned=1;alert(1)</script>",
    '<img src=x onerror="window.__pwned=1">',
    '<svg onload="window.__pwned=1"><script>window.__pwned=1</script></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>",
    "[click](javascript:window.__pwned=1)",
    "[click](data:text/html,<script>window.__pwned=1</script>)",
    '<a href="javascript:window.__pwned=1">click</a>',
    '<a href="&#x6a;avascript:window.__pwned=1">click</a>',
    '<iframe src="javascript:window.__pwned=1"></iframe>',
    '<div style="background:url(javascript:window.__pwned=1)">x</div>',
    '<p style="width:expression(window.__pwned=1)">x</p>',
    '<details open ontoggle="window.__pwned=1">x</details>',
    '<object data="javascript:window.__pwned=1"></object>',
    '"><script>window.__pwned=1</script>',
    "<!--<script>--><script>window.__pwned=1</script>",
    "<b onmouseover=window.__pwned=1>bold",
    "\u202egnp.exe\u202c evil \u2066override\u2069",
    '<base href="javascript:/"><a href="x">x</a>',
    '<form action="javascript:window.__pwned=1"><button>go</button></form>',
    "<template><script>window.__pwned=1</script></template>",
]
BIDI_OVERRIDES = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def quoted(text: str) -> str:
    return json.dumps(text)  # a YAML double-quoted scalar


def xss_summary(n: int, payload: str) -> str:
    text = summary_text(f"x{n}", title="T")
    for key in ("title", "teaser"):
        text = text.replace(f"\n{key}: ", f"\n{key}: {quoted(payload)} #", 1)
    for key in ("journal", "title", "study_type"):
        text = text.replace(f"\n  {key}: ", f"\n  {key}: {quoted(payload)} #", 1)
    for marker in ("People who took part", "120 people", "Anyone who", "It was a small"):
        text = text.replace(marker, f"{payload} {marker}", 1)
    return text


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    bundles, data, translations = root / "bundles", root / "data", root / "translations"
    write_bundle(
        bundles,
        "xss",
        summaries={f"x{n}": xss_summary(n, payload) for n, payload in enumerate(PAYLOADS)},
    )
    lay = [p[:80] for p in PAYLOADS]  # thesaurus terms are at most 80 characters
    (bundles / "xss" / "thesaurus.yaml").write_text(
        "fatigue:\n  clinical: fatigue\n  lay: " + json.dumps(lay) + "\n"
    )
    app = create_app(
        {"BUNDLES_DIR": str(bundles), "DATA_DIR": str(data), "TRANSLATIONS_DIR": str(translations)}
    )
    assert app.test_cli_runner().invoke(args=["i18n", "add-language", "es"]).exit_code == 0
    po = translations / "es" / "LC_MESSAGES" / "xss.po"
    from satchel.i18n.catalogs import read_catalog

    translate(
        po,
        {
            entry.msgctxt: f"{PAYLOADS[n % len(PAYLOADS)]} texto"
            for n, entry in enumerate(read_catalog(po))
        },
    )
    build(bundles, data, translations_dir=translations)
    url, stop = serve(app)
    yield url, Store(data)
    stop()


def documents(store: Store):
    for locale in ("en", "es"):
        manifest = store.manifest("xss", locale, store.current("xss")[locale])
        yield locale, manifest
        for entry in manifest["articles"] + manifest["about"]:
            yield locale, json.loads(store.object_path(entry["object"]).read_bytes())


def test_sanitised_output_keeps_only_the_allow_list(xss_site):
    _, store = xss_site
    checked = 0
    for _locale, document in documents(store):
        html = "".join(s["html"] for s in document.get("sections", [])) + document.get("html", "")
        parser = Tags()
        parser.feed(html)
        for tag, attributes in parser.found:
            assert tag in ALLOWED_TAGS, tag
            assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()), (tag, attributes)
            assert (
                not attributes.get("href", "")
                .lower()
                .lstrip()
                .startswith(("javascript:", "data:", "vbscript:"))
            )
        text = json.dumps(document, ensure_ascii=False)
        assert not BIDI_OVERRIDES & set(text), "direction overrides must be removed"
        checked += 1
    assert checked >= 2 * len(PAYLOADS) + 2


def test_no_payload_runs_in_the_browser(xss_site, new_page):
    url, store = xss_site
    page = new_page(service_workers="block")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script("window.__pwned = 0;")
    ready(page, url + "/")
    for locale in ("en", "es"):
        for n in range(len(PAYLOADS)):
            page.goto(f"{url}/#/read/xss/{locale}/x{n}")
            page.wait_for_selector("main article")
            page.hover("main article")
            result = page.evaluate("""() => ({
                pwned: window.__pwned,
                dangerous: document.querySelectorAll(
                    'main script, main iframe, main object, main embed, main svg, main math,'
                    + ' main form, main base, main [style], main [onerror], main [onload],'
                    + ' main [onmouseover], main [ontoggle], main a[href^="javascript"],'
                    + ' main a[href^="data"]').length,
            })""")
            assert result == {"pwned": 0, "dangerous": 0}, (locale, n, PAYLOADS[n])
    for payload in PAYLOADS:  # as a search query, and expanded through the thesaurus
        page.goto(f"{url}/#/search?bundle=xss&q={quote(payload + ' tired')}")
        # The results themselves: "tired" reaches the article through the thesaurus.
        page.wait_for_selector("#results .card")
        assert page.evaluate("() => window.__pwned") == 0, payload
        assert page.locator("main script, main img, main svg, main iframe").count() == 0
    assert dialogs == []
