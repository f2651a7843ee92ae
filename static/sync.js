// Getting bundles onto the device and keeping them current.
//
// First install streams /pack (NDJSON): line 1 is the manifest, each further line one object whose
// sha256 must be a name in that manifest; the binary search segments follow one by one. Updates
// fetch only the objects in /changes. Everything lands in staging first (db.js) and is verified
// with SubtleCrypto before it is stored; the switch to the new version happens in one IndexedDB
// transaction, only once every object is present.
// An interrupted download resumes from the staging record: objects already stored are skipped.

import * as db from "./db.js";

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

/** One object from the server, as text (or an ArrayBuffer), only if its bytes hash to its name. */
async function fetchObject(name, binary = false) {
  const response = await fetch(api(`/objects/${name}`));
  if (!response.ok) throw await failureOf(response);
  const buffer = await response.arrayBuffer();
  if ((await sha256Hex(buffer)) !== name) {
    throw new IntegrityError(`object ${name} does not match its name`);
  }
  return binary ? buffer : decoder.decode(buffer);
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

function runJob(key, work) {
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

async function downloadMissing(staging, progress) {
  const present = await db.objectNames();
  const seen = new Set();
  const missing = db.objectsOf(staging.manifest).filter((entry) => {
    const needed = !present.has(entry.object) && !seen.has(entry.object);
    seen.add(entry.object);
    return needed;
  });
  const total = missing.reduce((sum, entry) => sum + entry.bytes, 0);
  let done = 0;
  progress(done, total);
  const segments = new Set(db.segmentsOf(staging.manifest).map((entry) => entry.object));
  for (const entry of missing) {
    if (segments.has(entry.object)) {
      await db.putBytes(entry.object, await fetchObject(entry.object, true));
    } else {
      await db.putObject(entry.object, await fetchObject(entry.object));
    }
    done += entry.bytes;
    progress(done, total);
  }
}

async function installFromPack(bundle, locale, progress) {
  const key = keyOf(bundle, locale);
  const response = await fetch(api(`/bundles/${bundle}/${locale}/pack`), { cache: "no-store" });
  if (!response.ok) throw await failureOf(response);
  const reader = response.body.getReader();
  let staging = null;
  let expected = new Set();
  let total = 0;
  let received = 0;
  let buffer = new Uint8Array(0);

  async function line(bytes) {
    if (!staging) {
      const manifest = JSON.parse(decoder.decode(bytes));
      const entries = db.objectsOf(manifest);
      expected = new Set(entries.map((entry) => entry.object));
      total = bytes.length + 1 + entries.reduce((sum, entry) => sum + entry.bytes + 1, 0);
      staging = {
        key, bundle, locale, manifest, etag: response.headers.get("ETag"),
        from: null, changes: null, startedAt: new Date().toISOString(),
      };
      await db.putStaging(staging);
      return;
    }
    const name = await sha256Hex(bytes);
    if (!expected.has(name)) throw new IntegrityError(`pack line ${name} is not in the manifest`);
    await db.putObject(name, decoder.decode(bytes));
  }

  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.length;
    const joined = new Uint8Array(buffer.length + value.length);
    joined.set(buffer);
    joined.set(value, buffer.length);
    buffer = joined;
    let newline;
    while ((newline = buffer.indexOf(10)) >= 0) {
      await line(buffer.subarray(0, newline));
      buffer = buffer.slice(newline + 1);
    }
    if (total) progress(Math.min(received, total), total);
  }
  if (buffer.length) await line(buffer);
  if (!staging) throw new IntegrityError("the pack was empty");
  await downloadMissing(staging, progress); // the search segments are not in the pack
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

async function finalize(staging) {
  const present = await db.objectNames();
  if (db.objectsOf(staging.manifest).some((entry) => !present.has(entry.object))) {
    throw new IntegrityError("some objects are still missing");
  }
  const previous = await db.getInstall(staging.key);
  const install = {
    key: staging.key, bundle: staging.bundle, locale: staging.locale,
    version: staging.manifest.version, etag: staging.etag, manifest: staging.manifest,
    installedAt: new Date().toISOString(),
  };
  await db.switchTo(install);
  await db.collectGarbage();
  remember((await db.allInstalls()).map((record) => record.key));
  const stillThere = new Set(install.manifest.articles.filter((a) => a.object).map((a) => a.id));
  const withdrawn = previous
    ? previous.manifest.articles.filter((a) => a.object && !stillThere.has(a.id))
    : [];
  return { install, withdrawn };
}

async function resumeStaging(staging, progress) {
  try {
    await downloadMissing(staging, progress);
  } catch (error) {
    if (error.code !== "object_not_found") throw error;
    // The staged version is no longer kept on the server: start over from the current one.
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
 * Is there a newer version than `install`? Asks with the manifest's ETag; a 304 means no.
 * Returns null, or {manifest, etag, changes, bytes, expired} where `changes` is /changes.
 */
export async function checkForUpdate(install, attempts = 2) {
  const path = `/bundles/${install.bundle}/${install.locale}`;
  const response = await fetch(api(path), {
    cache: "no-store", headers: install.etag ? { "If-None-Match": install.etag } : {},
  });
  if (response.status === 304) return null;
  if (!response.ok) throw await failureOf(response);
  const manifest = await response.json();
  const etag = response.headers.get("ETag");
  if (manifest.version === install.version) return null;
  const changesResponse =
    await fetch(api(`${path}/changes?since=${install.version}`), { cache: "no-store" });
  if (changesResponse.status === 410) {
    return { manifest, etag, changes: null, bytes: manifest.total_bytes, expired: true };
  }
  if (!changesResponse.ok) throw await failureOf(changesResponse);
  const changes = await changesResponse.json();
  if (changes.to !== manifest.version) {
    if (attempts > 1) return checkForUpdate(install, attempts - 1); // published in between
    throw new IntegrityError("the manifest and its changes disagree");
  }
  return { manifest, etag, changes, bytes: changes.bytes, expired: false };
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
      manifest: plan.manifest, etag: plan.etag, from: install.version, changes: plan.changes,
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
  remember((await db.allInstalls()).map((record) => record.key));
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

export async function readManifest(bundle, locale) {
  const install = await db.getInstall(keyOf(bundle, locale));
  if (install) return { manifest: install.manifest, install };
  return { manifest: await getJSON(`/bundles/${bundle}/${locale}`), install: null };
}

export async function readObject(name) {
  const local = await db.getObject(name);
  return local || JSON.parse(await fetchObject(name));
}

export const installs = db.allInstalls;
export const getInstall = db.getInstall;
export const allStaging = db.allStaging;
export { StorageFull } from "./db.js";
