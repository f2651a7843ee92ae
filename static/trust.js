// STAND-IN for the trust helper's static/trust.js (branch of /work/wt-trust), only so that the
// import can be tested on this branch: same interface, keys kept in localStorage. Theirs replaces
// it at merge.

import { canonicalBytes } from "./manifest.js";

const STORED = "satchel.trustedKeys";

export class UntrustedManifest extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

const fromBase64url = (text) =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

const trusted = () => JSON.parse(localStorage.getItem(STORED) || "{}");

async function verifies(key, signature, bytes) {
  const publicKey = await crypto.subtle.importKey(
    "raw", fromBase64url(key.public_key), { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, publicKey, fromBase64url(signature), bytes);
}

/** Trust `offered` keys endorsed by a trusted one (all of them on first use). */
async function learn(offered, firstUse = false) {
  const keys = trusted();
  for (const key of offered) {
    const { endorsement, ...described } = key;
    const endorser = endorsement && keys[endorsement.key_id];
    if (firstUse || (endorser && await verifies(endorser, endorsement.value,
      canonicalBytes(described)))) keys[key.id] = key;
  }
  localStorage.setItem(STORED, JSON.stringify(keys));
  return keys;
}

export const keysLearned = navigator.onLine && !Object.keys(trusted()).length
  ? fetch("/api/v1/keys").then((response) => response.json())
    .then(({ keys }) => learn(keys, true)).catch(() => null)
  : Promise.resolve();

export async function verifyManifest(manifest) {
  const { signature, ...signed } = manifest;
  if (!signature) throw new UntrustedManifest("unsigned");
  const key = (await learn(manifest.keys || []))[signature.key_id];
  if (!key) throw new UntrustedManifest("unknown_key");
  if (!(await verifies(key, signature.value, canonicalBytes(signed)))) {
    throw new UntrustedManifest("bad_signature");
  }
  return key.id;
}
