// Portuguese: a port of Whoosh's lang/snowball/portugese.py, quirks included, so the device
// gives exactly the server's stems. Like Whoosh, "ã" and "õ" are "a~" and "o~" while stemming.
import { endsWithOne, firstEnding, r1r2, rv as rvOf } from "./regions.js";

const VOWELS = "aeiouáéíóúâêô";
const STEP1 = ("amentos imentos uciones amento imento adoras adores aço~es logías ências amente "
  + "idades ismos istas adora aça~o antes ância logía ución ência mente idade ezas icos icas ismo "
  + "ável ível ista osos osas ador ante ivas ivos iras eza ico ica oso osa iva ivo ira").split(" ");
const STEP2 = ("aríamos eríamos iríamos ássemos êssemos íssemos aríeis eríeis iríeis ásseis ésseis "
  + "ísseis áramos éramos íramos ávamos aremos eremos iremos ariam eriam iriam assem essem issem "
  + "ara~o era~o ira~o arias erias irias ardes erdes irdes asses esses isses astes estes istes "
  + "áreis areis éreis ereis íreis ireis áveis íamos armos ermos irmos aria eria iria asse esse "
  + "isse aste este iste arei erei irei aram eram iram avam arem erem irem ando endo indo adas "
  + "idas arás aras erás eras irás avas ares eres ires íeis ados idos ámos amos emos imos iras ada "
  + "ida ará ara erá era irá ava iam ado ido ias ais eis ira ia ei am em ar er ir as es is eu iu "
  + "ou").split(" ");
const STEP4 = "os a i o á í ó".split(" ");

export function stem(input) {
  let word = input.toLowerCase().replace(/ã/g, "a~").replace(/õ/g, "o~");
  let [r1, r2] = r1r2(word, VOWELS);
  let rv = rvOf(word, VOWELS);
  const cut = (n, tail = "") => {
    word = word.slice(0, -n) + tail;
    rv = rv.slice(0, -n) + tail;
  };
  const cutR2 = (n) => { cut(n); r2 = r2.slice(0, -n); };

  let stepOne = true;
  const suffix1 = firstEnding(word, STEP1);
  if (suffix1 === "amente" && r1.endsWith(suffix1)) {
    cutR2(6);
    if (r2.endsWith("iv")) {
      cutR2(2);
      if (r2.endsWith("at")) cut(2);
    } else if (endsWithOne(r2, ["os", "ic", "ad"])) cut(2);
  } else if ((suffix1 === "ira" || suffix1 === "iras") && rv.endsWith(suffix1)
    && word.slice(-suffix1.length - 1, -suffix1.length) === "e") {
    cut(suffix1.length, "ir");
  } else if (suffix1 && r2.endsWith(suffix1)) {
    if (suffix1.startsWith("logía")) cut(2);
    else if (/^uci(ón|ones)$/.test(suffix1)) cut(suffix1.length, "u");
    else if (suffix1.startsWith("ência")) cut(suffix1.length, "ente");
    else if (suffix1 === "mente") {
      cutR2(5);
      if (endsWithOne(r2, ["ante", "avel", "ível"])) cut(4);
    } else if (suffix1.startsWith("idade")) {
      cutR2(suffix1.length);
      if (endsWithOne(r2, ["ic", "iv"])) cut(2);
      else if (r2.endsWith("abil")) cut(4);
    } else if (/^iv[ao]s?$/.test(suffix1)) {
      cutR2(suffix1.length);
      if (r2.endsWith("at")) cut(2);
    } else cut(suffix1.length);
  } else stepOne = false;

  const suffix2 = stepOne ? null : firstEnding(rv, STEP2);
  if (suffix2) cut(suffix2.length);
  if ((stepOne || suffix2) && rv.endsWith("i") && word[word.length - 2] === "c") cut(1);
  if (!stepOne && !suffix2) {
    const suffix4 = firstEnding(rv, STEP4);
    if (suffix4) cut(suffix4.length);
  }

  if (endsWithOne(rv, ["e", "é", "ê"])) {
    cut(1);
    if ((word.endsWith("gu") && rv.endsWith("u")) || (word.endsWith("ci") && rv.endsWith("i"))) {
      word = word.slice(0, -1);
    }
  } else if (word.endsWith("ç")) word = word.slice(0, -1) + "c";
  return word.replace(/a~/g, "ã").replace(/o~/g, "õ");
}
