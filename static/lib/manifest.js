// A manifest rebuilt from the one the device holds plus `changes`, and the bytes it is checked by.
//
// The server stores each manifest as canonical JSON (sorted keys, UTF-8, no insignificant
// whitespace, numbers as JavaScript writes them: satchel/stages/pack.py manifest_json), and
// `changes.manifest.sha256` is the sha256 of those bytes. The device applies the article entries
// (articles are ordered by id) and the JSON Merge Patch (RFC 7386) of the other members, writes
// the result canonically and accepts it only if the hash is the same.

const encoder = new TextEncoder();

// Python sorts keys by code point; JavaScript's < compares UTF-16 units. The two agree except
// that a surrogate (half of a character beyond U+FFFF) must rank above every other unit, so the
// first differing units decide, with surrogates lifted above the rest: nothing is allocated.
const unitRank = (text, i) => {
  const unit = text.charCodeAt(i);
  return unit >= 0xd800 && unit < 0xe000 ? unit + 0x10000 : unit;
};

const byCodePoint = (a, b) => {
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

/** The manifest `changes` leads to from `manifest` (not yet checked: see sync.js). */
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
