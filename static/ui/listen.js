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

/** One article read aloud: where the reading is, the paragraph marked, and its two buttons. */
class Reading {
  constructor(speech, view, lang) {
    Object.assign(this, { speech, view, lang });
    this.toggle = el("button", { type: "button", class: "secondary", "aria-pressed": "false" });
    this.stopButton = el("button", { type: "button", class: "secondary", hidden: true },
      _("Stop"));
    this.box = el("div", { class: "listen", role: "group", "aria-label": _("Listen") },
      this.toggle, this.stopButton);
    this.state = "idle"; // idle | playing | paused
    this.run = 0; // a new run makes the callbacks of the old one's utterances do nothing
    this.marked = null;
    this.toggle.addEventListener("click", () => this.pressed());
    this.stopButton.addEventListener("click", () => {
      current?.stop();
      this.toggle.focus();
    });
    this.draw();
  }

  draw() {
    const { toggle, state } = this;
    toggle.textContent = { idle: _("Listen"), playing: _("Pause"), paused: _("Resume") }[state];
    toggle.setAttribute("aria-pressed", String(state === "playing"));
    this.stopButton.hidden = state === "idle";
  }

  mark(node) {
    this.marked?.classList.remove("speaking");
    this.marked?.removeAttribute("aria-current");
    this.marked = node;
    node?.classList.add("speaking");
    node?.setAttribute("aria-current", "true");
    node?.scrollIntoView?.({ block: "nearest" });
  }

  finish(message) {
    this.run += 1;
    this.state = "idle";
    this.mark(null);
    this.draw();
    if (current && current.box === this.box) current = null;
    if (message) announce(message);
  }

  speakFrom(parts, index, mine) {
    if (mine !== this.run) return;
    if (index >= parts.length) {
      this.finish(_("Finished reading."));
      return;
    }
    const node = parts[index];
    const partLang = node.closest("[lang]")?.getAttribute("lang") || this.lang;
    const utterance = new window.SpeechSynthesisUtterance(node.textContent.trim());
    utterance.lang = partLang;
    const voice = voiceFor(partLang);
    if (voice) utterance.voice = voice;
    utterance.onend = () => this.speakFrom(parts, index + 1, mine);
    utterance.onerror = (event) => {
      if (mine !== this.run) return;
      if (event && (event.error === "interrupted" || event.error === "canceled")) return;
      this.speakFrom(parts, index + 1, mine);
    };
    this.mark(node);
    this.speech.speak(utterance);
  }

  start() {
    stopListening();
    this.speech.cancel();
    this.run += 1;
    this.state = "playing";
    current = {
      box: this.box, stop: () => { this.speech.cancel(); this.finish(_("Stopped reading.")); },
    };
    this.draw();
    const parts = [...this.view.querySelectorAll(PARTS)].filter((node) => node.textContent.trim());
    announce(_("Reading aloud in {language}.", { language: languageName(this.lang) }));
    this.speakFrom(parts, 0, this.run);
  }

  /** Listen starts, Pause pauses, Resume resumes. */
  pressed() {
    if (this.state === "idle") {
      this.start();
      return;
    }
    const playing = this.state === "playing";
    if (playing) this.speech.pause();
    else this.speech.resume();
    this.state = playing ? "paused" : "playing";
    this.draw();
    announce(playing ? _("Paused.") : _("Reading aloud."));
  }
}

/**
 * The Listen control for `view` (an article element) in `lang`, or null where no voice
 * speaks that language. One button starts, pauses and resumes; another stops.
 */
export function listenControl(view, lang) {
  const speech = engine();
  if (!speech || !voiceFor(lang)) return null;
  return new Reading(speech, view, lang).box;
}
