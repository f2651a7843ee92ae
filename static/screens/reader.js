// Reading: a bundle's contents, an article (summary or reference), an about page. Content comes
// from the device when the bundle is downloaded, from the network otherwise (lib/read.js).

import { AppError } from "../lib/errors.js";
import { freshnessLine } from "../lib/freshness.js";
import { _, catalogOf, fill, languageName, locale, locale as uiLocale } from "../lib/i18n.js";
import { readManifest, readObject } from "../lib/read.js";
import { queueFeedback } from "../lib/outbox.js";
import * as saved from "../lib/saved.js";
import { pageFileName, pageHtml } from "../lib/summary-page.js";
import { dateLine, el, fieldLang, formatDate, langOf, sanitisedHtml } from "../ui/dom.js";
import { listenControl, whenVoicesKnown } from "../ui/listen.js";
import { announce, notice, show, slugLabel } from "../ui/page.js";

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
  const { manifest, install } = await readManifest(bundle, locale);
  const articles = manifest.articles.filter((entry) => entry.object);
  const cards = articles.map((entry) => el("li", { class: "card" },
    el("h2", fieldLang(manifest.locale, entry.fallback, "title"),
      el("a", { href: `${base(bundle, locale)}/${entry.id}` }, entry.title)),
    dateLine(entry.published),
    el("p", fieldLang(manifest.locale, entry.fallback, "teaser"), entry.teaser)));
  const about = manifest.about.map((page) => el("li", fieldLang(manifest.locale, page.fallback,
    "title"), el("a", { href: `${base(bundle, locale)}/about/${page.id}` }, page.title)));
  const searchHere = `#/search?${new URLSearchParams({ bundle, locale })}`;
  show(manifest.title,
    el("div", langOf(manifest.locale),
      el("h1", fieldLang(manifest.locale, manifest.fallback, "title"), manifest.title),
      el("p", fieldLang(manifest.locale, manifest.fallback, "description"),
        manifest.description)),
    offlineBadge(install),
    el("p", {}, el("a", { class: "button-link", href: searchHere }, _("Search this bundle"))),
    el("ul", { class: "cards", ...langOf(manifest.locale) }, ...cards),
    about.length ? el("h2", {}, _("About this research")) : null,
    about.length ? el("ul", { class: "plain-links", ...langOf(manifest.locale) }, ...about)
      : null);
}

async function loadEntry(bundle, locale, list, id) {
  const { manifest, install } = await readManifest(bundle, locale);
  const entry = manifest[list].find((item) => item.id === id);
  if (!entry || !entry.object) {
    throw new AppError(entry && entry.status === "withdrawn" ? "withdrawn" : "not_available");
  }
  return { manifest, install, entry, document: await readObject(entry.object) };
}

/** Say so at the top when parts of the text are in another language than the article's. */
function fallbackNotice(article, body) {
  // The article's own text only: not the citation, nor the titles of related articles.
  const others = new Set([...body.querySelectorAll("h1[lang], .prose [lang]")]
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
      el("h3", fieldLang(article.lang, item.fallback, "title"), item.title),
      dateLine(item.published),
      el("p", fieldLang(article.lang, item.fallback, "teaser"), item.teaser),
      el("a", {
        href: `${link}/${item.id}`, "aria-label": _("Read more: {title}", { title: item.title }),
      }, _("Read more"))));
  const { credibility, interest } = article.ratings;
  // App strings (headings, ratings, notices) stay in the interface language; the text of the
  // article carries its own lang, and fallback segments inside it carry theirs.
  const wrapper = el("article", {},
    el("h1", titleLang(article), article.title),
    el("p", { class: "meta" }, _("Published {date}", { date: formatDate(article.published) })),
    el("ul", { class: "ratings", "aria-label": _("Ratings") },
      ratingLine(_("Credibility: {value} out of 5", { value: credibility }), credibility),
      ratingLine(_("Interest: {value} out of 5", { value: interest }), interest),
      howWeRate ? el("li", {},
        el("a", { href: `${link}/about/${howWeRate.id}` }, _("How we rate studies"))) : null),
    takeaway,
    // The citation is never translated: it is in the bundle's source language.
    el("section", { class: "source", "aria-labelledby": "h-source" },
      el("h2", { id: "h-source" }, _("Source study")),
      el("p", langOf(manifest.source_locale),
        el("a", { href: source.url, rel: "noopener noreferrer" }, source.title)),
      el("p", { class: "meta", ...langOf(manifest.source_locale) },
        [source.journal, source.study_type].filter(Boolean).join(" · ")),
      source.doi ? el("p", { class: "meta doi", ...langOf(manifest.source_locale) },
        `DOI: ${source.doi}`) : null),
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
    el("h1", titleLang(article), article.title),
    article.source ? el("p", { class: "meta source-line" }, _("Source: "),
      el("a", { href: article.source.url, rel: "noopener noreferrer",
        ...langOf(manifest.source_locale) },
      article.source.collection || article.source.url)) : null,
    ...article.sections.map((section) => el("section",
      { class: "article-section", "aria-labelledby": `h-${section.id}`, ...langOf(article.lang) },
      el("h2", { id: `h-${section.id}` }, section.title),
      el("div", { class: "prose" }, sanitisedHtml(section.html)))),
    licenseLine(manifest.license));
}

function titleLang(article) {
  return fieldLang(article.lang, article.translation && article.translation.fallback, "title");
}

/** The first paragraph of the key takeaway (the teaser for other kinds): what a share says. */
function takeawayText(article, view) {
  const first = view.querySelector(".takeaway .prose > *");
  return (first ? first.textContent : article.teaser || "").trim();
}

/** Share through the system's share sheet (Web Share API), else copy the link. */
async function share(article, view) {
  const url = location.href;
  const data = { title: article.title, text: takeawayText(article, view), url };
  if (navigator.share && (!navigator.canShare || navigator.canShare(data))) {
    try {
      await navigator.share(data);
      return;
    } catch (error) {
      if (error.name === "AbortError") return; // the reader closed the share sheet
    }
  }
  try {
    await navigator.clipboard.writeText(url);
    notice(_("Link copied. Paste it into a message or an email."), "info", "share");
  } catch {
    notice(fill(_("Copy this link to share the article: {link}"),
      { link: el("a", { href: url }, el("bdi", { dir: "ltr" }, url)) }), "info", "share");
  }
}

/**
 * "Send as a page": the article as one self-contained HTML file (lib/summary-page.js), written
 * from the copy this screen shows, with its labels in the article's language. Shared as a file
 * through the Web Share API where the browser accepts files, else downloaded.
 */
async function sendAsPage({ manifest, entry, document: article }) {
  const catalog = await catalogOf(manifest.locale);
  const today = new Date().toISOString().slice(0, 10);
  const bytes = pageHtml(manifest, article, entry.object, catalog, today, `${location.origin}/`);
  const file = new File([bytes], pageFileName(manifest, article.id), { type: "text/html" });
  if (navigator.canShare && navigator.canShare({ files: [file] })) {
    try {
      await navigator.share({ files: [file], title: article.title });
      return;
    } catch (error) {
      if (error.name === "AbortError") return; // the reader closed the share sheet
    }
  }
  const link = el("a", { href: URL.createObjectURL(file), download: file.name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  announce(_("The page {name} was saved to your downloads.", { name: file.name }));
}

/**
 * The Save toggle, right from its first paint: `record` is the saved copy `loadArticle` read
 * before drawing. (A read of its own here showed "Save" on a saved article until it ended, and a
 * click on that "Save" just after it ended removed the article.)
 */
function saveButton(bundle, locale, { manifest, entry, document: article, record }) {
  const key = saved.savedKey(bundle, locale, article.id);
  const button = el("button", { type: "button", class: "secondary save" });
  let isSaved = Boolean(record);
  const draw = () => {
    button.textContent = isSaved ? _("Remove from saved") : _("Save");
  };
  draw();
  button.addEventListener("click", async () => {
    if (isSaved) {
      await saved.unsave(key);
      isSaved = false;
      announce(_("Removed from saved articles."));
    } else {
      await saved.save(bundle, locale, manifest, entry.object, article);
      isSaved = true;
      announce(_("Saved. You will find it under Saved articles, also offline."));
    }
    draw();
  });
  return button;
}

function articleActions(bundle, locale, loaded, view) {
  const { document: article } = loaded;
  const listenSlot = el("span", { class: "listen-slot" });
  const lang = article.lang;
  const offer = () => listenSlot.replaceChildren(...[listenControl(view, lang)].filter(Boolean));
  offer();
  if (!listenSlot.childElementCount) whenVoicesKnown(offer);
  return el("div", { class: "actions article-actions" },
    listenSlot,
    saveButton(bundle, locale, loaded),
    el("button", { type: "button", class: "secondary", onclick: () => share(article, view) },
      _("Share")),
    el("button", { type: "button", class: "secondary", onclick: () => window.print() },
      _("Print")),
    // A page needs the signed manifest: not offered on a saved copy read offline.
    loaded.manifest.signature && article.kind === "summary"
      ? el("button", { type: "button", class: "secondary send-page",
        onclick: () => sendAsPage(loaded) }, _("Send as a page"))
      : null);
}

const PROBLEMS = () => [
  ["wrong", _("It is wrong or out of date")],
  ["hard", _("It is hard to understand")],
  ["language", _("I need it in my language")],
  ["other", _("Something else")],
];

/**
 * "Was this clear?" and "Report a problem": kept on the device and sent when online
 * (lib/outbox.js), so both work offline. Nothing but the answer and the article is sent.
 */
function feedbackBlock(bundle, locale, manifest, article) {
  const status = el("p", { class: "meta feedback-status", role: "status" });
  const box = el("section", { class: "feedback", "aria-labelledby": "h-feedback" });
  const send = async (answer, note = "") => {
    await queueFeedback({
      bundle, locale, article: article.id, version: manifest.version, answer, note,
      wantedLocale: answer === "language" ? uiLocale() : null,
    });
    box.replaceChildren(el("h2", { id: "h-feedback" }, _("Thank you")), status);
    status.textContent = _("Your answer is kept on this device and sent when you are online.");
  };
  const choices = PROBLEMS().map(([value, label]) => el("div", { class: "choice" },
    el("input", { type: "radio", name: "problem", id: `problem-${value}`, value }),
    el("label", { for: `problem-${value}` }, label)));
  const note = el("textarea", { id: "feedback-note", maxlength: "280", rows: "2" });
  // No <form>: the article screen holds none, so that content could never smuggle one in.
  const form = el("div", { id: "report-problem", hidden: true },
    el("fieldset", {}, el("legend", {}, _("What is the problem?")), ...choices),
    el("div", { class: "field" },
      el("label", { for: "feedback-note" }, _("A short note (optional)")), note),
    el("button", {
      type: "button",
      onclick: () => {
        const chosen = form.querySelector("input[name=problem]:checked");
        if (chosen) send(chosen.value, note.value.trim());
        else form.querySelector("input").focus();
      },
    }, _("Send report")));
  const report = el("button", {
    type: "button", class: "link-button", "aria-expanded": "false",
    "aria-controls": "report-problem",
    onclick: () => {
      form.hidden = !form.hidden;
      report.setAttribute("aria-expanded", String(!form.hidden));
    },
  }, _("Report a problem"));
  box.append(el("h2", { id: "h-feedback" }, _("Was this clear?")),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "secondary", onclick: () => send("clear") },
        _("Yes")),
      el("button", { type: "button", class: "secondary", onclick: () => send("unclear") },
        _("No")),
      report),
    form, status);
  return box;
}

/** Printed at the foot of the page only: where the article comes from, to find it again. */
function printedFrom(manifest) {
  return el("p", { class: "meta print-only" }, fill(_("From “{bundle}” in Satchel, printed " +
    "{date}: {link}"), {
    bundle: el("span", fieldLang(manifest.locale, manifest.fallback, "title"), manifest.title),
    date: formatDate(new Date().toISOString()),
    link: el("bdi", { dir: "ltr", class: "url" }, location.href), // a URL is in no language
  }));
}

/** What the article screen needs of a manifest, from a saved copy read offline. */
function savedManifest(record) {
  return {
    title: record.bundleTitle, locale: record.locale, source_locale: record.sourceLocale,
    fallback: record.bundleLang !== record.locale ? { title: record.bundleLang } : undefined,
    articles: [], about: [],
  };
}

/** The article from the bundle; offline, a saved copy of a bundle not downloaded. */
async function loadArticle(bundle, locale, id) {
  catalogOf(locale); // kept by the service worker, so a page sent offline has its labels
  const record = await saved.getSaved(saved.savedKey(bundle, locale, id)).catch(() => null);
  try {
    return { ...(await loadEntry(bundle, locale, "articles", id)), record };
  } catch (error) {
    if (record && error.code === "withdrawn") {
      throw new AppError("withdrawn_saved");
    }
    if (!record || !record.article || !(error instanceof TypeError)) throw error;
    return {
      manifest: savedManifest(record), entry: { object: record.object },
      document: record.article, record, offlineCopy: true,
    };
  }
}

function savedNotice(loaded) {
  const { record, entry, document: article } = loaded;
  if (!record) return null;
  const date = formatDate(record.savedAt);
  if (loaded.offlineCopy) {
    return el("p", { class: "notice-inline saved-copy" }, _("You are reading the copy you " +
      "saved on {date}. You are offline and this bundle is not downloaded, so it could not " +
      "be checked for updates.", { date }));
  }
  if (record.object === entry.object) {
    // Imported from a file: keep the bundle's own copy from now on, for reading offline.
    if (!record.article) saved.keepCurrentCopy(record, entry.object, article).catch(() => {});
    return null;
  }
  saved.keepCurrentCopy(record, entry.object, article).catch(() => {});
  return el("p", { class: "notice-inline saved-changed" }, _("This article has been " +
    "updated since you saved it on {date}. This is the current version.", { date }));
}

export async function showArticle(bundle, locale, id) {
  const loaded = await loadArticle(bundle, locale, id);
  const { manifest, document: article } = loaded;
  const view = article.kind === "reference"
    ? referenceView(article, manifest)
    : summaryView(article, manifest, bundle, locale);
  const checked = loaded.install ? await freshnessLine() : null;
  const notices = [checked ? el("p", { class: "meta freshness" }, checked) : null,
    savedNotice(loaded), fallbackNotice(article, view)].filter(Boolean);
  view.querySelector("h1").after(...notices, articleActions(bundle, locale, loaded, view));
  if (manifest.version && article.kind === "summary") {
    view.append(feedbackBlock(bundle, locale, manifest, article));
  }
  view.append(printedFrom(manifest));
  show(article.title, view, backLink(bundle, locale, manifest));
}

export async function showAbout(bundle, locale, id) {
  const { manifest, document: page } = await loadEntry(bundle, locale, "about", id);
  const view = el("article", langOf(page.lang),
    el("h1", fieldLang(page.lang, page.fallback, "title"), page.title),
    el("div", { class: "prose" }, sanitisedHtml(page.html)));
  const notice = fallbackNotice(page, view);
  if (notice) view.querySelector("h1").after(notice);
  show(page.title, view, backLink(bundle, locale, manifest));
}

function backLink(bundle, locale, manifest) {
  return el("p", { class: "back" }, el("a", { href: base(bundle, locale) },
    fill(_("Back to {title}"), {
      title: el("span", fieldLang(manifest.locale, manifest.fallback, "title"), manifest.title),
    })));
}
