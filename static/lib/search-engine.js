// The device search engine: reads the segments of satchel/stages/device_export.py (format 2; the
// layout is documented there) and answers a query with the rules of satchel/search/engine.py, in
// the same float64 order, so ids and scores equal the server's. No DOM: it runs in
// search-worker.js (and tests). A word form absent from the corpus is stemmed by the port of the
// server's stemmer in stem/, loaded for the index's language only.

import { AppError } from "./errors.js";
import {
  TOKEN, WORD, fold, oneCluster, paired, tokenSpans, tokens,
} from "./segment.js";

export { fold };

const LAST_WORD = new RegExp(`${WORD}$`, "u");
const SENTENCE = /[^.!?\n。！？।॥။]+[.!?。！？।॥။]*/g;
const BLOCK = new Set("p li h3 h4 br tr blockquote pre hr ul ol table".split(" "));
const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
const utf8 = new TextDecoder();
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

const failure = (code, message) => new AppError(code, { message });

const words = (text) => text.split(/\s+/).filter(Boolean);
const escape = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function reader(bytes, pos = 0) {
  return {
    get pos() { return pos; },
    next() {
      let value = 0;
      let scale = 1;
      for (;;) {
        const byte = bytes[pos++];
        value += (byte & 127) * scale;
        if (byte < 128) return value;
        scale *= 128;
      }
    },
  };
}

function frontCoded(bytes) {
  if (!bytes.length) return [];
  let previous = "";
  return utf8.decode(bytes).split("\n").map((line) => {
    previous = previous.slice(0, line.charCodeAt(0) - 48) + line.slice(1);
    return previous;
  });
}

const SECTIONS = [
  "ids", "norms", "docs", "terms", "lengths", "postings", "forms", "formterms", "commonness",
];

/** A search segment's header, and where its sections start. */
function headerOf(bytes) {
  if (utf8.decode(bytes.subarray(0, 4)) !== "SXI1") {
    throw failure("bad_index", "not a search segment");
  }
  const r = reader(bytes, 4);
  const length = r.next();
  const header = JSON.parse(utf8.decode(bytes.subarray(r.pos, r.pos + length)));
  if (header.format !== 3) {
    throw failure("bad_index", `unknown index format ${header.format}`);
  }
  return { header, end: r.pos + length };
}

function segment(buffer) {
  const bytes = new Uint8Array(buffer);
  const { header, end } = headerOf(bytes);
  let pos = end;
  const part = {};
  SECTIONS.forEach((name, i) => {
    part[name] = bytes.subarray(pos, pos + header.sections[i]);
    pos += header.sections[i];
  });
  const terms = frontCoded(part.terms);
  const all = terms.concat(header.extra_terms);
  const offsets = new Int32Array(terms.length + 1);
  const lr = reader(part.lengths);
  for (let i = 0; i < terms.length; i++) offsets[i + 1] = offsets[i] + lr.next();
  const dr = reader(part.docs);
  const list = () => Array.from({ length: dr.next() }, () => dr.next());
  const ids = frontCoded(part.ids);
  const docs = ids.map((id, local) => {
    const credibility = dr.next();
    const topics = list();
    const symptoms = list();
    let t = 0;
    const title = Array.from({ length: dr.next() }, () => all[t += dr.next()]);
    return { credibility, topics, symptoms, title, id, seg: null, local, live: true, part: 0 };
  });
  const forms = frontCoded(part.forms);
  const fr = reader(part.formterms);
  return {
    header, terms, offsets, postings: part.postings, norms: part.norms, docs,
    ids, forms: forms.map((form, i) => [form, all[fr.next()], part.commonness[i]]),
    termNo: new Map(terms.map((term, i) => [term, i])),
  };
}

// Python counts code points where JavaScript counts UTF-16 units, and the stemmers test lengths:
// each character beyond the BMP is stemmed as one private-use character (never in a word form).
const ASTRAL = /[\u{10000}-\u{10ffff}]/gu;

/** The stem function of the server's stemmer `name` (the identity for null). */
export async function stemmer(name) {
  if (!name) return (form) => form;
  const { stem } = await import(`./stem/${name}.js`);
  return (form) => {
    const astral = form.match(ASTRAL);
    if (!astral) return stem(form);
    return stem(form.replace(ASTRAL, (c) => String.fromCharCode(0xe000 + astral.indexOf(c))))
      .replace(/[\ue000-\uf8ff]/g, (c) => astral[c.charCodeAt(0) - 0xe000]);
  };
}

/** The fold of the index's language: Chinese also writes Traditional characters as Simplified. */
export async function folder(lang) {
  if (lang !== "zh") return fold;
  const { simplify } = await import("./han.js");
  return (text) => simplify(fold(text));
}

/**
 * Load the code the index of segment `buffer` needs for its language (its stemmer, the Han table
 * for Chinese), and nothing else of it: done as a bundle is installed, so that the service
 * worker keeps that code for offline search.
 */
export async function loadLanguage(buffer) {
  const { header } = headerOf(new Uint8Array(buffer));
  await Promise.all([stemmer(header.stemmer), folder(header.lang)]);
}

// A term weighs for how rare it is in everyday language (search.rarity).
const rarity = (C, commonness) => Math.min(1, Math.max(C.RARITY_FLOOR,
  (C.ZIPF_COMMON - commonness) / (C.ZIPF_COMMON - C.ZIPF_RARE)));

// Adds a bundle's concepts (thesaurus or abbreviations) to `found`: a concept's entries in bundle
// order (search.Collection._union).
function unite(found, concepts) {
  for (const [concept, entries] of concepts) {
    const known = found.get(concept) || [];
    const seen = new Set(known.map((entry) => entry.join(" ")));
    known.push(...entries.filter((entry) => !seen.has(entry.join(" "))));
    found.set(concept, known);
  }
}

/**
 * Open the indexes of one or more bundles of one language as one (search.Collection):
 * `parts` is [{bundle, buffers: segments as ArrayBuffers, oldest first, tombstones}], in any
 * order. Documents are numbered across the bundles in bundle order, and the statistics are
 * the sums of the bundles', so scores compare across bundles as on the server.
 */
export async function openIndex(parts) {
  parts = [...parts].sort((a, b) => cmp(a.bundle, b.bundle));
  const opened = parts.map((part) => part.buffers.map(segment));
  const newest = opened.map((segs) => segs[segs.length - 1].header);
  const h = newest[0];
  const ix = {
    h, C: h.constants, fields: h.fields, boosts: h.boosts, segs: [], docs: [], ids: [],
    bundles: parts.map((part) => part.bundle), stem: await stemmer(h.stemmer),
    fold: await folder(h.lang), stops: new Set(h.stop_words), forms: new Map(), cache: new Map(),
    dfs: new Map(), lengthNorms: [], rarities: new Map(), thesaurus: new Map(),
    abbreviations: new Map(),
  };
  const segs = opened.flat();
  // A document's topics and symptoms are numbers of ix.slugs, in slug order, so facets count in
  // an array.
  ix.slugs = [...new Set(segs.flatMap((seg) => seg.header.slugs))].sort(cmp);
  ix.slugNo = new Map(ix.slugs.map((slug, i) => [slug, i]));
  const commonness = new Map();
  opened.forEach((partSegs, k) => {
    const dead = new Set(parts[k].tombstones
      .flatMap((t) => t.ids.map((id) => `${t.segment} ${id}`)));
    const forms = new Map();
    partSegs.forEach((seg, s) => {
      seg.base = ix.docs.length;
      const slugNo = seg.header.slugs.map((slug) => ix.slugNo.get(slug));
      // Renumbering costs milliseconds at open: only segments whose slug table is not the
      // index's pay it.
      const renumber = slugNo.some((no, local) => no !== local);
      for (const doc of seg.docs) {
        if (renumber) {
          for (const list of [doc.topics, doc.symptoms]) {
            list.forEach((local, i) => { list[i] = slugNo[local]; });
          }
        }
        doc.seg = seg;
        doc.part = k;
        if (dead.size) doc.live = !dead.has(`${s} ${doc.id}`);
        ix.docs.push(doc);
        ix.ids.push(doc.id);
      }
      seg.header.forms_removed.forEach((form) => forms.delete(form));
      seg.forms.forEach(([form, term, common]) => forms.set(form, [term, common]));
      ix.segs.push(seg);
    });
    forms.forEach(([term, common], form) => {
      ix.forms.set(form, term);
      commonness.set(term, Math.max(commonness.get(term) ?? 0, common));
    });
    unite(ix.thesaurus, newest[k].thesaurus);
    unite(ix.abbreviations, newest[k].abbreviations);
  });
  commonness.forEach((common, term) => ix.rarities.set(term, rarity(ix.C, common)));
  ix.thesaurus = [...ix.thesaurus].sort((a, b) => cmp(a[0], b[0]));
  ix.abbreviations = [...ix.abbreviations].sort((a, b) => cmp(a[0], b[0]));
  ix.shortForms = new Set(ix.abbreviations.filter(([, [short]]) => short.length === 1)
    .map(([, [short]]) => short[0]));
  ix.formList = segs.length > 1
    ? [...ix.forms.keys()].sort(cmp)
    : segs[0].forms.map(([form]) => form);
  ix.n = newest.reduce((sum, header) => sum + header.live.documents, 0);
  ix.avgfl = ix.fields.map((f) => (newest.reduce((sum, header) => sum
    + header.live.field_totals[f], 0) / (ix.n || 1)) || 1);
  return ix;
}

// ---- analysis ----

// A folded token is indexed when it has two characters, is one digit or one character of a paired
// script, and is no stop word.
const indexed = (ix, token) => (token.length >= 2 || /^\p{Nd}$/u.test(token) || paired(token))
  && !ix.stops.has(token);
const formsOf = (ix, text) => tokens(ix.fold(text)).filter((token) => indexed(ix, token));
const termOf = (ix, form) => ix.forms.get(form) ?? ix.stem(form);
const analyze = (ix, text) => formsOf(ix, text).map((form) => termOf(ix, form));

// ---- postings: per field, the live [docs, tfs] of a term over every segment ----

function eachLivePosting(ix, term, visit) {
  for (const seg of ix.segs) {
    const t = seg.termNo.get(term);
    if (t === undefined) continue;
    const r = reader(seg.postings, seg.offsets[t]);
    const mask = r.next();
    ix.fields.forEach((_, f) => {
      if (!(mask & (1 << f))) return;
      let doc = 0;
      for (let count = r.next(); count > 0; count--) {
        doc += r.next();
        const tf = r.next();
        if (ix.docs[seg.base + doc].live) visit(f, seg.base + doc, tf);
      }
    });
  }
}

export function postings(ix, term) {
  let found = ix.cache.get(term);
  if (found) return found;
  found = ix.fields.map(() => [[], []]);
  eachLivePosting(ix, term, (f, doc, tf) => {
    found[f][0].push(doc);
    found[f][1].push(tf);
  });
  if (ix.cache.size > 50000) ix.cache.clear();
  ix.cache.set(term, found);
  return found;
}

// Counted without keeping the postings: ranking a prefix's completions needs the counts of them
// all.
function df(ix, term) {
  let count = ix.dfs.get(term);
  if (count === undefined) {
    count = 0;
    eachLivePosting(ix, term, () => { count++; });
    ix.dfs.set(term, count);
  }
  return count;
}

// ---- query planning (search.plan_query) ----

function osa(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let twoAgo = null;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, twoAgo[j - 2] + 1);
      }
      row.push(d);
      if (d < best) best = d;
    }
    if (best > limit) return limit + 1;
    twoAgo = prev;
    prev = row;
  }
  return prev[b.length];
}

// An edit changes at most three of the letter pairs of a word padded with ^ and $, so a form
// within `limit` edits shares at least |word| + 1 − 3 × limit pairs with it: only those are
// compared letter by letter. The pairs of every form are indexed at the first typo, not at open;
// a pair is a number.
function forEachPair(form, visit) {
  let previous = 1;
  for (let i = 0; i < form.length; i++) {
    const code = form.charCodeAt(i);
    visit(previous * 65536 + code);
    previous = code;
  }
  visit(previous * 65536 + 2);
}

function pairIndex(ix) {
  if (!ix.pairs) {
    const lists = new Map();
    ix.formList.forEach((form, i) => forEachPair(form, (pair) => {
      const list = lists.get(pair);
      if (!list) lists.set(pair, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }));
    ix.pairs = { lists, shared: new Uint16Array(ix.formList.length) };
  }
  return ix.pairs;
}

function similarForms(ix, form, limit) {
  const needed = form.length + 1 - 3 * limit;
  if (needed < 1) return ix.formList;
  const { lists, shared } = pairIndex(ix);
  const touched = [];
  forEachPair(form, (pair) => {
    for (const i of lists.get(pair) || []) if (shared[i]++ === 0) touched.push(i);
  });
  const found = touched.filter((i) => shared[i] >= needed).map((i) => ix.formList[i]);
  touched.forEach((i) => { shared[i] = 0; });
  return found;
}

function typoCandidates(ix, form) {
  if (form.length < ix.C.MIN_TYPO_LENGTH || paired(form)) return []; // a pair is no misspelt word
  let best = form.length < ix.C.LONG_TYPO_LENGTH ? 1 : 2;
  let found = [];
  for (const candidate of similarForms(ix, form, best)) {
    const d = osa(form, candidate, best);
    if (d < best) found = [];
    if (d <= best) {
      best = d;
      found.push(candidate);
    }
  }
  return commonestFirst(ix, found);
}

/** `forms` by the document frequency of their terms, highest first, then in code unit order. */
function commonestFirst(ix, forms) {
  return forms.map((form) => [-df(ix, ix.forms.get(form)), form])
    .sort((a, b) => a[0] - b[0] || cmp(a[1], b[1])).map(([, form]) => form);
}

// A last word being typed is completed when it has MIN_PREFIX_LENGTH characters, or is one
// character of a paired script (its pairs complete it).
const completes = (C, token) => (paired(token) ? oneCluster(token)
  : token.length >= C.MIN_PREFIX_LENGTH);

function prefixCandidates(ix, prefix) {
  const list = ix.formList;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] <= prefix) lo = mid + 1; else hi = mid;
  }
  let end = lo;
  while (end < list.length && list[end].startsWith(prefix)) end++;
  return commonestFirst(ix, list.slice(lo, end));
}

function take(ix, forms, limit, skip) {
  const terms = [];
  for (const form of forms) {
    const term = ix.forms.get(form);
    if (!terms.includes(term) && !skip.has(term)) terms.push(term);
    if (terms.length === limit) break;
  }
  return terms;
}

function group() {
  return {
    alternatives: new Map(), words: [],
    add(term, weight) {
      if (weight > (this.alternatives.get(term) ?? 0)) this.alternatives.set(term, weight);
    },
  };
}

function splitQuery(q) {
  const phrases = [];
  const rest = q.replace(/"([^"]*)"/g, (_, p) => { phrases.push(p); return " "; })
    .replace(/"/g, " ");
  const plain = [];
  const excluded = [];
  for (const chunk of words(rest)) {
    if (chunk.startsWith("-")) excluded.push(chunk.slice(1));
    else plain.push(chunk);
  }
  return [plain.join(" "), phrases, excluded];
}

export const normalise = (q) => words(q.normalize("NFC")).join(" ");

/** The search terms of a query's words as this engine analyses them (folded, stop words left
 * out, stemmed), whether the index holds them or not: what a search that found nothing reports
 * (search.engine.query_terms). */
const queryTerms = (ix, q) => analyze(ix, splitQuery(normalise(q))[0]);

// Longer than a function should be: the query planning of satchel/search/engine.py, step for
// step, so that the twins stay comparable.
// eslint-disable-next-line max-lines-per-function
export function plan(ix, q) {
  const C = ix.C;
  const [plain, phraseTexts, excludedTexts] = splitQuery(q);
  let qwords = formsOf(ix, plain)
    .map((form, position) => ({ form, term: termOf(ix, form), position }));
  const phrases = phraseTexts.map((t) => analyze(ix, t)).filter((p) => p.length);
  const excluded = new Set(excludedTexts.flatMap((t) => analyze(ix, t)));
  const tail = words(q).pop() || "";
  let lastRaw = null;
  if (LAST_WORD.test(tail) && !tail.startsWith("-") && !tail.includes('"')) {
    const last = tokens(ix.fold(tail)).pop();
    if (last && completes(C, last)) lastRaw = last;
  }
  if (!qwords.length && !phrases.length && lastRaw === null) {
    throw failure("query_empty", "The query has no words to search for.");
  }

  const distinct = [...new Set(qwords.map((w) => w.term))]
    .sort((a, b) => df(ix, a) - df(ix, b) || cmp(a, b));
  const kept = new Set(distinct.slice(0, C.MAX_TERMS));
  qwords = qwords.filter((w) => kept.has(w.term));

  const completions = lastRaw !== null ? prefixCandidates(ix, lastRaw) : [];
  let groups = [];
  const byTerm = new Map();
  const corrections = new Map();
  qwords.forEach((word, index) => {
    let g = byTerm.get(word.term);
    if (!g) {
      g = group();
      byTerm.set(word.term, g);
      groups.push(g);
      if (df(ix, word.term) > 0 || ix.forms.has(word.form)) {
        g.add(word.term, 1);
      } else if (!(completions.length && index === qwords.length - 1 && word.form === lastRaw)) {
        const candidates = typoCandidates(ix, word.form);
        take(ix, candidates, C.MAX_TYPO, new Set()).forEach((t) => g.add(t, C.TYPO_WEIGHT));
        if (candidates.length) corrections.set(word.form, candidates[0]);
      }
    }
    g.words.push(word);
  });
  if (lastRaw !== null) {
    const stop = ix.stops.has(lastRaw);
    let g;
    if (qwords.length && lastRaw === qwords[qwords.length - 1].form && !stop) {
      g = byTerm.get(qwords[qwords.length - 1].term);
    } else {
      g = group();
      groups.push(g);
    }
    const typed = new Set(stop ? [] : [termOf(ix, lastRaw)]);
    take(ix, completions, C.MAX_PREFIX, typed).forEach((t) => g.add(t, C.PREFIX_WEIGHT));
  }
  const capitals = writtenInCapitals(ix, plain);
  const rarityOf = (term) => (capitals.has(term) ? 1 : ix.rarities.get(term) ?? 1);
  groups = expand(ix, qwords, groups, ix.thesaurus, C.THESAURUS_WEIGHT);
  groups = expand(ix, qwords, groups, ix.abbreviations, C.ABBREVIATION_WEIGHT, rarityOf)
    .filter((g) => g.alternatives.size);
  const said = new Map();
  qwords.forEach((w) => said.set(w.term, (said.get(w.term) ?? 0) + 1));
  for (const g of groups) {
    const repeated = repetition(C, Math.max(1, ...g.words.map((w) => said.get(w.term))));
    g.alternatives.forEach((weight, term) => g.alternatives
      .set(term, weight * rarityOf(term) * repeated));
  }
  const titleWords = new Set(titleTokens(ix, ix.fold(plain)).map((form) => termOf(ix, form))
    .concat([...corrections.values()].map((form) => termOf(ix, form))));
  const p = { groups, phrases, excluded, corrections, titleWords };
  p.headings = derivedHeadings(ix, p, rarityOf, said);
  return p;
}

const ELISION = /['\u2019]\p{L}/uy;

// The tokens of a folded title or query but the language's elided words an apostrophe joins to the
// next word, "l'" of "l'asthme" (search.analysis.title_words).
function titleTokens(ix, folded) {
  const elided = new Set(ix.h.elided);
  const found = [];
  for (const [start, end] of tokenSpans(folded)) {
    const token = folded.slice(start, end);
    ELISION.lastIndex = end;
    if (!(elided.has(token) && ELISION.test(folded))) found.push(token);
  }
  return found;
}

// A term without its language's derivational ending, when enough of it is left
// (search.analysis.root). Lengths in code points, as Python counts them.
function root(ix, term) {
  const { endings, min_root: minRoot } = ix.h.derivation;
  const length = [...term].length;
  const ending = endings.find((e) => term.endsWith(e) && length - [...e].length >= minRoot);
  return ending ? term.slice(0, term.length - ending.length) : term;
}

// Root → the known terms of that root, for the roots of two terms or more
// (search.Collection.derived); made at the first query.
function derived(ix) {
  if (!ix.derived) {
    const found = new Map();
    for (const term of new Set(ix.forms.values())) {
      const r = root(ix, term);
      if (found.has(r)) found.get(r).push(term); else found.set(r, [term]);
    }
    ix.derived = new Map([...found].filter(([, terms]) => terms.length > 1));
  }
  return ix.derived;
}

// The known terms of the root of a word of the question that are no alternative of the plan, with
// the weight each scores with in the headings field only (search.derived_headings).
function derivedHeadings(ix, p, rarityOf, said) {
  const found = new Map();
  const weight = ix.C.DERIVED_WEIGHT;
  if (!weight) return found;
  const alternatives = weights(p);
  for (const g of p.groups) {
    for (const word of g.words) {
      const repeated = repetition(ix.C, said.get(word.term));
      for (const term of derived(ix).get(root(ix, word.term)) || []) {
        if (!alternatives.has(term)) {
          found.set(term, Math.max(found.get(term) ?? 0, weight * rarityOf(term) * repeated));
        }
      }
    }
  }
  return found;
}

// How much more a word said `times` in the question weighs than one said once: BM25's
// saturating query-term frequency (search.repetition).
const repetition = (C, times) => (C.REPETITION
  ? ((C.REPETITION + 1) * times) / (C.REPETITION + times) : 1);

// The short forms of the collection that `plain` writes in capitals ("MS", "GO"): the
// abbreviation, not the everyday word, so they weigh fully (search.written_in_capitals).
function writtenInCapitals(ix, plain) {
  const found = new Set();
  for (const token of tokens(plain)) {
    if ((token.match(/\p{Lu}/gu) || []).length >= 2 && !/\p{Ll}/u.test(token)) {
      const term = termOf(ix, ix.fold(token));
      if (ix.shortForms.has(term)) found.add(term);
    }
  }
  return found;
}

// The groups with the concepts (thesaurus or abbreviations) the words name merged; with
// `shortForm` (a term's rarity), a typed first entry scales the added terms by its least rarity
// (search._expand).
function expand(ix, qwords, groups, concepts, weight, shortForm = null) {
  if (!concepts.length || !qwords.length || !weight) return groups;
  const sequence = qwords.map((w) => w.term);
  for (const [, entries] of concepts) {
    const matched = [];
    let scale = 1;
    entries.forEach((entry, e) => {
      if (!entry.length) return;
      for (let start = 0; start + entry.length <= sequence.length; start++) {
        if (entry.every((t, k) => sequence[start + k] === t)) {
          entry.forEach((_, k) => matched.push(start + k));
          if (e === 0 && shortForm) {
            scale = Math.min(...entry.map(shortForm));
          }
        }
      }
    });
    if (!matched.length) continue;
    const covered = new Set(matched.map((i) => qwords[i].term));
    const touches = (g) => g.words.some((w) => covered.has(w.term));
    const merged = group();
    for (const g of groups.filter(touches)) {
      g.alternatives.forEach((weight, term) => merged.add(term, weight));
      merged.words.push(...g.words);
    }
    const added = [];
    entries.flat().forEach((t) => { if (!added.includes(t)) added.push(t); });
    added.slice(0, ix.C.MAX_THESAURUS).forEach((t) => merged.add(t, weight * scale));
    groups = groups.filter((g) => !touches(g)).concat([merged]);
  }
  return groups;
}

function weights(p) {
  const found = new Map();
  const raise = (term, weight) => found.set(term, Math.max(found.get(term) ?? 0, weight));
  p.groups.forEach((g) => g.alternatives.forEach((weight, term) => raise(term, weight)));
  p.phrases.forEach((phrase) => phrase.forEach((term) => raise(term, 1)));
  return found;
}

// ---- matching (search.match) ----

const multiWord = (p) => p.phrases.filter((phrase) => phrase.length > 1);

function phraseCandidateDocs(ix, phrase) {
  const found = new Set();
  ix.fields.forEach((_, f) => {
    const lists = phrase.map((t) => new Set(postings(ix, t)[f][0]));
    for (const doc of lists[0]) if (lists.every((l) => l.has(doc))) found.add(doc);
  });
  return found;
}

/**
 * The documents, as {bundle, id}, whose article text a multi-word phrase of `q` must be checked
 * against.
 */
export function phraseCandidates(ix, q) {
  const p = plan(ix, normalise(q));
  const docs = new Set(multiWord(p).flatMap((phrase) => [...phraseCandidateDocs(ix, phrase)]));
  return [...docs].map((d) => ({ bundle: ix.bundles[ix.docs[d].part], id: ix.ids[d] }));
}

function hasPhrase(ix, sequences, phrase) {
  return sequences.some((seq) => seq.some((_, i) => phrase.every((t, k) => seq[i + k] === t)));
}

function phraseDocs(ix, phrase, article) {
  if (phrase.length === 1) return union(ix, phrase);
  const found = new Uint8Array(ix.docs.length);
  for (const doc of phraseCandidateDocs(ix, phrase)) {
    const a = article(ix.bundles[ix.docs[doc].part], ix.ids[doc]);
    if (!a) {
      throw failure("article_missing", `article ${ix.ids[doc]} is needed for a phrase`);
    }
    const texts = fieldTexts(a);
    const sequences = ix.fields.filter((f, i) => postings(ix, phrase[0])[i][0].includes(doc))
      .map((f) => analyze(ix, texts[f]));
    if (hasPhrase(ix, sequences, phrase)) found[doc] = 1;
  }
  return found;
}

// Sets of documents are one mark per document number: Sets of thousands of numbers cost more to
// fill and test than the BM25 of their documents.
function union(ix, terms) {
  const found = new Uint8Array(ix.docs.length);
  for (const term of terms) {
    for (const [docs] of postings(ix, term)) for (const d of docs) found[d] = 1;
  }
  return found;
}

// The documents holding a term of any group (or, with no group, the phrases), in document
// number order.
function match(ix, p, filters, article) {
  const { min_credibility: minCred } = filters;
  const [topic, symptom] = [filters.topic, filters.symptom]
    .map((slug) => (slug ? ix.slugNo.get(slug) ?? -1 : null));
  const excluded = union(ix, p.excluded);
  const phraseSets = p.phrases.map((phrase) => phraseDocs(ix, phrase, article));
  const allowed = (i) => {
    const d = ix.docs[i];
    return d.live && (topic === null || d.topics.includes(topic))
      && (symptom === null || d.symptoms.includes(symptom))
      && (!minCred || d.credibility >= minCred) && !excluded[i]
      && phraseSets.every((docs) => docs[i]);
  };
  const within = (...sets) => {
    const found = [];
    for (let d = 0; d < ix.docs.length; d++) {
      let k = 0;
      while (k < sets.length && sets[k][d]) k++;
      if (k === sets.length && allowed(d)) found.push(d);
    }
    return found;
  };
  if (!p.groups.length) return p.phrases.length ? within() : [];
  return within(union(ix, p.groups.flatMap((g) => [...g.alternatives.keys()])));
}

// ---- scoring (search.score) ----

// The length part of BM25's denominator, K1 × (1 − B + B × dl / avgdl), of every document in
// field f: computed once per index in the same float64 steps, so scores stay the same.
function lengthNorms(ix, f) {
  const { B, K1 } = ix.C;
  ix.lengthNorms[f] ??= Float64Array.from(ix.docs, (d) => K1 * ((1 - B)
    + B * ix.h.length_table[d.seg.norms[f * d.seg.ids.length + d.local]] / ix.avgfl[f]));
  return ix.lengthNorms[f];
}

// Scores accumulate in a typed array by document number: in a Map they cost more than the BM25
// itself.
function score(ix, p, docs) {
  const { K1, TITLE_BONUS, COORDINATION } = ix.C;
  const scores = new Float64Array(ix.docs.length);
  const matched = new Uint8Array(ix.docs.length);
  for (const d of docs) matched[d] = 1;
  // weight × field f's boost × the BM25 of a term whose postings in f are [list, tfs].
  const add = ([list, tfs], f, weight) => {
    if (!list.length) return;
    const idf = Math.log(ix.n / (list.length + 1)) + 1;
    const factor = weight * ix.boosts[f];
    const norms = lengthNorms(ix, f);
    for (let k = 0; k < list.length; k++) {
      const doc = list[k];
      const tf = tfs[k];
      if (matched[doc]) scores[doc] += factor * (idf * ((tf * (K1 + 1)) / (tf + norms[doc])));
    }
  };
  const w = weights(p);
  for (const term of [...w.keys()].sort(cmp)) {
    postings(ix, term).forEach((posting, f) => add(posting, f, w.get(term)));
  }
  // Derived forms score in the headings field only (search.score).
  const headings = ix.fields.indexOf("headings");
  for (const term of [...p.headings.keys()].sort(cmp)) {
    add(postings(ix, term)[headings], headings, p.headings.get(term));
  }
  // The title bonus, by the share of the query's weight the title covers (search.score).
  const groups = p.groups.map((g) => [g.alternatives, Math.max(...g.alternatives.values())]);
  const total = groups.reduce((sum, [, weight]) => sum + weight, 0);
  for (const d of docs) {
    const title = ix.docs[d].title;
    if (title.length && title.every((t) => p.titleWords.has(t))) {
      const covered = groups.reduce((sum, [terms, weight]) => sum
        + (title.some((t) => terms.has(t)) ? weight : 0), 0);
      const share = total ? covered / total : 1;
      scores[d] += TITLE_BONUS * title.length * share * scores[d];
    }
  }
  if (COORDINATION && groups.length > 1 && total) coordinate(ix, groups, total, docs, scores);
  return scores;
}

// Coordination: each score times the share of the query's weight the document holds, to the
// power COORDINATION / (n - 1)^2 for n groups (search._coordinate).
function coordinate(ix, groups, total, docs, scores) {
  const held = new Float64Array(ix.docs.length);
  for (const [terms, weight] of groups) {
    const holding = union(ix, terms.keys());
    for (const d of docs) if (holding[d]) held[d] += weight;
  }
  const power = ix.C.COORDINATION / (groups.length - 1) ** 2;
  for (const d of docs) scores[d] *= (held[d] / total) ** power;
}

// The first `count` documents by score, then id, then bundle: only the page shown is ordered, not
// every match.
function best(ix, docs, scores, count) {
  const before = (a, b) => scores[a] > scores[b] || (scores[a] === scores[b]
    && (ix.ids[a] < ix.ids[b] || (ix.ids[a] === ix.ids[b] && ix.docs[a].part < ix.docs[b].part)));
  const top = [];
  for (const d of docs) {
    if (top.length === count && !before(d, top[count - 1])) continue;
    let i = top.length;
    while (i > 0 && before(d, top[i - 1])) i--;
    top.splice(i, 0, d);
    if (top.length > count) top.pop();
  }
  return top;
}

/**
 * One page of results in the server's shape, minus highlights: {query, total, page,
 * hits: [{bundle, id, score}], facets, suggestion, terms}. `article(bundle, id)` gives an article
 * object for multi-word phrases.
 */
export function search(ix, q, filters = {}, { limit = 10, page = 1, article = () => null } = {}) {
  if (q.length > ix.C.MAX_QUERY_CHARS) {
    throw failure("query_too_long",
      `The query is ${q.length} characters long; the limit is ${ix.C.MAX_QUERY_CHARS}.`);
  }
  const query = normalise(q);
  const p = plan(ix, query);
  const docs = match(ix, p, filters, article);
  const scores = score(ix, p, docs);
  const facets = {};
  for (const key of ["topics", "symptoms"]) {
    const counts = new Int32Array(ix.slugs.length);
    for (const d of docs) for (const slug of ix.docs[d][key]) counts[slug]++;
    facets[key] = {};
    counts.forEach((count, slug) => { if (count) facets[key][ix.slugs[slug]] = count; });
  }
  const suggestion = p.corrections.size
    ? query.replace(TOKEN, (m) => p.corrections.get(fold(m)) ?? m)
    : null;
  const shown = best(ix, docs, scores, page * limit).slice((page - 1) * limit);
  return {
    query, total: docs.length, page, facets, suggestion, terms: [...weights(p).keys()],
    query_terms: queryTerms(ix, q),
    hits: shown.map((d) => ({
      bundle: ix.bundles[ix.docs[d].part], id: ix.ids[d], score: scores[d],
    })),
  };
}

// ---- article text and highlights (index.document_fields, search.highlight) ----

export function htmlToText(html) {
  const text = html.replace(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>/g, (_, close, tag) => {
    tag = tag.toLowerCase();
    return BLOCK.has(tag) ? "\n" : close && (tag === "td" || tag === "th") ? " " : "";
  }).replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e) => (e[0] === "#"
    ? String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : +e.slice(1))
    : ENTITIES[e.toLowerCase()] ?? m));
  return text.split("\n").map((line) => words(line).join(" ")).filter(Boolean).join("\n");
}

/** The indexed text of every field of an article object. */
export function fieldTexts(article) {
  const takeaway = [];
  const body = [];
  const headings = [];
  for (const section of article.sections || []) {
    const field = section.id === "takeaway" && article.kind === "summary" ? takeaway : body;
    field.push(htmlToText(section.html));
    if (section.title) headings.push(section.title);
  }
  const slugs = (list) => (list || []).map((s) => s.replace(/-/g, " ")).join(" ");
  return {
    title: article.title, headings: headings.join("\n"), teaser: article.teaser || "",
    takeaway: takeaway.join("\n"), body: body.join("\n"), topics: slugs(article.topics),
    symptoms: slugs(article.symptoms),
  };
}

// The spans of `sentence` to mark, whole tokens (so whole grapheme clusters), the overlapping
// pairs of a paired script joined into one, and the terms they hold.
function markedSpans(ix, sentence, terms) {
  const spans = [];
  const hits = new Set();
  for (const [start, end] of tokenSpans(sentence)) {
    const token = ix.fold(sentence.slice(start, end));
    const term = indexed(ix, token) ? termOf(ix, token) : null;
    if (!terms.has(term)) continue;
    hits.add(term);
    const previous = spans[spans.length - 1];
    if (previous && start <= previous[1]) previous[1] = Math.max(end, previous[1]);
    else spans.push([start, end]);
  }
  return [spans, hits];
}

function highlight(ix, text, terms) {
  const found = [];
  const half = ix.C.HIGHLIGHT_CHARS >> 1;
  for (let sentence of text.match(SENTENCE) || []) {
    sentence = sentence.trim();
    const [spans, hits] = markedSpans(ix, sentence, terms);
    if (!hits.size) continue;
    let out = "";
    let last = 0;
    for (const [start, end] of spans) {
      out += escape(sentence.slice(last, start)) + "<mark>" + escape(sentence.slice(start, end))
        + "</mark>";
      last = end;
    }
    out += escape(sentence.slice(last));
    const first = spans[0][0];
    if (sentence.length > ix.C.HIGHLIGHT_CHARS && first && first > half) {
      const cut = out.indexOf(" ", out.indexOf("<mark>") - Math.floor(ix.C.HIGHLIGHT_CHARS / 3));
      if (cut > 0) out = "… " + out.slice(cut + 1);
    }
    found.push([hits.size, out]);
  }
  return found;
}

/** Up to HIGHLIGHTS escaped fragments of an article with the query's terms in <mark>. */
export function highlights(ix, article, terms) {
  const f = fieldTexts(article);
  const all = [f.teaser, f.takeaway, f.body].flatMap((text) => highlight(ix, text, new Set(terms)));
  // Most terms first; a stable sort keeps the text order among sentences with as many.
  return all.sort((a, b) => b[0] - a[0]).slice(0, ix.C.HIGHLIGHTS).map(([, html]) => html);
}
