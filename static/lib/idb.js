// The one IndexedDB wrapper, for both of the device's databases: the bundles (db.js) and the saved
// articles (saved.js). A full disk fails as AppError "storage_full".

import { AppError } from "./errors.js";

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
    transaction: (names, mode, work) => transaction(open, names, mode, work),
    get: (store, key) => request(open, store, (s) => s.get(key)),
    getAll: (store) => request(open, store, (s) => s.getAll()),
    getAllKeys: (store) => request(open, store, (s) => s.getAllKeys()),
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
async function transaction(open, names, mode, work) {
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
function request(open, store, read) {
  return transaction(open, [store], "readonly", (s, done) => {
    read(s[store]).onsuccess = (event) => done(event.target.result);
  });
}
