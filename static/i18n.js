// Interface strings. Babel extracts every `_("…")` and `ngettext("…", "…", n)`
// call in static/*.js into translations/messages.pot, so call them with
// literal strings only. Translations come from the compiled catalog served at
// /api/v1/locales/<locale>/messages; plurals are keyed by CLDR category.

let catalog = { locale: "en", direction: "ltr", messages: {} };

export async function setLocale(locale) {
  const response = await fetch(`/api/v1/locales/${encodeURIComponent(locale)}/messages`);
  if (response.ok) catalog = await response.json();
  document.documentElement.lang = catalog.locale;
  document.documentElement.dir = catalog.direction;
  return catalog;
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

export function _(msgid, values = {}) {
  const translated = catalog.messages[msgid];
  return fill(typeof translated === "string" ? translated : msgid, values);
}

export function ngettext(singular, plural, count, values = {}) {
  const forms = catalog.messages[singular];
  const category = new Intl.PluralRules(catalog.locale).select(count);
  const text = forms && typeof forms === "object" ? forms[category] || forms.other : null;
  return fill(text || (count === 1 ? singular : plural), { count, ...values });
}
