// The device search, off the page's thread: opens the search segments of the installed bundles
// asked for from IndexedDB as one index (once per set of installed versions: the page says which
// versions it holds, so a keystroke reads nothing but the articles it shows) and answers
// {keys, versions, params} with the server's shape, highlights built from the article objects on
// the device. Asked {prepare: install key}, it loads the code that install's language needs.

import { getBytes, getInstall, getObject } from "./db.js";
import {
  highlights, loadLanguage, openIndex, phraseCandidates, search,
} from "./search-engine.js";

let opened = { id: null };

async function open(keys, versions) {
  const wanted = keys.map((key, i) => `${key}@${versions[i]}`).join(" ");
  if (opened.id !== wanted) {
    const installs = await Promise.all(keys.map(getInstall));
    const parts = await Promise.all(installs.map(async (install) => ({
      bundle: install.bundle,
      buffers: await Promise.all(install.manifest.search.segments
        .map((segment) => getBytes(segment.object))),
      tombstones: install.manifest.search.tombstones,
    })));
    opened = {
      id: installs.map((install) => `${install.bundle}/${install.locale}@${install.version}`)
        .join(" "),
      installs: new Map(installs.map((install) => [install.bundle, install])),
      ix: await openIndex(parts),
      objects: new Map(installs.map((install) => [install.bundle, new Map(install.manifest.articles
        .filter((a) => a.object).map((a) => [a.id, a.object]))])),
    };
  }
  return opened;
}

async function answer({ keys, versions, params }) {
  const { installs, ix, objects } = await open(keys, versions);
  const read = (bundle, id) => getObject(objects.get(bundle).get(id));
  const articles = new Map(await Promise.all(phraseCandidates(ix, params.q)
    .map(async ({ bundle, id }) => [`${bundle}/${id}`, await read(bundle, id)])));
  const { q, topic, symptom, limit = 20, page = 1 } = params;
  const found = search(ix, q, { topic, symptom },
    { limit, page, article: (bundle, id) => articles.get(`${bundle}/${id}`) });
  const hits = await Promise.all(found.hits.map(async ({ bundle, id, score }) => {
    const article = articles.get(`${bundle}/${id}`) || await read(bundle, id);
    return {
      bundle, bundle_title: installs.get(bundle).manifest.title,
      id, score, title: article.title, teaser: article.teaser || "",
      published: article.published ?? null,
      highlights: highlights(ix, article, found.terms),
    };
  }));
  const { terms, ...rest } = found;
  const searched = [...installs.values()];
  const one = searched.length === 1 && params.bundle ? searched[0] : null;
  return {
    ...rest, hits, locale: searched[0].locale,
    bundle: one ? one.bundle : null, version: one ? one.version : null,
    bundles: searched.map((install) =>
      ({ id: install.bundle, title: install.manifest.title, version: install.version })),
  };
}

async function prepare(key) {
  const { segments } = (await getInstall(key)).manifest.search;
  await loadLanguage(await getBytes(segments[segments.length - 1].object));
  return null;
}

self.onmessage = async ({ data }) => {
  try {
    const result = await (data.prepare ? prepare(data.prepare) : answer(data));
    postMessage({ id: data.id, result });
  } catch (error) {
    const code = error.code || "device_search_failed";
    postMessage({ id: data.id, error: { code, message: error.message } });
  }
};
