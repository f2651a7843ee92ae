// The one IndexedDB wrapper (database()), used for both of the device's databases: the saved
// articles (saved.js) and the device's copy of the bundles, here ("satchel"):
//   objects  {name, text} or {name, bytes}  content objects, keyed by their sha256 (verified before
//            put); search segments (manifest.search.segments) are binary: bytes is an ArrayBuffer
//   installs {key, bundle, locale, version, etag, manifest, keyId, installedAt}  the version being
//            read; keyId: the key its manifest verified with
//   staging  {key, bundle, locale, manifest, etag, keyId, from, changes, startedAt}  a download in
//            progress
//   keys     the publisher keys the device trusts (trust.js)
//   trust    {id: "repository", root, timestamp, snapshot, targets, checkedAt}  the TUF metadata
//            last verified (freshness.js): no later answer may go below its versions
//   outbox   {id, kind, body, queuedAt}  what the reader chose to send (outbox.js): feedback and,
//            when turned on, searches that found nothing, kept until the server has them
// Objects are content-addressed, so objects downloaded for a staged version cannot change what
// the installed manifest names: the installed version stays readable during a download. The
// switch is one transaction that replaces the installs record and deletes the staging record.
// The install keys are also kept in localStorage: the browser may evict the database to free
// space, and on start the device can tell what was lost (checkHealth).

import { AppError } from "./errors.js";
import { objectsOf } from "./manifest.js";

/**
 * A database, opened on first use and kept open. `upgrade(db, oldVersion)` makes its stores. When
 * another tab opens a newer version, this one lets go and opens again at its next use.
 */
export function database(name, version, upgrade) {
  let opening = null;
  const open = () => {
    opening ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(name, version);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => {
        request.result.onversionchange = () => {
          request.result.close();
          opening = null;
        };
        resolve(request.result);
      };
      request.onerror = () => reject(request.error);
    });
    return opening;
  };
  return {
    transaction: (names, mode, work) => inTransaction(open, names, mode, work),
    get: (store, key) => readOne(open, store, (s) => s.get(key)),
    getAll: (store) => readOne(open, store, (s) => s.getAll()),
    getAllKeys: (store) => readOne(open, store, (s) => s.getAllKeys()),
  };
}

function failure(error) {
  return error && error.name === "QuotaExceededError"
    ? new AppError("storage_full", { message: error.message }) : error;
}

/**
 * Run `work(stores, done)` in one transaction; resolves with what `done` was given once the
 * transaction commits. Nothing else may be awaited inside, or the transaction commits early.
 */
async function inTransaction(open, names, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode);
    const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onabort = () => reject(failure(tx.error));
    tx.onerror = () => reject(failure(tx.error));
    try {
      work(stores, (value) => { result = value; });
    } catch (error) {
      tx.abort();
      reject(failure(error));
    }
  });
}

/** The result of one read request on `store`. */
function readOne(open, store, read) {
  return inTransaction(open, [store], "readonly", (s, done) => {
    read(s[store]).onsuccess = (event) => done(event.target.result);
  });
}

// Each version adds stores and keeps what the earlier ones hold.
const db = database("satchel", 4, (created, oldVersion) => {
  if (oldVersion < 1) {
    created.createObjectStore("objects", { keyPath: "name" });
    created.createObjectStore("installs", { keyPath: "key" });
    created.createObjectStore("staging", { keyPath: "key" });
  }
  if (oldVersion < 2) created.createObjectStore("keys", { keyPath: "id" });
  if (oldVersion < 3) created.createObjectStore("outbox", { keyPath: "id" });
  if (oldVersion < 4) created.createObjectStore("trust", { keyPath: "id" });
});
const { transaction, get, getAll } = db;

/** The key of a bundle's download in one language: installs and staging records have it. */
export const installKey = (bundle, locale) => `${bundle}/${locale}`;

export const getInstall = (key) => get("installs", key);
export const allInstalls = () => getAll("installs");
/** The keys of the installs, without reading their manifests (megabytes for a large bundle). */
export const installKeys = () => db.getAllKeys("installs");
export const trustedKeys = () => getAll("keys");
export function putKey(key) {
  return transaction(["keys"], "readwrite", (s) => s.keys.put(key));
}
export const getStaging = (key) => get("staging", key);
const TRUST_RECORD = "repository";
export const getTrust = () => get("trust", TRUST_RECORD);
export function putTrust(record) {
  return transaction(["trust"], "readwrite", (s) => s.trust.put({ ...record, id: TRUST_RECORD }));
}

export const outbox = () => getAll("outbox");
export function putOutbox(record) {
  return transaction(["outbox"], "readwrite", (s) => s.outbox.put(record));
}
/** Forget the sent records: only once the server has answered that it holds them. */
export function deleteOutbox(ids) {
  return transaction(["outbox"], "readwrite", (s) => ids.forEach((id) => s.outbox.delete(id)));
}
export const allStaging = () => getAll("staging");

export function putStaging(record) {
  return transaction(["staging"], "readwrite", (s) => s.staging.put(record));
}

export function deleteStaging(key) {
  return transaction(["staging"], "readwrite", (s) => s.staging.delete(key));
}

export async function objectNames() {
  return new Set(await db.getAllKeys("objects"));
}

export function putObject(name, text) {
  return transaction(["objects"], "readwrite", (s) => s.objects.put({ name, text }));
}

/** Store many verified objects ({name, text}) in one transaction: far fewer commits. */
export function putObjects(records) {
  return transaction(["objects"], "readwrite", (s) => {
    for (const record of records) s.objects.put(record);
  });
}

export async function getObject(name) {
  const record = await get("objects", name);
  return record ? JSON.parse(record.text) : null;
}

/** An object as stored: {name, text} or {name, bytes}, the bytes its name was verified with. */
export const getRecord = (name) => get("objects", name);

export function putBytes(name, bytes) {
  return transaction(["objects"], "readwrite", (s) => s.objects.put({ name, bytes }));
}

export async function getBytes(name) {
  const record = await get("objects", name);
  return record ? record.bytes : null;
}

/** The atomic switch: the new installs record and the end of staging, in one transaction. */
export function switchTo(install) {
  return transaction(["installs", "staging"], "readwrite", (s) => {
    s.installs.put(install);
    s.staging.delete(install.key);
  });
}

export function removeInstall(key) {
  return transaction(["installs", "staging"], "readwrite", (s) => {
    s.installs.delete(key);
    s.staging.delete(key);
  });
}

/** Delete objects that neither an installed nor a staged manifest names. */
export function collectGarbage() {
  return transaction(["objects", "installs", "staging"], "readwrite", (s) => {
    const keep = new Set();
    s.installs.getAll().onsuccess = (a) => {
      s.staging.getAll().onsuccess = (b) => {
        for (const record of [...a.target.result, ...b.target.result]) {
          objectsOf(record.manifest).forEach((entry) => keep.add(entry.object));
        }
        s.objects.getAllKeys().onsuccess = (c) => {
          for (const name of c.target.result) if (!keep.has(name)) s.objects.delete(name);
        };
      };
    };
  });
}

const REMEMBERED = "satchel.installed";

export function rememberInstalls(keys) {
  try {
    localStorage.setItem(REMEMBERED, JSON.stringify(keys));
  } catch {
    // Storage full or disabled: eviction detection is best effort.
  }
}

/** The install keys last remembered; none when the entry is missing or not a list of keys. */
function rememberedKeys() {
  try {
    const keys = JSON.parse(localStorage.getItem(REMEMBERED) || "[]");
    return Array.isArray(keys) ? keys : [];
  } catch {
    return [];
  }
}

/**
 * On start: bundles the browser evicted (remembered but gone) and installs with missing objects.
 * Repairing one (download.js) downloads its missing objects again for the same version.
 */
export async function checkHealth() {
  const installs = await allInstalls();
  const lost = rememberedKeys().filter((key) => !installs.some((install) => install.key === key));
  const present = await objectNames();
  const damaged = installs.filter((install) =>
    objectsOf(install.manifest).some((entry) => !present.has(entry.object)));
  rememberInstalls(installs.map((install) => install.key));
  return { lost, damaged };
}
