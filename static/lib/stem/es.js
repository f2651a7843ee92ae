// Spanish: a port of Whoosh's lang/snowball/spanish.py, quirks included (e.g. "logía" is
// replaced wherever it occurs in the word), so the device gives exactly the server's stems.
import { endsWithOne, firstEnding, r1r2, rv as rvOf } from "./regions.js";

const VOWELS = "aeiouáéíóúü";
const STEP0 = "selas selos sela selo las les los nos me se la le lo".split(" ");
const STEP1 = ("amientos imientos amiento imiento aciones uciones adoras adores ancias logías "
  + "encias amente idades anzas ismos ables ibles istas adora ación antes ancia logía ución encia "
  + "mente anza icos icas ismo able ible ista osos osas ador ante idad ivas ivos ico ica oso osa "
  + "iva ivo").split(" ");
const STEP2A = "yeron yendo yamos yais yan yen yas yes ya ye yo yó".split(" ");
const STEP2B = ("aríamos eríamos iríamos iéramos iésemos aríais aremos eríais eremos iríais iremos "
  + "ierais ieseis asteis isteis ábamos áramos ásemos arían arías aréis erían erías eréis irían "
  + "irías iréis ieran iesen ieron iendo ieras ieses abais arais aseis éamos arán arás aría erán "
  + "erás ería irán irás iría iera iese aste iste aban aran asen aron ando abas adas idas aras "
  + "ases íais ados idos amos imos emos ará aré erá eré irá iré aba ada ida ara ase ían ado ido "
  + "ías áis éis ía ad ed id an ió ar er ir as ís en es").split(" ");
const STEP3 = "os a e o á é í ó".split(" ");
const unaccent = (text, accented) => text.replace(accented, (c) => "aeiou"["áéíóú".indexOf(c)]);

export function stem(input) {
  let word = input.toLowerCase();
  let stepOne = false;
  let [r1, r2] = r1r2(word, VOWELS);
  let rv = rvOf(word, VOWELS);
  const cut = (n, all) => {
    word = word.slice(0, -n);
    rv = rv.slice(0, -n);
    if (all) [r1, r2] = [r1.slice(0, -n), r2.slice(0, -n)];
  };

  const suffix0 = firstEnding(word, STEP0);
  if (suffix0 && rv.endsWith(suffix0)) {
    const before = rv.slice(0, -suffix0.length);
    if (endsWithOne(before, ["iéndo", "ándo", "ár", "ér", "ír"])) {
      cut(suffix0.length, true);
      [word, r1, r2, rv] = [word, r1, r2, rv].map((text) => unaccent(text, /[áéí]/g));
    } else if (endsWithOne(before, ["ando", "iendo", "ar", "er", "ir"])
      || (before.endsWith("yendo") && word.slice(0, -suffix0.length).endsWith("uyendo"))) {
      cut(suffix0.length, true);
    }
  }

  const suffix1 = firstEnding(word, STEP1);
  const replaceAll = (by) => {
    [word, rv] = [word, rv].map((text) => text.split(suffix1).join(by));
  };
  const cutR2 = (n) => { cut(n); r2 = r2.slice(0, -n); };
  if (suffix1 === "amente" && r1.endsWith(suffix1)) {
    stepOne = true;
    cutR2(6);
    if (r2.endsWith("iv")) {
      cutR2(2);
      if (r2.endsWith("at")) cut(2);
    } else if (endsWithOne(r2, ["os", "ic", "ad"])) cut(2);
  } else if (suffix1 && r2.endsWith(suffix1)) {
    stepOne = true;
    if (/^(adora|ador|ación|adoras|adores|aciones|ante|antes|ancia|ancias)$/.test(suffix1)) {
      cutR2(suffix1.length);
      if (r2.endsWith("ic")) cut(2);
    } else if (suffix1.startsWith("logía")) replaceAll("log");
    else if (/^uci(ón|ones)$/.test(suffix1)) replaceAll("u");
    else if (suffix1.startsWith("encia")) replaceAll("ente");
    else if (suffix1 === "mente") {
      cutR2(5);
      if (endsWithOne(r2, ["ante", "able", "ible"])) cut(4);
    } else if (suffix1.startsWith("idad")) {
      cutR2(suffix1.length);
      for (const pre of ["abil", "ic", "iv"]) if (r2.endsWith(pre)) cut(pre.length);
    } else if (/^iv[ao]s?$/.test(suffix1)) {
      cutR2(suffix1.length);
      if (r2.endsWith("at")) cut(2);
    } else cut(suffix1.length);
  }

  if (!stepOne) {
    const suffix2a = STEP2A.find((s) => rv.endsWith(s)
      && word.slice(-s.length - 1, -s.length) === "u");
    if (suffix2a) cut(suffix2a.length);
    const suffix2b = firstEnding(rv, STEP2B);
    if (suffix2b) {
      cut(suffix2b.length);
      if (/^(en|es|éis|emos)$/.test(suffix2b)) {
        if (word.endsWith("gu")) word = word.slice(0, -1);
        if (rv.endsWith("gu")) rv = rv.slice(0, -1);
      }
    }
  }

  const suffix3 = firstEnding(rv, STEP3);
  if (suffix3) {
    cut(suffix3.length);
    if ((suffix3 === "e" || suffix3 === "é") && word.endsWith("gu") && rv.endsWith("u")) {
      word = word.slice(0, -1);
    }
  }
  return unaccent(word, /[áéíóú]/g);
}
