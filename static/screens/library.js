// The library screen: bundles in the chosen language, their size, the device's storage, downloads
// with progress, installed versions and updates, bundle files passed on; and what the background
// sync (lib/background.js) has to say.

import { syncNow, updatePlans } from "../lib/background.js";
import * as db from "../lib/db.js";
import { download, downloadSize, remove } from "../lib/download.js";
import { freshnessLine } from "../lib/freshness.js";
import { _, fill, ngettext, languageName } from "../lib/i18n.js";
import { messageOf } from "../lib/messages.js";
import { onProgress, runningJob } from "../lib/progress.js";
import { loadBundles } from "../lib/read.js";
import { IMPORT_JOB, bundleFile, installBundleFile, openedPage } from "../lib/transfer.js";
import { applyUpdate } from "../lib/update.js";
import { el, fieldLang, formatBytes, formatDate, langOf } from "../ui/dom.js";
import { announce, contentLocaleFor, notice, prefs, show } from "../ui/page.js";

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

/** Resume interrupted downloads, then look for updates, saying what came of it. Run on start
 * and when back online. */
export async function syncInBackground() {
  const ran = await syncNow({
    lost: () => notice(_("The browser removed downloaded bundles to free space. " +
      "Download them again to read offline."), "error", "evicted"),
    failed: (key, error) => notice(messageOf(error, "download"), "error", `sync-${key}`),
    finished: withdrawnNotice,
  });
  if (ran) await redrawLibrary();
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
  const running = runningJob(key);
  const label = el("p", { id: `${id}-label`, class: "meta" },
    running ? _("Preparing download…") : "");
  const bar = el("progress", { id, max: "100", value: "0", "aria-labelledby": `${id}-label` });
  const box = el("div", { class: "progress", "data-progress": key, hidden: !running }, bar, label);
  return box;
}

onProgress((key, done, total) => {
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
    updatePlans.delete(key);
  } catch (error) {
    notice(messageOf(error, "download"), "error", `sync-${key}`);
  }
  redrawLibrary();
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

/** The title, description and language of a bundle's card. */
function cardHeading(bundle, locale, headingId) {
  const wanted = prefs.contentLocale || prefs.uiLocale;
  // The bundle list gives the title and description in the bundle's source language.
  return [
    el("h2", { id: headingId, ...langOf(bundle.source_locale) },
      el("a", { href: `#/read/${bundle.id}/${locale}` }, bundle.title)),
    el("p", langOf(bundle.source_locale), bundle.description),
    el("p", { class: "meta" }, _("Language: {language}", { language: languageName(locale) })),
    !bundle.locales.includes(wanted) && locale !== wanted ? el("p", { class: "meta" },
      _("Not yet available in {wanted}; shown in {language}.", {
        wanted: languageName(wanted), language: languageName(locale),
      })) : null,
  ];
}

function installedLine(install, size) {
  if (install) {
    return el("p", { class: "meta installed" },
      _("Downloaded: version {version}, published {date}", {
        version: install.version, date: formatDate(install.manifest.published_at),
      }));
  }
  return size ? el("p", { class: "meta" },
    _("Download size: {size}", { size: formatBytes(size.bytes) })) : null;
}

function updateBlock(bundle, install, plan) {
  return el("div", { class: "update" },
    el("p", {}, _("Update available: version {version}. {summary}. Download size: {size}.", {
      version: plan.version, summary: changeSummary(plan), size: formatBytes(plan.bytes),
    })),
    plan.changes && plan.changes.changed.length + plan.changes.added.length
      ? el("ul", { class: "changed-list" }, ...[...plan.changes.added, ...plan.changes.changed]
        .map((entry) => el("li", fieldLang(plan.manifest.locale, entry.fallback, "title"),
          entry.title)))
      : null,
    el("button", {
      type: "button", "data-focus-key": `update-${install.key}`,
      onclick: () => confirmedSize(plan.bytes)
        && runDownload(install.key, bundle.title, () => applyUpdate(install, plan)),
    }, _("Update now ({size})", { size: formatBytes(plan.bytes) })));
}

/** "Share this bundle": the share sheet where it takes files, else a download. */
async function shareBundle(install) {
  const file = await bundleFile(install);
  if (navigator.canShare?.({ files: [file] })) {
    try {
      return await navigator.share({ files: [file] });
    } catch (error) {
      if (error.name === "AbortError") return; // the share sheet was closed
    }
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(file);
  link.download = file.name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000); // once the download has started
}

/** Read, share and remove a downloaded bundle. */
function installedActions(bundle, install, headingId, running) {
  const key = install.key;
  const read = el("a", {
    class: "button-link", href: `#/read/${bundle.id}/${install.locale}`,
    "aria-describedby": headingId,
  }, _("Read"));
  if (running) return [read];
  return [read,
    el("button", {
      type: "button", class: "secondary", "data-focus-key": `share-${key}`,
      "aria-describedby": headingId,
      onclick: () => shareBundle(install).catch((error) => notice(_(
        "The bundle file could not be made: {message}", { message: error.message }), "error")),
    }, _("Share this bundle")),
    el("button", {
      type: "button", class: "secondary", "data-focus-key": `remove-${key}`,
      "aria-describedby": headingId,
      onclick: async () => {
        await remove(key);
        announce(_("{title} was removed from this device.", { title: bundle.title }));
        redrawLibrary();
      },
    }, _("Remove download"))];
}

/** Download or resume, when nothing is installed or running. */
function downloadAction(bundle, locale, staging, size, headingId) {
  const key = db.installKey(bundle.id, locale);
  const start = () => runDownload(key, bundle.title, () => download(bundle.id, locale));
  if (staging) {
    return el("button", {
      type: "button", "data-focus-key": `resume-${key}`, onclick: start,
    }, _("Resume download"));
  }
  return el("button", {
    type: "button", "data-focus-key": `download-${key}`, "aria-describedby": headingId,
    onclick: () => (!size || confirmedSize(size.bytes)) && start(),
  }, _("Download for offline"));
}

/** `checked`: the trust and age line (freshnessLine) an installed bundle shows. */
function bundleCard(bundle, locale, install, staging, size, checked) {
  const key = db.installKey(bundle.id, locale);
  const plan = updatePlans.get(key);
  const running = Boolean(runningJob(key));
  const headingId = `bundle-${bundle.id}-${locale}`;
  const actions = el("div", { class: "actions" });
  if (!running && (staging || !install)) {
    actions.append(downloadAction(bundle, locale, staging, size, headingId));
  }
  if (install) actions.append(...installedActions(bundle, install, headingId, running));
  return el("li", { class: "card" },
    ...cardHeading(bundle, locale, headingId),
    installedLine(install, size),
    install && checked ? el("p", { class: "meta freshness" }, checked) : null,
    plan && install && !running ? updateBlock(bundle, install, plan) : null,
    progressBlock(key),
    actions);
}

async function openFile(input) {
  const [file] = input.files;
  input.value = "";
  if (!file) return;
  announce(_("Opening {name}…", { name: file.name }));
  try {
    const opened = await openedPage(file);
    if (opened) {
      pageNotice(opened.page);
      return;
    }
    const result = await installBundleFile(file);
    const { manifest, key } = result.install;
    updatePlans.delete(key);
    notice(fill(_("{title}, version {version}, was installed from the file.", {
      version: manifest.version,
    }), { title: el("span", langOf(manifest.locale), manifest.title) }), "info", IMPORT_JOB);
    withdrawnNotice(result);
  } catch (error) {
    notice(messageOf(error, "file"), "error", IMPORT_JOB);
  }
  redrawLibrary();
}

/** A summary page that checked out: what it is, and the bundle it belongs to. */
function pageNotice({ manifest, entry, install }) {
  const bundle = el("span", fieldLang(manifest.locale, manifest.fallback, "title"),
    manifest.title);
  const title = el("span", fieldLang(manifest.locale, entry.fallback, "title"), entry.title);
  const read = `#/read/${manifest.bundle}/${manifest.locale}`;
  notice(el("span", { class: "page-verified" },
    fill(_("This page is “{title}” from “{bundle}”, version {version}, exactly as its " +
      "publisher signed it.", { version: manifest.version }), { title, bundle }), " ",
    el("a", { href: `${read}/${entry.id}` }, _("Read it in the app")), " · ",
    el("a", { href: read }, install ? _("Open the bundle")
      : _("Open the bundle (download it below to read it without a connection)"))),
  "info", IMPORT_JOB);
}

/** "Open a bundle file": bundles passed on from another device, online or not. */
function filesSection() {
  const input = el("input", {
    type: "file", id: "bundle-file", accept: ".satchel,.html", "data-focus-key": "bundle-file",
    onchange: () => openFile(input),
  });
  return el("section", { class: "transfer", "aria-labelledby": "h-files" },
    el("h2", { id: "h-files" }, _("Bundle files")),
    el("p", {}, _("A downloaded bundle can be passed on as one file, without a connection: " +
      "“Share this bundle” makes the file, “Open a bundle file” installs one. It also checks a " +
      "page sent from an article.")),
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
    await Promise.all([loadBundles(), db.allInstalls(), db.allStaging()]);
  const byKey = new Map(installs.map((install) => [install.key, install]));
  const stagingKeys = new Set(staging.map((record) => record.key));
  // Each bundle in the reader's language, then every download in another one (offline, or
  // installed from a file passed on): each has its card, or it could not be found again.
  const shown = (list || []).map((bundle) => [bundle, contentLocaleFor(bundle)]);
  const keys = new Set(shown.map(([bundle, locale]) => db.installKey(bundle.id, locale)));
  for (const install of installs.filter((found) => !keys.has(found.key))) {
    const listed = list && list.find((bundle) => bundle.id === install.bundle);
    shown.push([listed || {
      id: install.bundle, title: install.manifest.title,
      description: install.manifest.description,
      source_locale: install.manifest.source_locale, locales: [install.locale],
    }, install.locale]);
  }
  const checked = await freshnessLine();
  const cards = await Promise.all(shown.map(async ([bundle, locale]) => {
    const key = db.installKey(bundle.id, locale);
    const install = byKey.get(key);
    const size = install ? null : await downloadSize(bundle.id, locale).catch(() => null);
    return bundleCard(bundle, locale, install, stagingKeys.has(key), size, checked);
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
async function redrawLibrary() {
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
