// The bundles the server publishes (GET /bundles; the service worker keeps a copy for offline).

import { getJSON } from "./api.js";

let bundleList = null; // last answer
// A list fetched this recently is used again: redrawing the library after an update check or a
// download needs no new one (two lists were a fifth of what a one-article update cost a phone).
const LIST_REUSED_MS = 10000;
let bundleListAt = -Infinity;

/** The published bundles; offline and never fetched, null. */
export async function loadBundles() {
  if (bundleList && navigator.onLine && performance.now() - bundleListAt < LIST_REUSED_MS) {
    return bundleList;
  }
  try {
    bundleList = await getJSON("/bundles");
    bundleListAt = performance.now();
  } catch {
    // Offline and never fetched: the library lists what is installed.
  }
  return bundleList;
}
