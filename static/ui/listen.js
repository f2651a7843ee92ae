// Listen: an article read aloud by the device's own voices (Web Speech API).
//
// The title, the key takeaway and the sections are read in the order shown, one paragraph or
// list item at a time, each in the language of its nearest lang attribute and with a voice
// for that language, so a paragraph shown in English inside a Spanish article is read in
// English. The source study (citation and DOI), ratings, dates and links to other pages are
// not read.
// The paragraph being read is marked. Offline only the device's local voices are used. Without
// a voice for the article's language the control is not offered (Settings says why).

import { _, languageName } from "../lib/i18n.js";
import { el } from "./dom.js";
import { announce } from "./page.js";

const PARTS = [
  "h1",
  ".article-section > h2",
  ".article-section .prose > :is(p, h3, h4, blockquote)",
  ".article-section .prose > :is(ul, ol) > li",
  ".article-section > .reminder",
].join(", ");

function engine() {
  return typeof window.speechSynthesis === "object" && window.speechSynthesis
    && typeof window.SpeechSynthesisUtterance === "function" ? window.speechSynthesis : null;
}

const languageOf = (tag) => String(tag).toLowerCase().replace("_", "-").split("-")[0];

/** The best voice for `lang`: the exact tag first, then the language; local ones offline. */
export function voiceFor(lang) {
  const speech = engine();
  if (!speech || !lang) return null;
  const voices = speech.getVoices().filter((voice) => navigator.onLine || voice.localService);
  const wanted = String(lang).toLowerCase().replace("_", "-");
  return voices.find((voice) => voice.lang.toLowerCase().replace("_", "-") === wanted)
    || voices.find((voice) => languageOf(voice.lang) === languageOf(wanted)) || null;
}

/** Run `callback` once the browser's voices are known (Chromium loads them after start). */
export function whenVoicesKnown(callback) {
  const speech = engine();
  if (!speech) return;
  if (speech.getVoices().length) callback();
  else speech.addEventListener?.("voiceschanged", callback, { once: true });
}

/** What Settings says about reading aloud: where it works, and why not elsewhere. */
export function listenStatus(locales) {
  if (!engine()) {
    return { available: [], missing: locales, supported: false };
  }
  const available = locales.filter((code) => voiceFor(code));
  return { available, missing: locales.filter((code) => !available.includes(code)),
    supported: true };
}

let current = null; // the reading in progress: {stop}

/** Stop reading aloud, e.g. when the reader leaves the article. */
export function stopListening() {
  if (current) current.stop();
}

/**
 * The Listen control for `view` (an article element) in `lang`, or null where no voice
 * speaks that language. One button starts, pauses and resumes; another stops.
 */
export function listenControl(view, lang) {
  const speech = engine();
  if (!speech || !voiceFor(lang)) return null;
  const toggle = el("button", { type: "button", class: "secondary", "aria-pressed": "false" });
  const stopButton = el("button", { type: "button", class: "secondary", hidden: true },
    _("Stop"));
  const box = el("div", { class: "listen", role: "group", "aria-label": _("Listen") },
    toggle, stopButton);
  let state = "idle"; // idle | playing | paused
  let run = 0; // a new run makes the callbacks of the old one's utterances do nothing
  let marked = null;

  function draw() {
    toggle.textContent = { idle: _("Listen"), playing: _("Pause"), paused: _("Resume") }[state];
    toggle.setAttribute("aria-pressed", String(state === "playing"));
    stopButton.hidden = state === "idle";
  }

  function mark(node) {
    marked?.classList.remove("speaking");
    marked?.removeAttribute("aria-current");
    marked = node;
    node?.classList.add("speaking");
    node?.setAttribute("aria-current", "true");
    node?.scrollIntoView?.({ block: "nearest" });
  }

  function finish(message) {
    run += 1;
    state = "idle";
    mark(null);
    draw();
    if (current && current.box === box) current = null;
    if (message) announce(message);
  }

  function speakFrom(parts, index, mine) {
    if (mine !== run) return;
    if (index >= parts.length) {
      finish(_("Finished reading."));
      return;
    }
    const node = parts[index];
    const partLang = node.closest("[lang]")?.getAttribute("lang") || lang;
    const utterance = new window.SpeechSynthesisUtterance(node.textContent.trim());
    utterance.lang = partLang;
    const voice = voiceFor(partLang);
    if (voice) utterance.voice = voice;
    utterance.onend = () => speakFrom(parts, index + 1, mine);
    utterance.onerror = (event) => {
      if (mine !== run) return;
      if (event && (event.error === "interrupted" || event.error === "canceled")) return;
      speakFrom(parts, index + 1, mine);
    };
    mark(node);
    speech.speak(utterance);
  }

  function start() {
    stopListening();
    speech.cancel();
    run += 1;
    state = "playing";
    current = { box, stop: () => { speech.cancel(); finish(_("Stopped reading.")); } };
    draw();
    const parts = [...view.querySelectorAll(PARTS)].filter((node) => node.textContent.trim());
    announce(_("Reading aloud in {language}.", { language: languageName(lang) }));
    speakFrom(parts, 0, run);
  }

  toggle.addEventListener("click", () => {
    if (state === "idle") start();
    else if (state === "playing") {
      speech.pause();
      state = "paused";
      draw();
      announce(_("Paused."));
    } else {
      speech.resume();
      state = "playing";
      draw();
      announce(_("Reading aloud."));
    }
  });
  stopButton.addEventListener("click", () => {
    current?.stop();
    toggle.focus();
  });
  draw();
  return box;
}
