// What a reader chose to send back, kept on the device until the server has it: feedback on an
// article, and (only when the reader turned it on in Settings) searches that found nothing.
// Each report gets its id here, once: the server keeps a report whose id it has seen only once,
// so a batch whose answer was lost is simply sent again. A failed send keeps everything.

import { request } from "./api.js";
import * as db from "./db.js";

const ENDPOINTS = {
  feedback: ["/feedback", "reports"],
  search: ["/searches/unanswered", "searches"],
};
const BATCH = 50; // the server's largest batch

async function queue(kind, body) {
  const id = crypto.randomUUID();
  await db.putOutbox({ id, kind, body: { ...body, id }, queuedAt: new Date().toISOString() });
  if (navigator.onLine) sendOutbox().catch(() => {}); // else on reconnecting (background.js)
}

/**
 * Keep an answer about an article: `answer` "clear" or "unclear", or a problem: "wrong",
 * "hard", "language" (then `wantedLocale`, the reader's interface language) or "other", with
 * an optional `note`.
 */
export function queueFeedback({ bundle, locale, article, version, answer, note, wantedLocale }) {
  return queue("feedback", {
    bundle, locale, article, version, answer,
    ...(note ? { note: note.slice(0, 280) } : {}),
    ...(wantedLocale ? { wanted_locale: wantedLocale } : {}),
  });
}

/** Keep a search that found nothing: the locale, bundles searched and the engine's terms. */
export function queueSearch({ locale, bundles, terms }) {
  return queue("search", { locale, bundles, terms: terms.slice(0, 10) });
}

let sending = null;

/** Send everything kept, a batch per request; what the server took is forgotten. One at once. */
export function sendOutbox() {
  sending ??= (async () => {
    try {
      const records = await db.outbox();
      for (const [kind, [path, member]] of Object.entries(ENDPOINTS)) {
        const mine = records.filter((record) => record.kind === kind);
        for (let i = 0; i < mine.length; i += BATCH) {
          const batch = mine.slice(i, i + BATCH);
          await request(path, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ [member]: batch.map((record) => record.body) }),
          });
          await db.deleteOutbox(batch.map((record) => record.id));
        }
      }
    } finally {
      sending = null;
    }
  })();
  return sending;
}
