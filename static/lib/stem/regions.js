// The Snowball regions of Whoosh's lang/snowball/bases.py, quirks included: the device must
// stem exactly as the server does. `vowels.includes(two letters)` is Whoosh's substring test.
// Also what more than one stemmer needs besides.

/** Does `text` end with any of `suffixes`? */
export const endsWithOne = (text, suffixes) => suffixes.some((s) => text.endsWith(s));

/** The first of `suffixes` that `text` ends with (undefined if none). */
export const firstEnding = (text, suffixes) => suffixes.find((s) => text.endsWith(s));

/** What follows the first non-vowel that follows a vowel in `text` ("" if none). */
export function after(text, vowels) {
  for (let i = 1; i < text.length; i++) {
    if (!vowels.includes(text[i]) && vowels.includes(text[i - 1])) return text.slice(i + 1);
  }
  return "";
}

export function r1r2(word, vowels) {
  const r1 = after(word, vowels);
  return [r1, after(r1, vowels)];
}

export function rv(word, vowels) {
  if (word.length < 2) return "";
  const consonantSecond = !vowels.includes(word[1]);
  if (consonantSecond || vowels.includes(word.slice(0, 2))) {
    for (let i = 2; i < word.length; i++) {
      if (vowels.includes(word[i]) === consonantSecond) return word.slice(i + 1);
    }
    return "";
  }
  return word.slice(3);
}
