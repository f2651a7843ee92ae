// Every rule of the manifest format, the JavaScript twin of satchel/manifest.py (a parity test
// holds them together): its canonical bytes, the bytes its signature and a key's endorsement
// cover, the objects it names, and the manifest that `changes` leads to.
//
// The server stores each manifest as canonical JSON (sorted keys, UTF-8, no insignificant
// whitespace, numbers as JavaScript writes them), and `changes.manifest.sha256` is the sha256 of
// those bytes. The device applies the article entries (articles are ordered by id) and the JSON
// Merge Patch (RFC 7386) of the other members, writes the result canonically and accepts it only
// if the hash is the same.

const encoder = new TextEncoder();

// Python sorts keys by code point; JavaScript's < compares UTF-16 units. The two agree except
// that a surrogate (half of a character beyond U+FFFF) must rank above every other unit, so the
// first differing units decide, with surrogates lifted above the rest: nothing is allocated.
const unitRank = (text, i) => {
  const unit = text.charCodeAt(i);
  return unit >= 0xd800 && unit < 0xe000 ? unit + 0x10000 : unit;
};

/** Compares strings as Python does: by code point. */
export const byCodePoint = (a, b) => {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return unitRank(a, i) - unitRank(b, i);
  }
  return a.length - b.length;
};

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.keys(value).sort(byCodePoint)
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The canonical JSON bytes of `value`, as the server writes a manifest. */
export function canonicalBytes(value) {
  return encoder.encode(canonical(value));
}

// The two hex digits of each byte value, as character codes. Written with Array.from and a
// callback per byte, the hex of each object's digest took 0.34 s of the 4.2 s the page spent in a
// profiled MedQuAD install (4× CPU); adding two-digit strings up, five times what this takes.
const HEX_DIGITS = new TextEncoder().encode(
  Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0")).join(""));
const hexCodes = new Uint8Array(64);
const hexDecoder = new TextDecoder();

/** Hex sha256 of `bytes`: the name of an object, and what a manifest is checked by. */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  for (let i = 0; i < digest.length; i += 1) {
    hexCodes[2 * i] = HEX_DIGITS[2 * digest[i]];
    hexCodes[2 * i + 1] = HEX_DIGITS[2 * digest[i] + 1];
  }
  return hexDecoder.decode(hexCodes);
}

/**
 * The bytes `manifest`'s signature covers. Given `bytes`, the manifest as stored (canonical,
 * signature included), its signature member is cut out of those bytes, with the comma before it
 * (or after it, when it comes first): far faster than writing a large manifest anew, and no
 * text to decode and encode again (0.22 of the 3.96 s a profiled MedQuAD install spent when it
 * did). Safe, since canonical strings escape every quote, so the member can only match where it
 * is a member, and any other cut fails the signature. Else, written anew.
 */
export function signedBytes(manifest, bytes = null) {
  const { signature, ...signed } = manifest;
  const stored = bytes && (bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const member = encoder.encode(`"signature":${canonical(signature)}`);
  const at = stored ? lastIndexOfBytes(stored, member) : -1;
  if (at < 0) return canonicalBytes(signed);
  const [cutFrom, cutTo] = stored[at - 1] === COMMA
    ? [at - 1, at + member.length] : [at, at + member.length + 1];
  const cut = new Uint8Array(stored.length - (cutTo - cutFrom));
  cut.set(stored.subarray(0, cutFrom));
  cut.set(stored.subarray(cutTo), cutFrom);
  return cut;
}

const COMMA = 0x2c;

/**
 * Where `needle` last starts in `haystack`, or -1. Searched from the end because, in canonical
 * key order, the signature member follows "articles", which is most of a manifest's bytes.
 */
function lastIndexOfBytes(haystack, needle) {
  const matchesAt = (at) => needle.every((byte, i) => haystack[at + i] === byte);
  for (let at = haystack.length - needle.length; at >= 0; at -= 1) {
    at = haystack.lastIndexOf(needle[0], at);
    if (at < 0 || matchesAt(at)) return at;
  }
  return -1;
}

/** The bytes a key's `endorsement` signs: the canonical {alg, id, public_key} of the key. */
export function endorsedBytes(key) {
  return canonicalBytes({ alg: key.alg, id: key.id, public_key: key.public_key });
}

export const segmentsOf = (manifest) => (manifest.search && manifest.search.segments) || [];

/** The entries a download fetches: articles and about pages in the pack, then the segments. */
export const packedOf = (manifest) =>
  [...manifest.articles, ...manifest.about].filter((entry) => entry.object);

export const objectsOf = (manifest) => [...packedOf(manifest), ...segmentsOf(manifest)]
  .filter((entry) => entry.object);

/** The articles of `previous` that `manifest` no longer has content for: withdrawn or gone. */
export function withdrawnFrom(previous, manifest) {
  const stillThere = new Set(manifest.articles.filter((a) => a.object).map((a) => a.id));
  return previous.articles.filter((a) => a.object && !stillThere.has(a.id));
}

function mergePatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const merged = target !== null && typeof target === "object" && !Array.isArray(target)
    ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = mergePatch(merged[key], value);
  }
  return merged;
}

/** The manifest `changes` leads to from `manifest` (not yet checked: see update.js). */
export function applyChanges(manifest, changes) {
  const byId = new Map(manifest.articles.map((entry) => [entry.id, entry]));
  for (const id of changes.removed) byId.delete(id);
  for (const entry of [...changes.added, ...changes.changed]) byId.set(entry.id, entry);
  const { articles, ...rest } = manifest;
  return {
    ...mergePatch(rest, changes.manifest.patch),
    articles: [...byId.values()].sort((a, b) => byCodePoint(a.id, b.id)),
  };
}

/** The article entries added, changed and removed from `old` to `manifest`, as `changes` lists. */
export function articleChanges(old, manifest) {
  const before = new Map(old.articles.map((entry) => [entry.id, canonical(entry)]));
  const after = new Set(manifest.articles.map((entry) => entry.id));
  return {
    added: manifest.articles.filter((entry) => !before.has(entry.id)),
    changed: manifest.articles.filter((entry) =>
      before.has(entry.id) && before.get(entry.id) !== canonical(entry)),
    removed: old.articles.filter((entry) => !after.has(entry.id)).map((entry) => entry.id),
  };
}
