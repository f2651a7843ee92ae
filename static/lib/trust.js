// Which manifests the device believes: those a trusted publisher key signed (Ed25519, WebCrypto)
// over their canonical bytes without `signature`; they name every object by its hash. Keys
// (db.js) are trusted on first contact (the repository's keys/keyring.json), later only when a
// trusted key endorsed them: `endorsement` signs the canonical {alg, id, public_key}; lists are
// walked oldest first.

import { getFileJSON } from "./api.js";
import * as db from "./db.js";
import { fromBase64url, verifyEd25519 } from "./ed25519.js";
import { AppError } from "./errors.js";
import { endorsedBytes, signedBytes } from "./manifest.js";

// The first three are about the publisher's signature; the rest are tuf.js's refusals.
const UNTRUSTED = new Set(["unknown_key", "bad_signature", "unsigned", "stale_source", "rollback",
  "mixed_metadata", "untrusted_metadata", "bad_metadata", "not_in_targets"]);

/** Is `error` a manifest the device refused, by its signature or the publisher's metadata? */
export const isUntrusted = (error) => UNTRUSTED.has(error?.code);

/** Does `value` (base64url) verify as `key`'s signature over `bytes`? Malformed means no. */
async function signedBy(key, value, bytes) {
  let publicKey;
  let signature;
  try {
    publicKey = fromBase64url(key.public_key);
    signature = fromBase64url(value);
  } catch {
    return false;
  }
  return verifyEd25519(publicKey, signature, bytes);
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
