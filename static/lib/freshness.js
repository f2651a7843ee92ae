// What the device takes from the network on the word of the publisher's TUF repository
// (satchel/stages/repository.py), and since when it has not been able to check: the app's use of
// its TUF client (tuf.js). Every manifest the network gives (a first install, an update, one
// rebuilt from `changes`, one read without downloading) must be listed, with its length and
// sha256, by targets verified fresh from the source just before; one in a `.satchel` file, by
// the targets the file carries, verified without expiry. The metadata verified is kept (db.js)
// so that no source or file can later roll the device back below it, whatever the session.
// Offline nothing is checked and nothing stops: the library and articles only say since when
// content has not been checked.

import { contentHost, requestFile } from "./api.js";
import * as db from "./db.js";
import { AppError } from "./errors.js";
import { _, formatDate } from "./i18n.js";
import { learnKeys } from "./trust.js";
import { checkTarget, refresh, signedByPublisher } from "./tuf.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The source's metadata file `name`, null when it has none (the end of the root chain). */
async function fetchMetadata(name) {
  // Only the timestamp changes; every other name is a version that never does.
  const cache = name === "timestamp.json" ? "no-store" : "default";
  const response = await requestFile(`tuf/${name}`, { cache }, [404]);
  return response.status === 404 ? null : new Uint8Array(await response.arrayBuffer());
}

/** The source as errors name it to the reader. */
const sourceName = contentHost;

/**
 * The first root as `fetchMetadata` reads it, only when a publisher key the device trusts
 * (trust.js) signed it: a device moves to TUF without a second trust on first use.
 */
async function firstRoot(fetchMetadata) {
  const bytes = await fetchMetadata("1.root.json");
  let root = null;
  try {
    root = bytes && JSON.parse(decoder.decode(bytes));
  } catch {
    // not JSON: no root the publisher signed
  }
  if (!root || !(await signedByPublisher(root, [...(await learnKeys()).values()]))) {
    throw new AppError("untrusted_metadata", { role: "root", threshold: 1 });
  }
  return root;
}

/** The metadata the device trusts; one that has none yet (new, or from before TUF) starts at
 * the first root. */
async function trustedMetadata(fetchMetadata) {
  return (await db.getTrust()) ?? { root: await firstRoot(fetchMetadata) };
}

let refreshing = null; // one refresh at a time: every caller waiting then takes its targets

/**
 * Targets verified fresh from the source now; what was verified is kept. Throws the AppErrors of
 * tuf.js's refresh: "stale_source" (with `source` and `date`), "rollback", "mixed_metadata",
 * "untrusted_metadata", "bad_metadata".
 */
export function verifiedTargets(now = new Date()) {
  refreshing ??= (async () => {
    const state = await refresh(await trustedMetadata(fetchMetadata), fetchMetadata, {
      now, source: sourceName(),
    });
    await db.putTrust({ ...state, checkedAt: now.toISOString() });
    return state.targets;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Throws AppError "mixed_metadata" when `targets` list a newer manifest of `bundle` in `locale`
 * than `version`: targets keep the manifests of older versions too, which a source must not pass
 * off as current. */
function checkNewest(targets, { bundle, locale }, version) {
  const folder = `bundles/${bundle}/${locale}/`;
  const listed = Object.keys(targets.signed.targets)
    .map((path) => path.startsWith(folder) && /^\d+\.json$/.exec(path.slice(folder.length)))
    .filter(Boolean).map(([name]) => parseInt(name, 10));
  const newest = Math.max(version, ...listed);
  if (version < newest) {
    throw new AppError("mixed_metadata", { role: "manifest", version, expected: newest });
  }
}

/**
 * Throws AppError unless `bytes` are the manifest of `version` of `bundle` in `locale` as
 * `targets` list it ("not_in_targets"), and no newer version of it is listed ("mixed_metadata").
 */
export async function checkManifest(targets, { bundle, locale }, bytes, version) {
  checkNewest(targets, { bundle, locale }, version);
  await checkTarget(targets, `bundles/${bundle}/${locale}/${version}.json`, bytes);
}

/** What a `.satchel` file carries of the device's verified metadata (`{name: metadata}`, the
 * names of the repository's tuf/): every root from the first, so that a device trusting any of
 * them, or only its publisher key, can follow them. */
export async function carriedMetadata() {
  const trusted = await db.getTrust();
  if (!trusted?.targets) return null;
  const { roots = [trusted.root], timestamp, snapshot, targets } = trusted;
  const versioned = [...roots, snapshot, targets]
    .map((metadata) => [`${metadata.signed.version}.${metadata.signed._type}.json`, metadata]);
  return Object.fromEntries([...versioned, ["timestamp.json", timestamp]]);
}

const latest = (...dates) => new Date(Math.max(...dates.filter(Boolean).map(Number)));

/**
 * The check of a manifest a `.satchel` file holds, against the metadata it carries (`carried`,
 * as carriedMetadata writes it; null in a file from before files carried it): the TUF workflow
 * from the device's trusted root (or, on a device that has none, the file's first root when a
 * publisher key it trusts signed it), with no expiry, which only dates a file passed from hand
 * to hand. Metadata older than the device's is checked under the device's root (a key it knows
 * to be revoked is refused) and must not list the manifest as replaced in the device's own
 * targets; it is never kept. Newer metadata is what `keep` stores once the file is installed,
 * as checked up to `min(now, its timestamp's expiry)`. A file without metadata is checked
 * against the device's targets. Throws the AppErrors of checkManifest and tuf.js's refresh.
 */
export async function checkFileManifest(carried, key, bytes, version, now = new Date()) {
  const stored = await db.getTrust();
  if (!carried) {
    if (!stored?.targets) throw new AppError("not_in_targets", { path: "" });
    await checkManifest(stored.targets, key, bytes, version);
    return { keep: async () => {} };
  }
  const fetchCarried = async (name) =>
    Object.hasOwn(carried, name) ? encoder.encode(JSON.stringify(carried[name])) : null;
  let state;
  let newer = true;
  try {
    state = await refresh(await trustedMetadata(fetchCarried), fetchCarried, { now: null });
  } catch (error) {
    if (error.code !== "rollback") throw error;
    state = await refresh({ root: stored.root }, fetchCarried, { now: null });
    checkNewest(stored.targets, key, version);
    newer = false;
  }
  await checkManifest(state.targets, key, bytes, version);
  const current = latest(stored?.checkedAt && new Date(stored.checkedAt),
    Math.min(now, new Date(state.timestamp.signed.expires)));
  return {
    keep: async () => {
      if (newer) await db.putTrust({ ...state, checkedAt: current.toISOString() });
    },
  };
}

/**
 * The trust and age line of installed content: when the device last verified the publisher's
 * metadata fresh, said as "not checked since" once that metadata has expired by the device's
 * clock. Null before the first check.
 */
export async function freshnessLine(now = new Date()) {
  const trusted = await db.getTrust();
  if (!trusted?.checkedAt) return null;
  const date = formatDate(trusted.checkedAt);
  return new Date(trusted.timestamp.signed.expires) > now
    ? _("Checked with the publisher on {date}.", { date })
    : _("Not checked since {date}: connect to the internet to check for changes.", { date });
}
