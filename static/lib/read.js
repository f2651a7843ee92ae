// Reading: the published bundles; a bundle's manifest and objects from the device when it is
// downloaded, else from the content source's static repository, verified (the manifest by its
// signature and, as for a download, the publisher's fresh TUF metadata (freshness.js); each
// object by its sha256 name): a mirror that changed a byte, or serves a stale version, is
// refused.

import { getFileJSON, requestFile } from "./api.js";
import * as db from "./db.js";
import { AppError } from "./errors.js";
import { checkManifest, verifiedTargets } from "./freshness.js";
import { sha256Hex } from "./manifest.js";
import { verifyManifest } from "./trust.js";

const decoder = new TextDecoder();

/**
 * One object from the server, only if its bytes hash to its name: {buffer, sent}, where `sent` is
 * what crossed the network for its body (Content-Length: the compressed size when encoded).
 */
export async function fetchVerified(name) {
  const response = await requestFile(`objects/${name.slice(0, 2)}/${name}`, {}, [404]);
  if (response.status === 404) {
    throw new AppError("object_not_found", { status: 404, message: `no object ${name}` });
  }
  const buffer = await response.arrayBuffer();
  if ((await sha256Hex(buffer)) !== name) {
    throw new AppError("integrity", { message: `object ${name} does not match its name` });
  }
  return { buffer, sent: Number(response.headers.get("Content-Length")) || buffer.byteLength };
}

// Search redraws read the same manifests: each version from the network is verified once, and the
// verified copy is the one used.
const verified = new Map(); // bundle/locale/version → promise of a verified manifest

/** The version of `bundle` published in `locale` now: AppError "not_published" when none is. */
export async function currentVersion(bundle, locale) {
  const { locales } = await getFileJSON(`bundles/${bundle}/current.json`, { cache: "no-cache" });
  if (!locales[locale]) throw new AppError("not_published", { status: 404 });
  return locales[locale];
}

/** The manifest of version `version` as stored: {bytes, manifest}. */
export async function fetchManifest(bundle, locale, version) {
  const response = await requestFile(`bundles/${bundle}/${locale}/${version}.json`);
  const bytes = await response.arrayBuffer();
  return { bytes, manifest: JSON.parse(decoder.decode(bytes)) };
}

/** The manifest of `version` from the network, taken as a download takes it: signed by the
 * publisher, listed with its length and sha256 by fresh TUF targets, and the newest listed. */
async function verifiedManifest(bundle, locale, version) {
  const { bytes, manifest } = await fetchManifest(bundle, locale, version);
  const stored = new Uint8Array(bytes);
  await verifyManifest(manifest, stored);
  await checkManifest(await verifiedTargets(), { bundle, locale }, stored, manifest.version);
  return manifest;
}

/** The manifest of `bundle` in `locale`: the device's when downloaded ({manifest, install}),
 * else the published one, verified ({manifest, install: null}). */
export async function readManifest(bundle, locale) {
  const install = await db.getInstall(db.installKey(bundle, locale));
  if (install) return { manifest: install.manifest, install };
  const version = await currentVersion(bundle, locale);
  const key = `${db.installKey(bundle, locale)}/${version}`;
  if (!verified.has(key)) {
    verified.set(key, verifiedManifest(bundle, locale, version));
    verified.get(key).catch(() => verified.delete(key));
  }
  return { manifest: await verified.get(key), install: null };
}

export async function readObject(name) {
  const local = await db.getObject(name);
  return local || JSON.parse(decoder.decode((await fetchVerified(name)).buffer));
}

let bundleList = null; // last /bundles answer (the service worker keeps a copy for offline)
// A list fetched this recently is used again: redrawing the library after an update check or a
// download needs no new one (two lists were a fifth of what a one-article update cost a phone).
const LIST_REUSED_MS = 10000;
let bundleListAt = -Infinity;

/** The published bundles; offline and never fetched, null. */
export async function loadBundles() {
  if (bundleList && navigator.onLine && performance.now() - bundleListAt < LIST_REUSED_MS) {
    return bundleList;
  }
  try {
    bundleList = await getFileJSON("bundles.json", { cache: "no-cache" });
    bundleListAt = performance.now();
  } catch {
    // Offline and never fetched: the library lists what is installed.
  }
  return bundleList;
}
