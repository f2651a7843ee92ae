// The server's API: the one place that knows its prefix, and where an answer that failed becomes
// an AppError carrying the server's {status, code, message}.

import { AppError } from "./errors.js";

const PREFIX = "/api/v1";

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
  const response = await fetch(PREFIX + path, options);
  if (!response.ok && !expected.includes(response.status)) throw await failureOf(response);
  return response;
}

export async function getJSON(path, options = {}) {
  return (await request(path, options)).json();
}
