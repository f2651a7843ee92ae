// The settings screen: the languages of the app and of the articles, the text size, and where
// "Listen" is offered.

import { _, languageName, listLocales, locale } from "../lib/i18n.js";
import { loadBundles } from "../lib/read.js";
import { el, langOf } from "../ui/dom.js";
import { listenStatus, whenVoicesKnown } from "../ui/listen.js";
import { TEXT_SIZES, applyTextSize, notice, prefs, show, useLocale } from "../ui/page.js";

async function localeOptions() {
  const listed = await listLocales();
  if (listed) return listed.map((entry) => entry.code);
  const codes = new Set(["en", locale(), prefs.uiLocale]);
  for (const bundle of (await loadBundles()) || []) {
    bundle.locales.forEach((code) => codes.add(code));
  }
  return [...codes];
}

/** The languages of the app and of the articles; `relabel()` once the app's has changed. */
function languageFields(codes, relabel) {
  const option = (code, selected) => el("option",
    { value: code, selected: code === selected, ...langOf(code) }, languageName(code, code));
  const uiSelect = el("select", { id: "ui-locale" },
    ...codes.map((code) => option(code, prefs.uiLocale)));
  const contentSelect = el("select", { id: "content-locale" },
    el("option", { value: "", selected: !prefs.contentLocale }, _("Same as the interface")),
    ...codes.map((code) => option(code, prefs.contentLocale)));
  uiSelect.addEventListener("change", async () => {
    prefs.set("uiLocale", uiSelect.value);
    await useLocale(uiSelect.value);
    await relabel();
    document.getElementById("ui-locale")?.focus();
  });
  contentSelect.addEventListener("change", () => {
    prefs.set("contentLocale", contentSelect.value);
    notice(_("Articles will be shown in {language} where they are available.", {
      language: languageName(contentSelect.value || prefs.uiLocale),
    }), "info", "content-locale");
  });
  return el("fieldset", {},
    el("legend", {}, _("Language")),
    el("div", { class: "field" },
      el("label", { for: "ui-locale" }, _("Language of the app")), uiSelect),
    el("div", { class: "field" },
      el("label", { for: "content-locale" }, _("Language of the articles")), contentSelect));
}

function textSizeField() {
  const sizeNames = { 100: _("Standard"), 125: _("Large"), 150: _("Larger"), 200: _("Largest") };
  const sizes = el("fieldset", {},
    el("legend", {}, _("Text size")),
    ...TEXT_SIZES.map((size) => el("div", { class: "choice" },
      el("input", {
        type: "radio", name: "text-size", id: `size-${size}`, value: size,
        checked: prefs.textSize === size,
      }),
      el("label", { for: `size-${size}` }, sizeNames[size]))));
  sizes.addEventListener("change", (event) => {
    prefs.set("textSize", event.target.value);
    applyTextSize();
  });
  return sizes;
}

/** The settings screen; `relabel()` redraws the app in a newly chosen interface language. */
export async function showSettings(relabel) {
  const codes = await localeOptions();
  const listening = el("section", { "aria-labelledby": "h-listen" },
    el("h2", { id: "h-listen" }, _("Listen")));
  const describeListening = () => listening.replaceChildren(listening.firstChild,
    ...listenExplanation(codes).filter(Boolean));
  describeListening();
  whenVoicesKnown(describeListening);
  show(_("Settings"),
    el("h1", {}, _("Settings")),
    languageFields(codes, relabel),
    textSizeField(),
    reportingField(),
    listening,
    el("p", { class: "meta" }, _("The app follows your device's light or dark setting " +
      "and its reduced motion setting.")));
}

/** The switch for searches that found nothing, off unless the reader turns it on. */
function reportingField() {
  const box = el("input", {
    type: "checkbox", id: "report-searches", checked: prefs.reportSearches === "on",
    "aria-describedby": "report-searches-what",
    onchange: () => prefs.set("reportSearches", box.checked ? "on" : "off"),
  });
  return el("fieldset", {},
    el("legend", {}, _("Searches that found nothing")),
    el("div", { class: "choice" }, box,
      el("label", { for: "report-searches" }, _("Tell the publisher what I searched for " +
        "and did not find"))),
    el("p", { id: "report-searches-what", class: "meta" }, _("Off unless you turn it on. " +
      "When it is on and a search on this device finds nothing, the app sends later, with " +
      "other searches: the language, the bundles searched and the words of your search as " +
      "search simplifies them (“itching skin” becomes “itch skin”). It sends nothing about " +
      "you or this device, and nothing else you read or searched. The publisher sees a " +
      "search only once several people have asked the same thing.")));
}

/** Where "Listen" is offered and, where it is not, why. */
function listenExplanation(codes) {
  const { available, missing, supported } = listenStatus(codes);
  const names = (list) => list.map((code) => languageName(code)).join(", ");
  if (!supported) {
    return [el("p", {}, _("This browser cannot read articles aloud, so “Listen” is not " +
      "offered. Browsers such as Chrome, Edge, Safari and Firefox can, with the voices " +
      "installed on the device."))];
  }
  return [
    available.length ? el("p", {}, _("“Listen” reads articles aloud in: {languages}.",
      { languages: names(available) })) : null,
    missing.length ? el("p", {}, _("“Listen” is not offered for articles in {languages}: " +
      "this device has no voice for them. You can add one in your device's " +
      "text-to-speech settings.", { languages: names(missing) })) : null,
    navigator.onLine ? null : el("p", { class: "meta" },
      _("While you are offline, only the voices stored on this device are used.")),
  ];
}
