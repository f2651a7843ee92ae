// What the device takes from the network on the word of the publisher's TUF repository
// (satchel/stages/repository.py), and since when it has not been able to check: the app's use of
// its TUF client (tuf.js). Every manifest the network gives (a first install, an update, one
// rebuilt from `changes`) must be listed, with its length and sha256, by targets verified fresh
// from the source just before; the metadata verified is kept (db.js) so that no source can later
// roll the device back below it, whatever the session. Offline nothing is checked and nothing
// stops: the library and articles only say since when content has not been checked.

import { contentHost, requestFile } from "./api.js";
import * as db from "./db.js";
import { AppError } from "./errors.js";
import { _, formatDate } from "./i18n.js";
import { learnKeys } from "./trust.js";
import { checkTarget, refresh, signedByPublisher } from "./tuf.js";

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
 * The metadata the device trusts. A device that has none yet (new, or from before TUF) takes the
 * first root only when a publisher key it trusts (trust.js) signed it: no second trust on first
 * use.
 */
async function trustedMetadata() {
  const stored = await db.getTrust();
  if (stored) return stored;
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
  return { root };
}

/**
 * Targets verified fresh from the source now; what was verified is kept. Throws the AppErrors of
 * tuf.js's refresh: "stale_source" (with `source` and `date`), "rollback", "mixed_metadata",
 * "untrusted_metadata", "bad_metadata".
 */
export async function verifiedTargets(now = new Date()) {
  const state = await refresh(await trustedMetadata(), fetchMetadata, {
    now, source: sourceName(),
  });
  await db.putTrust({ ...state, checkedAt: now.toISOString() });
  return state.targets;
}

/**
 * Throws AppError unless `bytes` are the manifest of `version` of `bundle` in `locale` as
 * `targets` list it ("not_in_targets"), and no newer version of it is listed: targets keep the
 * manifests of older versions too, which a source must not pass off as current
 * ("mixed_metadata").
 */
export async function checkManifest(targets, { bundle, locale }, bytes, version) {
  const folder = `bundles/${bundle}/${locale}/`;
  const listed = Object.keys(targets.signed.targets)
    .map((path) => path.startsWith(folder) && /^\d+\.json$/.exec(path.slice(folder.length)))
    .filter(Boolean).map(([name]) => parseInt(name, 10));
  const newest = Math.max(version, ...listed);
  if (version < newest) {
    throw new AppError("mixed_metadata", { role: "manifest", version, expected: newest });
  }
  await checkTarget(targets, `${folder}${version}.json`, bytes);
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
