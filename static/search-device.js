// A small on-device search over a downloaded bundle, so search works with no connection until
// the full device engine (a Web Worker with a real index) lands. Every query term must match
// (the last one as a prefix, for results while typing); title and teaser weigh more than the body.

import { escapeText, sanitisedHtml } from "./dom.js";
import { readObject } from "./sync.js";

const indexes = new Map(); // install key@version → documents

const fold = (text) => text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
const words = (text) => fold(text).match(/[\p{L}\p{N}]+/gu) || [];

async function documents(install) {
  const id = `${install.key}@${install.version}`;
  if (!indexes.has(id)) {
    const entries = install.manifest.articles.filter((entry) => entry.object);
    const docs = await Promise.all(entries.map(async (entry) => {
      const article = await readObject(entry.object);
      const body = (article.sections || []).map((s) => sanitisedHtml(s.html).textContent).join(" ");
      return {
        article, body,
        fields: [[words(article.title), 3], [words(article.teaser || ""), 2], [words(body), 1],
          [(article.topics || []).concat(article.symptoms || []).flatMap(words), 2]],
      };
    }));
    indexes.clear();
    indexes.set(id, docs);
  }
  return indexes.get(id);
}

function termScore(doc, term, prefix) {
  let score = 0;
  for (const [tokens, weight] of doc.fields) {
    for (const token of tokens) if (prefix ? token.startsWith(term) : token === term) score += weight;
  }
  return score;
}

function snippet(text, terms) {
  const folded = fold(text);
  const first = Math.min(...terms.map((term) => folded.indexOf(term)).filter((i) => i >= 0));
  const start = Number.isFinite(first) ? Math.max(0, first - 60) : 0;
  const piece = text.slice(start, start + 180);
  const pattern = new RegExp(`(${terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})[\\p{L}\\p{N}]*`, "giu");
  // Mark on the folded copy's positions; NFKD folding keeps lengths for the common cases.
  let out = "";
  let last = 0;
  const foldedPiece = fold(piece);
  if (foldedPiece.length !== piece.length) return escapeText(piece);
  for (const match of foldedPiece.matchAll(pattern)) {
    out += escapeText(piece.slice(last, match.index)) + `<mark>${escapeText(piece.slice(match.index, match.index + match[0].length))}</mark>`;
    last = match.index + match[0].length;
  }
  return (start > 0 ? "…" : "") + out + escapeText(piece.slice(last)) + (start + 180 < text.length ? "…" : "");
}

function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function suggest(docs, terms) {
  const vocabulary = new Map();
  docs.forEach((doc) => doc.fields.forEach(([tokens]) => tokens.forEach((t) => vocabulary.set(t, (vocabulary.get(t) || 0) + 1))));
  let changed = false;
  const fixed = terms.map((term) => {
    if (vocabulary.has(term) || term.length < 4) return term;
    let best = null;
    for (const [word, count] of vocabulary) {
      const d = Math.abs(word.length - term.length) <= 2 ? distance(term, word) : 9;
      if (d <= 2 && (!best || d < best.d || (d === best.d && count > best.count))) best = { word, d, count };
    }
    if (best) changed = true;
    return best ? best.word : term;
  });
  return changed ? fixed.join(" ") : null;
}

export async function search(install, { q, topic, symptom, limit = 20 }) {
  const docs = await documents(install);
  const terms = words(q);
  const hits = [];
  const facets = { topics: {}, symptoms: {} };
  for (const doc of docs) {
    const { article } = doc;
    if (topic && !(article.topics || []).includes(topic)) continue;
    if (symptom && !(article.symptoms || []).includes(symptom)) continue;
    let score = 0;
    for (const [i, term] of terms.entries()) {
      const s = termScore(doc, term, i === terms.length - 1);
      if (!s) { score = 0; break; }
      score += s;
    }
    if (!score) continue;
    (article.topics || []).forEach((t) => { facets.topics[t] = (facets.topics[t] || 0) + 1; });
    (article.symptoms || []).forEach((t) => { facets.symptoms[t] = (facets.symptoms[t] || 0) + 1; });
    const where = [article.teaser, doc.body].find((text) => terms.some((t) => fold(text || "").includes(t))) || article.teaser;
    hits.push({
      id: article.id, title: article.title, teaser: article.teaser, published: article.published,
      score, highlights: [snippet(where || "", terms)],
    });
  }
  hits.sort((a, b) => b.score - a.score || a.title.localeCompare(b.title));
  return {
    query: q, bundle: install.bundle, locale: install.locale, version: install.version,
    total: hits.length, page: 1, hits: hits.slice(0, limit), facets,
    suggestion: hits.length ? null : suggest(docs, terms),
  };
}
