// The page side of bench/device.py: our engine, MiniSearch and Lunr over the same text in one
// Chromium page. Python drives the steps (and reads the heap between them through CDP), so
// every step is a function of window.bench that leaves what the next step needs in `state`.

import * as engine from "/static/lib/search-engine.js";
import { AppError } from "/static/lib/errors.js";
import MiniSearch from "/node_modules/minisearch/dist/es/index.js";

const lunr = window.lunr;
const state = { held: null };

async function gzipSize(data) {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

const fetchBytes = async (url) => (await fetch(url)).arrayBuffer();

function miniSearchOptions(fields, boosts) {
  return {
    fields,
    idField: "id",
    searchOptions: {
      boost: Object.fromEntries(fields.map((f, i) => [f, boosts[i]])), fuzzy: 0.2, prefix: true,
    },
  };
}

/**
 * Fetch the corpus and, unless `peers` is false (ours alone, as the growth rows time it), build
 * MiniSearch and Lunr once; keep every engine's serialised index.
 */
async function prepare({ corpus, segments, tombstones, fields, boosts, peers = true }) {
  const buffers = await Promise.all(
    segments.map((_, k) => fetchBytes(`/corpus/${corpus}/segment/${k}`)));
  let ours = 0;
  for (const buffer of buffers) ours += await gzipSize(buffer);
  const bytes = { ours: buffers.reduce((sum, b) => sum + b.byteLength, 0) };
  Object.assign(state, { buffers, tombstones, held: null });
  if (!peers) return { gzipped: { ours }, bytes };
  const docs = await (await fetch(`/corpus/${corpus}/docs.json`)).json();
  const options = miniSearchOptions(fields, boosts);
  const miniSearch = new MiniSearch(options);
  miniSearch.addAll(docs);
  const miniSearchJson = JSON.stringify(miniSearch);
  const lunrJson = JSON.stringify(lunr(function build() {
    this.ref("id");
    fields.forEach((f, i) => this.field(f, { boost: boosts[i] }));
    docs.forEach((doc) => this.add(doc));
  }));
  Object.assign(state, { options, miniSearchJson, lunrJson });
  return {
    gzipped: { ours, minisearch: await gzipSize(miniSearchJson), lunr: await gzipSize(lunrJson) },
    bytes,
  };
}

const loaders = {
  ours: () => engine.openIndex([
    { bundle: "medquad", buffers: state.buffers, tombstones: state.tombstones },
  ]),
  minisearch: () => MiniSearch.loadJSON(state.miniSearchJson, state.options),
  lunr: () => lunr.Index.load(JSON.parse(state.lunrJson)),
};

/** Load `name`'s index `runs` times from the bytes in memory; keep the last one. */
async function load({ name, runs }) {
  const times = [];
  for (let run = 0; run < runs; run++) {
    state.held = null;
    const started = performance.now();
    state.held = await loaders[name]();
    times.push(performance.now() - started);
  }
  return times;
}

// Lunr's own query parser rejects text such as "word:" or "-", so queries are built from its
// tokenizer: typed words as they are, a typo as fuzzy terms, a prefix as a trailing wildcard.
function lunrQuery(index, q, kind) {
  const tokens = lunr.tokenizer(q);
  return index.query((query) => tokens.forEach((token, i) => {
    if (kind === "typo") query.term(token, { editDistance: 1 });
    else if (kind === "prefix" && i === tokens.length - 1) {
      query.term(token, { usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING });
    } else query.term(token);
  }));
}

const searchers = {
  ours: (index, q) => {
    try {
      return engine.search(index, q, {}, { limit: 10 }).hits.map((hit) => hit.id);
    } catch (error) {
      if (error instanceof AppError) return [];
      throw error;
    }
  },
  minisearch: (index, q) => index.search(q).slice(0, 10).map((hit) => hit.id),
  lunr: (index, q, kind) => lunrQuery(index, q, kind).slice(0, 10).map((hit) => hit.ref),
};

/** Milliseconds of each query, [kind, q] pairs, with the held index of `name`. */
function time({ name, queries }) {
  const run = searchers[name];
  return queries.map(([kind, q]) => {
    const started = performance.now();
    run(state.held, q, kind);
    return performance.now() - started;
  });
}

/** How many of the [kind, q, id] cases have their article in the top 10. */
function found({ name, cases }) {
  const run = searchers[name];
  return cases.filter(([kind, q, id]) => run(state.held, q, kind).includes(id)).length;
}

function release() {
  state.held = null;
}

window.bench = { prepare, load, time, found, release };
window.ready = true;
