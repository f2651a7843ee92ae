// The seam between the search screen and the engines. Both answer in the server's shape:
//   {query, total, hits: [{id, title, teaser, published, score, highlights: [escaped html with <mark>]}],
//    facets: {topics: {slug: count}, symptoms: {slug: count}}, suggestion}
// A downloaded bundle is searched on the device (search-device.js; the full engine in a Web Worker
// replaces it later); otherwise the server's GET /api/v1/search answers when online.

import * as sync from "./sync.js";

export class SearchUnavailable extends Error {}

async function serverSearch({ q, bundle, locale, topic, symptom, page = 1, limit = 20 }) {
  const params = new URLSearchParams({ q, bundle, locale, limit: String(limit), page: String(page) });
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

export async function search(params) {
  const install = await sync.getInstall(sync.keyOf(params.bundle, params.locale));
  if (install) {
    const device = await import("./search-device.js");
    return { engine: "device", ...(await device.search(install, params)) };
  }
  if (!navigator.onLine) throw new SearchUnavailable("offline");
  try {
    return { engine: "server", ...(await serverSearch(params)) };
  } catch (error) {
    if (error instanceof TypeError) throw new SearchUnavailable("offline");
    throw error;
  }
}
