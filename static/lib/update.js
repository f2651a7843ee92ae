// Keeping a downloaded bundle current: the repository's pointer (current.json, revalidated) says
// whether there is a newer version, and the update written for the installed one (changes/<from>-
// <to>.json) what it adds; the update downloads only those objects (download.js stages and
// switches).

import { requestFile } from "./api.js";
import { downloadAgain, downloadSize, downloadStaged } from "./download.js";
import { AppError } from "./errors.js";
import { checkManifest } from "./freshness.js";
import { applyChanges, articleChanges, canonicalBytes, sha256Hex } from "./manifest.js";
import { currentVersion, fetchManifest } from "./read.js";
import { verifyManifest } from "./trust.js";

/**
 * The manifest `changes` leads to, rebuilt from the installed one: {manifest, changes, bytes},
 * `bytes` its canonical bytes. If they do not hash to `changes.manifest.sha256`, the full
 * manifest instead, if its bytes do, with the article changes read from it rather than from
 * `changes`. Null when neither matches (a copy was changed on its way).
 */
async function nextManifest(install, changes) {
  const rebuilt = applyChanges(install.manifest, changes);
  const written = canonicalBytes(rebuilt);
  if ((await sha256Hex(written)) === changes.manifest.sha256) {
    return { manifest: rebuilt, changes, bytes: written };
  }
  const { bytes, manifest } = await fetchManifest(install.bundle, install.locale, changes.to);
  if ((await sha256Hex(bytes)) !== changes.manifest.sha256) return null;
  return {
    manifest, bytes, changes: { ...changes, ...articleChanges(install.manifest, manifest) },
  };
}

/**
 * Is there a newer version than `install`? `targets`: the publisher's metadata verified fresh
 * just before (freshness.js `verifiedTargets`, once for every bundle checked), so that a source
 * frozen in the past is refused even when it says nothing changed. Then the pointer, revalidated
 * (a 304 when nothing was published), then the update from the installed version; none kept
 * means a full download. A new manifest is used only if the verified targets list its bytes.
 * Returns null, or {version, manifest, etag, changes, bytes, expired}; `bytes` is what the update
 * will download.
 */
export async function checkForUpdate(install, targets) {
  const { bundle, locale } = install;
  const current = await currentVersion(bundle, locale);
  if (current === install.version) return null;
  const response = await requestFile(
    `bundles/${bundle}/${locale}/changes/${install.version}-${current}.json`, {}, [404]);
  if (response.status === 404) {
    const size = await downloadSize(bundle, locale);
    return { version: size.version, changes: null, bytes: size.bytes, expired: true };
  }
  const changes = await response.json();
  if (changes.from !== install.version || changes.to !== current) {
    throw new AppError("integrity", { message: "changes between other versions" });
  }
  const next = await nextManifest(install, changes);
  if (!next) throw new AppError("integrity", { message: "the manifest and its changes disagree" });
  const keyId = await verifyManifest(next.manifest, next.bytes);
  await checkManifest(targets, install, next.bytes, next.manifest.version);
  return {
    version: changes.to, manifest: next.manifest, keyId,
    etag: `"${changes.manifest.sha256}"`,
    changes: next.changes, bytes: changes.transfer_bytes, expired: false,
  };
}

/** Stage and apply an update found by checkForUpdate; an expired one is a full download. */
export function applyUpdate(install, plan) {
  if (plan.expired) return downloadAgain(install);
  return downloadStaged({
    key: install.key, bundle: install.bundle, locale: install.locale,
    manifest: plan.manifest, keyId: plan.keyId, etag: plan.etag, from: install.version,
    changes: plan.changes,
    expected: { raw: plan.changes.bytes, sent: plan.changes.transfer_bytes },
    startedAt: new Date().toISOString(),
  });
}
