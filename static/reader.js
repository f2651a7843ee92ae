// Reading: a bundle's contents, an article (summary or reference), an about page. Content comes
// from the device when the bundle is downloaded, from the network otherwise (sync.js).

import { _, languageName, locale } from "./i18n.js";
import { el, formatDate, langOf, sanitisedHtml } from "./dom.js";
import { show, slugLabel } from "./ui.js";
import * as sync from "./sync.js";

function sectionTitle(id) {
  const titles = {
    takeaway: _("Key takeaway"),
    findings: _("What they found"),
    who_should_care: _("Who should care and why"),
    considerations: _("Important considerations"),
  };
  return titles[id] || slugLabel(id);
}

function base(bundle, locale) {
  return `#/read/${bundle}/${locale}`;
}

function offlineBadge(install) {
  return el("p", { class: "meta" }, install
    ? _("Downloaded: you can read this without a connection.")
    : _("Not downloaded: reading needs a connection."),
  install ? null : " ", install ? null : el("a", { href: "#/" }, _("Download it in the library")));
}

export async function showBundle(bundle, locale) {
  const { manifest, install } = await sync.readManifest(bundle, locale);
  const articles = manifest.articles.filter((entry) => entry.object);
  const cards = articles.map((entry) => el("li", { class: "card" },
    el("h2", {}, el("a", { href: `${base(bundle, locale)}/${entry.id}` }, entry.title)),
    el("p", { class: "meta" }, formatDate(entry.published)),
    el("p", {}, entry.teaser)));
  const about = manifest.about.map((page) =>
    el("li", {}, el("a", { href: `${base(bundle, locale)}/about/${page.id}` }, page.title)));
  const searchHere = `#/search?${new URLSearchParams({ bundle, locale })}`;
  show(manifest.title,
    el("div", langOf(manifest.locale),
      el("h1", {}, manifest.title),
      el("p", {}, manifest.description)),
    offlineBadge(install),
    el("p", {}, el("a", { class: "button-link", href: searchHere }, _("Search this bundle"))),
    el("ul", { class: "cards", ...langOf(manifest.locale) }, ...cards),
    about.length ? el("h2", {}, _("About this research")) : null,
    about.length ? el("ul", { class: "plain-links", ...langOf(manifest.locale) }, ...about)
      : null);
}

async function loadEntry(bundle, locale, list, id) {
  const { manifest, install } = await sync.readManifest(bundle, locale);
  const entry = manifest[list].find((item) => item.id === id);
  if (!entry || !entry.object) {
    const withdrawn = entry && entry.status === "withdrawn";
    throw new Error(withdrawn
      ? _("This article was withdrawn by its authors.")
      : _("This article is not available."));
  }
  return { manifest, install, document: await sync.readObject(entry.object) };
}

/** Say so at the top when parts of the text are in another language than the article's. */
function fallbackNotice(article, body) {
  const others = new Set([...body.querySelectorAll("[lang]")]
    .map((node) => node.getAttribute("lang"))
    .filter((lang) => lang && lang !== article.lang));
  const partial = article.translation && article.translation.status !== "complete";
  if (!others.size && !partial) return null;
  const languages = [...others].map((code) => languageName(code)).join(", ");
  return el("p", { class: "notice-inline fallback", ...langOf(locale()) }, languages
    ? _("Parts of this article are not yet translated into {language}. " +
      "They are shown in {others} and marked as such.", {
      language: languageName(article.lang), others: languages,
    })
    : _("Parts of this article are not yet translated into {language}.", {
      language: languageName(article.lang),
    }));
}

function ratingLine(label, value) {
  return el("li", {},
    el("span", { class: "rating-dots", "aria-hidden": "true" },
      "●".repeat(value) + "○".repeat(5 - value)),
    " ", label);
}

function summaryView(article, manifest, bundle, locale) {
  const link = base(bundle, locale);
  const about = (id) => manifest.about.find((page) => page.id === id);
  const howWeRate = about("how-we-rate");
  const explainer = about("understanding-research");
  const sections = article.sections.map((section) => {
    const body = el("div", { class: "prose", ...langOf(article.lang) },
      sanitisedHtml(section.html));
    const cls = section.id.replace(/_/g, "-");
    return el("section", { class: `article-section ${cls}`, "aria-labelledby": `h-${section.id}` },
      el("h2", { id: `h-${section.id}` }, sectionTitle(section.id)),
      body,
      section.id === "considerations"
        ? el("p", { class: "reminder" }, el("strong", {},
          _("Never change or stop a treatment without talking to your doctor first.")))
        : null);
  });
  const takeaway = sections.find((node) => node.classList.contains("takeaway"));
  const rest = sections.filter((node) => node !== takeaway);
  const source = article.source;
  const entries = new Map(manifest.articles
    .filter((entry) => entry.object).map((entry) => [entry.id, entry]));
  const related = article.related.filter((id) => entries.has(id)).map((id) => entries.get(id))
    .map((item) => el("li", { class: "card" },
      el("h3", langOf(article.lang), item.title),
      el("p", { class: "meta" }, formatDate(item.published)),
      el("p", langOf(article.lang), item.teaser),
      el("a", {
        href: `${link}/${item.id}`, "aria-label": _("Read more: {title}", { title: item.title }),
      }, _("Read more"))));
  const { credibility, interest } = article.ratings;
  // App strings (headings, ratings, notices) stay in the interface language; the text of the
  // article carries its own lang, and fallback segments inside it carry theirs.
  const wrapper = el("article", {},
    el("h1", langOf(article.lang), article.title),
    el("p", { class: "meta" }, _("Published {date}", { date: formatDate(article.published) })),
    el("ul", { class: "ratings", "aria-label": _("Ratings") },
      ratingLine(_("Credibility: {value} out of 5", { value: credibility }), credibility),
      ratingLine(_("Interest: {value} out of 5", { value: interest }), interest),
      howWeRate ? el("li", {},
        el("a", { href: `${link}/about/${howWeRate.id}` }, _("How we rate studies"))) : null),
    takeaway,
    el("section", { class: "source", "aria-labelledby": "h-source" },
      el("h2", { id: "h-source" }, _("Source study")),
      el("p", {}, el("a", { href: source.url, rel: "noopener noreferrer" }, source.title)),
      el("p", { class: "meta" }, [source.journal, source.study_type].filter(Boolean).join(" · ")),
      source.doi ? el("p", { class: "meta" }, `DOI: ${source.doi}`) : null),
    ...rest,
    el("p", { class: "meta review" }, _("Reviewed {reviewed}. Next review due {due}.", {
      reviewed: formatDate(article.reviewed), due: formatDate(article.review_due),
    })),
    related.length ? el("section", { "aria-labelledby": "h-related" },
      el("h2", { id: "h-related" }, _("Related articles")),
      el("ul", { class: "cards" }, ...related)) : null,
    explainer ? el("p", { class: "standalone-link" },
      el("a", { href: `${link}/about/${explainer.id}` },
        _("Understanding research: how to read a study"))) : null);
  return wrapper;
}

function licenseLine(license) {
  if (!license) return null;
  if (typeof license === "string") return el("p", { class: "meta" }, license);
  const name = license.name || license.title || "";
  return el("p", { class: "meta" },
    license.attribution ? `${license.attribution} · ` : "",
    license.url
      ? el("a", { href: license.url, rel: "noopener noreferrer" }, name || license.url)
      : name);
}

function referenceView(article, manifest) {
  return el("article", {},
    el("h1", langOf(article.lang), article.title),
    article.source ? el("p", { class: "meta" }, _("Source: "),
      el("a", { href: article.source.url, rel: "noopener noreferrer" },
        article.source.collection || article.source.url)) : null,
    ...article.sections.map((section) => el("section",
      { "aria-labelledby": `h-${section.id}`, ...langOf(article.lang) },
      el("h2", { id: `h-${section.id}` }, section.title),
      el("div", { class: "prose" }, sanitisedHtml(section.html)))),
    licenseLine(manifest.license));
}

export async function showArticle(bundle, locale, id) {
  const { manifest, document: article } = await loadEntry(bundle, locale, "articles", id);
  const view = article.kind === "reference"
    ? referenceView(article, manifest)
    : summaryView(article, manifest, bundle, locale);
  const notice = fallbackNotice(article, view);
  if (notice) view.querySelector("h1").after(notice);
  show(article.title, view, backLink(bundle, locale, manifest));
}

export async function showAbout(bundle, locale, id) {
  const { manifest, document: page } = await loadEntry(bundle, locale, "about", id);
  const view = el("article", langOf(page.lang),
    el("h1", {}, page.title), el("div", { class: "prose" }, sanitisedHtml(page.html)));
  const notice = fallbackNotice(page, view);
  if (notice) view.querySelector("h1").after(notice);
  show(page.title, view, backLink(bundle, locale, manifest));
}

function backLink(bundle, locale, manifest) {
  return el("p", { class: "back" },
    el("a", { href: base(bundle, locale) }, _("Back to {title}", { title: manifest.title })));
}
