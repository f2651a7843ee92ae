// Arabic: a port of Whoosh's lang/isri.py (the ISRI root stemmer), quirks included, so the
// device gives exactly the server's stems. Comments name the patterns in Arabic, as Whoosh does.

const P3 = ["كال", "بال", "ولل", "وال"];
const P2 = ["ال", "لل"];
const P1 = "لبفسويتنا";
const S3 = ["تمل", "همل", "تان", "تين", "كمل"];
const S2 = [
  "ون", "ات", "ان", "ين", "تن", "كم", "هن", "نا", "يا", "ها", "تم", "كن", "ني", "وا", "ما", "هم",
];
const S1 = "ةهيكتان";
const STOP_WORDS = new Set(("يكون وليس وكان كذلك التي وبين عليها مساء الذي وكانت ولكن والتي تكون "
  + "اليوم اللذين عليه كانت لذلك أمام هناك منها مازال لازال لايزال مايزال اصبح أصبح أمسى امسى أضحى "
  + "اضحى مابرح مافتئ ماانفك لاسيما ولايزال الحالي اليها الذين فانه والذي وهذا لهذا فكان ستكون "
  + "اليه يمكن بهذا الذى").split(" "));

export function stem(token) {
  let s = token.replace(/[\u064b-\u0652]/g, "");
  if (STOP_WORDS.has(s)) return s;

  // Whoosh tries the two-letter prefixes (and suffixes) inside its loop over the three-letter
  // ones: after the first three-letter one fails, before the others.
  if (s.length >= 6) {
    const prefix = [P3[0], ...P2, ...P3.slice(1)].find((p) => s.startsWith(p));
    if (prefix) s = s.slice(prefix.length);
  }
  if (s.length >= 6) {
    const suffix = [S3[0], ...S2, ...S3.slice(1)].find((p) => s.endsWith(p));
    if (suffix) s = s.slice(0, -suffix.length);
  }
  if (s.length >= 4 && s.startsWith("وو")) s = s.slice(1);
  s = s.replace(/^[آأإ]/, "ا");

  const suf1 = () => { if (S1.includes(s[s.length - 1])) s = s.slice(0, -1); };
  const pre1 = () => { if (P1.includes(s[0])) s = s.slice(1); };
  const short = (length) => { suf1(); if (s.length === length) pre1(); };
  const w4 = () => {
    if (s[0] === "م") s = s.slice(1); // مفعل
    else if (s[1] === "ا") s = s[0] + s.slice(2); // فاعل
    else if ("اوي".includes(s[2])) s = s.slice(0, 2) + s[3]; // فعال فعول فعيل
    else if (s[3] === "ة") s = s.slice(0, -1); // فعلة
    else short(4);
  };
  const w53 = () => {
    const [a, b, c, d, e] = s;
    if ("ات".includes(c) && a === "ا") s = b + s.slice(3); // افتعل افاعل
    else if ("ايو".includes(d) && a === "م") s = s.slice(1, 3) + e; // مفعول مفعال مفعيل
    else if ("اتم".includes(a) && e === "ة") s = s.slice(1, 4); // مفعلة تفعلة افعلة
    else if ("ميت".includes(a) && c === "ت") s = b + s.slice(3); // مفتعل يفتعل تفتعل
    else if ("مت".includes(a) && c === "ا") s = b + s.slice(3); // مفاعل تفاعل
    else if ("او".includes(c) && e === "ة") s = s.slice(0, 2) + d; // فعولة فعالة
    else if ("ام".includes(a) && b === "ن") s = s.slice(2); // انفعل منفعل
    else if (d === "ا" && a === "ا") s = s.slice(1, 3) + e; // افعال
    else if (e === "ن" && d === "ا") s = s.slice(0, 3); // فعلان
    else if (d === "ي" && a === "ت") s = s.slice(1, 3) + e; // تفعيل
    else if (d === "و" && b === "ا") s = a + c + e; // فاعول
    else if (c === "ا" && b === "و") s = a + s.slice(3); // فواعل
    else if (d === "ئ" && c === "ا") s = s.slice(0, 2) + e; // فعائل
    else if (e === "ة" && b === "ا") s = a + s.slice(2, 4); // فاعلة
    else if (e === "ي" && c === "ا") s = s.slice(0, 2) + d; // فعالي
    else short(5);
  };
  const end5 = () => {
    if (s.length === 4) w4();
    else if (s.length === 5) {
      if ("اتم".includes(s[0])) s = s.slice(1); // تفعلل افعلل مفعلل
      else if (s[4] === "ة") s = s.slice(0, 4); // فعللة
      else if (s[2] === "ا") s = s.slice(0, 2) + s.slice(3); // فعالل
    }
  };
  const w6 = () => {
    const [a, b, c, d, e, f] = s;
    if (s.startsWith("است") || s.startsWith("مست")) s = s.slice(3); // استفعل مستفعل
    else if (a === "م" && d === "ا" && f === "ة") s = s.slice(1, 3) + e; // مفعالة
    else if (a === "ا" && c === "ت" && e === "ا") s = b + d + f; // افتعال
    else if (a === "ا" && d === "و" && c === e) s = b + s.slice(4); // افعوعل
    else if (a === "ت" && c === "ا" && e === "ي") s = b + d + f; // تفاعيل
    else short(6);
    if (s.length === 5) {
      w53();
      end5();
    } else if (s.length === 6) {
      // Whoosh tests (s[0] and s[4]) == "ا": s[0] is never empty, so only s[4] counts.
      if (s[4] === "ا") s = s.slice(1, 4) + s[5]; // افعلال
      else if (s.startsWith("مت")) s = s.slice(2); // متفعلل
    }
  };

  if (s.length === 4) w4();
  else if (s.length === 5) {
    w53();
    end5();
  } else if (s.length === 6) w6();
  else if (s.length === 7) {
    suf1();
    if (s.length === 7) pre1();
    if (s.length === 6) w6();
  }
  return s;
}
