// Satchel's service worker. The server prepends `const SHELL = {version, files: [{url, sha256}],
// later: [{url, sha256, offline, module}]}` (satchel/web/shell.py), computed from the files in
// static/, so a changed shell file gives a new worker, and `const CONTENT`, the sources the app
// reads bundles from (CONTENT_URL: this site's /repo/, or CDNs and mirrors, in order).
//
// - The app shell is precached in `satchel-shell-<version>`; every file is checked against its
//   sha256 before it is cached, and older shell caches are deleted once this worker activates.
// - `later` files (static/vendor/: code only some browsers need; each language's stemmer and the
//   Han table: a device needs them for bundles in that language, and the app asks for one as it
//   installs such a bundle) are cached in the same way the first time they are asked for,
//   labelled with the source `module` they are, and a new worker caches again the modules its
//   predecessor held, under their new names; those marked `offline` (code any device may need
//   offline, not to start: the `.satchel` decoder, every language's code) also once the page,
//   started and idle, asks (app.js), so that they never weigh on the shell's install, yet are on
//   the device before a bundle or a file is likely to be handed over offline.
// - The bundle list, the language list, the publisher's keys and the interface catalogs are
//   fetched network-first and kept for offline use, from the content source as from this site.
// - Bundle content never goes through a cache here: the page stores it in IndexedDB itself,
//   verified object by object (static/lib/download.js).

const SHELL_CACHE = `satchel-shell-${SHELL.version}`;
const DATA_CACHE = "satchel-data-v1";
const SHELL_URLS = new Set(SHELL.files.map((file) => file.url));
const LATER = new Map(SHELL.later.map((file) => [file.url, file]));
const CONTENT_BASES = CONTENT.map((source) => new URL(source, self.location.href).href);
// The repository's files that change with a publish and are worth keeping for offline use.
const KEPT_CONTENT = [
  /^bundles\.json$/, /^locales\.json$/, /^keys\/keyring\.json$/, /^ui\/[^/]+\.json$/,
];

// What the page sends once it has started and is idle: cache the `offline` files now.
const OFFLINE_CODE_MESSAGE = "cache-offline-code";
// The header a file cached on demand carries: the source module it is (its `module`).
const MODULE_HEADER = "Satchel-Module";

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Fetch a listed file and cache it, only if its bytes are the ones listed. */
async function cacheVerified(cache, file) {
  const response = await fetch(file.url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${file.url}: HTTP ${response.status}`);
  const bytes = await response.clone().arrayBuffer();
  // A file that changed while we installed: fail now, the browser retries with a new list.
  if (await sha256Hex(bytes) !== file.sha256) {
    throw new Error(`${file.url}: content does not match its hash`);
  }
  const kept = file.module ? labelled(response, bytes, file.module) : response.clone();
  await cache.put(file.url, kept);
  return response;
}

/** `response` (whose body is `bytes`, decoded) with the MODULE_HEADER naming `module`. */
function labelled(response, bytes, module) {
  const headers = new Headers(response.headers);
  headers.delete("Content-Encoding");
  headers.delete("Content-Length");
  headers.set(MODULE_HEADER, module);
  return new Response(bytes, { status: response.status, headers });
}

/**
 * The source modules of the files the shell caches hold: a file's label, or, for one an older
 * worker cached unlabelled, its path under /static/ (a file of static/ is its own module).
 */
async function heldModules() {
  const held = new Set();
  const names = (await caches.keys()).filter((name) => name.startsWith("satchel-shell-"));
  for (const name of names) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const label = (await cache.match(request)).headers.get(MODULE_HEADER);
      held.add(label || new URL(request.url).pathname.replace(/^\/static\//, ""));
    }
  }
  return held;
}

async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  const held = await heldModules();
  const later = SHELL.later.filter((file) => held.has(file.module));
  await Promise.all([...SHELL.files, ...later].map((file) => cacheVerified(cache, file)));
}

async function onDemand(request, file) {
  // A worker whose cache its successor deleted answers from the network (see fromShell).
  if (!(await caches.has(SHELL_CACHE))) return fetch(request);
  const cached = await caches.match(file.url, { cacheName: SHELL_CACHE });
  return cached || cacheVerified(await caches.open(SHELL_CACHE), file);
}

/** The `offline` files (see the top of this file) not cached yet. */
async function cacheOfflineCode() {
  if (!(await caches.has(SHELL_CACHE))) return; // replaced: the new worker caches them
  const cache = await caches.open(SHELL_CACHE);
  const offline = SHELL.later.filter((file) => file.offline);
  await Promise.all(offline.map(async (file) => {
    if (!(await cache.match(file.url))) await (await cacheVerified(cache, file)).arrayBuffer();
  }));
}

self.addEventListener("message", (event) => {
  if (event.data === OFFLINE_CODE_MESSAGE) event.waitUntil(cacheOfflineCode());
});

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith("satchel-shell-") && name !== SHELL_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

async function fromShell(request, url) {
  const key = request.mode === "navigate" ? "/" : url.pathname;
  // caches.match, not caches.open: an old worker still answering must not
  // recreate the cache its successor just deleted.
  return (await caches.match(key, { cacheName: SHELL_CACHE })) || fetch(request);
}

// Sooner than the page gives up on an answer (lib/api.js), so that on a network that carries
// nothing a kept copy still answers; the network's answer, if it comes, refreshes the copy.
const NETWORK_WAIT_MS = 4000;

async function networkFirst(request) {
  const cache = await caches.open(DATA_CACHE);
  const fromNetwork = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, response.clone());
    return response;
  });
  fromNetwork.catch(() => {}); // when the kept copy answered first
  const silence = new Promise((resolve) => { setTimeout(resolve, NETWORK_WAIT_MS, null); });
  try {
    const first = await Promise.race([fromNetwork, silence]);
    return first || (await cache.match(request)) || (await fromNetwork);
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

/** Whether `url` is a file of the content source the worker keeps. */
function keptContent(url) {
  const href = url.origin + url.pathname;
  return CONTENT_BASES.some((base) => href.startsWith(base)
    && KEPT_CONTENT.some((pattern) => pattern.test(href.slice(base.length))));
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET") return;
  if (keptContent(url)) {
    event.respondWith(networkFirst(request));
    return;
  }
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === "/") {
    event.respondWith(fromShell(request, url));
  } else if (SHELL_URLS.has(url.pathname) && url.pathname !== "/") {
    event.respondWith(fromShell(request, url));
  } else if (LATER.has(url.pathname)) {
    event.respondWith(onDemand(request, LATER.get(url.pathname)));
  }
});
