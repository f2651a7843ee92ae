// Which language a reader gets among those there are: the twin of satchel/i18n/negotiation.py,
// where the rule is explained (tests/static/test_languages.py keeps the two identical). The app
// chooses its interface language at first start with it, from the browser's languages.

const TAG = /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/;

/** `tag` as the rule compares it: pt_BR and pt-br are pt-br. */
const keyOf = (tag) => tag.replaceAll("_", "-").toLowerCase();

const languageOf = (tag) => keyOf(tag).split("-")[0];

/** The choice for one requested tag: exact, else the same language (shortest tag); or null. */
export function matchLocale(wanted, choices) {
  if (wanted === "*") return choices.length ? choices[0] : null;
  const key = keyOf(wanted);
  if (!TAG.test(key)) return null;
  const exact = choices.find((choice) => keyOf(choice) === key);
  if (exact !== undefined) return exact;
  const same = choices.filter((choice) => languageOf(choice) === languageOf(key));
  return same.reduce((best, choice) => (best === null || choice.length < best.length
    ? choice : best), null);
}

/** The best of `choices` for the tags `requested` in order of preference; else `fallback`. */
export function chooseLocale(requested, choices, fallback) {
  const ordered = [fallback, ...choices.filter((choice) => choice !== fallback)];
  for (const wanted of requested) {
    const match = matchLocale(wanted, ordered);
    if (match) return match;
  }
  return fallback;
}
