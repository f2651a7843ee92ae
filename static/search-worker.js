// The device search, off the page's thread: opens the installed bundle's search segments from
// IndexedDB (once per installed version: the page says which version it holds, so a keystroke
// reads nothing but the articles it shows) and answers {key, version, params} with the
// server's shape, highlights built from the article objects on the device.

import { getBytes, getInstall, getObject } from "./db.js";
import { highlights, openIndex, phraseCandidates, search } from "./search-engine.js";

let opened = { id: null };

async function open(key, version) {
  if (opened.id !== `${key}@${version}`) {
    const install = await getInstall(key);
    const { segments, tombstones } = install.manifest.search;
    const buffers = await Promise.all(segments.map((segment) => getBytes(segment.object)));
    opened = {
      id: `${key}@${install.version}`,
      install,
      ix: await openIndex(buffers, tombstones),
      objects: new Map(install.manifest.articles
        .filter((a) => a.object).map((a) => [a.id, a.object])),
    };
  }
  return opened;
}

async function answer({ key, version, params }) {
  const { install, ix, objects } = await open(key, version);
  const articles = new Map(await Promise.all(
    phraseCandidates(ix, params.q).map(async (id) => [id, await getObject(objects.get(id))])));
  const { q, topic, symptom, limit = 20, page = 1 } = params;
  const found = search(ix, q, { topic, symptom },
    { limit, page, article: (id) => articles.get(id) });
  const hits = await Promise.all(found.hits.map(async ({ id, score }) => {
    const article = articles.get(id) || await getObject(objects.get(id));
    return {
      id, score, title: article.title, teaser: article.teaser || "",
      published: article.published ?? null,
      highlights: highlights(ix, article, found.terms),
    };
  }));
  const { terms, ...rest } = found;
  return {
    ...rest, hits, bundle: install.bundle, locale: install.locale, version: install.version,
  };
}

self.onmessage = async ({ data }) => {
  try {
    postMessage({ id: data.id, result: await answer(data) });
  } catch (error) {
    const code = error.code || "device_search_failed";
    postMessage({ id: data.id, error: { code, message: error.message } });
  }
};
