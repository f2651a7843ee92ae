// The reader's choices, kept in localStorage: languages and text size.

import { locale } from "./i18n.js";

function stored(name, fallback) {
  try {
    return localStorage.getItem(`satchel.${name}`) ?? fallback;
  } catch {
    return fallback;
  }
}

export const prefs = {
  get uiLocale() { return stored("uiLocale", locale()); },
  /** The interface language the user chose, or "" to let the server negotiate. */
  get chosenUiLocale() { return stored("uiLocale", ""); },
  get contentLocale() { return stored("contentLocale", ""); },
  get textSize() { return stored("textSize", "100"); },
  set(name, value) {
    try {
      localStorage.setItem(`satchel.${name}`, value);
    } catch {
      // Not persisted; the choice still applies until the page closes.
    }
  },
};

export const TEXT_SIZES = ["100", "125", "150", "200"];

/** The content locale to read `bundle` in: the chosen one when published, else its source. */
export function contentLocaleFor(bundle) {
  const wanted = prefs.contentLocale || prefs.uiLocale;
  return bundle.locales.includes(wanted) ? wanted : bundle.source_locale;
}
