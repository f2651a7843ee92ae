// Satchel's app shell: start-up, the router and the small screens (settings, about).
// Routes live in the URL hash so every screen has a link:
//   #/  library · #/read/<bundle>/<locale>[/<article> | /about/<page>] · #/search?q=
//   · #/saved · #/settings · #/about

import { _, fill, languageName, listLocales, loadLocale, locale } from "./lib/i18n.js";
import { el, langOf } from "./ui/dom.js";
import { TEXT_SIZES, applyTextSize, notice, prefs, show } from "./ui/page.js";
import { loadBundles, showLibrary, syncNow } from "./screens/library.js";
import { showAbout, showArticle, showBundle } from "./screens/reader.js";
import { showSearch } from "./screens/search.js";
import { showSaved } from "./screens/saved.js";
import { listenStatus, stopListening, whenVoicesKnown } from "./ui/listen.js";
import { learnKeys } from "./lib/trust.js";

function translateShell() {
  document.getElementById("skip").textContent = _("Skip to content");
  document.getElementById("nav").setAttribute("aria-label", _("Main"));
  const labels = {
    library: _("Library"), search: _("Search"), saved: _("Saved"), settings: _("Settings"),
    about: _("About"),
  };
  document.querySelectorAll("[data-route]").forEach((link) => {
    link.textContent = labels[link.dataset.route];
  });
}

function markCurrent(screen) {
  document.querySelectorAll("[data-route]").forEach((link) => {
    if (link.dataset.route === screen) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
}

async function localeOptions() {
  const listed = await listLocales();
  if (listed) return listed.map((entry) => entry.code);
  const codes = new Set(["en", locale(), prefs.uiLocale]);
  for (const bundle of (await loadBundles()) || []) {
    bundle.locales.forEach((code) => codes.add(code));
  }
  return [...codes];
}

async function showSettings() {
  const codes = await localeOptions();
  const option = (code, selected) => el("option",
    { value: code, selected: code === selected, ...langOf(code) }, languageName(code, code));
  const uiSelect = el("select", { id: "ui-locale" },
    ...codes.map((code) => option(code, prefs.uiLocale)));
  const contentSelect = el("select", { id: "content-locale" },
    el("option", { value: "", selected: !prefs.contentLocale }, _("Same as the interface")),
    ...codes.map((code) => option(code, prefs.contentLocale)));
  const sizeNames = { 100: _("Standard"), 125: _("Large"), 150: _("Larger"), 200: _("Largest") };
  const sizes = el("fieldset", {},
    el("legend", {}, _("Text size")),
    ...TEXT_SIZES.map((size) => el("div", { class: "choice" },
      el("input", {
        type: "radio", name: "text-size", id: `size-${size}`, value: size,
        checked: prefs.textSize === size,
      }),
      el("label", { for: `size-${size}` }, sizeNames[size]))));
  uiSelect.addEventListener("change", async () => {
    prefs.set("uiLocale", uiSelect.value);
    await loadLocale(uiSelect.value);
    translateShell();
    await route();
    document.getElementById("ui-locale")?.focus();
  });
  contentSelect.addEventListener("change", () => {
    prefs.set("contentLocale", contentSelect.value);
    notice(_("Articles will be shown in {language} where they are available.", {
      language: languageName(contentSelect.value || prefs.uiLocale),
    }), "info", "content-locale");
  });
  sizes.addEventListener("change", (event) => {
    prefs.set("textSize", event.target.value);
    applyTextSize();
  });
  const listening = el("section", { "aria-labelledby": "h-listen" },
    el("h2", { id: "h-listen" }, _("Listen")));
  const describeListening = () => listening.replaceChildren(listening.firstChild,
    ...listenExplanation(codes).filter(Boolean));
  describeListening();
  whenVoicesKnown(describeListening);
  show(_("Settings"),
    el("h1", {}, _("Settings")),
    el("fieldset", {},
      el("legend", {}, _("Language")),
      el("div", { class: "field" },
        el("label", { for: "ui-locale" }, _("Language of the app")), uiSelect),
      el("div", { class: "field" },
        el("label", { for: "content-locale" }, _("Language of the articles")), contentSelect)),
    sizes,
    listening,
    el("p", { class: "meta" }, _("The app follows your device's light or dark setting " +
      "and its reduced motion setting.")));
}

/** Where "Listen" is offered and, where it is not, why. */
function listenExplanation(codes) {
  const { available, missing, supported } = listenStatus(codes);
  const names = (list) => list.map((code) => languageName(code)).join(", ");
  if (!supported) {
    return [el("p", {}, _("This browser cannot read articles aloud, so “Listen” is not " +
      "offered. Browsers such as Chrome, Edge, Safari and Firefox can, with the voices " +
      "installed on the device."))];
  }
  return [
    available.length ? el("p", {}, _("“Listen” reads articles aloud in: {languages}.",
      { languages: names(available) })) : null,
    missing.length ? el("p", {}, _("“Listen” is not offered for articles in {languages}: " +
      "this device has no voice for them. You can add one in your device's " +
      "text-to-speech settings.", { languages: names(missing) })) : null,
    navigator.onLine ? null : el("p", { class: "meta" },
      _("While you are offline, only the voices stored on this device are used.")),
  ];
}

async function showAboutApp() {
  const bundles = (await loadBundles()) || [];
  show(_("About Satchel"),
    el("h1", {}, _("About Satchel")),
    el("p", {}, _("Satchel brings you plain-language summaries of medical research. " +
      "Every summary says how strong the evidence is and what to keep in mind.")),
    el("p", {}, _("Download a bundle in the library and you can read and search it " +
      "without a connection. Updates download only what changed.")),
    el("p", {}, _("Satchel does not track you. What you read stays on your device; " +
      "only searches in bundles you have not downloaded are sent to the server.")),
    el("p", { class: "reminder" }, el("strong", {}, _("These summaries do not replace " +
      "medical advice. Never change or stop a treatment without talking to your doctor first."))),
    bundles.length ? el("h2", {}, _("How to read the summaries")) : null,
    bundles.length ? el("ul", { class: "plain-links" }, ...bundles.map((bundle) => el("li", {},
      el("a", { href: `#/read/${bundle.id}/${bundle.source_locale}/about/understanding-research` },
        fill(_("Understanding research ({bundle})"),
          { bundle: el("span", langOf(bundle.source_locale), bundle.title) }))))) : null);
}

function problem(error) {
  const offline = error instanceof TypeError; // fetch failed: no connection
  const message = offline
    ? _("You are offline and this is not downloaded. " +
      "Download bundles in the library to read them without a connection.")
    : error.message;
  show(_("Something went wrong"),
    el("h1", {}, _("Something went wrong")),
    el("p", {}, message),
    el("p", {}, el("a", { href: "#/" }, _("Back to the library"))));
}

export async function route() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = Object.fromEntries(new URLSearchParams(query));
  const screen = parts[0] === "read" ? "read" : parts[0] || "library";
  const [, bundle, bundleLocale, article, page] = parts;
  markCurrent(screen);
  stopListening();
  try {
    if (screen === "library") await showLibrary();
    else if (screen === "search") await showSearch(params);
    else if (screen === "saved") await showSaved();
    else if (screen === "settings") await showSettings();
    else if (screen === "about") await showAboutApp();
    else if (screen === "read" && article === "about") await showAbout(bundle, bundleLocale, page);
    else if (screen === "read" && article) await showArticle(bundle, bundleLocale, article);
    else if (screen === "read" && bundleLocale) await showBundle(bundle, bundleLocale);
    else throw new Error(_("This page does not exist."));
  } catch (error) {
    problem(error);
  }
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!hadController) return;
    notice(_("A new version of the app is ready. " +
      "It will be used the next time you open Satchel."), "info", "app-update");
  });
  navigator.serviceWorker.register("/sw.js").catch(() => {
    // No offline shell this time; the app still works online.
  });
}

async function start() {
  applyTextSize();
  await loadLocale(prefs.chosenUiLocale);
  translateShell();
  registerWorker();
  window.addEventListener("hashchange", route);
  await route();
  window.addEventListener("online", () => learnKeys().then(syncNow).catch(() => {}));
  // Learn the publisher's keys while online, so that a bundle file can be verified offline later.
  await learnKeys().then(syncNow).catch(() => {});
  document.documentElement.dataset.ready = "true";
}

start();
