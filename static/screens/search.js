// The search screen: results while typing, with highlights, topic and symptom filters,
// "did you mean", and help when nothing matches. The result count is announced politely.

import { allInstalls } from "../lib/db.js";
import { _, fill, ngettext } from "../lib/i18n.js";
import { messageOf } from "../lib/messages.js";
import { queueSearch } from "../lib/outbox.js";
import { loadBundles, readManifest } from "../lib/read.js";
import { search } from "../lib/search-client.js";
import {
  dateLine, el, escapeText, fieldLang, highlightFragment, langOf,
} from "../ui/dom.js";
import { announce, contentLocaleFor, prefs, show, slugLabel } from "../ui/page.js";

let timer = null;
let generation = 0;
// A search that found nothing is reported once it has stood this long (not every prefix typed).
const UNANSWERED_AFTER_MS = 2000;
const reported = new Set();

/**
 * Keep a search that found nothing, on the device or the server, if the reader turned reporting
 * on: only the locale, the bundles searched and the engine's search terms (lib/outbox.js sends
 * them later).
 */
function reportUnanswered(answer, mine) {
  if (answer.total || !answer.query_terms?.length) return;
  if (prefs.reportSearches !== "on") return;
  setTimeout(() => {
    const search = {
      locale: answer.locale, bundles: answer.bundles.map((bundle) => bundle.id),
      terms: answer.query_terms,
    };
    const key = JSON.stringify(search);
    if (mine !== generation || reported.has(key)) return;
    reported.add(key);
    queueSearch(search).catch(() => {});
  }, UNANSWERED_AFTER_MS);
}

function suggestions() {
  return [_("tired"), _("pain"), _("sleep"), _("stress"), _("walking")];
}

/** A topic or symptom filter; its slugs are words of the bundle's source language (`lang`). */
function filterSelect(id, label, anyLabel, counts, selected, lang) {
  const slugs = Object.keys(counts || {}).sort();
  if (selected && !slugs.includes(selected)) slugs.unshift(selected);
  return el("div", { class: "field" },
    el("label", { for: id }, label),
    el("select", { id, name: id },
      el("option", { value: "" }, anyLabel),
      ...slugs.map((slug) => el("option", {
        value: slug, selected: slug === selected, ...langOf(lang),
      },
        counts && counts[slug] !== undefined
          ? `${slugLabel(slug)} (${counts[slug]})`
          : slugLabel(slug)))));
}

/**
 * What the search can be limited to: every bundle first (id ""), in the reader's content locale
 * when a bundle has it, then each bundle in the locale it is installed or read in. `published`
 * lists the bundles the server searches for "every bundle" (null offline).
 */
async function bundleChoices(wanted) {
  const [list, installs] = await Promise.all([loadBundles(), allInstalls()]);
  const choices = list
    ? list.map((bundle) => {
      const installed = installs.find((install) => install.bundle === bundle.id);
      return {
        id: bundle.id, title: bundle.title, locales: bundle.locales,
        titleLang: bundle.source_locale, sourceLocale: bundle.source_locale,
        locale: installed ? installed.locale : contentLocaleFor(bundle),
      };
    })
    : installs.map((install) => ({
      id: install.bundle, title: install.manifest.title, locales: [install.locale],
      locale: install.locale, titleLang: install.manifest.fallback?.title || install.locale,
      sourceLocale: install.manifest.source_locale,
    }));
  if (wanted.bundle && wanted.locale) {
    const chosen = choices.find((choice) => choice.id === wanted.bundle);
    if (chosen) chosen.locale = wanted.locale;
  }
  if (!choices.length) return choices;
  const preferred = prefs.contentLocale || prefs.uiLocale;
  const locale = wanted.locale && !wanted.bundle ? wanted.locale
    : choices.some((choice) => choice.locales.includes(preferred)) ? preferred
      : choices[0].locale;
  const published = list
    ? list.filter((bundle) => bundle.locales.includes(locale)).map((bundle) => bundle.id)
    : null;
  // Topic and symptom slugs are words of the bundles' source language, when they share one.
  const sources = new Set(choices.map((choice) => choice.sourceLocale));
  const sourceLocale = sources.size === 1 ? [...sources][0] : undefined;
  return [{ id: "", title: _("All bundles"), locale, published, sourceLocale }, ...choices];
}

/**
 * The language of each hit's parts, from its bundle's manifest in `locale`, keyed by
 * "bundle/id": `fallback` says which of its title and teaser fell back; an article not
 * translated at all ("source") is wholly in the source language, its highlights included.
 * (Highlights of a partly translated article may come from either.) `titles`: the language of
 * each bundle's title.
 */
async function partLanguages(bundles, locale) {
  const parts = new Map();
  const titles = new Map();
  await Promise.all(bundles.map(async (bundle) => {
    try {
      const { manifest } = await readManifest(bundle, locale);
      titles.set(bundle, manifest.fallback?.title || locale);
      const source = manifest.source_locale;
      for (const entry of manifest.articles) {
        parts.set(`${bundle}/${entry.id}`, entry.translation === "source"
          ? { title: source, teaser: source, text: source } : entry.fallback);
      }
    } catch {
      // Unknown: the parts are taken to be in the locale.
    }
  }));
  return { parts, titles };
}

/** Help when there is nothing to show; each suggested word is a button that calls `searchFor`. */
function helpBlock(searchFor, intro) {
  return el("div", { class: "help" },
    el("p", {}, intro),
    el("p", {}, _("Try a symptom or a word you would use yourself, for example:")),
    el("ul", { class: "chips" }, ...suggestions().map((word) => el("li", {},
      el("button", { type: "button", class: "chip", onclick: () => searchFor(word) }, word)))));
}

/** Up to two excerpts of a hit: its highlights, else its teaser. */
function excerpts(hit, locale, fallback) {
  return (hit.highlights && hit.highlights.length
    ? hit.highlights.map((text) => [text, fallback && fallback.text ? langOf(fallback.text) : {}])
    : [[escapeText(hit.teaser || ""), fieldLang(locale, fallback, "teaser")]])
    .slice(0, 2).map(([text, lang]) =>
      el("p", { class: "highlight", ...lang }, highlightFragment(text)));
}

/** The list of hits; `everyBundle`: each says which bundle it is from. */
async function hitList(answer, everyBundle) {
  const { parts, titles } = await partLanguages(
    [...new Set(answer.hits.map((hit) => hit.bundle))], answer.locale);
  return el("ul", { class: "cards", ...langOf(answer.locale) }, ...answer.hits.map((hit) => {
    const fallback = parts.get(`${hit.bundle}/${hit.id}`);
    return el("li", { class: "card" },
      el("h3", fieldLang(answer.locale, fallback, "title"),
        el("a", { href: `#/read/${hit.bundle}/${answer.locale}/${hit.id}` }, hit.title)),
      dateLine(hit.published),
      everyBundle ? el("p", { class: "meta" }, fill(_("From {bundle}"), {
        bundle: el("span", langOf(titles.get(hit.bundle) || answer.locale), hit.bundle_title),
      })) : null,
      ...excerpts(hit, answer.locale, fallback));
  }));
}

/** What an answer shows: its count, "did you mean", then the hits or help. */
async function answerView(answer, query, searchFor, everyBundle) {
  const count = answer.total;
  const didYouMean = answer.suggestion
    ? el("p", { class: "suggestion" }, _("Did you mean"), " ",
      el("button", {
        type: "button", class: "link-button", onclick: () => searchFor(answer.suggestion),
      }, el("bdi", {}, answer.suggestion)), "?")
    : null;
  if (!count) {
    return [didYouMean, helpBlock(searchFor,
      fill(_("No articles match “{query}”."), { query: el("bdi", {}, query) }))];
  }
  return [
    el("h2", { class: "result-count" },
      ngettext("{count} result", "{count} results", count, { count })),
    didYouMean,
    await hitList(answer, everyBundle),
  ];
}

/** The search form: the words, the bundle when there is a choice, the filters. */
function searchForm(choices, chosen, query) {
  const input = el("input", {
    id: "q", name: "q", type: "search", value: query, autocomplete: "off",
    enterkeyhint: "search", "aria-describedby": "search-hint", dir: "auto",
  });
  const bundleSelect = el("select", { id: "bundle", name: "bundle" },
    ...choices.map((choice) => el("option",
      { value: choice.id, selected: choice === chosen, ...langOf(choice.titleLang) },
      choice.title)));
  const filters = el("div", { class: "filters" });
  const form = el("form",
    { role: "search", "aria-label": _("Articles"), class: "search-form", novalidate: true },
    el("div", { class: "field" },
      el("label", { for: "q" }, _("Search for a word or a symptom")),
      el("p", { id: "search-hint", class: "meta" }, _("Results appear as you type.")),
      el("div", { class: "search-row" }, input, el("button", { type: "submit" }, _("Search")))),
    choices.length > 2
      ? el("div", { class: "field" }, el("label", { for: "bundle" }, _("Bundle")), bundleSelect)
      : null,
    filters);
  return { form, input, bundleSelect, filters };
}

/** The search as a link, so that going back or sharing finds it again. */
function rememberSearch(current, chosen) {
  const query = new URLSearchParams();
  if (current.q) query.set("q", current.q);
  if (chosen && chosen.id) query.set("bundle", chosen.id);
  if (chosen && !chosen.id) query.set("locale", chosen.locale);
  if (current.topic) query.set("topic", current.topic);
  if (current.symptom) query.set("symptom", current.symptom);
  history.replaceState(null, "", `#/search?${query}`);
}

/** The topic and symptom filters, with the counts of the last answer (`facets`) if any. */
function drawFilters(screen, facets) {
  const { chosen, current } = screen;
  const lang = chosen && chosen.sourceLocale;
  screen.filters.replaceChildren(
    filterSelect("topic", _("Topic"), _("Any topic"), facets && facets.topics, current.topic,
      lang),
    filterSelect("symptom", _("Symptom"), _("Any symptom"), facets && facets.symptoms,
      current.symptom, lang));
}

function searchFor(screen, text) {
  screen.input.value = text;
  runSearch(screen);
  screen.input.focus();
}

/** Search for what the form says and show the answer, unless a newer search started since. */
async function runSearch(screen) {
  const { chosen, current, results } = screen;
  const again = (text) => searchFor(screen, text);
  current.q = screen.input.value.trim();
  rememberSearch(current, chosen);
  const mine = ++generation;
  if (!chosen) {
    results.replaceChildren(el("p", {}, _("No bundles are available yet.")));
    return;
  }
  if (!current.q) {
    results.replaceChildren(helpBlock(again, _("Type what you are looking for.")));
    return;
  }
  let answer;
  try {
    answer = await search({
      ...current, bundle: chosen.id, locale: chosen.locale, published: chosen.published,
    });
  } catch (error) {
    if (mine !== generation) return;
    const message = messageOf(error, "search");
    results.replaceChildren(el("p", { class: "notice-inline" }, message));
    announce(message);
    return;
  }
  if (mine !== generation) return;
  const focused = document.activeElement;
  const focusedFilter = focused && focused.closest(".filters") ? focused.id : null;
  drawFilters(screen, answer.facets);
  if (focusedFilter) document.getElementById(focusedFilter)?.focus();
  announce(ngettext("{count} result for “{query}”", "{count} results for “{query}”",
    answer.total, { count: answer.total, query: current.q }));
  reportUnanswered(answer, mine);
  const view = await answerView(answer, current.q, again, !chosen.id);
  if (mine !== generation) return;
  results.replaceChildren(...view.filter(Boolean));
}

export async function showSearch(params) {
  const choices = await bundleChoices(params);
  const chosen = choices.find((choice) => choice.id === (params.bundle || "")) || choices[0];
  const current = { q: params.q || "", topic: params.topic || "", symptom: params.symptom || "" };
  const screen = {
    chosen, current, results: el("div", { id: "results", class: "results" }),
    ...searchForm(choices, chosen, current.q),
  };
  const { form, input, bundleSelect, filters } = screen;
  const run = () => runSearch(screen);
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  bundleSelect.addEventListener("change", () => {
    screen.chosen = choices.find((choice) => choice.id === bundleSelect.value);
    current.topic = "";
    current.symptom = "";
    drawFilters(screen, null);
    run();
  });
  filters.addEventListener("change", (event) => {
    current[event.target.id] = event.target.value;
    run();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  drawFilters(screen, null);
  show(_("Search"), el("h1", {}, _("Search")), form, screen.results);
  await run();
}
