// Interface strings. Write every visible string as _("Text with {name}", {name}) or
// ngettext("{count} article", "{count} articles", count, {count}) with literal msgids, so
// Babel's JavaScript extractor finds them.
//
// Catalogs come from the content source's ui/<locale>.json (the same as GET
// /api/v1/locales/<locale>/messages); the first start chooses among the languages of its
// locales.json (as GET /api/v1/locales lists them) by the server's rule (locale-choice.js):
//   {"locale", "direction": "ltr"|"rtl", "messages": {msgid: "text" | {one, other, ...}}}
// Plural entries are keyed by the singular msgid and hold one string per CLDR category,
// chosen with Intl.PluralRules. Without a catalog (404, offline and never cached) the
// English msgids are used and the page says so with lang="en" (ui/page.js sets it).

import { getFileJSON } from "./api.js";
import { chooseLocale } from "./locale-choice.js";

const RTL = new Set(["ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"]);

const state = {
  locale: "en",
  direction: "ltr",
  messages: {},
  plural: new Intl.PluralRules("en"),
  number: new Intl.NumberFormat("en"),
};
const englishPlural = new Intl.PluralRules("en");

export function directionOf(locale) {
  return RTL.has(String(locale).split("-")[0].toLowerCase()) ? "rtl" : "ltr";
}

function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (match, name) => {
    if (!(name in values)) return match;
    const value = values[name];
    return typeof value === "number" ? state.number.format(value) : String(value);
  });
}

export function _(msgid, values = {}) {
  const translated = state.messages[msgid];
  return format(typeof translated === "string" && translated ? translated : msgid, values);
}

/**
 * A translated text whose {placeholders} are DOM nodes, as parts for el(): a title tagged with
 * its own lang, or a <bdi> around words the reader typed. Call as
 * fill(_("Results for “{query}”"), { query: node }): _() leaves unknown names in place.
 * A value may also be a list of nodes and strings.
 */
export function fill(text, nodes) {
  return text.split(/(\{\w+\})/).filter(Boolean).flatMap((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    return name && name in nodes ? nodes[name] : part;
  });
}

export function ngettext(singular, plural, count, values = {}) {
  const forms = state.messages[singular];
  if (forms && typeof forms === "object") {
    const text = forms[state.plural.select(count)] || forms.other;
    if (text) return format(text, values);
  }
  return format(englishPlural.select(count) === "one" ? singular : plural, values);
}

export function locale() {
  return state.locale;
}

/** A date (ISO text or Date) in the interface language, as the screens show dates. */
export function formatDate(date) {
  if (!date) return "";
  return new Intl.DateTimeFormat(state.locale, { dateStyle: "long", timeZone: "UTC" })
    .format(new Date(date));
}

export function direction() {
  return state.direction;
}

/** Load the catalog of `code`; English when there is none. Without a code, the best language
 * the interface speaks for `asked` (the page's ?lang=), then the browser's languages. */
export async function loadLocale(code, asked = null) {
  const wanted = code || await firstChoice(asked);
  const catalog = wanted === "en" ? null : await catalogOf(wanted);
  const chosen = catalog ? catalog.locale || wanted : "en";
  state.locale = chosen;
  state.direction = catalog ? catalog.direction || directionOf(chosen) : "ltr";
  state.messages = catalog ? catalog.messages || {} : {};
  state.plural = new Intl.PluralRules(chosen);
  state.number = new Intl.NumberFormat(chosen);
  return chosen;
}

const catalogs = new Map(); // code → the catalog's promise, once one was had

/**
 * The interface catalog of `code` as the content source has it (the service worker keeps a copy for
 * offline use), fetched once per page; null when there is none or it cannot be had (asked again
 * next time).
 */
export function catalogOf(code) {
  if (!catalogs.has(code)) {
    const asked = getFileJSON(`ui/${encodeURIComponent(code)}.json`, { cache: "no-cache" });
    catalogs.set(code, asked);
    asked.catch(() => catalogs.delete(code));
  }
  return catalogs.get(code).catch(() => null);
}

/** The languages, as the content source's locales.json lists them; null when it cannot be had. */
export async function listLocales() {
  try {
    return await getFileJSON("locales.json", { cache: "no-cache" });
  } catch {
    return null;
  }
}

/** The language the interface starts in: English when the list cannot be had (offline and never
 * cached). */
async function firstChoice(asked) {
  const spoken = ((await listLocales()) || []).filter((entry) => entry.interface);
  const requested = [asked, ...navigator.languages].filter(Boolean);
  return chooseLocale(requested, spoken.map((entry) => entry.code), "en");
}

/** The name of language `code` in `inLocale` (the interface language by default). */
export function languageName(code, inLocale = state.locale) {
  try {
    return new Intl.DisplayNames([inLocale], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}
