// The device's client of The Update Framework (TUF, specification 1.0), DOM-free: the twin of
// python-tuf's ngclient for the repository satchel/stages/repository.py writes. Written here
// because no maintained TUF client runs in a browser (tuf-js needs Node's fs and crypto).
//
// `refresh` follows the client workflow: every new root, each signed by the threshold of the
// root before it and of itself; then timestamp, snapshot and targets, each signed by its role's
// threshold of keys as the newest root names them, each version never lower than one seen,
// snapshot and targets exactly the versions the metadata above names, nothing expired by the
// device's clock. `checkTarget` then accepts a file (a manifest, a pointer, a `changes`) only
// if verified targets list its path with its length and sha256. Signatures cover the canonical
// JSON of securesystemslib (`canonicalBytes`, held to it by a parity test).

import { fromBase64url, verifyEd25519 } from "./ed25519.js";
import { AppError } from "./errors.js";
import { byCodePoint, sha256Hex } from "./manifest.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// More new roots than this in one refresh is a repository trying to keep the device busy.
const MAX_ROOT_ROTATIONS = 32;

// securesystemslib's canonical JSON (OLPC): sorted keys, no whitespace, strings escaping only
// `\` and `"`, integers only.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "string") return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  if (Number.isSafeInteger(value)) return String(value);
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "object") {
    const members = Object.keys(value).sort(byCodePoint)
      .map((key) => `${canonical(key)}:${canonical(value[key])}`);
    return `{${members.join(",")}}`;
  }
  throw new AppError("bad_metadata", { message: `not canonical JSON: ${value}` });
}

/** securesystemslib's canonical JSON bytes of `value`: what TUF signatures cover. */
export function canonicalBytes(value) {
  return encoder.encode(canonical(value));
}

const fromHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (pair) => parseInt(pair, 16));

/** How many distinct keys of `role` (as `root` names them) signed `metadata`. */
async function validSignatures(root, role, metadata) {
  const { keyids } = root.signed.roles[role];
  const bytes = canonicalBytes(metadata.signed);
  const signers = new Set();
  for (const { keyid, sig } of metadata.signatures) {
    const key = root.signed.keys[keyid];
    if (!keyids.includes(keyid) || signers.has(keyid) || key?.keytype !== "ed25519") continue;
    if (await verifyEd25519(fromHex(key.keyval.public), fromHex(sig), bytes)) signers.add(keyid);
  }
  return signers.size;
}

async function checkSigned(root, role, metadata) {
  const type = metadata.signed._type;
  if (type !== role) throw new AppError("bad_metadata", { message: `${role} is a ${type}` });
  const { threshold } = root.signed.roles[role];
  if ((await validSignatures(root, role, metadata)) < threshold) {
    throw new AppError("untrusted_metadata", { role, threshold });
  }
}

function checkFresh(metadata, now, source) {
  if (!now) return;
  const expires = new Date(metadata.signed.expires);
  if (!(expires > now)) {
    throw new AppError("stale_source", { role: metadata.signed._type, source, date: expires });
  }
}

function checkNotOlder(role, version, seen) {
  if (seen !== undefined && version < seen) {
    throw new AppError("rollback", { role, version, seen });
  }
}

function checkVersion(role, version, expected) {
  if (version !== expected) throw new AppError("mixed_metadata", { role, version, expected });
}

const parse = (bytes) => {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw new AppError("bad_metadata", { message: "not JSON" });
  }
};

/** The roots after `trusted`, each signed by the threshold of the one before and its own. */
async function newerRoots(trusted, fetchMetadata) {
  const roots = [];
  let root = trusted;
  for (let i = 0; i < MAX_ROOT_ROTATIONS; i += 1) {
    const version = root.signed.version + 1;
    const bytes = await fetchMetadata(`${version}.root.json`);
    if (!bytes) break;
    const next = parse(bytes);
    await checkSigned(root, "root", next);
    await checkSigned(next, "root", next);
    checkVersion("root", next.signed.version, version);
    roots.push((root = next));
  }
  return roots;
}

const sameKeys = (a, b, role) =>
  JSON.stringify([...a.signed.roles[role].keyids].sort()) ===
  JSON.stringify([...b.signed.roles[role].keyids].sort());

async function fetchSigned(root, role, name, fetchMetadata) {
  const bytes = await fetchMetadata(name);
  if (!bytes) throw new AppError("bad_metadata", { message: `${name} is missing` });
  const metadata = parse(bytes);
  await checkSigned(root, role, metadata);
  return metadata;
}

/**
 * The verified metadata `{root, roots, timestamp, snapshot, targets}` after `trusted` (the same
 * shape, as a previous refresh returned it; at least `root`). `roots`: every root verified so
 * far, oldest first, which a `.satchel` file carries for a device that trusts an older one.
 * `fetchMetadata(name)` returns the bytes of `tuf/<name>` from the source, null when it has
 * none. `source` names it in errors. `now` null checks no expiry: a `.satchel` file's metadata,
 * which only dates what it holds. Throws AppError: "untrusted_metadata" (threshold not met),
 * "rollback", "mixed_metadata" (a version other than the one named above), "stale_source"
 * (expired: `date`, `source`), "bad_metadata".
 */
export async function refresh(trusted, fetchMetadata, { now = new Date(), source = "" } = {}) {
  const newer = await newerRoots(trusted.root, fetchMetadata);
  const root = newer.at(-1) ?? trusted.root;
  const roots = [...(trusted.roots ?? [trusted.root]), ...newer];
  checkFresh(root, now, source);
  // New timestamp or snapshot keys: what the old ones signed is no measure of rollback (5.3.11).
  const keep = (role) => trusted.root.signed.version === root.signed.version ||
    sameKeys(trusted.root, root, role);
  const seenTimestamp = keep("timestamp") ? trusted.timestamp : undefined;
  const seenSnapshot = keep("snapshot") ? trusted.snapshot : undefined;

  const timestamp = await fetchSigned(root, "timestamp", "timestamp.json", fetchMetadata);
  checkNotOlder("timestamp", timestamp.signed.version, seenTimestamp?.signed.version);
  const snapshotVersion = timestamp.signed.meta["snapshot.json"].version;
  checkNotOlder("snapshot", snapshotVersion, seenTimestamp?.signed.meta["snapshot.json"].version);
  checkFresh(timestamp, now, source);

  const fetchVersion = async (role, version) => {
    const metadata = await fetchSigned(root, role, `${version}.${role}.json`, fetchMetadata);
    checkVersion(role, metadata.signed.version, version);
    checkFresh(metadata, now, source);
    return metadata;
  };
  const snapshot = await fetchVersion("snapshot", snapshotVersion);
  const targetsVersion = snapshot.signed.meta["targets.json"].version;
  checkNotOlder("targets", targetsVersion, seenSnapshot?.signed.meta["targets.json"].version);
  const targets = await fetchVersion("targets", targetsVersion);
  return { root, roots, timestamp, snapshot, targets };
}

/**
 * Throws AppError "not_in_targets" unless verified `targets` list `path` with exactly the
 * length and sha256 of `bytes`. Expiry does not matter here: offline, a device reads what it
 * verified when it was last online.
 */
export async function checkTarget(targets, path, bytes) {
  const listed = targets.signed.targets[path];
  if (!listed || listed.length !== bytes.byteLength ||
      listed.hashes.sha256 !== (await sha256Hex(bytes))) {
    throw new AppError("not_in_targets", { path });
  }
}

/**
 * Is `root` the repository's first root, signed (besides its own keys) by one of the publisher
 * keys the device already trusts (trust.js, `{public_key}` in base64url)? Then the device moves
 * to TUF without taking anything new on the network's word (satchel/stages/repository.py signs
 * root 1 so).
 */
export async function signedByPublisher(root, publisherKeys) {
  if (root.signed._type !== "root" || root.signed.version !== 1) return false;
  const bytes = canonicalBytes(root.signed);
  for (const { sig } of root.signatures) {
    for (const key of publisherKeys) {
      try {
        if (await verifyEd25519(fromBase64url(key.public_key), fromHex(sig), bytes)) return true;
      } catch {
        // a malformed key is no signer
      }
    }
  }
  return false;
}
