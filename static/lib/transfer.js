// A bundle as one `.satchel` file (formats: satchel/commands/bundle_file.py): written from the
// device's copy (format 1, gzip: a device has no brotli encoder) in the envelope of the TUF
// metadata the device verified, or read in any format, verified (signature, the metadata the
// file carries (freshness.js), every object's hash) and installed like a download. Format 2 (what
// `satchel export` writes) carries the brotli bytes the network sends; Chromium's
// DecompressionStream has no brotli, so it is decoded by the vendored decoder
// (static/vendor/README.md), loaded only for such a file.
// "Open a bundle file" also recognises a summary page (lib/summary-page.js) and checks it against
// the publisher's signed manifest of its version.

import * as db from "./db.js";
import { finalize, verifiedWriter } from "./download.js";
import { AppError } from "./errors.js";
import { carriedMetadata, checkFileManifest, verifiedTargets } from "./freshness.js";
import { canonicalBytes, objectsOf, sha256Hex } from "./manifest.js";
import { catalogOf } from "./i18n.js";
import { runJob, runningJob } from "./progress.js";
import { fetchManifest, readObject } from "./read.js";
import { pageHtml, pageOrigin } from "./summary-page.js";
import { verifyManifest } from "./trust.js";
import { checkTarget } from "./tuf.js";

const MAGIC = "SATCHEL1";
const EXPORT_MAGIC = "SATCHEL2";
const ENVELOPE_MAGIC = "SATCHEL3";
const DECODER = "../vendor/brotli-decode.js";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const IMPORT_JOB = "import";
// A summary page is tens of kilobytes: a larger HTML file is not one, and is not read whole.
const PAGE_MAX_BYTES = 1 << 20;

const names = (manifest) => new Set(objectsOf(manifest).map((entry) => entry.object));

function record(bytes) {
  const framed = new Uint8Array(bytes.length + 4);
  new DataView(framed.buffer).setUint32(0, bytes.length);
  framed.set(bytes, 4);
  return framed;
}

/** The `.satchel` file of a downloaded bundle, to pass on. */
export async function bundleFile(install) {
  const queue = [...names(install.manifest)];
  const records = new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(MAGIC));
      controller.enqueue(record(canonicalBytes(install.manifest)));
    },
    async pull(controller) { // one object at a time, as the compressor asks
      if (!queue.length) {
        controller.enqueue(record([]));
        return controller.close();
      }
      controller.enqueue(record(await db.getObjectBytes(queue.shift())));
    },
  });
  const name = `${install.bundle}-${install.locale}-v${install.version}.satchel`;
  const gzipped = new Response(records.pipeThrough(new CompressionStream("gzip")));
  const carried = await carriedMetadata();
  const envelope = carried
    ? [encoder.encode(ENVELOPE_MAGIC), record(encoder.encode(JSON.stringify(carried)))] : [];
  return new File([...envelope, await gzipped.blob()], name);
}

/** `read(n)`: the next n bytes of `stream`. One that ends or fails early was cut off. */
function reader(stream) {
  const source = stream.getReader();
  let chunk = new Uint8Array(0);
  const more = async () => {
    const { done, value } = await source.read().catch((error) => {
      // A truncated or damaged gzip or brotli stream, unless the reading said what was wrong.
      throw error instanceof AppError ? error : new AppError("cut_off");
    });
    if (!done) chunk = value;
    return !done;
  };
  const read = async (length) => {
    const bytes = new Uint8Array(length);
    for (let filled = 0; filled < length;) {
      if (!chunk.length && !(await more())) throw new AppError("cut_off");
      const part = chunk.subarray(0, length - filled);
      bytes.set(part, filled);
      filled += part.length;
      chunk = chunk.subarray(part.length);
    }
    return bytes;
  };
  read.header = async () => new DataView((await read(4)).buffer).getUint32(0);
  read.atEnd = async () => {
    while (!chunk.length) if (!(await more())) return true;
    return false;
  };
  read.cancel = () => source.cancel().catch(() => {});
  return read;
}

/** Store the object records up to the end record, each only if the manifest names it. */
async function storeObjects(read, manifest) {
  const wanted = names(manifest);
  const largest = objectsOf(manifest).reduce((most, entry) => Math.max(most, entry.bytes), 0);
  const objects = verifiedWriter((name) => {
    if (!wanted.delete(name)) throw new AppError("changed_object");
  });
  for (let length; (length = await read.header());) {
    // Longer than any object named: not one of them, and not read into memory.
    if (length > largest) throw new AppError("changed_object");
    await objects.add(await read(length));
  }
  await objects.end();
  if (!(await read.atEnd())) throw new AppError("cut_off"); // bytes after the end record
  if (wanted.size) throw new AppError("missing_object");
}

async function install(read, carried) {
  if (decoder.decode(await read(MAGIC.length)) !== MAGIC) throw new AppError("not_satchel");
  const bytes = await read(await read.header());
  let manifest;
  try {
    manifest = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new AppError("bad_signature"); // changed so much that it is not even JSON
  }
  const keyId = await verifyManifest(manifest, bytes);
  const key = db.installKey(manifest.bundle, manifest.locale);
  await runningJob(key)?.promise.catch(() => {}); // a download of the same bundle finishes first
  const installed = await db.getInstall(key);
  if (installed?.version >= manifest.version) {
    throw new AppError("not_newer",
      { version: manifest.version, installed: installed.version });
  }
  const metadata = await checkFileManifest(carried, manifest, bytes, manifest.version);
  const previous = await db.getStaging(key);
  const staging = {
    key, bundle: manifest.bundle, locale: manifest.locale, manifest, manifestBytes: bytes, keyId,
    etag: `"${await sha256Hex(bytes)}"`, startedAt: new Date().toISOString(),
  };
  await db.putStaging(staging); // first, so that garbage collection keeps the objects
  let installedNow;
  try {
    await storeObjects(read, manifest);
    installedNow = await finalize(staging);
  } catch (error) {
    // Nothing lost: a download staged before keeps its place and its objects.
    await (previous ? db.putStaging(previous) : db.deleteStaging(key));
    await db.collectGarbage();
    throw error;
  }
  await metadata.keep();
  return installedNow;
}

async function sliceOf(file, start, length) {
  if (start + length > file.size) throw new AppError("cut_off");
  return new Uint8Array(await file.slice(start, start + length).arrayBuffer());
}

/**
 * The brotli stream `bytes` decoded, refused once longer than `limit(the bytes so far)`. A damaged
 * stream was cut off; a longer one is not the publisher's (nor a bomb that fills the memory).
 */
function unbrotli(brotli, bytes, limit) {
  let at = 0;
  const input = {
    read(buffer, offset, count) {
      const part = bytes.subarray(at, at + count);
      buffer.set(part, offset);
      at += part.length;
      return part.length;
    },
  };
  const output = { // the decoder grows `buffer` for each meta-block, then writes it
    buffer: new Uint8Array(0),
    pos: 0,
    write(buffer, count) {
      if (this.pos + count > limit(this.buffer.subarray(0, this.pos))) {
        throw new AppError("changed_object");
      }
      this.buffer.set(buffer.subarray(0, count), this.pos);
      this.pos += count;
      return count;
    },
  };
  try {
    brotli.BrotliDecompress(input, output);
  } catch (error) {
    throw error instanceof AppError ? error : new AppError("cut_off");
  }
  return output.buffer.subarray(0, output.pos);
}

/** The manifest a pack's first line holds, or null when it is not one. */
function firstManifest(bytes) {
  const end = bytes.indexOf(10);
  try {
    return JSON.parse(decoder.decode(end < 0 ? bytes : bytes.subarray(0, end)));
  } catch {
    return null;
  }
}

/** How long a pack can be once its first line, the manifest, is whole: that line, then a line
 * for each article and about page it names. */
function packLimit() {
  let limit = Infinity;
  return (bytes) => {
    if (limit === Infinity && bytes.includes(10)) {
      const manifest = firstManifest(bytes) || {};
      const named = [...(manifest.articles || []), ...(manifest.about || [])];
      limit = named.reduce((sum, entry) => sum + (entry.bytes || 0) + 1, bytes.indexOf(10) + 1);
    }
    return limit;
  };
}

/** The lines of a decoded pack, each ending with a newline. */
function* lines(pack) {
  let start = 0;
  for (let end; (end = pack.indexOf(10, start)) >= 0; start = end + 1) {
    yield pack.subarray(start, end);
  }
  if (start !== pack.length) throw new AppError("cut_off");
}

/**
 * A format 2 file as the records of format 1: the manifest, then every object, framed, so that
 * `install` checks both alike. Bytes after the end record are passed on for it to refuse.
 */
async function* exportedRecords(file, brotli, progress) {
  let at = EXPORT_MAGIC.length;
  const next = async () => {
    const length = new DataView((await sliceOf(file, at, 4)).buffer).getUint32(0);
    const bytes = await sliceOf(file, at + 4, length);
    at += 4 + length;
    progress(at, file.size);
    return bytes;
  };
  yield encoder.encode(MAGIC);
  const pack = await next();
  const packed = pack.length ? [...lines(unbrotli(brotli, pack, packLimit()))] : [];
  for (const line of packed) yield record(line);
  const segments = firstManifest(packed[0] || new Uint8Array(0))?.search?.segments || [];
  const largest = segments.reduce((most, entry) => Math.max(most, entry.bytes), 0);
  for (let segment; (segment = await next()).length;) {
    yield record(unbrotli(brotli, segment, () => largest));
  }
  yield record([]);
  if (at < file.size) yield new Uint8Array(1);
}

/** The chunks of an async iterator as a stream (Chromium has no ReadableStream.from). */
const streamOf = (iterator) => new ReadableStream({
  async pull(controller) {
    const { done, value } = await iterator.next();
    if (done) controller.close();
    else controller.enqueue(value);
  },
  cancel: () => iterator.return(),
});

/** The records of a format 1 file: a gzip stream. */
function deviceRecords(file, progress) {
  let done = 0;
  const counted = new TransformStream({
    transform(chunk, controller) {
      progress((done += chunk.length), file.size);
      controller.enqueue(chunk);
    },
  });
  return file.stream().pipeThrough(counted).pipeThrough(new DecompressionStream("gzip"));
}

/**
 * The TUF metadata the envelope of `file` carries (null in a file from before files carried
 * it), and the file inside.
 */
async function opened(file) {
  const head = decoder.decode(await sliceOf(file, 0, Math.min(file.size, ENVELOPE_MAGIC.length)));
  if (head !== ENVELOPE_MAGIC) return { carried: null, inner: file };
  const length = new DataView((await sliceOf(file, head.length, 4)).buffer).getUint32(0);
  const bytes = await sliceOf(file, head.length + 4, length);
  let carried;
  try {
    carried = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new AppError("bad_metadata", { message: "not JSON" });
  }
  if (carried?.constructor !== Object) throw new AppError("bad_metadata", { message: "no names" });
  return { carried, inner: file.slice(head.length + 4 + length) };
}

/** "Open a bundle file": resolves like a download ({install, withdrawn}). */
export function installBundleFile(bundle) {
  return runJob(IMPORT_JOB, async (progress) => {
    const { carried, inner: file } = await opened(bundle);
    const head = new Uint8Array(await file.slice(0, EXPORT_MAGIC.length).arrayBuffer());
    let records;
    if (head[0] === 0x1f && head[1] === 0x8b) {
      records = deviceRecords(file, progress); // gzip: format 1
    } else if (decoder.decode(head) === EXPORT_MAGIC) {
      const brotli = await import(DECODER); // the service worker keeps it for offline use
      records = streamOf(exportedRecords(file, brotli, progress));
    } else {
      throw new AppError("not_satchel");
    }
    const read = reader(records);
    try {
      return await install(read, carried);
    } finally {
      read.cancel();
    }
  });
}

/** What a reader is told when what checks a page could not be fetched. */
function pageFetchFailed(error) {
  if (error instanceof TypeError) throw new AppError("page_needs_connection");
  throw error.status === 404 ? new AppError("page_unknown") : error;
}

/** The signed manifest of `origin`'s version: the device's when it holds that version, else the
 * repository's, verified: signed by the publisher and listed with its bytes by fresh TUF targets
 * (an older version is listed while the repository keeps it). */
async function manifestOf(origin) {
  const install = await db.getInstall(db.installKey(origin.bundle, origin.locale));
  if (install && install.version === origin.version) return { manifest: install.manifest, install };
  if (!navigator.onLine) throw new AppError("page_needs_connection");
  const { bytes, manifest } = await fetchManifest(
    encodeURIComponent(origin.bundle), encodeURIComponent(origin.locale), origin.version,
  ).catch(pageFetchFailed);
  const stored = new Uint8Array(bytes);
  await verifyManifest(manifest, stored);
  const path = `bundles/${origin.bundle}/${origin.locale}/${origin.version}.json`;
  await checkTarget(await verifiedTargets().catch(pageFetchFailed), path, stored);
  return { manifest, install };
}

const sameBytes = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/**
 * Is `bytes` the page the publisher's signed content makes? Its manifest entry must name the
 * object the page names, and the page written again from that object (labels from the catalog,
 * or English ones) must be the same bytes: any changed letter is refused ("page_changed").
 * Resolves {manifest, entry, install}.
 */
async function checkPage(bytes, origin) {
  const { manifest, install } = await manifestOf(origin);
  const entry = manifest.articles.find((item) => item.id === origin.article);
  if (!entry || entry.object !== origin.object) throw new AppError("page_changed");
  const article = await readObject(entry.object);
  for (const catalog of [await catalogOf(origin.locale), null]) {
    const written = pageHtml(manifest, article, entry.object, catalog, origin.made,
      origin.library);
    if (sameBytes(written, bytes)) return { manifest, entry, install };
  }
  throw new AppError("page_changed");
}

/**
 * "Open a bundle file" with a file that may be a summary page: {page: {manifest, entry, install}}
 * when it is one and checks out; null when it is not a page (then it may be a bundle file).
 */
export async function openedPage(file) {
  const head = decoder.decode(await file.slice(0, 16).arrayBuffer());
  if (!head.startsWith("<!DOCTYPE html>")) return null;
  if (file.size > PAGE_MAX_BYTES) throw new AppError("not_satchel");
  const bytes = new Uint8Array(await file.arrayBuffer());
  const origin = pageOrigin(decoder.decode(bytes));
  if (!origin) throw new AppError("not_satchel");
  return { page: await checkPage(bytes, origin) };
}
