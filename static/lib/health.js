// Eviction: the browser may delete a site's data to free space. The install keys are also kept
// in localStorage, so that on start the device can tell what was lost, and which installs lost
// some of their objects.

import * as db from "./db.js";
import { objectsOf } from "./manifest.js";

const REMEMBERED = "satchel.installed";

export function rememberInstalls(keys) {
  try {
    localStorage.setItem(REMEMBERED, JSON.stringify(keys));
  } catch {
    // Storage full or disabled: eviction detection is best effort.
  }
}

/** The install keys last remembered; none when the entry is missing or not a list of keys. */
function rememberedKeys() {
  try {
    const keys = JSON.parse(localStorage.getItem(REMEMBERED) || "[]");
    return Array.isArray(keys) ? keys : [];
  } catch {
    return [];
  }
}

/**
 * On start: bundles the browser evicted (remembered but gone) and installs with missing objects.
 * Repairing one (download.js) downloads its missing objects again for the same version.
 */
export async function checkHealth() {
  const installs = await db.allInstalls();
  const lost = rememberedKeys().filter((key) => !installs.some((install) => install.key === key));
  const present = await db.objectNames();
  const damaged = installs.filter((install) =>
    objectsOf(install.manifest).some((entry) => !present.has(entry.object)));
  rememberInstalls(installs.map((install) => install.key));
  return { lost, damaged };
}
