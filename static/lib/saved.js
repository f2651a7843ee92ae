// Saved articles: a copy of each article the reader saved, kept in its own IndexedDB database
// ("satchel-saved"), apart from the downloaded bundles, so no update, removal or eviction of a
// bundle touches it. Each record keeps the article object as saved and its sha256 name; the
// bundle's current manifest then says whether the article changed or was withdrawn since.
// A file of them keeps only what it says as text: an article's HTML is only ever taken from its
// bundle, where it was sanitised at build time and checked against its sha256 name, never from a
// file.

import { database, installKey } from "./db.js";
import { readManifest, readObject } from "./read.js";

const STORE = "articles";
const FILE_FORMAT = "satchel-saved-articles";
const db = database("satchel-saved", 1,
  (created) => created.createObjectStore(STORE, { keyPath: "key" }));

export const savedKey = (bundle, locale, id) => `${bundle}/${locale}/${id}`;
export const savedArticles = () => db.getAll(STORE);
export const getSaved = (key) => db.get(STORE, key);
const putAll = (records) => db.transaction([STORE], "readwrite",
  (s) => records.forEach((record) => s[STORE].put(record)));
export const unsave = (key) => db.transaction([STORE], "readwrite", (s) => s[STORE].delete(key));

/** Save `article` (the object named `object` in the manifest of `bundle` × `locale`). */
export function save(bundle, locale, manifest, object, article) {
  return putAll([{
    key: savedKey(bundle, locale, article.id), bundle, locale, id: article.id, object, article,
    bundleTitle: manifest.title, bundleLang: manifest.fallback?.title || manifest.locale,
    sourceLocale: manifest.source_locale,
    savedAt: new Date().toISOString(),
  }]);
}

/** Keep the copy of `record` as it is now published, once the reader has seen the change. */
export function keepCurrentCopy(record, object, article) {
  return putAll([{ ...record, object, article, updatedAt: new Date().toISOString() }]);
}

/**
 * How a saved article stands in its bundle today: "current", "changed", "withdrawn",
 * "removed" (no longer listed), or "unknown" (offline and the bundle is not downloaded).
 */
export async function standing(record, manifests = new Map()) {
  const key = installKey(record.bundle, record.locale);
  if (!manifests.has(key)) {
    manifests.set(key, readManifest(record.bundle, record.locale)
      .then((found) => found.manifest, () => null));
  }
  const manifest = await manifests.get(key); // one read per bundle and language
  if (!manifest) return "unknown";
  const entry = manifest.articles.find((item) => item.id === record.id);
  if (!entry) return "removed";
  if (!entry.object || entry.status === "withdrawn") return "withdrawn";
  return entry.object === record.object ? "current" : "changed";
}

/** The text of a file holding `records`, for importSavedFile on this or another device. */
export function savedFileText(records) {
  return JSON.stringify({ format: FILE_FORMAT, version: 1, saved: records });
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
    ...record, key: savedKey(record.bundle, record.locale, record.id),
    // Only the title and its language, until the article itself comes from its bundle.
    article: null, title: article.title, titleLang: String(article.lang || record.locale),
  };
}

/** The article of an imported record, from its bundle, if that still has the version saved. */
async function fetchCopy(record) {
  try {
    const { manifest } = await readManifest(record.bundle, record.locale);
    const entry = manifest.articles.find((item) => item.id === record.id);
    if (!entry || entry.object !== record.object) return record; // changed: fetched on opening
    return { ...record, article: await readObject(entry.object), bundleTitle: manifest.title };
  } catch {
    return record; // offline: fetched when it is first opened
  }
}

/**
 * Add the saved articles of an exported file; those already saved here are kept as they are.
 * Resolves with how many were added, null when it is not such a file.
 */
export async function importSavedFile(file) {
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
