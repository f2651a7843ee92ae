// Keeping a downloaded bundle current: one conditional request says whether there is a newer
// version; the update downloads only the objects it adds (download.js stages and switches).

import { request } from "./api.js";
import { downloadAgain, downloadSize, downloadStaged } from "./download.js";
import { AppError } from "./errors.js";
import { checkManifest, verifiedTargets } from "./freshness.js";
import { applyChanges, articleChanges, canonicalBytes, sha256Hex } from "./manifest.js";
import { verifyManifest } from "./trust.js";

const decoder = new TextDecoder();

/**
 * The manifest `changes` leads to, rebuilt from the installed one: {manifest, changes, bytes},
 * `bytes` its canonical bytes. If they do not hash to `changes.manifest.sha256`, the full
 * manifest instead, if its bytes do, with the article changes read from it rather than from
 * `changes`. Null when neither matches (a version was published in between).
 */
async function nextManifest(install, changes) {
  const rebuilt = applyChanges(install.manifest, changes);
  const written = canonicalBytes(rebuilt);
  if ((await sha256Hex(written)) === changes.manifest.sha256) {
    return { manifest: rebuilt, changes, bytes: written };
  }
  const response = await request(`/bundles/${install.bundle}/${install.locale}`, {
    cache: "no-store",
  });
  const bytes = await response.arrayBuffer();
  if ((await sha256Hex(bytes)) !== changes.manifest.sha256) return null;
  const manifest = JSON.parse(decoder.decode(bytes));
  return {
    manifest, bytes, changes: { ...changes, ...articleChanges(install.manifest, manifest) },
  };
}

/**
 * Is there a newer version than `install`? The publisher's metadata first (freshness.js), so
 * that a source frozen in the past is refused even when it says nothing changed; then one
 * request: /changes, conditional on the installed manifest's ETag, so nothing changed is a 304.
 * A new manifest is used only if the verified targets list its bytes. Returns null, or
 * {version, manifest, etag, changes, bytes, expired}; `bytes` is what the update will download.
 */
export async function checkForUpdate(install, attempts = 2) {
  const targets = await verifiedTargets();
  const path = `/bundles/${install.bundle}/${install.locale}`;
  const response = await request(`${path}/changes?since=${install.version}`, {
    cache: "no-store", headers: install.etag ? { "If-None-Match": install.etag } : {},
  }, [304, 410]);
  if (response.status === 304) return null;
  if (response.status === 410) {
    const size = await downloadSize(install.bundle, install.locale);
    return { version: size.version, changes: null, bytes: size.bytes, expired: true };
  }
  const changes = await response.json();
  if (changes.from !== install.version) {
    throw new AppError("integrity", { message: "changes from another version" });
  }
  if (changes.to === install.version) return null;
  const next = await nextManifest(install, changes);
  if (!next) {
    if (attempts > 1) return checkForUpdate(install, attempts - 1); // published in between
    throw new AppError("integrity", { message: "the manifest and its changes disagree" });
  }
  const keyId = await verifyManifest(next.manifest, next.bytes);
  await checkManifest(targets, install, next.bytes, next.manifest.version);
  return {
    version: changes.to, manifest: next.manifest, keyId,
    etag: `"${changes.manifest.sha256}"`,
    changes: next.changes, bytes: changes.transfer_bytes, expired: false,
  };
}

/** Stage and apply an update found by checkForUpdate; 410 means a full download. */
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
