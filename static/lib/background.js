// What the device does by itself, on start and when the connection comes back: repair what the
// browser evicted, resume interrupted downloads, look for updates, send what the reader chose to
// send (outbox.js). It keeps what it found for the library to offer: an update plan per install
// key.

import * as db from "./db.js";
import { repair, resumeAll } from "./download.js";
import { verifiedTargets } from "./freshness.js";
import { sendOutbox } from "./outbox.js";
import { isUntrusted } from "./trust.js";
import { checkForUpdate } from "./update.js";

export const updatePlans = new Map(); // install key → plan from checkForUpdate

/**
 * Run once. `report` hears, as they happen: lost(keys) for evicted bundles, failed(key, error),
 * finished(result) for a download that completed ({install, withdrawn}). False when offline: only
 * the eviction was checked.
 */
export async function syncNow(report) {
  const health = await db.checkHealth();
  if (health.lost.length) report.lost(health.lost);
  if (!navigator.onLine) return false;
  // Not awaited: repairs, resumed downloads and update checks never wait on the reports, and a
  // failed send keeps them for the next time.
  sendOutbox().catch(() => {});
  for (const install of health.damaged) {
    try {
      await repair(install);
    } catch (error) {
      report.failed(install.key, error);
    }
  }
  for (const result of await resumeAll()) {
    if (result.error) report.failed(result.key, result.error);
    else report.finished(result);
  }
  // The publisher's metadata is refreshed once for every bundle, not once each: on a network
  // that carries nothing, one wait for an answer rather than one per bundle.
  const installs = await db.allInstalls();
  const targets = installs.length ? verifiedTargets() : null;
  targets?.catch(() => {}); // its failure is each check's, below
  for (const install of installs) {
    try {
      const plan = await checkForUpdate(install, await targets);
      if (plan) updatePlans.set(install.key, plan);
      else updatePlans.delete(install.key);
    } catch (error) {
      // Offline or the server is away: try again next time. A forged update is worth a word.
      if (isUntrusted(error)) report.failed(install.key, error);
    }
  }
  return true;
}
