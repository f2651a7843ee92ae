// Small DOM helpers. Text always goes in as text; the one way HTML enters the page is
// sanitisedHtml(), for article and about HTML that the server cleaned with nh3 at build time.

import { directionOf, formatDate, locale } from "../lib/i18n.js";

/** el("p", {class: "meta"}, "text", child): attributes via setAttribute, children as nodes/text. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat()
    .filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/**
 * The only place static/ parses HTML. Use it solely for `html` fields of content objects
 * (articles, about pages): the build sanitised them against an allow-list
 * (satchel/stages/render.py), and objects from a bundle are verified against their sha256 name
 * before use.
 */
export function sanitisedHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" };

/**
 * A search highlight ("text with <mark>words</mark>", everything else escaped) as DOM nodes,
 * without parsing HTML: only <mark> and </mark> become elements, entities become text.
 */
export function highlightFragment(text) {
  const fragment = document.createDocumentFragment();
  const unescape = (s) => s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_m, name) => ENTITIES[name]);
  String(text).split(/(<mark>[\s\S]*?<\/mark>)/).forEach((part) => {
    const marked = part.match(/^<mark>([\s\S]*)<\/mark>$/);
    if (marked) fragment.append(el("mark", {}, unescape(marked[1])));
    else if (part) fragment.append(unescape(part.replace(/<\/?mark>/g, "")));
  });
  return fragment;
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeText(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A date as the interface writes it, tagged so inside content in another language. */
export function dateLine(iso, attributes = {}) {
  return el("p", { class: "meta", ...attributes, ...langOf(locale()) }, formatDate(iso));
}

export { formatDate } from "../lib/i18n.js";

// Making an Intl.NumberFormat costs far more than formatting with one, and a download's progress
// writes two sizes each time it moves: each format is made once.
const byteFormats = new Map();

export function formatBytes(bytes) {
  const [value, unit] = bytes >= 1e9 ? [bytes / 1e9, "gigabyte"]
    : bytes >= 1e6 ? [bytes / 1e6, "megabyte"]
    : bytes >= 1e3 ? [bytes / 1e3, "kilobyte"]
    : [bytes, "byte"];
  const digits = value < 10 ? 1 : 0;
  const key = `${locale()} ${unit} ${digits}`;
  if (!byteFormats.has(key)) {
    byteFormats.set(key, new Intl.NumberFormat(locale(), {
      style: "unit", unit, unitDisplay: "short", maximumFractionDigits: digits,
    }));
  }
  return byteFormats.get(key).format(value);
}

/** lang and dir for content written in `code`, e.g. English articles inside an Arabic interface. */
export function langOf(code) {
  return code ? { lang: code, dir: directionOf(code) } : {};
}

/**
 * lang and dir for one field of a manifest entry or object in `code`: the language the build
 * fell back to for it (`fallback`, e.g. {title: "en"}) when it was not translated.
 */
export function fieldLang(code, fallback, field) {
  return langOf((fallback && fallback[field]) || code);
}
