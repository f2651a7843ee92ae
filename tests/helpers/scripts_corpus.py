"""Short texts in eleven languages and scripts, one small bundle per language (its source
locale), for the search tests of every script: article ``a`` is about exercise and
tiredness in multiple sclerosis, ``b`` about children's sleep, ``c`` about viruses and
vaccines. Written for the tests, in plain words; each language's queries (a word, a
two-word phrase, a short question) should find ``a`` first."""

from __future__ import annotations

from pathlib import Path

from satchel.stages.pipeline import build

from .bundles import BUNDLE_YAML, summary_text, write_bundle

# language → {article: (title, text)}
TEXTS = {
    "zh": {
        "a": ("运动减轻多发性硬化症的疲倦",
              "MS患者，也就是多发性硬化症患者，常常感到疲倦。每周运动三次的人疲倦减轻了。"),
        "b": ("儿童的睡眠", "孩子每晚需要足够的睡眠。睡眠不足会影响学习。"),
        "c": ("病毒与疫苗", "疫苗可以預防病毒感染。接種疫苗很安全。"),  # Traditional
    },
    "ja": {
        "a": ("多発性硬化症と疲労",
              "多発性硬化症の人は強い疲労を感じます。週に三回の運動で疲労が軽くなりました。"),
        "b": ("子どもの睡眠", "子どもは毎晩十分な睡眠が必要です。"),
        "c": ("ウイルスとワクチン", "ワクチンはウイルスの感染を防ぎます。"),
    },
    "ko": {
        "a": ("다발성 경화증과 피로",
              "다발성 경화증 환자는 심한 피로를 느낍니다. 일주일에 세 번 운동한 사람들은 "
              "피로가 줄었습니다."),
        "b": ("아이들의 수면", "아이들은 매일 밤 충분한 수면이 필요합니다."),
        "c": ("바이러스와 백신", "백신은 바이러스 감염을 막아 줍니다."),
    },
    "th": {
        "a": ("การออกกำลังกายช่วยลดความเหนื่อยล้า",
              "ผู้ป่วยโรคเอ็มเอสมักรู้สึกเหนื่อยล้า "
              "คนที่ออกกำลังกายสัปดาห์ละสามครั้งเหนื่อยล้าน้อยลง"),
        "b": ("การนอนหลับของเด็ก", "เด็กต้องการการนอนหลับที่เพียงพอทุกคืน เด็กที่มีไข้ควรพักผ่อน"),
        "c": ("ไวรัสและวัคซีน", "วัคซีนช่วยป้องกันการติดเชื้อไวรัส ใช้กุญแจไขตู้ยา"),
    },
    "my": {
        "a": ("လေ့ကျင့်ခန်းနှင့် ပင်ပန်းနွမ်းနယ်မှု",
              "အမ်အက်စ်ရောဂါရှိသူများသည် ပင်ပန်းနွမ်းနယ်မှုကို ခံစားရသည်။ "
              "တစ်ပတ်လျှင် သုံးကြိမ် လေ့ကျင့်ခန်းလုပ်သူများ ပင်ပန်းမှု လျော့နည်းသွားသည်။"),
        "b": ("ကလေးများ၏ အိပ်စက်ခြင်း", "ကလေးများသည် ညတိုင်း လုံလောက်စွာ အိပ်စက်ရန် လိုအပ်သည်။"),
        "c": ("ဗိုင်းရပ်စ်နှင့် ကာကွယ်ဆေး", "ကာကွယ်ဆေးသည် ဗိုင်းရပ်စ်ကူးစက်မှုကို ကာကွယ်ပေးသည်။"),
    },
    "hi": {
        "a": ("व्यायाम से थकान कम होती है",
              "मल्टीपल स्क्लेरोसिस वाले लोग अक्सर थकान महसूस करते हैं। सप्ताह में तीन बार "
              "व्यायाम करने वालों की थकान कम हुई।"),
        "b": ("किशोरों की नींद",
              "किशोर बच्चों को हर रात पूरी नींद चाहिए। कल रात कम सोने से ध्यान भटकता है।"),
        "c": ("वायरस और टीका", "टीका वायरस के संक्रमण से बचाता है। कुल बीस लोगों ने भाग लिया।"),
    },
    "bn": {
        "a": ("ব্যায়াম ক্লান্তি কমায়",
              "মাল্টিপল স্ক্লেরোসিসে আক্রান্ত মানুষ প্রায়ই ক্লান্তি অনুভব করেন। সপ্তাহে তিনবার "
              "ব্যায়াম করলে ক্লান্তি কমে।"),
        "b": ("শিশুদের ঘুম", "শিশুদের প্রতি রাতে যথেষ্ট ঘুম দরকার।"),
        "c": ("ভাইরাস ও টিকা", "টিকা ভাইরাস সংক্রমণ থেকে রক্ষা করে।"),
    },
    "ta": {
        "a": ("உடற்பயிற்சி சோர்வைக் குறைக்கிறது",
              "மல்டிபிள் ஸ்க்லரோசிஸ் உள்ளவர்கள் அடிக்கடி சோர்வை உணர்கிறார்கள். வாரத்தில் மூன்று "
              "முறை உடற்பயிற்சி செய்தவர்களுக்கு சோர்வு குறைந்தது."),
        "b": ("குழந்தைகளின் தூக்கம்", "குழந்தைகளுக்கு ஒவ்வொரு இரவும் போதுமான தூக்கம் தேவை."),
        "c": ("வைரஸ் மற்றும் தடுப்பூசி", "தடுப்பூசி வைரஸ் தொற்றிலிருந்து பாதுகாக்கிறது."),
    },
    "ru": {
        "a": ("Упражнения уменьшают усталость",
              "Люди с рассеянным склерозом часто чувствуют усталость. У тех, кто занимался три "
              "раза в неделю, усталость уменьшилась."),
        "b": ("Сон у детей", "Детям нужен достаточный сон каждую ночь."),
        "c": ("Вирусы и прививки", "Прививка защищает от вирусной инфекции."),
    },
    "he": {
        "a": ("פעילות גופנית מפחיתה עייפות",
              "אנשים עם טרשת נפוצה מרגישים לעתים קרובות עייפות. מי שהתאמן שלוש פעמים בשבוע "
              "הרגיש פחות עייפות."),
        "b": ("שינה אצל ילדים", "ילדים צריכים שינה מספקת בכל לילה."),
        "c": ("נגיפים וחיסונים", "החיסון מגן מפני זיהום בנגיף."),
    },
    "sw": {
        "a": ("Mazoezi hupunguza uchovu",
              "Watu wenye MS mara nyingi huhisi uchovu. Waliofanya mazoezi mara tatu kwa wiki "
              "walikuwa na uchovu mdogo."),
        "b": ("Usingizi wa watoto", "Watoto wanahitaji usingizi wa kutosha kila usiku."),
        "c": ("Virusi na chanjo", "Chanjo hulinda dhidi ya maambukizi ya virusi."),
    },
}  # fmt: skip

# language → (a word, a two-word phrase, a short question), each in article "a". Languages
# written without spaces type a phrase without one too.
QUERIES = {
    "zh": ("疲倦", '"多发性硬化症患者"', "运动能减轻疲倦吗"),
    "ja": ("疲労", '"強い疲労"', "運動で疲労は軽くなりますか"),
    "ko": ("피로", '"다발성 경화증"', "운동하면 피로가 줄어드나요"),
    "th": ("เหนื่อยล้า", '"รู้สึกเหนื่อยล้า"', "ออกกำลังกายช่วยลดความเหนื่อยล้าได้ไหม"),
    "my": ("ပင်ပန်း", '"လေ့ကျင့်ခန်းလုပ်"', "လေ့ကျင့်ခန်းက ပင်ပန်းမှုကို လျော့စေသလား"),
    "hi": ("थकान", '"थकान महसूस"', "क्या व्यायाम से थकान कम होती है"),
    "bn": ("ক্লান্তি", '"ক্লান্তি অনুভব"', "ব্যায়াম কি ক্লান্তি কমায়"),
    "ta": ("சோர்வு", '"உடற்பயிற்சி செய்தவர்களுக்கு"', "உடற்பயிற்சி சோர்வைக் குறைக்குமா"),
    "ru": ("усталость", '"рассеянным склерозом"', "помогают ли упражнения от усталости"),
    "he": ("עייפות", '"טרשת נפוצה"', "האם פעילות גופנית מפחיתה עייפות"),
    "sw": ("uchovu", '"mazoezi mara"', "je mazoezi hupunguza uchovu"),
}  # fmt: skip

# (language, query, the one article it finds): words a fold of every mark would merge.
DISTINCT = [
    ("th", "ไข้", "b"),  # fever
    ("th", "ไข", "c"),  # to unlock
    ("hi", "कल", "b"),  # yesterday
    ("hi", "कुल", "c"),  # in all
]
# (language, query, article): full-width Latin and digits, Hebrew with its points, Chinese
# in Traditional characters for Simplified text and back.
VARIANTS = [
    ("zh", "ＭＳ患者", "a"),
    ("sw", "ＭＳ", "a"),
    ("he", "עֲיֵפוּת", "a"),
    ("zh", "運動減輕", "a"),
    ("zh", "预防", "c"),
    ("zh", "接种疫苗", "c"),
]


def bundle_id(lang: str) -> str:
    return f"scripts-{lang}"


def write_script_bundles(root: Path) -> list[str]:
    """One bundle per language of ``TEXTS``, written in it."""
    for lang, articles in TEXTS.items():
        summaries = {
            article: summary_text(article, title=title, teaser=title, takeaway=text)
            for article, (title, text) in articles.items()
        }
        folder = write_bundle(root, bundle_id(lang), summaries)
        yaml = BUNDLE_YAML.format(id=bundle_id(lang), retain=5)
        yaml = yaml.replace("source_locale: en", f"source_locale: {lang}")
        (folder / "bundle.yaml").write_text(yaml)
    return [bundle_id(lang) for lang in TEXTS]


def build_script_bundles(bundles: Path, data: Path) -> None:
    build(bundles, data, write_script_bundles(bundles))
