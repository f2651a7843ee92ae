// A summary as one page, the JavaScript twin of `satchel/summary_page.py` (a parity test holds
// them together): one self-contained HTML file, no scripts and no external requests, that opens
// offline in any browser and prints on one or two A4 sheets. "Send as a page" writes it from the
// device's copy; "Open a bundle file" checks one by writing it again from the signed copy.

import { directionOf } from "./i18n.js";

const PAGE_FORMAT = 1;
const META = [
  "format", "bundle", "locale", "version", "article", "object", "made", "library"];
const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:0 auto;padding:1rem;" +
  "color:#111;background:#fff}h1{font-size:1.5rem;line-height:1.25;margin:0 0 .25rem}" +
  "h2{font-size:1.1rem;margin:1rem 0 .25rem}p,ul{margin:.25rem 0}.meta{color:#444}" +
  ".ratings{list-style:none;padding:0}.takeaway{border-inline-start:4px solid #111;" +
  "padding-inline-start:.75rem}.considerations,.source{border:1px solid #111;padding:.5rem}" +
  ".reminder{font-weight:bold}a{color:#0645ad;overflow-wrap:anywhere}" +
  "footer{border-top:1px solid #111;margin-top:1rem;font-size:.9rem}" +
  "@page{size:A4;margin:14mm}@media print{body{font-size:10.5pt;padding:0}" +
  ".considerations,.source{break-inside:avoid}h1,h2{break-after:avoid}}";
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";
const encoder = new TextEncoder();

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ESCAPES[c]);
const UNESCAPES = Object.fromEntries(Object.entries(ESCAPES).map(([c, entity]) => [entity, c]));
const unescape = (text) => text.replace(/&(amp|lt|gt|quot);/g, (entity) => UNESCAPES[entity]);

const lang = (code) => (code ? ` lang="${escape(code)}" dir="${directionOf(code)}"` : "");
const fieldLang = (code, fallback, name) => lang((fallback && fallback[name]) || code);

/** _(msgid, html): the catalog's text (the msgid if none), escaped, {name} replaced by html. */
function translator(catalog) {
  const messages = (catalog && catalog.messages) || {};
  return (msgid, html = {}) => {
    const text = messages[msgid];
    return escape(typeof text === "string" && text ? text : msgid)
      .replace(/\{(\w+)\}/g, (match, name) => (name in html ? String(html[name]) : match));
  };
}

const element = (tag, attributes, ...children) =>
  `<${tag}${attributes}>${children.join("")}</${tag}>`;

const rating = (label, value) => element("li", "",
  element("span", ' aria-hidden="true"', "●".repeat(value) + "○".repeat(5 - value)), " ", label);

function sectionTitle(_, part) {
  if (part.title) return escape(part.title);
  const titles = {
    takeaway: _("Key takeaway"),
    findings: _("What they found"),
    who_should_care: _("Who should care and why"),
    considerations: _("Important considerations"),
  };
  return titles[part.id] || _(part.id);
}

function section(_, article, part) {
  const reminder = element("p", ' class="reminder"',
    _("Never change or stop a treatment without talking to your doctor first."));
  return element("section", ` class="${escape(part.id.replace(/_/g, "-"))}"`,
    element("h2", "", sectionTitle(_, part)),
    element("div", lang(article.lang), part.html),
    part.id === "considerations" ? reminder : "");
}

function sourceSection(_, source, sourceLocale) {
  if (!source) return "";
  const details = [source.journal, source.study_type].filter(Boolean).join(" · ");
  const link = element("a", ` href="${escape(source.url)}"`, escape(source.title || ""));
  return element("section", ' class="source"',
    element("h2", "", _("Source study")),
    element("p", lang(sourceLocale), link, ` (${escape(source.url)})`),
    details ? element("p", ` class="meta"${lang(sourceLocale)}`, escape(details)) : "",
    source.doi ? element("p", ` class="meta"${lang(sourceLocale)}`, escape(`DOI: ${source.doi}`))
      : "");
}

function articleBody(_, manifest, article) {
  const sections = new Map(article.sections.map((part) => [part.id, section(_, article, part)]));
  const takeaway = sections.get("takeaway") || "";
  sections.delete("takeaway");
  const { ratings } = article;
  const fallback = article.translation && article.translation.fallback;
  return element("article", "",
    element("h1", fieldLang(article.lang, fallback, "title"), escape(article.title)),
    element("p", ' class="meta"', _("Published {date}", { date: escape(article.published) })),
    ratings ? element("ul", ` class="ratings" aria-label="${_("Ratings")}"`,
      rating(_("Credibility: {value} out of 5", { value: ratings.credibility }),
        ratings.credibility),
      rating(_("Interest: {value} out of 5", { value: ratings.interest }), ratings.interest))
      : "",
    takeaway,
    sourceSection(_, article.source, manifest.source_locale),
    ...sections.values(),
    article.reviewed ? element("p", ' class="meta"', _("Reviewed {reviewed}. Next review due " +
      "{due}.", { reviewed: escape(article.reviewed), due: escape(article.review_due) })) : "");
}

function licenceLine(_, licence) {
  if (!licence) return "";
  if (typeof licence === "string") {
    return element("p", "", _("Licence: {licence}", { licence: escape(licence) }));
  }
  let name = escape(licence.name || licence.title || licence.url || "");
  if (licence.url) name = element("a", ` href="${escape(licence.url)}"`, name);
  if (licence.attribution) name = `${escape(licence.attribution)} · ${name}`;
  return element("p", "", _("Licence: {licence}", { licence: name }));
}

function footer(_, manifest, article, made, library) {
  const address = `${library}#/read/${manifest.bundle}/${manifest.locale}/${article.id}`;
  const bundle = element("span", fieldLang(manifest.locale, manifest.fallback, "title"),
    escape(manifest.title));
  return element("footer", "",
    element("p", "", _("From “{bundle}”, version {version}, published and signed by its " +
      "publisher (key {key}).", {
      bundle, version: manifest.version, key: escape(manifest.signature.key_id),
    })),
    licenceLine(_, manifest.license),
    element("p", "", _("The whole library, to read and search without a connection: {link}. " +
      "This page was made on {date}.", {
      link: element("a", ` href="${escape(address)}" dir="ltr"`, escape(address)),
      date: escape(made),
    })));
}

const meta = (name, value) => `<meta name="satchel-${name}" content="${escape(value)}">`;

/**
 * The page of `article` (the object named `objectName` in the signed `manifest`), its labels from
 * the interface `catalog` of the article's language (English when null), made on `made`
 * (YYYY-MM-DD), pointing to the library at `library`: UTF-8 bytes.
 */
export function pageHtml(manifest, article, objectName, catalog, made, library) {
  const _ = translator(catalog);
  const ui = (catalog && catalog.locale) || "en";
  const values = [PAGE_FORMAT, manifest.bundle, manifest.locale, manifest.version, article.id,
    objectName, made, library];
  const head = [
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ...META.map((name, i) => meta(name, values[i])),
    element("title", "", escape(article.title)),
    element("style", "", STYLE),
  ].join("");
  const body = element("body", "",
    element("main", "", articleBody(_, manifest, article)),
    footer(_, manifest, article, made, library));
  return encoder.encode(
    `<!DOCTYPE html>\n${element("html", lang(ui), element("head", "", head), body)}\n`);
}

/**
 * What a page says it is, from its meta members: {bundle, locale, version, article, object, made,
 * library};
 * null when the text is not a page of this format. Nothing here is trusted: see transfer.js.
 */
export function pageOrigin(text) {
  if (!text.startsWith("<!DOCTYPE html>\n")) return null;
  const found = {};
  for (const [, name, value] of text.matchAll(/<meta name="satchel-(\w+)" content="([^"]*)">/g)) {
    found[name] = unescape(value);
  }
  if (Number(found.format) !== PAGE_FORMAT || !META.every((name) => name in found)) return null;
  return { ...found, version: Number(found.version) };
}

export const pageFileName = (manifest, articleId) => `${articleId}-${manifest.locale}.html`;
