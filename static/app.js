// Satchel's minimal reader: lists bundles and opens articles from the JSON API.
// Routes live in the URL hash (#/bundle/locale[/article]) so every view has a link.

import { _, ngettext, setLocale } from "./i18n.js";

const main = document.getElementById("main");
const status = document.getElementById("status");

function sectionTitle(id) {
  const titles = {
    takeaway: _("Key takeaway"),
    findings: _("What they found"),
    who_should_care: _("Who should care and why"),
    considerations: _("Important considerations"),
  };
  return titles[id] || id;
}

async function getJSON(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

// Build elements with text content only; HTML comes solely from the server's sanitiser.
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// Article HTML was sanitised by the server's allow-list (server/render.py) before publishing.
function sanitisedHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

function formatDate(iso, locale) {
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(new Date(iso));
}

function show(title, ...content) {
  document.title = `${title} — Satchel`;
  main.replaceChildren(...content);
  main.focus();
  status.textContent = title;
}

async function showLibrary() {
  const bundles = await getJSON("/api/v1/bundles");
  const items = bundles.map((bundle) =>
    el("li", { class: "card" },
      el("h3", {}, el("a", { href: `#/${bundle.id}/${bundle.source_locale}` }, bundle.title)),
      el("p", {}, bundle.description)));
  show("Library", el("h1", {}, "Library"),
    items.length ? el("ul", { class: "cards" }, ...items) : el("p", {}, "No bundles are published yet."));
}

async function showBundle(bundleId, locale) {
  const manifest = await getJSON(`/api/v1/bundles/${bundleId}/${locale}`);
  const articles = manifest.articles.filter((entry) => entry.status === "published");
  const items = articles.map((entry) =>
    el("li", { class: "card" },
      el("h3", {}, el("a", { href: `#/${bundleId}/${locale}/${entry.id}` }, entry.title)),
      el("p", { class: "meta" }, formatDate(entry.published, locale)),
      el("p", {}, entry.teaser)));
  const about = manifest.about.map((page) =>
    el("li", {}, el("a", { href: `#/${bundleId}/${locale}/about/${page.id}` }, page.title)));
  show(manifest.title,
    el("h1", {}, manifest.title), el("p", {}, manifest.description),
    el("p", { class: "meta" }, ngettext("{count} article", "{count} articles", articles.length)),
    el("ul", { class: "cards" }, ...items),
    el("h2", {}, "About this research"), el("ul", {}, ...about));
}

async function showArticle(bundleId, locale, articleId) {
  const manifest = await getJSON(`/api/v1/bundles/${bundleId}/${locale}`);
  const entry = manifest.articles.find((a) => a.id === articleId && a.object);
  if (!entry) throw new Error("This article is not available.");
  const article = await getJSON(`/api/v1/objects/${entry.object}`);
  const base = `#/${bundleId}/${locale}`;
  const sections = article.sections.map((section) =>
    el("section", { class: section.id.replace(/_/g, "-"), "aria-labelledby": `h-${section.id}` },
      el("h2", { id: `h-${section.id}` }, sectionTitle(section.id)),
      sanitisedHtml(section.html)));
  const related = article.related.map((item) =>
    el("li", { class: "card" },
      el("h3", {}, item.title),
      el("p", { class: "meta" }, formatDate(item.published, locale)),
      el("p", {}, item.teaser),
      el("a", { href: `${base}/${item.id}`, "aria-label": `Read more: ${item.title}` }, "Read more")));
  const howWeRate = manifest.about.find((page) => page.id === "how-we-rate");
  const explainer = manifest.about.find((page) => page.id === "understanding-research");
  show(article.title, el("article", { lang: article.lang },
    el("h1", {}, article.title),
    el("p", { class: "meta" }, `Published ${formatDate(article.published, locale)}`),
    el("ul", { class: "ratings" },
      el("li", {}, _("Credibility: {rating} out of 5", { rating: article.ratings.credibility })),
      el("li", {}, _("Interest: {rating} out of 5", { rating: article.ratings.interest })),
      howWeRate ? el("li", {}, el("a", { href: `${base}/about/${howWeRate.id}` }, "How we rate studies")) : null),
    el("div", { class: "source" },
      el("p", {}, "Source study: ", el("a", { href: article.source.url, rel: "noopener noreferrer" }, article.source.title)),
      el("p", { class: "meta" }, `${article.source.journal} · ${article.source.study_type}`)),
    ...sections,
    el("p", { class: "meta" },
      `Reviewed ${formatDate(article.reviewed, locale)}; next review due ${formatDate(article.review_due, locale)}.`),
    related.length ? el("section", { "aria-labelledby": "h-related" },
      el("h2", { id: "h-related" }, "Related articles"), el("ul", { class: "cards" }, ...related)) : null,
    explainer ? el("p", {}, el("a", { href: `${base}/about/${explainer.id}` }, "Understanding research")) : null));
}

async function showAbout(bundleId, locale, pageId) {
  const manifest = await getJSON(`/api/v1/bundles/${bundleId}/${locale}`);
  const entry = manifest.about.find((page) => page.id === pageId);
  if (!entry) throw new Error("This page is not available.");
  const page = await getJSON(`/api/v1/objects/${entry.object}`);
  show(page.title, el("article", { lang: page.lang }, el("h1", {}, page.title), sanitisedHtml(page.html)));
}

async function route() {
  const [bundleId, locale, ...rest] = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  try {
    if (!bundleId) await showLibrary();
    else if (rest[0] === "about") await showAbout(bundleId, locale, rest[1]);
    else if (rest[0]) await showArticle(bundleId, locale, rest[0]);
    else await showBundle(bundleId, locale);
  } catch (error) {
    show("Something went wrong", el("h1", {}, "Something went wrong"), el("p", {}, error.message),
      el("p", {}, el("a", { href: "#/" }, "Back to the library")));
  }
}

window.addEventListener("hashchange", route);
setLocale(navigator.language).finally(route);
