"""The device's stemmers (static/lib/stem/, loaded through the engine's ``stemmer``) give Whoosh's
stems, the server's, for every word: the words of the repository's bundles and catalogs, the
MedQuAD and MedInforma corpora when present, words built from each Whoosh stemmer's own affix
tables and letters (every rule branch), and hand-picked ones."""

from __future__ import annotations

import json
import random

import pytest
import yaml
from babel.messages.pofile import read_po

from satchel.search import analysis
from satchel.stages.device_export import DEVICE_STEMMERS

from .conftest import PROJECT

CORPUS = PROJECT.parent / "shared" / "corpus"
BASES = ["", "c", "gu", "u", "organ", "ped", "y", "ع", "كتب"]  # put before affixes
RANDOM_WORDS = 30_000
# Characters beyond the BMP count as one in Python and two in JavaScript. Never upper case:
# folding has lowercased every word the server stems.
ASTRAL = ["𠀋ies", "a𠀋ies", "𠀋𠀋ies", "𐐨ed", "𠀋sses", "amente𠀋", "كتب𠀋ات", "𠀋ات𠀋ا"]
HAND_PICKED = {
    "en": (
        "skies dying news generously communism arsenal succeeded proceeding ies ied cries tied "
        "caresses gas this us bus agreed feed eedly luxuriating hopping hoping filing fizzed "
        "conflated troubled sized happy sky cry by say boy youth ayyy 'tis o'neill's dogs'  "
        "rationalization relational conditional valenci hesitanci digitizer conformabli "
        "radicalli differentli vileli analogousli vietnamization predication operator feudalism "
        "decisiveness hopefulness callousness formaliti sensitiviti sensibiliti analogi biologi "
        "fruitfulli lessli friendli triplicate formative formalize electriciti electrical "
        "hopeful goodness revival allowance inference airliner gyroscopic adjustable defensible "
        "irritant replacement adjustment dependent adoption activate angulariti homologous "
        "effective bowdlerize controll roll rate cease running runs iries ownership uy ey "
        "o\u2019neill \u2018quoted\u201b"
    ),
    "es": (
        "corriéndose haciéndolo ayudándole comprarlas venderlos partirla cayendo construyendolo "
        "abiertamente rápidamente felizmente lamentablemente posiblemente biología biologías "
        "solución soluciones diferencia ciencias habilidad posibilidad actividades creativa "
        "informativos organización aplicaciones huyeron arguyendo hablaríamos llegues averigüé "
        "sigue niños síndrome sindromes pingüino ya a fatigas cuidadoras"
    ),
    "pt": (
        "alegremente felicidade habilidades cantaria limão corações nações fizéssemos "
        "bebêssemos criança maçã biologia logías ución frequência ativamente estrangeira "
        "brincadeiras ira iras índio conhecê persegue felicíssimo fadigas cuidadoras"
    ),
    "ru": (
        "усталость усталости уменьшают уменьшилась рассеянным склерозом помогают упражнения "
        "читавшись сделав играя красивейший длиннее ёжик объявление подъезд бессонница "
        "работающими сделанного лучшими пишущий пишущая знаменитость знаменитостью "
        "mixedлатиница xyzя"
    ),
    "ar": (
        "والكتاب بالمدرسة المعلمون مستشفيات استخدام وولد أحمد إسلام آمال كَتَبَ يكون المرض "
        "الأمراض مكتب كاتب كتابة افتعال تفاعيل متفعلل"
    ),
}


def shipped_languages() -> set[str]:
    """The languages of the bundles' source locales and of the translation catalogs."""
    locales = {
        yaml.safe_load(path.read_text())["source_locale"]
        for path in (PROJECT / "bundles").glob("*/bundle.yaml")
    }
    locales |= {path.name for path in (PROJECT / "translations").iterdir() if path.is_dir()}
    return {analysis.language(locale) for locale in locales}


STEMMED = sorted(lang for lang in shipped_languages() if analysis.stemmer(lang))
# Every port, shipped language or not (Russian is only in the scripts' corpus).
PORTED = sorted(set(STEMMED) | DEVICE_STEMMERS)


def words_of(text: str, lang: str) -> set[str]:
    """The word forms the server stems, and the unfolded tokens (accents reach more rules)."""
    return set(analysis.forms(text, lang)) | set(analysis.TOKEN.findall(text.lower()))


def repository_words(lang: str) -> set[str]:
    words: set[str] = set()
    for bundle in (PROJECT / "bundles").iterdir():
        config = yaml.safe_load((bundle / "bundle.yaml").read_text())
        if analysis.language(config["source_locale"]) == lang:
            for path in [*bundle.rglob("*.md"), *bundle.rglob("*.yaml")]:
                words |= words_of(path.read_text(), lang)
    for folder in (PROJECT / "translations").iterdir():
        if folder.is_dir() and analysis.language(folder.name) == lang:
            for path in folder.rglob("*.po"):
                with open(path, "rb") as po:
                    for message in read_po(po):
                        strings = message.string
                        for text in strings if isinstance(strings, tuple) else [strings]:
                            words |= words_of(text or "", lang)
    return words


def whoosh_tables(stem) -> list[str]:
    """Every string in the stemmer's own tables: affixes, special words, vowels, patterns."""
    found: set[str] = set()

    def collect(value):
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for pair in value.items():
                collect(pair)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    stemmer = stem.__self__
    for cls in type(stemmer).__mro__:
        collect(list(vars(cls).values()))
    collect(list(vars(stemmer).values()))
    return sorted(s for s in found if s and len(s) <= 10 and not any(c.isspace() for c in s))


def built_words(lang: str, stem) -> set[str]:
    """Affixes on bases, two affixes in a row, and random strings of the tables' letters."""
    pieces = whoosh_tables(stem)
    letters = sorted(set("".join(pieces)))
    rng = random.Random(lang)
    words = {base + piece for base in BASES for piece in pieces}
    words |= {
        rng.choice(BASES) + rng.choice(pieces) + rng.choice(pieces) for _ in range(RANDOM_WORDS)
    }
    words |= {"".join(rng.choices(letters, k=rng.randint(1, 9))) for _ in range(RANDOM_WORDS)}
    return words


COMPARE = """async ({lang, words}) => {
  const { stemmer } = await import("/static/lib/search-engine.js");
  const stem = await stemmer(lang);
  return words.map((word) => stem(word));
}"""


def compare(page, lang: str, words: set[str]) -> int:
    """Stem ``words`` on both sides; every stem must be the same. Returns how many."""
    stem = analysis.stemmer(lang)
    ordered = sorted(words)
    device = page.evaluate(COMPARE, {"lang": lang, "words": ordered})
    differ = [(w, stem(w), d) for w, d in zip(ordered, device, strict=True) if stem(w) != d]
    shown = json.dumps(differ[:10], ensure_ascii=False)
    assert not differ, f"{lang}: {len(differ)} of {len(ordered)} words differ: {shown}"
    return len(ordered)


def test_every_shipped_language_has_a_port():
    assert {"en", "es", "pt", "ar"} <= set(STEMMED)
    for lang in STEMMED:
        assert (PROJECT / "static" / "lib" / "stem" / f"{lang}.js").is_file(), lang


def test_the_device_index_names_exactly_the_ported_stemmers():
    stem = PROJECT / "static" / "lib" / "stem"
    ported = {path.stem for path in stem.glob("*.js")} - {"regions"}
    assert ported == DEVICE_STEMMERS


@pytest.mark.parametrize("lang", PORTED)
def test_the_port_stems_like_whoosh(page, live_server, lang):
    page.goto(live_server + "/")
    own = repository_words(lang)
    assert own or lang not in STEMMED, f"no {lang} words in the repository"
    words = own | built_words(lang, analysis.stemmer(lang)) | set(ASTRAL)
    words |= set(HAND_PICKED.get(lang, "").split())
    count = compare(page, lang, words)
    print(f"{lang}: {count} words stem alike ({len(own)} from bundles and catalogs)")


def corpus_texts(name: str):
    with open(CORPUS / name / "docs.jsonl") as lines:
        for line in lines:
            doc = json.loads(line)
            yield doc["title"]
            yield doc.get("text", "")
            for section in doc.get("sections", ()):
                yield section["heading"] + "\n" + section["text"]


@pytest.mark.parametrize(("lang", "name"), [("en", "medquad"), ("es", "medinforma-es")])
def test_the_port_stems_every_corpus_word_like_whoosh(page, live_server, lang, name):
    if not (CORPUS / name / "docs.jsonl").is_file():
        pytest.skip(f"the {name} corpus is not in {CORPUS}")
    page.goto(live_server + "/")
    words = set()
    for text in corpus_texts(name):
        words |= words_of(text, lang)
    count = compare(page, lang, words)
    print(f"{lang}: {count} words of {name} stem alike")
