// The one IndexedDB wrapper (database()), used for both of the device's databases: the saved
// articles (saved.js) and the device's copy of the bundles, here ("satchel"):
//   chunks    {id, names, ends}  content objects, stored a chunk of about CHUNK_BYTES at a time:
//             the sha256 names of its objects in order (each verified before it was put) and
//             where each one ends in the chunk's bytes; the index "names" (multiEntry) finds the
//             chunk of an object. Search segments (manifest.search.segments) are objects too.
//   chunkData {id, bytes}  that chunk's bytes (an ArrayBuffer): its objects one after another.
//             Apart from `chunks`, so that listing what is stored reads no content
//   installs  {key, bundle, locale, version, etag, manifestBytes, keyId, installedAt}  the
//             version being read; keyId: the key its manifest verified with
//   staging   {key, bundle, locale, manifestBytes, etag, keyId, from, changes, startedAt}  a
//             download in progress
//             manifestBytes: the manifest as its publisher's bytes, verified (an ArrayBuffer; etag
//             is their sha256), read back with `manifest` parsed from them (withManifest).
//             Records of updates, and those stored before, hold the parsed `manifest` instead
//   keys      the publisher keys the device trusts (trust.js)
//   trust     {id: "repository", root, timestamp, snapshot, targets, checkedAt}  the TUF metadata
//             last verified (freshness.js): no later answer may go below its versions
//   outbox    {id, kind, body, queuedAt}  what the reader chose to send (outbox.js): feedback and,
//             when turned on, searches that found nothing, kept until the server has them
// Objects are content-addressed, so objects downloaded for a staged version cannot change what
// the installed manifest names: the installed version stays readable during a download. The
// switch is one transaction that replaces the installs record and deletes the staging record.
// Chunks, not one record an object: a first install of 5,490 articles spent more time in one
// IndexedDB `put` per object than in anything else (bench `install` rows); reading an object
// reads its chunk, a few milliseconds. Before version 5 each object was one record of the
// `objects` store ({name, text} or {name, bytes}); the upgrade moves them into chunks in place.
// The install keys are also kept in localStorage: the browser may evict the database to free
// space, and on start the device can tell what was lost (checkHealth).

import { AppError } from "./errors.js";
import { objectsOf } from "./manifest.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A database, opened on first use and kept open. `upgrade(db, oldVersion, transaction)` makes its
 * stores and moves what they hold. When another tab opens a newer version, this one lets go and
 * opens again at its next use.
 */
export function database(name, version, upgrade) {
  let opening = null;
  const open = () => {
    opening ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(name, version);
      request.onupgradeneeded = (event) =>
        upgrade(request.result, event.oldVersion, request.transaction);
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
const db = database("satchel", 5, (created, oldVersion, upgrading) => {
  if (oldVersion < 1) {
    created.createObjectStore("objects", { keyPath: "name" });
    created.createObjectStore("installs", { keyPath: "key" });
    created.createObjectStore("staging", { keyPath: "key" });
  }
  if (oldVersion < 2) created.createObjectStore("keys", { keyPath: "id" });
  if (oldVersion < 3) created.createObjectStore("outbox", { keyPath: "id" });
  if (oldVersion < 4) created.createObjectStore("trust", { keyPath: "id" });
  if (oldVersion < 5) {
    created.createObjectStore("chunks", { keyPath: "id" })
      .createIndex("names", "names", { multiEntry: true });
    created.createObjectStore("chunkData", { keyPath: "id" });
    moveObjectsIntoChunks(created, upgrading);
  }
});
const { transaction, get, getAll } = db;

/** The key of a bundle's download in one language: installs and staging records have it. */
export const installKey = (bundle, locale) => `${bundle}/${locale}`;

// A manifest kept as its bytes, not as the parsed tree of its entries: IndexedDB copies the
// bytes in and out at once, where it walked each of MedQuAD's 5,490 entries to store a staging
// record and again to read and store the install. Each is parsed once a page (keyed by its etag,
// the sha256 of its bytes) and then shared, never changed, by every record read that holds it.
const MANIFESTS_KEPT = 4;
const parsedManifests = new Map(); // etag → manifest, the last used last

function keepParsed(etag, manifest) {
  parsedManifests.delete(etag);
  parsedManifests.set(etag, manifest);
  if (parsedManifests.size > MANIFESTS_KEPT) {
    parsedManifests.delete(parsedManifests.keys().next().value);
  }
  return manifest;
}

/** An installs or staging record as read, with its `manifest`. */
function withManifest(record) {
  if (!record || !record.manifestBytes) return record;
  const manifest = parsedManifests.get(record.etag)
    ?? JSON.parse(decoder.decode(record.manifestBytes));
  return { ...record, manifest: keepParsed(record.etag, manifest) };
}

/** An installs or staging record as stored: the manifest's bytes alone, when it has them. */
function storedManifest(record) {
  if (!record.manifestBytes) return record;
  const { manifest, manifestBytes, ...rest } = record;
  keepParsed(record.etag, manifest);
  return { ...rest, manifestBytes: ownBuffer(manifestBytes) };
}

/** `bytes` (an ArrayBuffer or a view) as an ArrayBuffer holding them and nothing else. */
function ownBuffer(bytes) {
  if (bytes instanceof ArrayBuffer) return bytes;
  return bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
}

export const getInstall = async (key) => withManifest(await get("installs", key));
export const allInstalls = async () => (await getAll("installs")).map(withManifest);
/** The keys of the installs, without reading their manifests (megabytes for a large bundle). */
export const installKeys = () => db.getAllKeys("installs");
export const trustedKeys = () => getAll("keys");
export function putKey(key) {
  return transaction(["keys"], "readwrite", (s) => s.keys.put(key));
}
export const getStaging = async (key) => withManifest(await get("staging", key));
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
export const allStaging = async () => (await getAll("staging")).map(withManifest);

export function putStaging(record) {
  return transaction(["staging"], "readwrite", (s) => s.staging.put(storedManifest(record)));
}

export function deleteStaging(key) {
  return transaction(["staging"], "readwrite", (s) => s.staging.delete(key));
}

/**
 * The bytes of a chunk (putChunks), about. Under 64 KiB: Chromium writes a larger value to a blob
 * of its own, and 320 puts of 64 kB values took 1.4 times as long as of 60 kB (4× CPU, reading
 * one 1.6 times), measured apart.
 */
export const CHUNK_BYTES = 60 << 10;

/**
 * Objects copied one after another into a chunk of about CHUNK_BYTES: `add(parts, length)` copies
 * an object given as its pieces (Uint8Arrays of `length` bytes in all) and returns the copy,
 * `take(names)` the chunk ({names, ends, bytes}) and starts the next.
 */
export function chunker() {
  let buffer = new Uint8Array(CHUNK_BYTES);
  let ends = [];
  const used = () => ends.at(-1) ?? 0;
  return {
    /** Whether `length` more bytes would not fit in the chunk begun. */
    full: (length) => ends.length > 0 && used() + length > CHUNK_BYTES,
    add(parts, length) {
      const start = used();
      if (start + length > buffer.length) { // one object larger than a chunk
        const larger = new Uint8Array(start + length);
        larger.set(buffer.subarray(0, start));
        buffer = larger;
      }
      let at = start;
      for (const part of parts) {
        buffer.set(part, at);
        at += part.length;
      }
      ends.push(at);
      return buffer.subarray(start, at);
    },
    take(names) {
      const chunk = { names, ends, bytes: buffer.slice(0, used()).buffer };
      ends = [];
      if (buffer.length > CHUNK_BYTES) buffer = new Uint8Array(CHUNK_BYTES);
      return chunk;
    },
  };
}

/** A chunk of one object. */
export const chunkOf = (name, buffer) =>
  ({ names: [name], ends: [buffer.byteLength], bytes: buffer });

// A chunk's id: unique across pages and devices' copies without a random UUID per chunk (443 of
// them in a MedQuAD install).
const CHUNK_IDS = crypto.randomUUID();
let chunksMade = 0;

function putChunk(s, { id = `${CHUNK_IDS}-${(chunksMade += 1)}`, names, ends, bytes }) {
  s.chunks.put({ id, names, ends });
  s.chunkData.put({ id, bytes });
}

/** Store chunks of verified objects ({names, ends, bytes}) in one transaction. */
export function putChunks(chunks) {
  return transaction(["chunks", "chunkData"], "readwrite", (s) => {
    chunks.forEach((chunk) => putChunk(s, chunk));
  });
}

/**
 * Version 5: every record of the `objects` store, the layout before chunks, moved into chunks in
 * the upgrade's transaction (all or nothing: interrupted, the next start begins again).
 */
function moveObjectsIntoChunks(created, upgrading) {
  if (!created.objectStoreNames.contains("objects")) return;
  const s = Object.fromEntries(["chunks", "chunkData"]
    .map((name) => [name, upgrading.objectStore(name)]));
  const chunk = chunker();
  let names = [];
  const flush = () => {
    if (names.length) putChunk(s, chunk.take(names));
    names = [];
  };
  upgrading.objectStore("objects").openCursor().onsuccess = (event) => {
    const cursor = event.target.result;
    if (!cursor) {
      flush();
      created.deleteObjectStore("objects");
      return;
    }
    const { name, text, bytes } = cursor.value;
    const data = bytes ? new Uint8Array(bytes) : encoder.encode(text);
    if (chunk.full(data.length)) flush();
    chunk.add([data], data.length);
    names.push(name);
    cursor.continue();
  };
}

/** The names of the objects stored. */
export async function objectNames() {
  return new Set((await getAll("chunks")).flatMap((chunk) => chunk.names));
}

const startOf = (chunk, index) => (index ? chunk.ends[index - 1] : 0);

/** Object `index` of `chunk` whose bytes are `bytes`: a view of them. */
function objectAt(chunk, bytes, index) {
  const start = startOf(chunk, index);
  return new Uint8Array(bytes, start, chunk.ends[index] - start);
}

// The chunks last read, kept for the next objects asked for, which often share one (the articles
// a search shows, a bundle written to a file in order). Objects are content-addressed, so a name
// found in a kept chunk has these bytes even if the database has moved or dropped it since.
const RECENT_CHUNKS = 4;
const recent = [];

function fromRecent(name) {
  for (const chunk of recent) {
    const index = chunk.names.indexOf(name);
    if (index >= 0) return objectAt(chunk, chunk.bytes, index);
  }
  return null;
}

function readChunkOf(name) {
  return transaction(["chunks", "chunkData"], "readonly", (s, done) => {
    s.chunks.index("names").get(name).onsuccess = (found) => {
      const chunk = found.target.result;
      if (!chunk) return;
      s.chunkData.get(chunk.id).onsuccess = (read) => {
        if (read.target.result) done({ ...chunk, bytes: read.target.result.bytes });
      };
    };
  });
}

/** The bytes of object `name` (a Uint8Array), as verified when stored; null when not stored. */
export async function getObjectBytes(name) {
  const kept = fromRecent(name);
  if (kept) return kept;
  const chunk = await readChunkOf(name);
  if (!chunk) return null;
  if (chunk.names.length > 1) {
    recent.unshift(chunk);
    recent.length = Math.min(recent.length, RECENT_CHUNKS);
  }
  return objectAt(chunk, chunk.bytes, chunk.names.indexOf(name));
}

export async function getObject(name) {
  const bytes = await getObjectBytes(name);
  return bytes ? JSON.parse(decoder.decode(bytes)) : null;
}

/** A binary object (a search segment) as an ArrayBuffer of its own; null when not stored. */
export async function getBytes(name) {
  const bytes = await getObjectBytes(name);
  return bytes && ownBuffer(bytes);
}

/** The atomic switch: the new installs record and the end of staging, in one transaction. */
export function switchTo(install) {
  return transaction(["installs", "staging"], "readwrite", (s) => {
    s.installs.put(storedManifest(install));
    s.staging.delete(install.key);
  });
}

export function removeInstall(key) {
  return transaction(["installs", "staging"], "readwrite", (s) => {
    s.installs.delete(key);
    s.staging.delete(key);
  });
}

/**
 * `chunk` ({id, names, ends}, its bytes `bytes`) with only the objects `keep` says, by index:
 * the records to put.
 */
function compacted(chunk, bytes, keep) {
  const kept = chunker();
  const names = [];
  chunk.names.forEach((name, i) => {
    if (!keep[i]) return;
    const object = objectAt(chunk, bytes, i);
    kept.add([object], object.length);
    names.push(name);
  });
  return { id: chunk.id, ...kept.take(names) };
}

/**
 * Drop the objects that neither an installed nor a staged manifest names, and second copies of an
 * object: a chunk left with none goes, one with some is written again with only those (an update
 * of a few articles writes a few chunks again).
 */
export function collectGarbage() {
  return transaction(["chunks", "chunkData", "installs", "staging"], "readwrite", (s) => {
    const named = new Set();
    s.installs.getAll().onsuccess = (a) => {
      s.staging.getAll().onsuccess = (b) => {
        for (const record of [...a.target.result, ...b.target.result]) {
          objectsOf(withManifest(record).manifest).forEach((entry) => named.add(entry.object));
        }
        s.chunks.getAll().onsuccess = (c) => {
          const kept = new Set(); // in key order, as the index finds an object's first chunk
          for (const chunk of c.target.result) {
            const keep = chunk.names.map((name) => {
              const wanted = named.has(name) && !kept.has(name);
              if (wanted) kept.add(name);
              return wanted;
            });
            if (keep.every(Boolean)) continue;
            if (!keep.some(Boolean)) {
              s.chunks.delete(chunk.id);
              s.chunkData.delete(chunk.id);
              continue;
            }
            s.chunkData.get(chunk.id).onsuccess = (d) => {
              putChunk(s, compacted(chunk, d.target.result.bytes, keep));
            };
          }
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
