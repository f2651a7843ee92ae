// Getting bundles onto the device and keeping them current.
//
// First install streams /pack (NDJSON): line 1 is the manifest, each further line one object whose
// sha256 must be a name in that manifest; the binary search segments follow one by one. Updates
// fetch only the objects in /changes. Everything lands in staging first (db.js) and is verified
// with SubtleCrypto before it is stored; the switch to the new version happens in one IndexedDB
// transaction, only once every object is present. No manifest is staged, installed or read before
// its publisher's signature is verified (trust.js).
// An interrupted download resumes from the staging record: objects already stored are skipped.

import * as db from "./db.js";
import { applyChanges, articleChanges, canonicalBytes } from "./manifest.js";
import { UntrustedManifest, verifyManifest } from "./trust.js";

export const keyOf = (bundle, locale) => `${bundle}/${locale}`;
const api = (path) => `/api/v1${path}`;
const decoder = new TextDecoder();
const REMEMBERED = "satchel.installed";

export class IntegrityError extends Error {}

export class ApiFailure extends Error {
  constructor(error) {
    super(error.message);
    this.status = error.status;
    this.code = error.code;
  }
}

async function failureOf(response) {
  try {
    return new ApiFailure((await response.json()).error);
  } catch {
    return new ApiFailure({
      status: response.status, code: "http_error", message: response.statusText,
    });
  }
}

export async function getJSON(path, options = {}) {
  const response = await fetch(api(path), options);
  if (!response.ok) throw await failureOf(response);
  return response.json();
}

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * One object from the server, only if its bytes hash to its name: {buffer, sent}, where `sent` is
 * what crossed the network for its body (Content-Length: the compressed size when encoded).
 */
async function fetchVerified(name) {
  const response = await fetch(api(`/objects/${name}`));
  if (!response.ok) throw await failureOf(response);
  const buffer = await response.arrayBuffer();
  if ((await sha256Hex(buffer)) !== name) {
    throw new IntegrityError(`object ${name} does not match its name`);
  }
  return { buffer, sent: Number(response.headers.get("Content-Length")) || buffer.byteLength };
}

// ---- progress of running downloads, for whichever screen is showing ----

const jobs = new Map(); // key → {done, total, promise}
const listeners = new Set();

export function onProgress(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function job(key) {
  return jobs.get(key);
}

function report(key, done, total) {
  const current = jobs.get(key);
  if (current) Object.assign(current, { done, total });
  listeners.forEach((listener) => listener(key, done, total));
}

export function runJob(key, work) {
  if (jobs.has(key)) return jobs.get(key).promise;
  const entry = { done: 0, total: 0 };
  entry.promise = work((done, total) => report(key, done, total)).finally(() => {
    jobs.delete(key);
    listeners.forEach((listener) => listener(key, null, null));
  });
  jobs.set(key, entry);
  return entry.promise;
}

// ---- downloading ----

// Pack lines are hashed, then stored this many (or this many bytes) at a time in one IndexedDB
// transaction: one commit per object would cost more than the hashing. Nothing else is awaited
// inside a transaction, or it would commit early.
const BATCH_OBJECTS = 500;
const BATCH_BYTES = 1 << 20;
const PARALLEL_FETCHES = 4;

/**
 * Fetch and store the objects of the staged manifest that the device does not hold. Progress is
 * in bytes received: `offset` before them, `staging.expected` ({raw, sent}) says what they cost
 * when nothing of them was stored yet, else their plain size is the estimate.
 */
async function downloadMissing(staging, progress, offset = 0) {
  const present = await db.objectNames();
  const seen = new Set();
  const missing = db.objectsOf(staging.manifest).filter((entry) => {
    const needed = !present.has(entry.object) && !seen.has(entry.object);
    seen.add(entry.object);
    return needed;
  });
  const raw = missing.reduce((sum, entry) => sum + entry.bytes, 0);
  const expected = staging.expected && staging.expected.raw === raw ? staging.expected.sent : raw;
  const total = offset + expected;
  let done = offset;
  progress(done, total);
  const segments = new Set(db.segmentsOf(staging.manifest).map((entry) => entry.object));
  const queue = missing.values();
  let failed = false;
  async function fetcher() {
    for (const entry of queue) {
      if (failed) return;
      const { buffer, sent } = await fetchVerified(entry.object);
      if (segments.has(entry.object)) await db.putBytes(entry.object, buffer);
      else await db.putObject(entry.object, decoder.decode(buffer));
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

const sizes = new Map(); // install key → /download answer: what a first install receives

/** What downloading a bundle costs, as this browser receives it (compressed). */
export async function downloadSize(bundle, locale) {
  const size = await getJSON(`/bundles/${bundle}/${locale}/download`, { cache: "no-store" });
  sizes.set(keyOf(bundle, locale), size);
  return size;
}

const READ_BYTES = 1 << 16;

/**
 * Calls `line(bytes)` with each line of a streamed body (without its newline), one at a time.
 * Where the browser has a BYOB reader the stream is read into one buffer, used again for every
 * read, so that a large pack leaves no trail of buffers for the garbage collector: `line` must
 * copy what it keeps before its promise settles. Only a line cut by a read is copied here.
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
  let rest = new Uint8Array(0);
  for (;;) {
    const { done, value } = byob ? await reader.read(new Uint8Array(buffer)) : await reader.read();
    if (done) break;
    received(value.length);
    let start = 0;
    let newline;
    while ((newline = value.indexOf(10, start)) >= 0) {
      let bytes = value.subarray(start, newline);
      if (rest.length) {
        bytes = joined(rest, bytes);
        rest = new Uint8Array(0);
      }
      await line(bytes);
      start = newline + 1;
    }
    rest = rest.length ? joined(rest, value.subarray(start)) : value.slice(start);
    if (byob) buffer = value.buffer;
  }
  if (rest.length) await line(rest);
}

function joined(first, second) {
  const bytes = new Uint8Array(first.length + second.length);
  bytes.set(first);
  bytes.set(second, first.length);
  return bytes;
}

async function installFromPack(bundle, locale, progress) {
  const key = keyOf(bundle, locale);
  const size = sizes.get(key) || await downloadSize(bundle, locale);
  sizes.delete(key); // the next install asks again
  const response = await fetch(api(`/bundles/${bundle}/${locale}/pack`), { cache: "no-store" });
  if (!response.ok) throw await failureOf(response);
  // One bar over what crosses the network: the pack (its decoded bytes scaled to its compressed
  // size), then the segments.
  const total = size.bytes;
  let staging = null;
  let plain = 0;
  let decoded = 0;
  const packProgress = () => {
    if (plain) progress(Math.min(Math.round((decoded / plain) * size.pack_bytes), total), total);
  };
  let expected = new Set();
  let batch = [];
  let batchBytes = 0;

  async function store() {
    const names = await Promise.all(batch.map((entry) => entry.name));
    const records = names.map((name, i) => {
      if (!expected.has(name)) throw new IntegrityError(`pack line ${name} is not in the manifest`);
      return { name, text: batch[i].text };
    });
    batch = [];
    batchBytes = 0;
    await db.putObjects(records);
    packProgress();
  }

  await forEachLine(response.body, (length) => { decoded += length; }, async (bytes) => {
    if (staging) {
      // Both copy the bytes now (digest takes its copy when called), as forEachLine asks.
      batch.push({ name: sha256Hex(bytes), text: decoder.decode(bytes) });
      batchBytes += bytes.length;
      if (batch.length >= BATCH_OBJECTS || batchBytes >= BATCH_BYTES) await store();
      return;
    }
    const manifest = JSON.parse(decoder.decode(bytes));
    const keyId = await verifyManifest(manifest, bytes);
    const packed = [...manifest.articles, ...manifest.about].filter((entry) => entry.object);
    expected = new Set(packed.map((entry) => entry.object));
    plain = bytes.length + 1 + packed.reduce((sum, entry) => sum + entry.bytes + 1, 0);
    const segments = db.segmentsOf(manifest).reduce((sum, entry) => sum + entry.bytes, 0);
    staging = {
      key, bundle, locale, manifest, keyId, etag: response.headers.get("ETag"),
      from: null, changes: null, startedAt: new Date().toISOString(),
      expected: size.version === manifest.version
        ? { raw: segments, sent: size.segment_bytes } : null,
    };
    await db.putStaging(staging);
  });
  if (batch.length) await store();
  if (!staging) throw new IntegrityError("the pack was empty");
  // The search segments are not in the pack.
  await downloadMissing(staging, progress, Math.min(size.pack_bytes, total));
  return finalize(staging);
}

function remember(keys) {
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

/** Switch to a staged version once every object is stored (downloads and imported files). */
export async function finalize(staging) {
  const present = await db.objectNames();
  if (db.objectsOf(staging.manifest).some((entry) => !present.has(entry.object))) {
    throw new IntegrityError("some objects are still missing");
  }
  const previous = await db.getInstall(staging.key);
  const install = {
    key: staging.key, bundle: staging.bundle, locale: staging.locale,
    version: staging.manifest.version, etag: staging.etag, manifest: staging.manifest,
    keyId: staging.keyId,
    installedAt: new Date().toISOString(),
  };
  await db.switchTo(install);
  await db.collectGarbage();
  remember(await db.installKeys());
  const stillThere = new Set(install.manifest.articles.filter((a) => a.object).map((a) => a.id));
  const withdrawn = previous
    ? previous.manifest.articles.filter((a) => a.object && !stillThere.has(a.id))
    : [];
  return { install, withdrawn };
}

async function resumeStaging(staging, progress) {
  try {
    staging.keyId ??= await verifyManifest(staging.manifest); // staged before manifests were signed
    await downloadMissing(staging, progress);
  } catch (error) {
    if (error.code !== "object_not_found" && !(error instanceof UntrustedManifest)) throw error;
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
  const key = keyOf(bundle, locale);
  return runJob(key, async (progress) => {
    await askToPersist();
    const staging = await db.getStaging(key);
    return staging ? resumeStaging(staging, progress) : installFromPack(bundle, locale, progress);
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

/**
 * The manifest `changes` leads to, rebuilt from the installed one: {manifest, changes, bytes},
 * `bytes` its canonical bytes. If they do not hash to `changes.manifest.sha256`, the full
 * manifest instead, if its bytes do, with the article changes read from it rather than from
 * `changes`. Null when neither matches (a version was published in between).
 */
async function nextManifest(install, changes) {
  const rebuilt = applyChanges(install.manifest, changes);
  const written = canonicalBytes(rebuilt);
  if ((await sha256Hex(written)) === changes.manifest.sha256) {
    return { manifest: rebuilt, changes, bytes: written };
  }
  const response = await fetch(api(`/bundles/${install.bundle}/${install.locale}`), {
    cache: "no-store",
  });
  if (!response.ok) throw await failureOf(response);
  const bytes = await response.arrayBuffer();
  if ((await sha256Hex(bytes)) !== changes.manifest.sha256) return null;
  const manifest = JSON.parse(decoder.decode(bytes));
  return {
    manifest, bytes, changes: { ...changes, ...articleChanges(install.manifest, manifest) },
  };
}

/**
 * Is there a newer version than `install`? One request: /changes, conditional on the installed
 * manifest's ETag, so nothing changed is a 304. Returns null, or
 * {version, manifest, etag, changes, bytes, expired}; `bytes` is what the update will download.
 */
export async function checkForUpdate(install, attempts = 2) {
  const path = `/bundles/${install.bundle}/${install.locale}`;
  const response = await fetch(api(`${path}/changes?since=${install.version}`), {
    cache: "no-store", headers: install.etag ? { "If-None-Match": install.etag } : {},
  });
  if (response.status === 304) return null;
  if (response.status === 410) {
    const size = await downloadSize(install.bundle, install.locale);
    return { version: size.version, changes: null, bytes: size.bytes, expired: true };
  }
  if (!response.ok) throw await failureOf(response);
  const changes = await response.json();
  if (changes.from !== install.version) throw new IntegrityError("changes from another version");
  if (changes.to === install.version) return null;
  const next = await nextManifest(install, changes);
  if (!next) {
    if (attempts > 1) return checkForUpdate(install, attempts - 1); // published in between
    throw new IntegrityError("the manifest and its changes disagree");
  }
  return {
    version: changes.to, manifest: next.manifest,
    keyId: await verifyManifest(next.manifest, next.bytes),
    etag: `"${changes.manifest.sha256}"`,
    changes: next.changes, bytes: changes.transfer_bytes, expired: false,
  };
}

/** Stage and apply an update found by checkForUpdate; 410 means a full download. */
export function applyUpdate(install, plan) {
  return runJob(install.key, async (progress) => {
    await askToPersist();
    if (plan.expired) {
      await db.deleteStaging(install.key);
      return installFromPack(install.bundle, install.locale, progress);
    }
    const staging = {
      key: install.key, bundle: install.bundle, locale: install.locale,
      manifest: plan.manifest, keyId: plan.keyId, etag: plan.etag, from: install.version,
      changes: plan.changes,
      expected: { raw: plan.changes.bytes, sent: plan.changes.transfer_bytes },
      startedAt: new Date().toISOString(),
    };
    await db.putStaging(staging);
    return resumeStaging(staging, progress);
  });
}

/** Remove a downloaded bundle and whatever objects only it used. */
export async function remove(key) {
  await db.removeInstall(key);
  await db.collectGarbage();
  remember(await db.installKeys());
}

/**
 * On start: bundles the browser evicted (remembered but gone) and installs with missing objects.
 * Repairing one downloads its missing objects again for the same version.
 */
export async function checkHealth() {
  const installs = await db.allInstalls();
  const lost = rememberedKeys().filter((key) => !installs.some((install) => install.key === key));
  const present = await db.objectNames();
  const damaged = installs.filter((install) =>
    db.objectsOf(install.manifest).some((entry) => !present.has(entry.object)));
  remember(installs.map((install) => install.key));
  return { lost, damaged };
}

export function repair(install) {
  return runJob(install.key, async (progress) => {
    const staging = {
      ...install, from: install.version, changes: null, startedAt: new Date().toISOString(),
    };
    await db.putStaging(staging);
    return resumeStaging(staging, progress);
  });
}

// ---- reading: the device copy when installed, else the network ----

// Search redraws read the same manifests: each version from the network is verified once, and the
// verified copy is the one used.
const verified = new Map(); // bundle/locale/version → promise of a verified manifest

export async function readManifest(bundle, locale) {
  const install = await db.getInstall(keyOf(bundle, locale));
  if (install) return { manifest: install.manifest, install };
  const fetched = await getJSON(`/bundles/${bundle}/${locale}`);
  const key = `${keyOf(bundle, locale)}/${fetched.version}`;
  if (!verified.has(key)) {
    verified.set(key, verifyManifest(fetched).then(() => fetched));
    verified.get(key).catch(() => verified.delete(key));
  }
  return { manifest: await verified.get(key), install: null };
}

export async function readObject(name) {
  const local = await db.getObject(name);
  return local || JSON.parse(decoder.decode((await fetchVerified(name)).buffer));
}

export const installs = db.allInstalls;
export const getInstall = db.getInstall;
export const allStaging = db.allStaging;
export { StorageFull } from "./db.js";
export { UntrustedManifest };
