// Getting bundles onto the device: a first install, the resumption of one, and the switch.
//
// First install streams the version's pack from the repository (NDJSON, brotli-encoded; the API's
// /pack until it is compressed): line 1 is the manifest, each further line one object whose
// sha256 must be a name in that manifest; the binary search segments follow one by one. Updates
// (update.js) fetch only the objects their changes name. Everything lands in staging first
// (db.js) and is verified with SubtleCrypto before it is stored; the switch to the new version
// happens in one IndexedDB transaction, only once every object is present. No manifest is
// staged, installed or read before its publisher's signature is verified (trust.js) and, taken
// from the network, before the publisher's fresh TUF metadata lists it (freshness.js).
// An interrupted download resumes from the staging record: objects already stored are skipped.

import { getJSON, request, requestFile } from "./api.js";
import * as db from "./db.js";
import { AppError } from "./errors.js";
import { checkManifest, verifiedTargets } from "./freshness.js";
import { objectsOf, packedOf, segmentsOf, sha256Hex, withdrawnFrom } from "./manifest.js";
import { runJob } from "./progress.js";
import { currentVersion, fetchVerified } from "./read.js";
import { prepareDeviceSearch } from "./search-client.js";
import { isUntrusted, verifyManifest } from "./trust.js";

const decoder = new TextDecoder();
const damaged = (message) => new AppError("integrity", { message });

// Verified objects are stored in chunk records (db.js), this many bytes of them in one IndexedDB
// transaction. Nothing else is awaited inside a transaction, or it would commit early.
const BATCH_BYTES = 1 << 20;
const PARALLEL_FETCHES = 4;

/**
 * Fetch and store the objects of the staged manifest (or those of its `entries`) that the device
 * does not hold. Progress is in bytes received: `offset` before them, `staging.expected` ({raw,
 * sent}) says what they cost when nothing of them was stored yet, else their plain size is the
 * estimate.
 */
async function downloadMissing(staging, progress, offset = 0,
  entries = objectsOf(staging.manifest)) {
  const present = await db.objectNames();
  const seen = new Set();
  const missing = entries.filter((entry) => {
    const needed = !present.has(entry.object) && !seen.has(entry.object);
    seen.add(entry.object);
    return needed;
  });
  const raw = missing.reduce((sum, entry) => sum + entry.bytes, 0);
  const expected = staging.expected && staging.expected.raw === raw ? staging.expected.sent : raw;
  const total = offset + expected;
  let done = offset;
  progress(done, total);
  const queue = missing.values();
  let failed = false;
  async function fetcher() {
    for (const entry of queue) {
      if (failed) return;
      const { buffer, sent } = await fetchVerified(entry.object);
      await db.putChunks([db.chunkOf(entry.object, buffer)]);
      done = Math.min(done + sent, total);
      progress(done, total);
    }
  }
  // A few at a time: on a phone's connection the round trips, not the bytes, are the wait.
  await Promise.all(Array.from({ length: PARALLEL_FETCHES }, () => fetcher().catch((error) => {
    failed = true;
    throw error;
  })));
  progress(total, total);
}

const sizes = new Map(); // install key → what a first install receives

/**
 * What downloading a bundle costs, as this browser receives it (brotli): the content source's
 * `<version>.download.json`, written with the compressed pack; until the pack is compressed, the
 * API's answer (it streams the pack meanwhile, see fetchPack).
 */
export async function downloadSize(bundle, locale) {
  const version = await currentVersion(bundle, locale);
  const stored = await requestFile(`bundles/${bundle}/${locale}/${version}.download.json`, {},
    [404]);
  const size = stored.ok ? await stored.json()
    : await getJSON(`/bundles/${bundle}/${locale}/download`, { cache: "no-store" });
  sizes.set(db.installKey(bundle, locale), size);
  return size;
}

const READ_BYTES = 1 << 16;

/**
 * Calls `line(parts)` with each line of a streamed body (without its newline), one at a time:
 * `parts` are the line's bytes as the Uint8Arrays they arrived in, never joined here; when `line`
 * returns a promise, the next line waits for it. Where the browser has a BYOB reader the stream
 * is read into one buffer, used again for every read, so that a large pack leaves no trail of
 * buffers for the garbage collector: `line` must copy what it keeps before it returns (or its
 * promise settles), and a line cut by a read keeps a copy of its start. Joining a cut line's
 * pieces at every read had copied a long line again and again (5% of the main thread's time in a
 * profiled MedQuAD install).
 */
async function forEachLine(body, received, line) {
  let reader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    reader = body.getReader();
  }
  const byob = typeof ReadableStreamBYOBReader !== "undefined"
    && reader instanceof ReadableStreamBYOBReader;
  let buffer = new ArrayBuffer(READ_BYTES);
  let rest = []; // the pieces of a line begun by earlier reads, copied
  for (;;) {
    const { done, value } = byob ? await reader.read(new Uint8Array(buffer)) : await reader.read();
    if (done) break;
    received(value.length);
    let start = 0;
    let newline;
    while ((newline = value.indexOf(10, start)) >= 0) {
      const waiting = line([...rest, value.subarray(start, newline)]);
      if (waiting) await waiting; // most lines are taken at once: no turn of the event loop each
      rest = [];
      start = newline + 1;
    }
    if (start < value.length) rest.push(value.slice(start));
    if (byob) buffer = value.buffer;
  }
  if (rest.length) await line(rest);
}

/** The pieces of a line copied into one Uint8Array of its own (a read's buffer is reused). */
function joined(parts) {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/**
 * The staging record of a pack's first line, its manifest, once verified. `plain`: the pack's
 * size decoded, which the progress scales to what crossed the network.
 */
async function stagePackManifest(bytes, { key, bundle, locale, size, etag }) {
  const manifest = JSON.parse(decoder.decode(bytes));
  const keyId = await verifyManifest(manifest, bytes);
  await checkManifest(await verifiedTargets(), { bundle, locale }, bytes, manifest.version);
  const packed = packedOf(manifest);
  const segments = segmentsOf(manifest).reduce((sum, entry) => sum + entry.bytes, 0);
  const staging = {
    key, bundle, locale, manifest, manifestBytes: bytes, keyId, etag,
    from: null, changes: null, startedAt: new Date().toISOString(),
    expected: size.version === manifest.version
      ? { raw: segments, sent: size.segment_bytes } : null,
  };
  await db.putStaging(staging);
  return {
    staging, expected: new Set(packed.map((entry) => entry.object)),
    plain: bytes.length + 1 + packed.reduce((sum, entry) => sum + entry.bytes + 1, 0),
  };
}

/**
 * Stores objects as they come, `add(...parts)` each (its bytes, in one or more pieces), in chunks
 * (db.js): a chunk is stored only once every object in it hashed to a name that `check(name)`
 * accepted (it throws to refuse), never before. Neither the digests of a chunk nor a transaction
 * of chunks is awaited before the next objects are read, only before that transaction's puts and
 * before the next transaction; `end()` waits for the last. `onStored()` after each.
 */
export function verifiedWriter(check, onStored = () => {}) {
  const chunk = db.chunker();
  let hashes = []; // of the objects in `chunk`, as they were added
  let ready = []; // promises of chunks checked, not yet put
  let readyBytes = 0;
  let writing = Promise.resolve();
  const seal = () => {
    const pending = Promise.all(hashes);
    hashes = [];
    const { ends, bytes } = chunk.take(null);
    const checked = pending.then((names) => {
      names.forEach(check);
      return { names, ends, bytes };
    });
    checked.catch(() => {}); // its write throws it
    ready.push(checked);
    readyBytes += bytes.byteLength;
  };
  const write = async () => {
    const checked = ready;
    ready = [];
    readyBytes = 0;
    await writing;
    writing = Promise.all(checked).then((chunks) => db.putChunks(chunks)).then(onStored);
    writing.catch(() => {}); // the next write or end() throws it
  };
  return {
    /** Returns a promise to await before the next object when a transaction was begun. */
    add(...parts) {
      const length = parts.reduce((sum, part) => sum + part.length, 0);
      let writes;
      if (chunk.full(length)) {
        seal();
        if (readyBytes >= BATCH_BYTES) writes = write();
      }
      // The chunk's copy is hashed: `parts` may be reused once this returns (forEachLine).
      hashes.push(sha256Hex(chunk.add(parts, length)));
      return writes;
    },
    async end() {
      if (hashes.length) seal();
      if (ready.length) await write();
      await writing;
    },
  };
}

/** The pack of `version` from the repository; the API streams it while it is not compressed. */
async function fetchPack(bundle, locale, version) {
  const stored = await requestFile(`bundles/${bundle}/${locale}/${version}.pack.ndjson.br`, {},
    [404]);
  if (stored.ok) return stored;
  return request(`/bundles/${bundle}/${locale}/pack`, { cache: "no-store" });
}

async function installFromPack(bundle, locale, progress) {
  const key = db.installKey(bundle, locale);
  const size = sizes.get(key) || await downloadSize(bundle, locale);
  sizes.delete(key); // the next install asks again
  const response = await fetchPack(bundle, locale, size.version);
  // One bar over what crosses the network: the pack (its decoded bytes scaled to its compressed
  // size) and the segments.
  const total = size.bytes;
  let pack = null; // what stagePackManifest gives
  let decoded = 0;
  let segmentBytes = 0;
  const report = () => progress(Math.min(
    Math.round((decoded / pack.plain) * size.pack_bytes) + segmentBytes, total), total);
  const objects = verifiedWriter((name) => {
    if (!pack.expected.has(name)) throw damaged(`pack line ${name} is not in the manifest`);
  }, report);
  let segments = null; // the search segments are not in the pack: fetched beside it
  const stageFirst = async (parts) => {
    const bytes = joined(parts);
    const etag = `"${await sha256Hex(bytes)}"`; // the manifest's, as the API's ETag names it
    pack = await stagePackManifest(bytes, { key, bundle, locale, size, etag });
    segments = downloadMissing(pack.staging, (done) => {
      segmentBytes = done;
      report();
    }, 0, segmentsOf(pack.staging.manifest));
    segments.catch(() => {}); // awaited once the pack is stored
  };
  await forEachLine(response.body, (length) => { decoded += length; },
    (parts) => (pack ? objects.add(...parts) : stageFirst(parts)));
  if (!pack) throw damaged("the pack was empty");
  await objects.end();
  await segments;
  return finalize(pack.staging);
}

/** Switch to a staged version once every object is stored (downloads and imported files). */
export async function finalize(staging) {
  const present = await db.objectNames();
  if (objectsOf(staging.manifest).some((entry) => !present.has(entry.object))) {
    throw damaged("some objects are still missing");
  }
  const previous = await db.getInstall(staging.key);
  const install = {
    key: staging.key, bundle: staging.bundle, locale: staging.locale,
    version: staging.manifest.version, etag: staging.etag, manifest: staging.manifest,
    manifestBytes: staging.manifestBytes, keyId: staging.keyId,
    installedAt: new Date().toISOString(),
  };
  await db.switchTo(install);
  const prepared = prepareDeviceSearch(install).catch(() => {
    // Cut off now: the device loads that code as it next searches the bundle online.
  });
  await db.collectGarbage();
  db.rememberInstalls(await db.installKeys());
  await prepared;
  const withdrawn = previous ? withdrawnFrom(previous.manifest, install.manifest) : [];
  return { install, withdrawn };
}

async function resumeStaging(staging, progress) {
  try {
    staging.keyId ??= await verifyManifest(staging.manifest); // staged before manifests were signed
    await downloadMissing(staging, progress);
  } catch (error) {
    if (error.code !== "object_not_found" && !isUntrusted(error)) throw error;
    // The staged version is no longer kept on the server, or its manifest is not one the device
    // can trust: start over from the current one.
    await db.deleteStaging(staging.key);
    return installFromPack(staging.bundle, staging.locale, progress);
  }
  return finalize(staging);
}

async function askToPersist() {
  try {
    if (navigator.storage && navigator.storage.persist) await navigator.storage.persist();
  } catch {
    // Persistence is a request; the download works without it.
  }
}

/** Download a bundle for offline reading, or resume its interrupted download. */
export function download(bundle, locale) {
  const key = db.installKey(bundle, locale);
  return runJob(key, async (progress) => {
    await askToPersist();
    const staging = await db.getStaging(key);
    return staging ? resumeStaging(staging, progress) : installFromPack(bundle, locale, progress);
  });
}

/** Download a whole bundle again (an update that needs it): what was staged is dropped. */
export function downloadAgain(install) {
  return runJob(install.key, async (progress) => {
    await askToPersist();
    await db.deleteStaging(install.key);
    return installFromPack(install.bundle, install.locale, progress);
  });
}

/** Stage `staging` (an update, a repair) and download what it lacks. */
export function downloadStaged(staging, { persist = true } = {}) {
  return runJob(staging.key, async (progress) => {
    if (persist) await askToPersist();
    await db.putStaging(staging);
    return resumeStaging(staging, progress);
  });
}

/** Continue every interrupted download (on start and when the connection comes back). */
export async function resumeAll() {
  const results = [];
  for (const staging of await db.allStaging()) {
    try {
      results.push(await runJob(staging.key, (progress) => resumeStaging(staging, progress)));
    } catch (error) {
      results.push({ error, key: staging.key });
    }
  }
  return results;
}

/** Download again the objects an install lost (checkHealth), for the same version. */
export function repair(install) {
  return downloadStaged({
    ...install, from: install.version, changes: null, startedAt: new Date().toISOString(),
  }, { persist: false });
}

/** Remove a downloaded bundle and whatever objects only it used. */
export async function remove(key) {
  await db.removeInstall(key);
  await db.collectGarbage();
  db.rememberInstalls(await db.installKeys());
}
