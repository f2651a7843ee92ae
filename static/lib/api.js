// The server's API: the one place that knows its prefix, and where an answer that failed becomes
// an AppError carrying the server's {status, code, message}.

import { AppError } from "./errors.js";

const PREFIX = "/api/v1";
// A network that says "online" and carries nothing (a hotspot with no uplink, a captive portal)
// never answers. A request whose answer has not begun by then fails as a lost connection does,
// with fetch's own TypeError, so every caller falls back to the device as it does offline. Only
// the wait for the answer to begin is bounded: a large body takes as long as it takes.
const ANSWER_TIMEOUT_MS = 10000;

async function failureOf(response) {
  try {
    const { status = response.status, code, message } = (await response.json()).error;
    return new AppError(code, { status, message });
  } catch {
    return new AppError("http_error", { status: response.status, message: response.statusText });
  }
}

/** The response to `path`; one with an error status throws, unless `expected` lists it. */
export async function request(path, options = {}, expected = []) {
  const silence = new AbortController();
  const timer = setTimeout(() => silence.abort(), ANSWER_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(PREFIX + path, { ...options, signal: silence.signal });
  } catch (error) {
    if (!silence.signal.aborted) throw error;
    throw new TypeError(`No answer to ${path} in ${ANSWER_TIMEOUT_MS / 1000} s`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok && !expected.includes(response.status)) throw await failureOf(response);
  return response;
}

export async function getJSON(path, options = {}) {
  return (await request(path, options)).json();
}
