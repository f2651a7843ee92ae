// The device's copy of the bundles, in IndexedDB ("satchel"):
//   objects  {name, text} or {name, bytes}  content objects, keyed by their sha256 (verified before
//            put); search segments (manifest.search.segments) are binary: bytes is an ArrayBuffer
//   installs {key, bundle, locale, version, etag, manifest, keyId, installedAt}  the version being
//            read; keyId: the key its manifest verified with
//   staging  {key, bundle, locale, manifest, etag, keyId, from, changes, startedAt}  a download in
//            progress
//   keys     the publisher keys the device trusts (trust.js)
// Objects are content-addressed, so objects downloaded for a staged version cannot change what
// the installed manifest names: the installed version stays readable during a download. The
// switch is one transaction that replaces the installs record and deletes the staging record.

const DB_NAME = "satchel";
let opening = null;

export class StorageFull extends Error {}

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 2);
    request.onupgradeneeded = (event) => {
      const db = request.result;
      if (event.oldVersion < 1) {
        db.createObjectStore("objects", { keyPath: "name" });
        db.createObjectStore("installs", { keyPath: "key" });
        db.createObjectStore("staging", { keyPath: "key" });
      }
      db.createObjectStore("keys", { keyPath: "id" }); // version 2; the downloads stay as they are
    };
    request.onsuccess = () => {
      // Another tab opening a newer version waits until this one lets go.
      request.result.onversionchange = () => {
        request.result.close();
        opening = null;
      };
      resolve(request.result);
    };
    request.onerror = () => reject(request.error);
  });
  return opening;
}

function failure(error) {
  return error && error.name === "QuotaExceededError" ? new StorageFull(error.message) : error;
}

/** Run `work(stores)` in one transaction; resolves with its result once the transaction commits. */
async function transaction(names, mode, work) {
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

const get = (store, key) => transaction([store], "readonly", (s, done) => {
  s[store].get(key).onsuccess = (event) => done(event.target.result);
});
const getAll = (store) => transaction([store], "readonly", (s, done) => {
  s[store].getAll().onsuccess = (event) => done(event.target.result);
});

export const getInstall = (key) => get("installs", key);
export const allInstalls = () => getAll("installs");
/** The keys of the installs, without reading their manifests (megabytes for a large bundle). */
export const installKeys = () => transaction(["installs"], "readonly", (s, done) => {
  s.installs.getAllKeys().onsuccess = (event) => done(event.target.result);
});
export const trustedKeys = () => getAll("keys");
export function putKey(key) {
  return transaction(["keys"], "readwrite", (s) => s.keys.put(key));
}
export const getStaging = (key) => get("staging", key);
export const allStaging = () => getAll("staging");

export function putStaging(record) {
  return transaction(["staging"], "readwrite", (s) => s.staging.put(record));
}

export function deleteStaging(key) {
  return transaction(["staging"], "readwrite", (s) => s.staging.delete(key));
}

export async function objectNames() {
  const keys = await transaction(["objects"], "readonly", (s, done) => {
    s.objects.getAllKeys().onsuccess = (event) => done(event.target.result);
  });
  return new Set(keys);
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

export const segmentsOf = (manifest) => (manifest.search && manifest.search.segments) || [];

export function objectsOf(manifest) {
  return [...manifest.articles, ...manifest.about, ...segmentsOf(manifest)]
    .filter((entry) => entry.object);
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
