// Russian: a port of Whoosh's lang/snowball/russian.py, quirks included, so the device gives
// exactly the server's stems. Like Whoosh, a word with any letter beyond Latin-1 is stemmed in
// Whoosh's transliteration (я is "i^a", й "i`", ь "'") and written back in Cyrillic, every Latin
// letter it holds included; a word without one is stemmed as it is. Tables in Whoosh's order:
// the first suffix that fits is the one removed. Loaded on demand (satchel.web.shell
// LANGUAGE_MODULE), like the Han table: only a device holding a Russian index needs it.

const PERFECTIVE_GERUND = (
  "ivshis' yvshis' vshis' ivshi yvshi vshi iv yv v"
).split(" ");
// Whoosh's own table, its typo "ui^ushchaia" included.
const ADJECTIVAL = (
  "ui^ushchi^ui^u ui^ushchi^ai^a ui^ushchimi ui^ushchymi ui^ushchego ui^ushchogo ui^ushchemu "
  + "ui^ushchomu ui^ushchikh ui^ushchykh ui^ushchui^u ui^ushchaia ui^ushchoi^u ui^ushchei^u "
  + "i^ushchi^ui^u i^ushchi^ai^a ui^ushchee ui^ushchie ui^ushchye ui^ushchoe ui^ushchei` "
  + "ui^ushchii` ui^ushchyi` ui^ushchoi` ui^ushchem ui^ushchim ui^ushchym ui^ushchom i^ushchimi "
  + "i^ushchymi i^ushchego i^ushchogo i^ushchemu i^ushchomu i^ushchikh i^ushchykh i^ushchui^u "
  + "i^ushchai^a i^ushchoi^u i^ushchei^u i^ushchee i^ushchie i^ushchye i^ushchoe i^ushchei` "
  + "i^ushchii` i^ushchyi` i^ushchoi` i^ushchem i^ushchim i^ushchym i^ushchom shchi^ui^u "
  + "shchi^ai^a ivshi^ui^u ivshi^ai^a yvshi^ui^u yvshi^ai^a shchimi shchymi shchego shchogo "
  + "shchemu shchomu shchikh shchykh shchui^u shchai^a shchoi^u shchei^u ivshimi ivshymi "
  + "ivshego ivshogo ivshemu ivshomu ivshikh ivshykh ivshui^u ivshai^a ivshoi^u ivshei^u "
  + "yvshimi yvshymi yvshego yvshogo yvshemu yvshomu yvshikh yvshykh yvshui^u yvshai^a yvshoi^u "
  + "yvshei^u vshi^ui^u vshi^ai^a shchee shchie shchye shchoe shchei` shchii` shchyi` shchoi` "
  + "shchem shchim shchym shchom ivshee ivshie ivshye ivshoe ivshei` ivshii` ivshyi` ivshoi` "
  + "ivshem ivshim ivshym ivshom yvshee yvshie yvshye yvshoe yvshei` yvshii` yvshyi` yvshoi` "
  + "yvshem yvshim yvshym yvshom vshimi vshymi vshego vshogo vshemu vshomu vshikh vshykh "
  + "vshui^u vshai^a vshoi^u vshei^u emi^ui^u emi^ai^a nni^ui^u nni^ai^a vshee vshie vshye "
  + "vshoe vshei` vshii` vshyi` vshoi` vshem vshim vshym vshom emimi emymi emego emogo ememu "
  + "emomu emikh emykh emui^u emai^a emoi^u emei^u nnimi nnymi nnego nnogo nnemu nnomu nnikh "
  + "nnykh nnui^u nnai^a nnoi^u nnei^u emee emie emye emoe emei` emii` emyi` emoi` emem emim "
  + "emym emom nnee nnie nnye nnoe nnei` nnii` nnyi` nnoi` nnem nnim nnym nnom i^ui^u i^ai^a "
  + "imi ymi ego ogo emu omu ikh ykh ui^u ai^a oi^u ei^u ee ie ye oe ei` ii` yi` oi` em im ym "
  + "om"
).split(" ");
const VERB = (
  "esh' ei`te ui`te ui^ut ish' ete i`te i^ut nno ila yla ena ite ili yli ilo ylo eno i^at uet "
  + "eny it' yt' ui^u la na li em lo no et ny t' ei` ui` il yl im ym en it yt i^u i` l n"
).split(" ");
const NOUN = (
  "ii^ami ii^akh i^ami ii^am i^akh ami iei` i^am iem akh ii^u 'i^u ii^a 'i^a ev ov ie 'e ei "
  + "ii ei` oi` ii` em am om i^u i^a a e i i` o u y '"
).split(" ");
// Removed only after "a" or "i^a" (Snowball's group 1): a group 1 participle with an
// adjective ending, the verb endings listed.
const ADJECTIVE = ADJECTIVAL.slice(ADJECTIVAL.indexOf("i^ui^u"));
const PARTICIPLE_1 = ["i^ushch", "shch", "vsh", "em", "nn"];
const VERB_1 = new Set("la na ete i`te li i` l em n lo no et i^ut ny t' esh' nno".split(" "));
const GERUND_1 = new Set(["v", "vshi", "vshis'"]);
const afterA = (suffix) => PARTICIPLE_1.some((p) => suffix.startsWith(p)
  && ADJECTIVE.includes(suffix.slice(p.length)));
const VOWELS = new Set(["A", "U", "E", "a", "e", "i", "o", "u", "y"]);
const ROMAN = {
  а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "e", ж: "zh", з: "z", и: "i", й: "i`",
  к: "k", л: "l", м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f",
  х: "kh", ц: "t^s", ч: "ch", ш: "sh", щ: "shch", ъ: "''", ы: "y", ь: "'", э: "e`", ю: "i^u",
  я: "i^a",
};
// Written back in this order, as Whoosh does (its second "e" changes nothing).
const CYRILLIC = [
  ["i^u", "ю"], ["i^a", "я"], ["shch", "щ"], ["kh", "х"], ["t^s", "ц"], ["ch", "ч"], ["e`", "э"],
  ["i`", "й"], ["sh", "ш"], ["k", "к"], ["e", "е"], ["zh", "ж"], ["a", "а"], ["b", "б"],
  ["v", "в"], ["g", "г"], ["d", "д"], ["z", "з"], ["i", "и"], ["l", "л"], ["m", "м"], ["n", "н"],
  ["o", "о"], ["p", "п"], ["r", "р"], ["s", "с"], ["t", "т"], ["u", "у"], ["f", "ф"],
  ["''", "ъ"], ["y", "ы"], ["'", "ь"],
];

const toRoman = (word) => [...word].map((c) => ROMAN[c.toLowerCase()] ?? c).join("");
const toCyrillic = (word) => CYRILLIC.reduce((text, [from, to]) => text.replaceAll(from, to),
  word);

/** What follows the first non-vowel that follows a vowel in `text` ("" if none). */
function after(text) {
  for (let i = 1; i < text.length; i++) {
    if (!VOWELS.has(text[i]) && VOWELS.has(text[i - 1])) return text.slice(i + 1);
  }
  return "";
}

/** Whoosh's RV and R2, found with each two- and three-letter vowel as one letter. */
function regions(word) {
  const marked = word.replaceAll("i^a", "A").replaceAll("i^u", "U").replaceAll("e`", "E");
  const unmark = (text) => text.replaceAll("A", "i^a").replaceAll("U", "i^u").replaceAll("E", "e`");
  const first = marked.search(/[AUEaeiouy]/);
  return [unmark(first < 0 ? "" : marked.slice(first + 1)), unmark(after(after(marked)))];
}

export function stem(input) {
  const cyrillic = [...input].some((c) => c.codePointAt(0) > 255);
  let word = cyrillic ? toRoman(input) : input;
  let [rv, r2] = regions(word);
  const cut = (n) => {
    word = word.slice(0, -n);
    r2 = r2.slice(0, -n);
    rv = rv.slice(0, -n);
  };
  // Whether `suffix`, which RV ends with, follows "a" or "i^a" there.
  const followsA = (suffix) => rv.slice(-suffix.length - 3, -suffix.length) === "i^a"
    || rv.slice(-suffix.length - 1, -suffix.length) === "a";
  // Remove the first of `suffixes` RV ends with, that may go (`needsA`: only after "a").
  const removeFirst = (suffixes, needsA = () => false) => {
    const found = suffixes.find((s) => rv.endsWith(s) && (!needsA(s) || followsA(s)));
    if (found !== undefined) cut(found.length);
    return found !== undefined;
  };

  if (!removeFirst(PERFECTIVE_GERUND, (s) => GERUND_1.has(s))) {
    removeFirst(["si^a", "s'"]);
    if (!removeFirst(ADJECTIVAL, afterA) && !removeFirst(VERB, (s) => VERB_1.has(s))) {
      removeFirst(NOUN);
    }
  }
  if (rv.endsWith("i")) {
    word = word.slice(0, -1);
    r2 = r2.slice(0, -1);
  }
  const derivational = ["ost'", "ost"].find((s) => r2.endsWith(s));
  if (derivational) word = word.slice(0, -derivational.length);

  if (word.endsWith("nn")) word = word.slice(0, -1);
  else {
    const superlative = ["ei`she", "ei`sh"].find((s) => word.endsWith(s));
    if (superlative) word = word.slice(0, -superlative.length);
    if (word.endsWith("nn")) word = word.slice(0, -1);
    else if (!superlative && word.endsWith("'")) word = word.slice(0, -1);
  }
  return cyrillic ? toCyrillic(word) : word;
}
