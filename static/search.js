// The search screen: results while typing, with highlights, topic and symptom filters,
// "did you mean", and help when nothing matches. The result count is announced politely.

import { _, ngettext } from "./i18n.js";
import { el, escapeText, formatDate, highlightFragment, langOf } from "./dom.js";
import { announce, contentLocaleFor, prefs, show, slugLabel } from "./ui.js";
import { loadBundles } from "./library.js";
import { SearchUnavailable, search } from "./search-client.js";
import * as sync from "./sync.js";

let timer = null;
let generation = 0;

function suggestions() {
  return [_("tired"), _("pain"), _("sleep"), _("stress"), _("walking")];
}

function filterSelect(id, label, anyLabel, counts, selected) {
  const slugs = Object.keys(counts || {}).sort();
  if (selected && !slugs.includes(selected)) slugs.unshift(selected);
  return el("div", { class: "field" },
    el("label", { for: id }, label),
    el("select", { id, name: id },
      el("option", { value: "" }, anyLabel),
      ...slugs.map((slug) => el("option", { value: slug, selected: slug === selected },
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
  const [list, installs] = await Promise.all([loadBundles(), sync.installs()]);
  const choices = list
    ? list.map((bundle) => {
      const installed = installs.find((install) => install.bundle === bundle.id);
      return {
        id: bundle.id, title: bundle.title, locales: bundle.locales,
        locale: installed ? installed.locale : contentLocaleFor(bundle),
      };
    })
    : installs.map((install) => ({
      id: install.bundle, title: install.manifest.title, locales: [install.locale],
      locale: install.locale,
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
  return [{ id: "", title: _("All bundles"), locale, published }, ...choices];
}

/** Help when there is nothing to show; each suggested word is a button that calls `searchFor`. */
function helpBlock(searchFor, intro) {
  return el("div", { class: "help" },
    el("p", {}, intro),
    el("p", {}, _("Try a symptom or a word you would use yourself, for example:")),
    el("ul", { class: "chips" }, ...suggestions().map((word) => el("li", {},
      el("button", { type: "button", class: "chip", onclick: () => searchFor(word) }, word)))));
}

function failureMessage(error) {
  if (error instanceof SearchUnavailable) {
    return _("Search needs a connection for bundles that are not downloaded. " +
      "Download the bundle in the library to search it offline.");
  }
  if (error.code === "query_too_long") return _("That search is too long. Try fewer words.");
  return _("Search did not work: {message}", { message: error.message });
}

export async function showSearch(params) {
  const choices = await bundleChoices(params);
  const current = { q: params.q || "", topic: params.topic || "", symptom: params.symptom || "" };
  let chosen = choices.find((choice) => choice.id === (params.bundle || "")) || choices[0];

  const input = el("input", {
    id: "q", name: "q", type: "search", value: current.q, autocomplete: "off",
    enterkeyhint: "search", "aria-describedby": "search-hint",
  });
  const bundleSelect = el("select", { id: "bundle", name: "bundle" },
    ...choices.map((choice) => el("option",
      { value: choice.id, selected: choice === chosen, ...langOf(choice.locale) }, choice.title)));
  const filters = el("div", { class: "filters" });
  const results = el("div", { id: "results", class: "results" });
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

  function drawFilters(facets) {
    filters.replaceChildren(
      filterSelect("topic", _("Topic"), _("Any topic"), facets && facets.topics, current.topic),
      filterSelect("symptom", _("Symptom"), _("Any symptom"), facets && facets.symptoms,
        current.symptom));
  }

  function searchFor(text) {
    input.value = text;
    run();
    input.focus();
  }

  function remember() {
    const query = new URLSearchParams();
    if (current.q) query.set("q", current.q);
    if (chosen && chosen.id) query.set("bundle", chosen.id);
    if (chosen && !chosen.id) query.set("locale", chosen.locale);
    if (current.topic) query.set("topic", current.topic);
    if (current.symptom) query.set("symptom", current.symptom);
    history.replaceState(null, "", `#/search?${query}`);
  }

  async function run() {
    current.q = input.value.trim();
    remember();
    const mine = ++generation;
    if (!chosen) {
      results.replaceChildren(el("p", {}, _("No bundles are available yet.")));
      return;
    }
    if (!current.q) {
      results.replaceChildren(helpBlock(searchFor, _("Type what you are looking for.")));
      return;
    }
    let answer;
    try {
      answer = await search({
        ...current, bundle: chosen.id, locale: chosen.locale, published: chosen.published,
      });
    } catch (error) {
      if (mine !== generation) return;
      const message = failureMessage(error);
      results.replaceChildren(el("p", { class: "notice-inline" }, message));
      announce(message);
      return;
    }
    if (mine !== generation) return;
    const focused = document.activeElement;
    const focusedFilter = focused && focused.closest(".filters") ? focused.id : null;
    drawFilters(answer.facets);
    if (focusedFilter) document.getElementById(focusedFilter)?.focus();
    const count = answer.total;
    announce(ngettext("{count} result for “{query}”", "{count} results for “{query}”", count,
      { count, query: current.q }));
    const didYouMean = answer.suggestion
      ? el("p", { class: "suggestion" }, _("Did you mean"), " ",
        el("button", {
          type: "button", class: "link-button", onclick: () => searchFor(answer.suggestion),
        }, answer.suggestion), "?")
      : null;
    if (!count) {
      const help = helpBlock(searchFor, _("No articles match “{query}”.", { query: current.q }));
      results.replaceChildren(...[didYouMean, help].filter(Boolean));
      return;
    }
    const excerpts = (hit) => (hit.highlights && hit.highlights.length
      ? hit.highlights : [escapeText(hit.teaser || "")])
      .slice(0, 2).map((text) => el("p", { class: "highlight" }, highlightFragment(text)));
    results.replaceChildren(...[
      el("h2", { class: "result-count" },
        ngettext("{count} result", "{count} results", count, { count })),
      didYouMean,
      el("ul", { class: "cards", ...langOf(answer.locale) }, ...answer.hits.map((hit) =>
        el("li", { class: "card" },
          el("h3", {}, el("a", { href: `#/read/${hit.bundle}/${answer.locale}/${hit.id}` },
            hit.title)),
          el("p", { class: "meta" }, [formatDate(hit.published),
            chosen.id ? "" : _("From {bundle}", { bundle: hit.bundle_title })]
            .filter(Boolean).join(" · ")),
          ...excerpts(hit)))),
    ].filter(Boolean));
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  bundleSelect.addEventListener("change", () => {
    chosen = choices.find((choice) => choice.id === bundleSelect.value);
    current.topic = "";
    current.symptom = "";
    drawFilters(null);
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

  drawFilters(null);
  show(_("Search"), el("h1", {}, _("Search")), form, results);
  await run();
}
