// Saved articles: a copy of each article the reader saved, kept in its own IndexedDB database
// ("satchel-saved"), apart from the downloaded bundles, so no update, removal or eviction of a
// bundle touches it. Each record keeps the article object as saved and its sha256 name; the
// bundle's current manifest then says whether the article changed or was withdrawn since.
// Export writes every record to a small JSON file; import merges such a file back in, keeping
// only what it says as text: an article's HTML is only ever taken from its bundle, where it was
// sanitised at build time and checked against its sha256 name, never from a file.

import { _, fill, ngettext } from "../lib/i18n.js";
import { el, fieldLang, formatDate, langOf } from "../ui/dom.js";
import { announce, notice, show } from "../ui/page.js";
import * as sync from "../lib/sync.js";

const DATABASE = "satchel-saved";
const STORE = "articles";
const FILE_FORMAT = "satchel-saved-articles";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request && request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

export const keyOf = (bundle, locale, id) => `${bundle}/${locale}/${id}`;
export const savedArticles = () => run("readonly", (store) => store.getAll());
export const getSaved = (key) => run("readonly", (store) => store.get(key));
const putAll = (records) => run("readwrite", (store) => records.forEach((r) => store.put(r)));
export const unsave = (key) => run("readwrite", (store) => store.delete(key));

/** Save `article` (the object named `object` in the manifest of `bundle` × `locale`). */
export function save(bundle, locale, manifest, object, article) {
  return putAll([{
    key: keyOf(bundle, locale, article.id), bundle, locale, id: article.id, object, article,
    bundleTitle: manifest.title, bundleLang: manifest.fallback?.title || manifest.locale,
    sourceLocale: manifest.source_locale,
    savedAt: new Date().toISOString(),
  }]);
}

/** Keep the copy of `record` as it is now published, once the reader has seen the change. */
export function refresh(record, object, article) {
  return putAll([{ ...record, object, article, updatedAt: new Date().toISOString() }]);
}

/**
 * How a saved article stands in its bundle today: "current", "changed", "withdrawn",
 * "removed" (no longer listed), or "unknown" (offline and the bundle is not downloaded).
 */
export async function standing(record, manifests = new Map()) {
  const key = sync.keyOf(record.bundle, record.locale);
  if (!manifests.has(key)) {
    manifests.set(key, sync.readManifest(record.bundle, record.locale)
      .then((found) => found.manifest, () => null));
  }
  const manifest = await manifests.get(key); // one read per bundle and language
  if (!manifest) return "unknown";
  const entry = manifest.articles.find((item) => item.id === record.id);
  if (!entry) return "removed";
  if (!entry.object || entry.status === "withdrawn") return "withdrawn";
  return entry.object === record.object ? "current" : "changed";
}

export function withdrawnExplanation() {
  return _("Its authors withdrew it. A withdrawn study may have found something that turned " +
    "out to be wrong, so do not act on what it said; ask your doctor if it made you " +
    "think about changing anything.");
}

function standingLine(state, record) {
  const savedOn = formatDate(record.savedAt);
  const lines = {
    changed: [_("Updated since you saved it on {date}. Open it to read the current version.",
      { date: savedOn }), "info"],
    withdrawn: [[_("Withdrawn."), withdrawnExplanation()].join(" "), "error"],
    removed: [_("No longer in this bundle. Your saved copy is kept until you remove it."),
      "info"],
    unknown: [_("Could not check for updates: you are offline and the bundle is not " +
      "downloaded. You can still read your saved copy."), "info"],
  };
  if (!lines[state]) return null;
  const [text, kind] = lines[state];
  return el("p", { class: `notice-inline saved-${state} notice-${kind}` }, text);
}

function savedCard(record, state) {
  const headingId = `saved-${record.key.replace(/\W/g, "-")}`;
  const [title, titleLang] = titleOf(record);
  const link = `#/read/${record.bundle}/${record.locale}/${record.id}`;
  return el("li", { class: "card", "data-saved": record.key },
    el("h2", { id: headingId, ...titleLang },
      state === "withdrawn" ? title : el("a", { href: link }, title)),
    el("p", { class: "meta" }, fill(_("Saved {date} from {bundle}"), {
      date: formatDate(record.savedAt),
      bundle: el("span", langOf(record.bundleLang), record.bundleTitle),
    })),
    standingLine(state, record),
    el("div", { class: "actions" },
      el("button", {
        type: "button", class: "secondary", "aria-describedby": headingId,
        "data-focus-key": `unsave-${record.key}`,
        onclick: async () => {
          await unsave(record.key);
          announce(_("Removed from saved articles."));
          await showSaved();
        },
      }, _("Remove from saved"))));
}

function exportFile(records) {
  const body = JSON.stringify({ format: FILE_FORMAT, version: 1, saved: records });
  const url = URL.createObjectURL(new Blob([body], { type: "application/json" }));
  const link = el("a", {
    href: url, download: `satchel-saved-${new Date().toISOString().slice(0, 10)}.json`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const TEXT_FIELDS = ["bundle", "locale", "id", "object", "savedAt", "bundleTitle", "bundleLang",
  "sourceLocale"];

/** The text fields of a record from a file; null unless it names an article. */
function fromFile(value) {
  if (!value || typeof value !== "object") return null;
  const record = Object.fromEntries(TEXT_FIELDS.filter((name) => typeof value[name] === "string")
    .map((name) => [name, value[name]]));
  const article = value.article || { title: value.title, lang: value.titleLang };
  if (!record.bundle || !record.locale || !record.id || !record.object || !record.savedAt
    || typeof article.title !== "string") return null;
  return {
    ...record, key: keyOf(record.bundle, record.locale, record.id),
    // Only the title and its language, until the article itself comes from its bundle.
    article: null, title: article.title, titleLang: String(article.lang || record.locale),
  };
}

/** The article of an imported record, from its bundle, if that still has the version saved. */
async function fetchCopy(record) {
  try {
    const { manifest } = await sync.readManifest(record.bundle, record.locale);
    const entry = manifest.articles.find((item) => item.id === record.id);
    if (!entry || entry.object !== record.object) return record; // changed: fetched on opening
    return { ...record, article: await sync.readObject(entry.object), bundleTitle: manifest.title };
  } catch {
    return record; // offline: fetched when it is first opened
  }
}

/** Add the saved articles of an exported file; those already saved here are kept as they are. */
export async function importFile(file) {
  let records;
  try {
    const parsed = JSON.parse(await file.text());
    if (parsed.format !== FILE_FORMAT || !Array.isArray(parsed.saved)) throw new Error();
    records = parsed.saved.map(fromFile).filter(Boolean);
  } catch {
    return null;
  }
  const have = new Set((await savedArticles()).map((record) => record.key));
  const added = records.filter((record) => !have.has(record.key));
  await putAll(await Promise.all(added.map(fetchCopy)));
  return added.length;
}

/** A saved article's title and the attributes of its language, with or without its copy. */
export function titleOf(record) {
  const article = record.article;
  return article
    ? [article.title, fieldLang(article.lang, article.translation?.fallback, "title")]
    : [record.title, langOf(record.titleLang)];
}

function transferBlock(records) {
  const input = el("input", { type: "file", id: "saved-import", accept: ".json,application/json" });
  input.addEventListener("change", async () => {
    const [file] = input.files;
    if (!file) return;
    const added = await importFile(file);
    if (added === null) {
      notice(_("This file is not a list of saved articles from Satchel."), "error", "saved");
      return;
    }
    await showSaved();
    notice(ngettext("{count} saved article imported.", "{count} saved articles imported.",
      added, { count: added }), "info", "saved");
  });
  return el("section", { class: "transfer", "aria-labelledby": "h-transfer" },
    el("h2", { id: "h-transfer" }, _("Keep them when you change phone or reinstall")),
    el("p", {}, _("Export your saved articles to a small file, and import it later on " +
      "this or another device.")),
    el("div", { class: "actions" },
      el("button", {
        type: "button", disabled: !records.length, onclick: () => exportFile(records),
      }, _("Export saved articles"))),
    el("div", { class: "field" },
      el("label", { for: "saved-import" }, _("Import saved articles from a file")), input));
}

export async function showSaved() {
  const records = (await savedArticles())
    .sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  const manifests = new Map();
  const states = await Promise.all(records.map((record) => standing(record, manifests)));
  show(_("Saved articles"),
    el("h1", {}, _("Saved articles")),
    el("p", {}, _("Articles you save stay on this device: you can read them without a " +
      "connection, and updates tell you when one changes or is withdrawn.")),
    records.length
      ? el("ul", { class: "cards" }, ...records.map((record, i) => savedCard(record, states[i])))
      : el("p", {}, _("Nothing saved yet. Use “Save” on an article to keep it here.")),
    transferBlock(records));
}
