// The seam between the search screen and the engines. Both answer in the server's shape:
//   {query, total,
//    hits: [{id, title, teaser, published, score, highlights: [escaped html with <mark>]}],
//    facets: {topics: {slug: count}, symptoms: {slug: count}}, suggestion}
// A downloaded bundle is searched on the device, by search-engine.js in a Web Worker
// (search-worker.js) so typing never waits for it, with the server's ranking; otherwise (or for
// a bundle installed before devices had a search index) the server's GET /api/v1/search answers.

import * as sync from "./sync.js";

export class SearchUnavailable extends Error {}

async function serverSearch({ q, bundle, locale, topic, symptom, page = 1, limit = 20 }) {
  const params = new URLSearchParams({
    q, bundle, locale, limit: String(limit), page: String(page),
  });
  if (topic) params.set("topic", topic);
  if (symptom) params.set("symptom", symptom);
  const response = await fetch(`/api/v1/search?${params}`, { cache: "no-store" });
  if (!response.ok) {
    let error = { code: "http_error", message: response.statusText };
    try {
      error = (await response.json()).error;
    } catch {
      // Not JSON: keep the status text.
    }
    throw new sync.ApiFailure({ status: response.status, ...error });
  }
  return response.json();
}

let worker = null;
let asked = 0;
const waiting = new Map();

function deviceSearch(key, version, params) {
  if (!worker) {
    worker = new Worker(new URL("./search-worker.js", import.meta.url), { type: "module" });
    worker.onmessage = ({ data }) => {
      const { resolve, reject } = waiting.get(data.id);
      waiting.delete(data.id);
      if (data.error) reject(new sync.ApiFailure({ status: 400, ...data.error }));
      else resolve(data.result);
    };
  }
  const id = ++asked;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, key, version, params: { ...params, limit: params.limit || 20 } });
  });
}

export async function search(params) {
  const key = sync.keyOf(params.bundle, params.locale);
  const install = await sync.getInstall(key);
  if (install && install.manifest.search && install.manifest.search.segments) {
    return { engine: "device", ...(await deviceSearch(key, install.version, params)) };
  }
  if (!navigator.onLine) throw new SearchUnavailable("offline");
  try {
    return { engine: "server", ...(await serverSearch(params)) };
  } catch (error) {
    if (error instanceof TypeError) throw new SearchUnavailable("offline");
    throw error;
  }
}
