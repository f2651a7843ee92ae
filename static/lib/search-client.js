// The seam between the search screen and the engines. Both answer in the server's shape:
//   {query, total, bundles: [{id, title, version}],
//    hits: [{bundle, bundle_title, id, title, teaser, published, score,
//            highlights: [escaped html with <mark>]}],
//    facets: {topics: {slug: count}, symptoms: {slug: count}}, suggestion,
//    query_terms: the query's words as the engine's analysis made them}
// Downloaded bundles are searched on the device, by search-engine.js in a Web Worker
// (search-worker.js) so typing never waits for it, with the server's ranking; otherwise (or for
// a bundle installed before devices had a search index) the server's GET /api/v1/search answers.
// A search of every bundle (`bundle` empty) is answered on the device when it holds every bundle
// published in the locale, or when the server can't be reached, whatever navigator.onLine says
// (then over the installed ones), merged as the server merges them.

import { getJSON } from "./api.js";
import * as db from "./db.js";
import { AppError } from "./errors.js";

function serverSearch({ q, bundle, locale, topic, symptom, page = 1, limit = 20 }) {
  const params = new URLSearchParams({ q, locale, limit: String(limit), page: String(page) });
  if (bundle) params.set("bundle", bundle);
  if (topic) params.set("topic", topic);
  if (symptom) params.set("symptom", symptom);
  return getJSON(`/search?${params}`, { cache: "no-store" });
}

let worker = null;
let asked = 0;
const waiting = new Map();

/** The search worker's answer to `message`. */
function ask(message) {
  if (!worker) {
    worker = new Worker(new URL("./search-worker.js", import.meta.url), { type: "module" });
    worker.onmessage = ({ data }) => {
      const { resolve, reject } = waiting.get(data.id);
      waiting.delete(data.id);
      if (data.error) reject(new AppError(data.error.code, { status: 400, ...data.error }));
      else resolve(data.result);
    };
    // A worker that failed to start (its code could not be loaded) answers nothing: every
    // question waiting fails, and the next one starts a worker again.
    worker.onerror = (event) => {
      const failed = new AppError("device_search_failed", { status: 400, message: event.message });
      waiting.forEach(({ reject }) => reject(failed));
      waiting.clear();
      worker = null;
    };
  }
  const id = ++asked;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, ...message });
  });
}

function deviceSearch(installs, params) {
  return ask({
    keys: installs.map((install) => install.key),
    versions: installs.map((install) => install.version),
    params: { ...params, limit: params.limit || 20 },
  });
}

const searchable = (install) => install && install.manifest.search
  && install.manifest.search.segments;

/**
 * Load the search code `install`'s language needs (the Han table for Chinese), which the service
 * worker then keeps: the app does not precache it, so a device searches offline in the
 * languages of its bundles. It is the index's language that decides, not the query's script:
 * a query is always analysed as the index it searches.
 */
export async function prepareDeviceSearch(install) {
  if (searchable(install)) await ask({ prepare: install.key });
}

/**
 * The installs that answer `params` on the device, or null: the bundle's install; for every
 * bundle, the installs in the locale when they are all of `params.published` (the ids published
 * in the locale, null when unknown), or any when `partly` (the server can't be reached).
 */
async function deviceInstalls({ bundle, locale, published }, partly) {
  if (bundle) {
    const install = await db.getInstall(db.installKey(bundle, locale));
    return searchable(install) ? [install] : null;
  }
  const installs = (await db.allInstalls())
    .filter((install) => install.locale === locale && searchable(install));
  if (!installs.length) return null;
  const held = (id) => installs.some((install) => install.bundle === id);
  if (!partly && (!published || !published.every(held))) return null;
  return installs;
}

/**
 * The search answered on the device or by the server; when the server can't be reached (offline,
 * or a network that says online and carries nothing), by the device over what it holds; AppError
 * "offline" when nothing can answer.
 */
export async function search(params) {
  const whole = await deviceInstalls(params, false);
  if (whole) return { engine: "device", ...(await deviceSearch(whole, params)) };
  if (navigator.onLine) {
    try {
      return { engine: "server", ...(await serverSearch(params)) };
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
    }
  }
  const held = await deviceInstalls(params, true);
  if (held) return { engine: "device", ...(await deviceSearch(held, params)) };
  throw new AppError("offline");
}
