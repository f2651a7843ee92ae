// What every screen shares: the reader's choices (in localStorage), the interface language and
// text size, showing a screen, notices and
// announcements.

import { _, direction, loadLocale, locale } from "../lib/i18n.js";
import { el, langOf } from "./dom.js";

const main = document.getElementById("main");
const status = document.getElementById("status");
const notices = document.getElementById("notices");

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
  /** "on" when the reader chose to send searches that found nothing; off by default. */
  get reportSearches() { return stored("reportSearches", "off"); },
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

export function applyTextSize() {
  const root = document.documentElement;
  TEXT_SIZES.forEach((size) => root.classList.toggle(`text-${size}`, size === prefs.textSize));
}

/** Load the interface language `code` (none: the server's choice) and set <html lang dir>. */
export async function useLocale(code) {
  const asked = new URLSearchParams(location.search).get("lang");
  const chosen = await loadLocale(code, asked);
  document.documentElement.lang = chosen;
  document.documentElement.dir = direction();
  return chosen;
}

/** Replace the screen; focus its heading so keyboard and screen reader users start there. */
export function show(title, ...content) {
  document.title = `${title} · Satchel`;
  main.replaceChildren(...content.filter(Boolean));
  const heading = main.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
  // An article's title may be in another language than the interface: say it in that one.
  const tagged = heading && heading.textContent === title ? heading.closest("[lang]") : null;
  announce(title, tagged ? tagged.getAttribute("lang") : null);
}

/** Say `text` through the polite status region; `lang` when it is not the interface's. */
export function announce(text, lang = null) {
  status.textContent = "";
  // A change after a tick is announced even when the text repeats.
  setTimeout(() => {
    for (const [name, value] of Object.entries(langOf(lang || locale()))) {
      status.setAttribute(name, value);
    }
    status.textContent = text;
  }, 50);
}

/** A visible message in the polite status region; `kind` is "info" or "error". */
export function notice(text, kind = "info", id = null) {
  if (id) notices.querySelector(`[data-notice="${id}"]`)?.remove();
  const box = el("div", { class: `notice notice-${kind}`, "data-notice": id },
    el("p", {}, text),
    el("button", { type: "button", class: "link-button", onclick: () => box.remove() },
      _("Dismiss")));
  notices.append(box);
  return box;
}

export function slugLabel(slug) {
  return slug.replace(/-/g, " ");
}
