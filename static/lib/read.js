// Reading: the published bundles; a bundle's manifest and objects from the device when it is
// downloaded, else from the network, verified (the manifest by its signature, each object by its
// sha256 name).

import { getJSON, request } from "./api.js";
import * as db from "./db.js";
import { AppError } from "./errors.js";
import { sha256Hex } from "./manifest.js";
import { verifyManifest } from "./trust.js";

const decoder = new TextDecoder();

/**
 * One object from the server, only if its bytes hash to its name: {buffer, sent}, where `sent` is
 * what crossed the network for its body (Content-Length: the compressed size when encoded).
 */
export async function fetchVerified(name) {
  const response = await request(`/objects/${name}`);
  const buffer = await response.arrayBuffer();
  if ((await sha256Hex(buffer)) !== name) {
    throw new AppError("integrity", { message: `object ${name} does not match its name` });
  }
  return { buffer, sent: Number(response.headers.get("Content-Length")) || buffer.byteLength };
}

// Search redraws read the same manifests: each version from the network is verified once, and the
// verified copy is the one used.
const verified = new Map(); // bundle/locale/version → promise of a verified manifest

export async function readManifest(bundle, locale) {
  const install = await db.getInstall(db.installKey(bundle, locale));
  if (install) return { manifest: install.manifest, install };
  const fetched = await getJSON(`/bundles/${bundle}/${locale}`);
  const key = `${db.installKey(bundle, locale)}/${fetched.version}`;
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
    bundleList = await getJSON("/bundles");
    bundleListAt = performance.now();
  } catch {
    // Offline and never fetched: the library lists what is installed.
  }
  return bundleList;
}
