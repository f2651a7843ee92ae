// Satchel's app shell: start-up and the router, the one module that knows every screen
// (static/screens/; they know lib/ and ui/, never each other).
// Routes live in the URL hash so every screen has a link:
//   #/  library · #/read/<bundle>/<locale>[/<article> | /about/<page>] · #/search?q=
//   · #/saved · #/settings · #/about

import { useContentSources } from "./lib/api.js";
import { AppError } from "./lib/errors.js";
import { _ } from "./lib/i18n.js";
import { messageOf } from "./lib/messages.js";
import { learnKeys } from "./lib/trust.js";
import { showAboutApp } from "./screens/about.js";
import { showLibrary, syncInBackground } from "./screens/library.js";
import { showAbout, showArticle, showBundle } from "./screens/reader.js";
import { showSaved } from "./screens/saved.js";
import { showSearch } from "./screens/search.js";
import { showSettings } from "./screens/settings.js";
import { el } from "./ui/dom.js";
import { stopListening } from "./ui/listen.js";
import { applyTextSize, notice, prefs, show, useLocale } from "./ui/page.js";

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

function problem(error) {
  const message = messageOf(error, "read");
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
    else if (screen === "settings") await showSettings(relabel);
    else if (screen === "about") await showAboutApp();
    else if (screen === "read" && article === "about") await showAbout(bundle, bundleLocale, page);
    else if (screen === "read" && article) await showArticle(bundle, bundleLocale, article);
    else if (screen === "read" && bundleLocale) await showBundle(bundle, bundleLocale);
    else throw new AppError("no_such_page");
  } catch (error) {
    problem(error);
  }
}

/** Everything in the newly chosen interface language. */
async function relabel() {
  translateShell();
  await route();
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

/**
 * Once the app has started and the browser is idle, the worker controlling the page caches the
 * code a device may need offline though not to start (sw.js: the `.satchel` decoder): after the
 * shell, never in its way, and on the device before any file is likely to be handed over.
 */
function cacheOfflineCodeWhenIdle() {
  if (!("serviceWorker" in navigator)) return;
  const ask = () => whenIdle(() => {
    navigator.serviceWorker.controller?.postMessage("cache-offline-code");
  });
  if (navigator.serviceWorker.controller) ask();
  else navigator.serviceWorker.addEventListener("controllerchange", ask, { once: true });
}

function whenIdle(work) {
  if ("requestIdleCallback" in window) requestIdleCallback(work, { timeout: 5000 });
  else setTimeout(work, 1000);
}

async function start() {
  // Where bundles are read from: this site's /repo/ unless the publisher named CDNs or mirrors.
  const source = document.querySelector('meta[name="satchel-content"]');
  if (source) useContentSources(source.content);
  applyTextSize();
  await useLocale(prefs.chosenUiLocale);
  translateShell();
  registerWorker();
  window.addEventListener("hashchange", route);
  await route();
  window.addEventListener("online", () => learnKeys().then(syncInBackground).catch(() => {}));
  // Learn the publisher's keys while online, so that a bundle file can be verified offline later.
  await learnKeys().then(syncInBackground).catch(() => {});
  document.documentElement.dataset.ready = "true";
  cacheOfflineCodeWhenIdle();
}

start();
