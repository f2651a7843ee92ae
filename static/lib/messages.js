// The one table of what an error means to the reader: by what was being done ("read",
// "download", "file", "search"), then by the error's code (errors.js). Each task has "offline"
// (a fetch that failed: no connection) and "other" (anything else).

import { _, formatDate } from "./i18n.js";

// The publisher's TUF metadata (freshness.js) refused what a source offered.
const REFUSED_BY_METADATA = ["stale_source", "rollback", "mixed_metadata", "untrusted_metadata",
  "bad_metadata", "not_in_targets"];

/** What a reader should do about an article its authors withdrew. */
export function withdrawnAdvice() {
  return _("Its authors withdrew it. A withdrawn study may have found something that turned " +
    "out to be wrong, so do not act on what it said; ask your doctor if it made you " +
    "think about changing anything.");
}

function readMessages() {
  const changed = _("This content was changed or not signed by its publisher, so it was not used.");
  const withdrawn = _("This article was withdrawn by its authors.");
  return {
    unknown_key: () => _("This content is signed by a key this device does not trust, so it " +
      "was not used."),
    bad_signature: () => changed,
    unsigned: () => changed,
    ...Object.fromEntries(REFUSED_BY_METADATA.map((code) => [code, () => changed])),
    stale_source: (error) => _("{source} has not been confirmed as current by its publisher " +
      "since {date}: it may be holding back changes, so nothing new was taken from it.",
    { source: error.source, date: formatDate(error.date) }),
    rollback: () => _("This source offered an older version than this device has already " +
      "seen, so it was not used."),
    withdrawn: () => withdrawn,
    withdrawn_saved: () => `${withdrawn} ${withdrawnAdvice()}`,
    not_available: () => _("This article is not available."),
    no_such_page: () => _("This page does not exist."),
    offline: () => _("You are offline and this is not downloaded. " +
      "Download bundles in the library to read them without a connection."),
    other: (error) => error.message,
  };
}

function downloadMessages(read) {
  const untrusted = (error) => _("{problem} What you had downloaded before is unchanged.",
    { problem: read[error.code](error) });
  return {
    storage_full: () => _("There is not enough space on this device to finish the download. " +
      "What you had downloaded before is unchanged. Free some space and try again."),
    unknown_key: untrusted,
    bad_signature: untrusted,
    unsigned: untrusted,
    ...Object.fromEntries(REFUSED_BY_METADATA.map((code) => [code, untrusted])),
    integrity: () => _("A downloaded file was damaged and was not used. " +
      "What you had downloaded before is unchanged. Please try again."),
    offline: () => _("The download stopped because the connection was lost. " +
      "It will continue where it left off when you are back online."),
    other: (error) => _("The download did not finish: {message}. " +
      "What you had downloaded before is unchanged.", { message: error.message }),
  };
}

/** A bundle file refused; what is not about the file is said as for a download. */
function fileMessages(download) {
  const untrusted = () => _("This file was not signed by a publisher this app knows, so it " +
    "cannot be trusted. Nothing on this device was changed.");
  const unconfirmed = () => _("Its publisher's signed list of current content does not " +
    "confirm this file: it may hold a version since replaced, or have been signed by a key its " +
    "publisher has withdrawn. Nothing on this device was changed.");
  return {
    ...download,
    not_newer: (error) => _("This file holds version {version} of the bundle, and this device " +
      "already has version {installed}. Nothing on this device was changed.", error),
    not_satchel: () => _("This is not a Satchel bundle file. Nothing on this device was changed."),
    cut_off: () => _("This file is incomplete or damaged: it may have been cut off while it " +
      "was copied. Nothing on this device was changed. Copy the file again and retry."),
    unknown_key: untrusted,
    unsigned: untrusted,
    ...Object.fromEntries(REFUSED_BY_METADATA.map((code) => [code, unconfirmed])),
    bad_signature: () => _("The list of contents in this file was changed after it was " +
      "published, so it cannot be trusted. Nothing on this device was changed."),
    changed_object: () => _("An article or search index in this file was changed after it " +
      "was published. Nothing on this device was changed."),
    missing_object: () => _("Part of the bundle is missing from this file. " +
      "Nothing on this device was changed."),
    page_changed: () => _("This page was changed after it was made from its publisher's " +
      "signed content, so it cannot be trusted. Do not rely on what it says."),
    page_unknown: () => _("This page comes from a version of its bundle that its publisher no " +
      "longer keeps, so it cannot be checked."),
    page_needs_connection: () => _("This page comes from a version of its bundle that this " +
      "device does not have. Connect to the internet to check it, or download the bundle first."),
  };
}

function searchMessages() {
  return {
    offline: () => _("Search needs a connection for bundles that are not downloaded. " +
      "Download the bundle in the library to search it offline."),
    query_too_long: () => _("That search is too long. Try fewer words."),
    other: (error) => _("Search did not work: {message}", { message: error.message }),
  };
}

function messages(task) {
  const read = readMessages();
  if (task === "read") return read;
  if (task === "search") return searchMessages();
  const download = downloadMessages(read);
  return task === "file" ? fileMessages(download) : download;
}

// A download or file install that failed while offline failed for that, whatever the error.
const LOST_WHEN_OFFLINE = new Set(["download", "file"]);

/** What `error` means to the reader, in the words of `task`. */
export function messageOf(error, task) {
  const table = messages(task);
  const offline = error instanceof TypeError
    || (LOST_WHEN_OFFLINE.has(task) && !navigator.onLine);
  const code = Object.hasOwn(table, error?.code) ? error.code : offline ? "offline" : "other";
  return table[code](error);
}
