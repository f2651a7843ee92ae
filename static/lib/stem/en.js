// English: a port of Whoosh's lang/snowball/english.py (Snowball "porter2" as Whoosh has it),
// quirks included, so the device gives exactly the server's stems. r1 and r2 are kept as
// Whoosh keeps them, suffixes of the word trimmed and extended along with it.
import { after, firstEnding, r1r2 } from "./regions.js";

const VOWELS = "aeiouy";
const SPECIAL = new Map(Object.entries({
  skis: "ski", skies: "sky", dying: "die", lying: "lie", tying: "tie", idly: "idl", gently: "gentl",
  ugly: "ugli", early: "earli", only: "onli", singly: "singl", sky: "sky", news: "news",
  howe: "howe", atlas: "atlas", cosmos: "cosmos", bias: "bias", andes: "andes", inning: "inning",
  innings: "inning", outing: "outing", outings: "outing", canning: "canning", cannings: "canning",
  herring: "herring", herrings: "herring", earring: "earring", earrings: "earring",
  proceed: "proceed", proceeds: "proceed", proceeded: "proceed", proceeding: "proceed",
  exceed: "exceed", exceeds: "exceed", exceeded: "exceed", exceeding: "exceed", succeed: "succeed",
  succeeds: "succeed", succeeded: "succeed", succeeding: "succeed",
}));
// suffix → [characters replaced, replacement, r2 when r2 is shorter than the suffix]
const STEP2 = {
  ization: [7, "ize"], ational: [7, "ate", "e"], fulness: [4, ""], ousness: [7, "ous"],
  iveness: [7, "ive", "e"], tional: [2, ""], biliti: [6, "ble"], lessli: [2, ""], entli: [2, ""],
  ation: [5, "ate", "e"], alism: [5, "al"], aliti: [5, "al"], ousli: [5, "ous"],
  iviti: [5, "ive", "e"], fulli: [2, ""], enci: [1, "e"], anci: [1, "e"], abli: [1, "e"],
  izer: [4, "ize"], ator: [4, "ate", "e"], alli: [4, "al"], bli: [3, "ble"], ogi: [1, ""],
  li: [2, ""],
};
const STEP3 = {
  ational: [7, "ate"], tional: [2, ""], alize: [3, ""], icate: [5, "ic"], iciti: [5, "ic"],
  ative: [5, ""], ical: [4, "ic"], ness: [4, ""], ful: [3, ""],
};
const STEP4 =
  "ement ance ence able ible ment ant ent ism ate iti ous ive ize ion al er ic".split(" ");
const end = (text, k) => text[text.length - k];
const hasVowel = (text) => [...text].some((c) => VOWELS.includes(c));

export function stem(input) {
  let word = input.toLowerCase();
  if (SPECIAL.has(word)) return SPECIAL.get(word);
  word = word.replace(/[\u2019\u2018\u201b]/g, "'").replace(/^'/, "").replace(/^y/, "Y")
    .replace(/([aeiouy])y/g, "$1Y");
  const fixed = /^(gener|arsen|commun)/.exec(word);
  let [r1, r2] = fixed ? [word.slice(fixed[1].length)] : r1r2(word, VOWELS);
  if (fixed) r2 = after(r1, VOWELS);

  const replace = (n, tail, shortR2 = "") => {
    word = word.slice(0, -n) + tail;
    r1 = r1.length >= n ? r1.slice(0, -n) + tail : "";
    r2 = r2.length >= n ? r2.slice(0, -n) + tail : shortR2;
  };
  const suffix0 = firstEnding(word, ["'s'", "'s", "'"]);
  if (suffix0) replace(suffix0.length, "");

  const suffix1a = firstEnding(word, ["sses", "ied", "ies", "us", "ss", "s"]);
  if (suffix1a === "sses") replace(2, "");
  else if (suffix1a === "ied" || suffix1a === "ies") replace(word.length > 4 ? 2 : 1, "");
  else if (suffix1a === "s" && hasVowel(word.slice(0, -2))) replace(1, "");

  const suffix1b = firstEnding(word, ["eedly", "ingly", "edly", "eed", "ing", "ed"]);
  if (suffix1b === "eed" || suffix1b === "eedly") {
    if (r1.endsWith(suffix1b)) replace(suffix1b.length, "ee");
  } else if (suffix1b && hasVowel(word.slice(0, -suffix1b.length))) {
    replace(suffix1b.length, "");
    const short = (word.length >= 3 && !VOWELS.includes(end(word, 1))
      && !"wxY".includes(end(word, 1)) && VOWELS.includes(end(word, 2))
      && !VOWELS.includes(end(word, 3)))
      || (word.length === 2 && VOWELS.includes(word[0]) && !VOWELS.includes(word[1]));
    if (/(at|bl|iz)$/.test(word)) {
      word += "e";
      r1 += "e";
      if (word.length > 5 || r1.length >= 3) r2 += "e";
    } else if (/(bb|dd|ff|gg|mm|nn|pp|rr|tt)$/.test(word)) {
      replace(1, "");
    } else if (r1 === "" && short) {
      word += "e"; // r2 is part of r1, so it stays empty too
    }
  }
  if (word.length > 2 && "yY".includes(end(word, 1)) && !VOWELS.includes(end(word, 2))) {
    replace(1, "i");
  }

  const suffix2 = firstEnding(word, Object.keys(STEP2));
  if (suffix2 && r1.endsWith(suffix2) && (suffix2 !== "ogi" || end(word, 4) === "l")
    && (suffix2 !== "li" || "cdeghkmnrt".includes(end(word, 3)))) replace(...STEP2[suffix2]);

  const suffix3 = firstEnding(word, Object.keys(STEP3));
  if (suffix3 && r1.endsWith(suffix3) && (suffix3 !== "ative" || r2.endsWith(suffix3))) {
    const [n, tail] = STEP3[suffix3];
    replace(n, tail);
  }

  const suffix4 = firstEnding(word, STEP4);
  if (suffix4 && r2.endsWith(suffix4) && (suffix4 !== "ion" || "st".includes(end(word, 4)))) {
    replace(suffix4 === "ion" ? 3 : suffix4.length, "");
  }

  if ((r2.endsWith("l") && end(word, 2) === "l") || r2.endsWith("e")
    || (r1.endsWith("e") && word.length >= 4
      && (VOWELS.includes(end(word, 2)) || "wxY".includes(end(word, 2))
        || !VOWELS.includes(end(word, 3)) || VOWELS.includes(end(word, 4))))) {
    word = word.slice(0, -1);
  }
  return word.replace(/Y/g, "y");
}
