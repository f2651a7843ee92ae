// How text becomes tokens, for search: the twin of satchel/search/analysis.py (fold, token_spans),
// with the same ranges, so the device cuts every script as the server does. No browser segmenter
// (Intl.Segmenter) is used: its dictionaries change with the browser.

// The blocks whose nonspacing marks are letters of the word (vowel signs, viramas, tone marks,
// Thaana's vowels, the kana voicing marks): the fold keeps them and drops every other one.
const KEPT_MARKS = "\\u0780-\\u07bf\\u0900-\\u0fff\\u1000-\\u109f\\u1700-\\u1aaf\\u1b00-\\u1c7f"
  + "\\u1cd0-\\u1cff\\u3099-\\u309a\\ua800-\\uaaff\\uabc0-\\uabff\\u{11000}-\\u{11fff}";
// Han, kana, Hangul, Thai, Lao, Myanmar, Khmer: runs are cut into overlapping pairs of clusters.
const PAIRED = "\\u0e00-\\u0eff\\u1000-\\u109f\\u1100-\\u11ff\\u1780-\\u17ff\\u19e0-\\u19ff"
  + "\\u2e80-\\u2fdf\\u3005\\u3007\\u3021-\\u3029\\u3038-\\u303b\\u3040-\\u30ff\\u3130-\\u318f"
  + "\\u31f0-\\u31ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\ua960-\\ua97f\\ua9e0-\\ua9ff\\uaa60-\\uaa7f"
  + "\\uac00-\\ud7ff\\uf900-\\ufaff\\uff66-\\uff9f\\u{20000}-\\u{3ffff}";
// eslint-disable-next-line no-misleading-character-class -- a class of marks, on purpose
const DROPPED_MARK = new RegExp(`(?![${KEPT_MARKS}])\\p{Mn}`, "gu");
export const WORD = "[\\p{L}\\p{N}\\p{M}_]";
export const TOKEN = new RegExp(`${WORD}+(?:\\.${WORD}+)*`, "gu");
const PIECE = new RegExp(`[${PAIRED}]+|[^${PAIRED}]+`, "gu");
const IS_PAIRED = new RegExp(`^[${PAIRED}]`, "u");
const HAS_PAIRED = new RegExp(`[${PAIRED}]`, "u");
// A character with its marks; a stacking virama (Myanmar, Khmer, Tai Tham) takes the next letter.
const CLUSTER = "\\P{M}(?:[\\u1039\\u17d2\\u1a60]\\P{M}|\\p{M})*|\\p{M}+";
const CLUSTERS = new RegExp(CLUSTER, "gu");
const ONE_CLUSTER = new RegExp(`^(?:${CLUSTER})$`, "u");

export const fold = (text) => (/^\p{ASCII}*$/u.test(text) ? text.toLowerCase()
  : text.toLowerCase().normalize("NFKD").replace(DROPPED_MARK, "").normalize("NFC"));

/** Whether `token` is of a script cut into pairs (a pair or a lone character). */
export const paired = (token) => IS_PAIRED.test(token);
export const oneCluster = (token) => ONE_CLUSTER.test(token);

/**
 * Where each token of `text` is, as [start, end]: a run of word characters (dotted ones joined),
 * or in a run of a paired script each two neighbouring clusters (a run of one cluster is one).
 */
export function* tokenSpans(text) {
  // Text without a paired script (most) is its runs: cutting them into pieces costs 8 times more.
  const runsOnly = !HAS_PAIRED.test(text);
  for (const run of text.matchAll(TOKEN)) {
    if (runsOnly) {
      yield [run.index, run.index + run[0].length];
      continue;
    }
    for (const piece of run[0].matchAll(PIECE)) {
      const start = run.index + piece.index;
      const chunk = piece[0];
      if (!paired(chunk)) {
        // A dot between two scripts joins nothing.
        const word = chunk.replace(/^\.+|\.+$/g, "");
        const offset = start + chunk.indexOf(word);
        if (word) yield [offset, offset + word.length];
        continue;
      }
      const clusters = [...chunk.matchAll(CLUSTERS)]
        .map((c) => [start + c.index, start + c.index + c[0].length]);
      if (clusters.length === 1) yield clusters[0];
      for (let i = 1; i < clusters.length; i++) yield [clusters[i - 1][0], clusters[i][1]];
    }
  }
}

export const tokens = (folded) => (HAS_PAIRED.test(folded)
  ? Array.from(tokenSpans(folded), ([a, b]) => folded.slice(a, b)) : folded.match(TOKEN) || []);
