// The server's API and the content source: the one place that knows the API's prefix and where
// the static repository (docs/repository.md) is, and where an answer that failed becomes an
// AppError carrying the server's {status, code, message}.

import { AppError } from "./errors.js";

const PREFIX = "/api/v1";
// A network that says "online" and carries nothing (a hotspot with no uplink, a captive portal)
// never answers. A request whose answer has not begun by then fails as a lost connection does,
// with fetch's own TypeError, so every caller falls back to the device as it does offline. Only
// the wait for the answer to begin is bounded: a large body takes as long as it takes.
const ANSWER_TIMEOUT_MS = 10000;
// Where bundles are read from, in order of preference: this site's /repo/, or the CDNs and mirrors
// the page names (CONTENT_URL, space-separated, in <meta name="satchel-content">; app.js passes it
// to useContentSources).
let contentSources = ["/repo/"];
// The source that answered last: the next request starts there, so that a source found down
// costs one failed request, not one per file.
let inUse = 0;

/** Read bundles, keys, manifests, packs, updates and objects from `urls` (space-separated). */
export function useContentSources(urls) {
  const named = urls.split(/\s+/).filter(Boolean);
  contentSources = named.length ? named : ["/repo/"];
  inUse = 0;
}

async function failureOf(response) {
  try {
    const { status = response.status, code, message } = (await response.json()).error;
    return new AppError(code, { status, message });
  } catch {
    return new AppError("http_error", { status: response.status, message: response.statusText });
  }
}

async function answer(url, options, expected) {
  const silence = new AbortController();
  const timer = setTimeout(() => silence.abort(), ANSWER_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(url, { ...options, signal: silence.signal });
  } catch (error) {
    if (!silence.signal.aborted) throw error;
    throw new TypeError(`No answer to ${url} in ${ANSWER_TIMEOUT_MS / 1000} s`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  if (response.ok) return response;
  if (!expected.includes(response.status)) throw await failureOf(response);
  // An expected error (a 404 naming a file the source does not have) is told by its status
  // alone. Its body is read here all the same: the browser keeps a request open until its body
  // is read, so a page that left it unread never went quiet.
  await response.arrayBuffer();
  return response;
}

/** The API's response to `path`; one with an error status throws, unless `expected` lists it. */
export function request(path, options = {}, expected = []) {
  return answer(PREFIX + path, options, expected);
}

export async function getJSON(path, options = {}) {
  return (await request(path, options)).json();
}

/**
 * The file at `path` in the static repository, as `request` answers, from the first content source
 * that answers: one that cannot be reached, is silent (see ANSWER_TIMEOUT_MS) or fails (5xx) hands
 * over to the next. Any other answer is the answer: a source that sends altered bytes is refused
 * where they are verified, never retried elsewhere.
 */
export async function requestFile(path, options = {}, expected = []) {
  for (let tried = 1; ; tried += 1) {
    try {
      return await answer(new URL(path, contentBase()).href, options, expected);
    } catch (error) {
      if (tried >= contentSources.length || !sourceFailed(error)) throw error;
      inUse = (inUse + 1) % contentSources.length;
    }
  }
}

const sourceFailed = (error) => error instanceof TypeError || error.status >= 500;

const contentBase = () => new URL(contentSources[inUse], location.href);

/** The content source in use, as messages name it to the reader: its host. */
export function contentHost() {
  return contentBase().host;
}

export async function getFileJSON(path, options = {}) {
  return (await requestFile(path, options)).json();
}
