// The library: bundles in the chosen language, their size, the device's storage, downloads with
// progress, installed versions and updates. Also the background sync run on start and when
// online.

import { _, fill, ngettext, languageName } from "../lib/i18n.js";
import { el, fieldLang, formatBytes, formatDate, langOf } from "../ui/dom.js";
import { announce, contentLocaleFor, notice, prefs, show } from "../ui/page.js";
import * as sync from "../lib/sync.js";
import { IMPORT_JOB, exportBundle, importFile } from "../lib/transfer.js";

const updates = new Map(); // install key → plan from sync.checkForUpdate
let bundleList = null; // last /bundles answer (the service worker keeps a copy for offline)
// A list fetched this recently is used again: redrawing the library after an update check or a
// download needs no new one (two lists were a fifth of what a one-article update cost a phone).
const LIST_REUSED_MS = 10000;
let bundleListAt = -Infinity;

export async function loadBundles() {
  if (bundleList && navigator.onLine && performance.now() - bundleListAt < LIST_REUSED_MS) {
    return bundleList;
  }
  try {
    bundleList = await sync.getJSON("/bundles");
    bundleListAt = performance.now();
  } catch {
    // Offline and never fetched: the library lists what is installed.
  }
  return bundleList;
}

function storageFailureMessage(error) {
  if (error instanceof sync.StorageFull) {
    return _("There is not enough space on this device to finish the download. " +
      "What you had downloaded before is unchanged. Free some space and try again.");
  }
  if (error instanceof sync.UntrustedManifest) {
    return _("{problem} What you had downloaded before is unchanged.", { problem: error.message });
  }
  if (error instanceof sync.IntegrityError) {
    return _("A downloaded file was damaged and was not used. " +
      "What you had downloaded before is unchanged. Please try again.");
  }
  if (!navigator.onLine || error instanceof TypeError) {
    return _("The download stopped because the connection was lost. " +
      "It will continue where it left off when you are back online.");
  }
  return _("The download did not finish: {message}. " +
    "What you had downloaded before is unchanged.", { message: error.message });
}

function withdrawnNotice(result) {
  if (!result || !result.withdrawn || !result.withdrawn.length) return;
  const locale = result.install.manifest.locale;
  const titles = result.withdrawn.flatMap((entry, i) => [i ? "; " : null,
    el("span", fieldLang(locale, entry.fallback, "title"), entry.title)]).filter(Boolean);
  notice(fill(ngettext(
    "{count} article was withdrawn by its authors and removed from this device: {titles}",
    "{count} articles were withdrawn by their authors and removed from this device: {titles}",
    result.withdrawn.length, { count: result.withdrawn.length }), { titles }), "info");
}

/** Resume interrupted downloads, then look for updates. Run on start and when back online. */
export async function syncNow() {
  const health = await sync.checkHealth();
  if (health.lost.length) {
    notice(_("The browser removed downloaded bundles to free space. " +
      "Download them again to read offline."), "error", "evicted");
  }
  if (!navigator.onLine) return;
  for (const install of health.damaged) {
    try {
      await sync.repair(install);
    } catch (error) {
      notice(storageFailureMessage(error), "error", `sync-${install.key}`);
    }
  }
  for (const result of await sync.resumeAll()) {
    if (result.error) notice(storageFailureMessage(result.error), "error", `sync-${result.key}`);
    else withdrawnNotice(result);
  }
  for (const install of await sync.installs()) {
    try {
      const plan = await sync.checkForUpdate(install);
      if (plan) updates.set(install.key, plan);
      else updates.delete(install.key);
    } catch (error) {
      // Offline or the server is away: try again next time. A forged update is worth a word.
      if (error instanceof sync.UntrustedManifest) {
        notice(storageFailureMessage(error), "error", `sync-${install.key}`);
      }
    }
  }
  await refresh();
}

function changeSummary(plan) {
  if (plan.expired) return _("This update needs the whole bundle to be downloaded again.");
  const { added, changed, removed } = plan.changes;
  const updated = changed.filter((entry) => entry.object).length;
  const withdrawn = removed.length + changed.length - updated;
  const parts = [
    added.length ? ngettext("{count} new article", "{count} new articles", added.length,
      { count: added.length }) : null,
    updated ? ngettext("{count} updated article", "{count} updated articles", updated,
      { count: updated }) : null,
    withdrawn ? ngettext("{count} article withdrawn", "{count} articles withdrawn", withdrawn,
      { count: withdrawn }) : null,
    plan.changes.about.length ? _("updated background pages") : null,
  ].filter(Boolean);
  return parts.join(", ") || _("small corrections");
}

function progressBlock(key) {
  const id = `progress-${key.replace(/\W/g, "-")}`;
  const running = sync.job(key);
  const label = el("p", { id: `${id}-label`, class: "meta" },
    running ? _("Preparing download…") : "");
  const bar = el("progress", { id, max: "100", value: "0", "aria-labelledby": `${id}-label` });
  const box = el("div", { class: "progress", "data-progress": key, hidden: !running }, bar, label);
  return box;
}

sync.onProgress((key, done, total) => {
  const box = document.querySelector(`[data-progress="${CSS.escape(key)}"]`);
  if (!box) return;
  if (done === null) return;
  box.hidden = false;
  const percent = total ? Math.round((done / total) * 100) : 0;
  const values = { done: formatBytes(done), total: formatBytes(total), percent };
  box.querySelector("progress").value = percent;
  box.querySelector("p").textContent = key === IMPORT_JOB
    ? _("Read {done} of {total} ({percent}%)", values)
    : _("Downloaded {done} of {total} ({percent}%)", values);
});

async function runDownload(key, title, work) {
  announce(_("Downloading {title}…", { title }));
  try {
    const result = await work();
    announce(_("{title} is ready to read offline.", { title }));
    withdrawnNotice(result);
    updates.delete(key);
  } catch (error) {
    notice(storageFailureMessage(error), "error", `sync-${key}`);
  }
  refresh();
}

// On a metered connection (as the Network Information API tells), a download over this many bytes
// waits until the reader says yes.
const METERED_ASK_BYTES = 5e6;

function metered() {
  const connection = navigator.connection;
  return Boolean(connection && (connection.saveData || connection.type === "cellular"));
}

function confirmedSize(bytes) {
  return bytes <= METERED_ASK_BYTES || !metered() || window.confirm(_(
    "You seem to be on mobile data. This download is {size}. Download it now?",
    { size: formatBytes(bytes) }));
}

function bundleCard(bundle, locale, install, staging, size) {
  const key = sync.keyOf(bundle.id, locale);
  const plan = updates.get(key);
  const running = Boolean(sync.job(key));
  const headingId = `bundle-${bundle.id}-${locale}`;
  const wanted = prefs.contentLocale || prefs.uiLocale;
  // The bundle list gives the title and description in the bundle's source language.
  const parts = [
    el("h2", { id: headingId, ...langOf(bundle.source_locale) },
      el("a", { href: `#/read/${bundle.id}/${locale}` }, bundle.title)),
    el("p", langOf(bundle.source_locale), bundle.description),
    el("p", { class: "meta" }, _("Language: {language}", { language: languageName(locale) })),
  ];
  if (!bundle.locales.includes(wanted) && locale !== wanted) {
    parts.push(el("p", { class: "meta" },
      _("Not yet available in {wanted}; shown in {language}.", {
        wanted: languageName(wanted), language: languageName(locale),
      })));
  }
  if (install) {
    parts.push(el("p", { class: "meta installed" },
      _("Downloaded: version {version}, published {date}", {
        version: install.version, date: formatDate(install.manifest.published_at),
      })));
  } else if (size) {
    parts.push(el("p", { class: "meta" },
      _("Download size: {size}", { size: formatBytes(size.bytes) })));
  }
  if (plan && install && !running) {
    parts.push(el("div", { class: "update" },
      el("p", {}, _("Update available: version {version}. {summary}. Download size: {size}.", {
        version: plan.version, summary: changeSummary(plan), size: formatBytes(plan.bytes),
      })),
      plan.changes && plan.changes.changed.length + plan.changes.added.length
        ? el("ul", { class: "changed-list" }, ...[...plan.changes.added, ...plan.changes.changed]
          .map((entry) => el("li", fieldLang(plan.manifest.locale, entry.fallback, "title"),
            entry.title)))
        : null,
      el("button", {
        type: "button", "data-focus-key": `update-${key}`,
        onclick: () => confirmedSize(plan.bytes)
          && runDownload(key, bundle.title, () => sync.applyUpdate(install, plan)),
      }, _("Update now ({size})", { size: formatBytes(plan.bytes) }))));
  }
  parts.push(progressBlock(key));
  const actions = el("div", { class: "actions" });
  if (staging && !running) {
    actions.append(el("button", {
      type: "button", "data-focus-key": `resume-${key}`,
      onclick: () => runDownload(key, bundle.title, () => sync.download(bundle.id, locale)),
    }, _("Resume download")));
  } else if (!install && !running) {
    actions.append(el("button", {
      type: "button", "data-focus-key": `download-${key}`, "aria-describedby": headingId,
      onclick: () => (!size || confirmedSize(size.bytes))
        && runDownload(key, bundle.title, () => sync.download(bundle.id, locale)),
    }, _("Download for offline")));
  }
  if (install) {
    actions.append(el("a", {
      class: "button-link", href: `#/read/${bundle.id}/${locale}`, "aria-describedby": headingId,
    }, _("Read")));
    if (!running) {
      actions.append(el("button", {
        type: "button", class: "secondary", "data-focus-key": `share-${key}`,
        "aria-describedby": headingId,
        onclick: () => exportBundle(install).catch((error) => notice(_(
          "The bundle file could not be made: {message}", { message: error.message }), "error")),
      }, _("Share this bundle")));
      actions.append(el("button", {
        type: "button", class: "secondary", "data-focus-key": `remove-${key}`,
        "aria-describedby": headingId,
        onclick: async () => {
          await sync.remove(key);
          announce(_("{title} was removed from this device.", { title: bundle.title }));
          refresh();
        },
      }, _("Remove download")));
    }
  }
  parts.push(actions);
  return el("li", { class: "card" }, ...parts);
}

function importFailureMessage(error) {
  if (error.reason === "not_newer") {
    return _("This file holds version {version} of the bundle, and this device already has " +
      "version {installed}. Nothing on this device was changed.", error);
  }
  const untrusted = _("This file was not signed by a publisher this app knows, so it cannot " +
    "be trusted. Nothing on this device was changed.");
  return {
    not_satchel: _("This is not a Satchel bundle file. Nothing on this device was changed."),
    cut_off: _("This file is incomplete or damaged: it may have been cut off while it was " +
      "copied. Nothing on this device was changed. Copy the file again and retry."),
    unknown_key: untrusted,
    unsigned: untrusted,
    bad_signature: _("The list of contents in this file was changed after it was published, " +
      "so it cannot be trusted. Nothing on this device was changed."),
    changed_object: _("An article or search index in this file was changed after it was " +
      "published. Nothing on this device was changed."),
    missing_object: _("Part of the bundle is missing from this file. " +
      "Nothing on this device was changed."),
  }[error.reason] || storageFailureMessage(error);
}

async function openFile(input) {
  const [file] = input.files;
  input.value = "";
  if (!file) return;
  announce(_("Opening {name}…", { name: file.name }));
  try {
    const result = await importFile(file);
    const { manifest, key } = result.install;
    updates.delete(key);
    notice(fill(_("{title}, version {version}, was installed from the file.", {
      version: manifest.version,
    }), { title: el("span", langOf(manifest.locale), manifest.title) }), "info", IMPORT_JOB);
    withdrawnNotice(result);
  } catch (error) {
    notice(importFailureMessage(error), "error", IMPORT_JOB);
  }
  refresh();
}

/** "Open a bundle file": bundles passed on from another device, online or not. */
function filesSection() {
  const input = el("input", {
    type: "file", id: "bundle-file", accept: ".satchel", "data-focus-key": "bundle-file",
    onchange: () => openFile(input),
  });
  return el("section", { class: "transfer", "aria-labelledby": "h-files" },
    el("h2", { id: "h-files" }, _("Bundle files")),
    el("p", {}, _("A downloaded bundle can be passed on as one file, without a connection: " +
      "“Share this bundle” makes the file, “Open a bundle file” installs one.")),
    el("div", { class: "field" },
      el("label", { for: "bundle-file" }, _("Open a bundle file")), input),
    progressBlock(IMPORT_JOB));
}

async function storageLine() {
  if (!navigator.storage || !navigator.storage.estimate) return null;
  try {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return el("p", { class: "meta storage" },
      _("This app uses {used} of the {available} this browser allows it on this device.", {
        used: formatBytes(usage), available: formatBytes(quota),
      }));
  } catch {
    return null;
  }
}

async function libraryContent() {
  const [list, installs, staging] =
    await Promise.all([loadBundles(), sync.installs(), sync.allStaging()]);
  const byKey = new Map(installs.map((install) => [install.key, install]));
  const stagingKeys = new Set(staging.map((record) => record.key));
  // Each bundle in the reader's language, then every download in another one (offline, or
  // installed from a file passed on): each has its card, or it could not be found again.
  const shown = (list || []).map((bundle) => [bundle, contentLocaleFor(bundle)]);
  const keys = new Set(shown.map(([bundle, locale]) => sync.keyOf(bundle.id, locale)));
  for (const install of installs.filter((found) => !keys.has(found.key))) {
    const listed = list && list.find((bundle) => bundle.id === install.bundle);
    shown.push([listed || {
      id: install.bundle, title: install.manifest.title,
      description: install.manifest.description,
      source_locale: install.manifest.source_locale, locales: [install.locale],
    }, install.locale]);
  }
  const cards = await Promise.all(shown.map(async ([bundle, locale]) => {
    const key = sync.keyOf(bundle.id, locale);
    const install = byKey.get(key);
    const size = install ? null : await sync.downloadSize(bundle.id, locale).catch(() => null);
    return bundleCard(bundle, locale, install, stagingKeys.has(key), size);
  }));
  return [
    el("h1", {}, _("Library")),
    el("p", {}, _("Download a bundle to read and search it without a connection.")),
    await storageLine(),
    list ? null : el("p", { class: "notice-inline" },
      _("You are offline. Only downloaded bundles are shown.")),
    cards.length ? el("ul", { class: "cards" }, ...cards)
      : el("p", {}, _("No bundles are available yet.")),
    filesSection(),
  ];
}

export async function showLibrary() {
  show(_("Library"), ...(await libraryContent()));
}

/** Re-draw the library if it is showing, keeping keyboard focus where it was. */
export async function refresh() {
  if (!isLibraryRoute()) return;
  const content = await libraryContent();
  if (!isLibraryRoute()) return;
  // Read focus only now: the reader may have moved it while the content loaded.
  const focused = document.activeElement?.getAttribute("data-focus-key");
  const main = document.getElementById("main");
  main.replaceChildren(...content.filter(Boolean));
  main.querySelector("h1").tabIndex = -1;
  const target = focused && main.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`);
  if (target) target.focus();
  else if (focused) main.querySelector("h1")?.focus();
}

function isLibraryRoute() {
  const hash = location.hash.replace(/^#\/?/, "");
  return hash === "" || hash === "library";
}
