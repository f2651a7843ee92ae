// Which manifests the device believes: those a trusted publisher key signed (Ed25519, WebCrypto)
// over their canonical bytes without `signature`; they name every object by its hash. Keys
// (db.js) are trusted on first contact (the repository's keys/keyring.json), later only when a
// trusted key endorsed them: `endorsement` signs the canonical {alg, id, public_key}; lists are
// walked oldest first.

import { getFileJSON } from "./api.js";
import * as db from "./db.js";
import { AppError } from "./errors.js";
import { endorsedBytes, signedBytes } from "./manifest.js";

const UNTRUSTED = new Set(["unknown_key", "bad_signature", "unsigned"]);

/** Is `error` a manifest the device refused: "unknown_key", "bad_signature" or "unsigned"? */
export const isUntrusted = (error) => UNTRUSTED.has(error?.code);

const fromBase64url = (text) =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/**
 * Does `value` (base64url) verify as `key`'s signature over `bytes`? Malformed means no. Where
 * WebCrypto lacks Ed25519, the vendored noble-ed25519 checks it (static/vendor/README.md).
 */
async function signedBy(key, value, bytes) {
  let publicKey;
  let signature;
  try {
    publicKey = fromBase64url(key.public_key);
    signature = fromBase64url(value);
    const imported = await crypto.subtle.importKey("raw", publicKey, "Ed25519", false, ["verify"]);
    return await crypto.subtle.verify("Ed25519", imported, signature, bytes);
  } catch (error) {
    if (error.name !== "NotSupportedError") return false;
  }
  // Loaded only here; offline and never loaded before, this fails (it is not a "no").
  const { verifyAsync } = await import("../vendor/noble-ed25519.js");
  return verifyAsync(signature, bytes, publicKey).catch(() => false);
}

/** Trust the keys of `list` that a trusted key endorsed, walking it oldest first. */
async function learnEndorsed(list, keys) {
  for (const key of list) {
    const endorser = key.endorsement && keys.get(key.endorsement.key_id);
    if (keys.has(key.id) || !endorser || key.alg !== "Ed25519") continue;
    if (await signedBy(endorser, key.endorsement.value, endorsedBytes(key))) {
      await db.putKey(key);
      keys.set(key.id, key);
    }
  }
  return keys;
}

/**
 * The trusted keys by id. First contact, when the device trusts none yet and is online: trust the
 * keys GET /keys lists (the oldest, then each it endorses).
 */
export async function learnKeys() {
  const keys = new Map((await db.trustedKeys()).map((key) => [key.id, key]));
  if (keys.size || !navigator.onLine) return keys;
  try {
    const [first, ...later] = (await getFileJSON("keys/keyring.json", { cache: "no-store" })).keys;
    if (!first) return keys;
    await db.putKey(first);
    return await learnEndorsed(later, keys.set(first.id, first));
  } catch {
    return keys; // the server is away: try again next time
  }
}

/**
 * The id of the trusted key that signed `manifest` (learning newer keys from `manifest.keys` by
 * their endorsements); else throws AppError (see isUntrusted). `bytes`: the manifest's bytes as
 * stored, when the caller has them (see signedBytes in manifest.js).
 */
export async function verifyManifest(manifest, bytes = null) {
  const { signature } = manifest;
  if (!signature) throw new AppError("unsigned");
  const keys = await learnEndorsed(manifest.keys || [], await learnKeys());
  const key = keys.get(signature.key_id);
  if (!key) throw new AppError("unknown_key");
  const signed = signedBytes(manifest, bytes);
  if (signature.alg !== "Ed25519" || !(await signedBy(key, signature.value, signed))) {
    throw new AppError("bad_signature");
  }
  return key.id;
}
