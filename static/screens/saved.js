// The saved articles screen: each with how it stands in its bundle today, and their export to a
// file and import from one (lib/saved.js keeps them).

import { _, fill, ngettext } from "../lib/i18n.js";
import { withdrawnAdvice } from "../lib/messages.js";
import {
  importSavedFile, savedArticles, savedFileText, standing, unsave,
} from "../lib/saved.js";
import { el, fieldLang, formatDate, langOf } from "../ui/dom.js";
import { announce, notice, show } from "../ui/page.js";

function standingLine(state, record) {
  const savedOn = formatDate(record.savedAt);
  const lines = {
    changed: [_("Updated since you saved it on {date}. Open it to read the current version.",
      { date: savedOn }), "info"],
    withdrawn: [[_("Withdrawn."), withdrawnAdvice()].join(" "), "error"],
    removed: [_("No longer in this bundle. Your saved copy is kept until you remove it."),
      "info"],
    unknown: [_("Could not check for updates: you are offline and the bundle is not " +
      "downloaded. You can still read your saved copy."), "info"],
  };
  if (!lines[state]) return null;
  const [text, kind] = lines[state];
  return el("p", { class: `notice-inline saved-${state} notice-${kind}` }, text);
}

function savedCard(record, state) {
  const headingId = `saved-${record.key.replace(/\W/g, "-")}`;
  const [title, titleLang] = titleOf(record);
  const link = `#/read/${record.bundle}/${record.locale}/${record.id}`;
  return el("li", { class: "card", "data-saved": record.key },
    el("h2", { id: headingId, ...titleLang },
      state === "withdrawn" ? title : el("a", { href: link }, title)),
    el("p", { class: "meta" }, fill(_("Saved {date} from {bundle}"), {
      date: formatDate(record.savedAt),
      bundle: el("span", langOf(record.bundleLang), record.bundleTitle),
    })),
    standingLine(state, record),
    el("div", { class: "actions" },
      el("button", {
        type: "button", class: "secondary", "aria-describedby": headingId,
        "data-focus-key": `unsave-${record.key}`,
        onclick: async () => {
          await unsave(record.key);
          announce(_("Removed from saved articles."));
          await showSaved();
        },
      }, _("Remove from saved"))));
}

function exportFile(records) {
  const url = URL.createObjectURL(new Blob([savedFileText(records)], { type: "application/json" }));
  const link = el("a", {
    href: url, download: `satchel-saved-${new Date().toISOString().slice(0, 10)}.json`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A saved article's title and the attributes of its language, with or without its copy. */
function titleOf(record) {
  const article = record.article;
  return article
    ? [article.title, fieldLang(article.lang, article.translation?.fallback, "title")]
    : [record.title, langOf(record.titleLang)];
}

function transferBlock(records) {
  const input = el("input", { type: "file", id: "saved-import", accept: ".json,application/json" });
  input.addEventListener("change", async () => {
    const [file] = input.files;
    if (!file) return;
    const added = await importSavedFile(file);
    if (added === null) {
      notice(_("This file is not a list of saved articles from Satchel."), "error", "saved");
      return;
    }
    await showSaved();
    notice(ngettext("{count} saved article imported.", "{count} saved articles imported.",
      added, { count: added }), "info", "saved");
  });
  return el("section", { class: "transfer", "aria-labelledby": "h-transfer" },
    el("h2", { id: "h-transfer" }, _("Keep them when you change phone or reinstall")),
    el("p", {}, _("Export your saved articles to a small file, and import it later on " +
      "this or another device.")),
    el("div", { class: "actions" },
      el("button", {
        type: "button", disabled: !records.length, onclick: () => exportFile(records),
      }, _("Export saved articles"))),
    el("div", { class: "field" },
      el("label", { for: "saved-import" }, _("Import saved articles from a file")), input));
}

export async function showSaved() {
  const records = (await savedArticles())
    .sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  const manifests = new Map();
  const states = await Promise.all(records.map((record) => standing(record, manifests)));
  show(_("Saved articles"),
    el("h1", {}, _("Saved articles")),
    el("p", {}, _("Articles you save stay on this device: you can read them without a " +
      "connection, and updates tell you when one changes or is withdrawn.")),
    records.length
      ? el("ul", { class: "cards" }, ...records.map((record, i) => savedCard(record, states[i])))
      : el("p", {}, _("Nothing saved yet. Use “Save” on an article to keep it here.")),
    transferBlock(records));
}
