"""Language detection (py3langid, shipped model), the table of languages a model reads, and the ingest notice."""

from __future__ import annotations

import unicodedata

import pytest

from app.embeddings.languages import MULTILINGUAL_MODEL, model_languages
from app.ingest.pipeline import language_notice
from app.store.language import detect_document_language, detect_language, language_name

# A short paragraph per language: two sentences, the length of a document's first lines.
PARAGRAPHS = {
    "zh": "长城是中国古代修建的防御工程。它东起山海关，西至嘉峪关，全长两万多公里。",
    "ja": "富士山は日本で最も高い山です。毎年夏になると多くの登山者が頂上を目指します。",
    "ar": "يقع برج خليفة في مدينة دبي وهو أطول مبنى في العالم. افتتح البرج في عام ألفين وعشرة.",
    "hi": "ताजमहल आगरा शहर में यमुना नदी के किनारे स्थित है। इसे मुगल बादशाह शाहजहाँ ने बनवाया था।",
    "th": "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย และเป็นศูนย์กลางทางเศรษฐกิจของประเทศ",
    "de": "Die Zugspitze ist mit 2962 Metern der höchste Berg Deutschlands. Sie liegt an der Grenze zu Österreich.",
    "ru": "Байкал является самым глубоким озером на планете. Он расположен в южной части Восточной Сибири.",
    "en": "The Great Wall was built to defend the northern border. It stretches for thousands of kilometres.",
    "es": "El río Amazonas es el más caudaloso del mundo. Atraviesa Perú, Colombia y Brasil.",
    "el": "Η Ακρόπολη βρίσκεται στο κέντρο της Αθήνας. Ο Παρθενώνας χτίστηκε τον πέμπτο αιώνα π.Χ.",
    "tr": "İstanbul, Boğaziçi'nin iki yakasında kurulmuş bir şehirdir. Birçok imparatorluğa başkentlik yapmıştır.",
    "vi": "Hà Nội là thủ đô của Việt Nam. Thành phố nằm bên bờ sông Hồng và có lịch sử hơn một nghìn năm.",
}


@pytest.mark.parametrize("language", sorted(PARAGRAPHS))
def test_a_paragraph_is_detected_as_its_language(language: str) -> None:
    assert detect_language(PARAGRAPHS[language]) == language


def test_han_text_without_kana_is_chinese_and_with_kana_japanese() -> None:
    assert detect_language("日本的首都是东京。") == "zh"
    assert detect_language("日本の首都は東京です。") == "ja"


# Each Arabic letter to its isolated presentation form (U+FE80-U+FEFC), the first form that NFKC maps back to it.
ISOLATED_FORMS = {
    ord(letter): chr(form)
    for form in reversed(range(0xFE80, 0xFEFD))
    if len(letter := unicodedata.normalize("NFKC", chr(form))) == 1
}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # Arabic letters as their presentation forms, as older PDFs' text layers hold them.
        ("ar", PARAGRAPHS["ar"].translate(ISOLATED_FORMS)),
        ("ja", "ｶﾀｶﾅﾃﾞｶｲﾀﾌﾞﾝｼｮｳﾊﾊﾝｶｸﾃﾞﾓﾆﾎﾝｺﾞﾃﾞｽ｡ﾏｲﾄｼﾅﾂﾆﾅﾙﾄｵｵｸﾉﾋﾄｶﾞﾔﾏﾆﾉﾎﾞﾘﾏｽ｡"),  # half-width katakana
        (
            "en",
            "Ｔｈｅ　Ｇｒｅａｔ　Ｗａｌｌ　ｗａｓ　ｂｕｉｌｔ　ｔｏ　ｄｅｆｅｎｄ　ｔｈｅ　ｂｏｒｄｅｒ．",
        ),  # full-width
    ],
    ids=["arabic-presentation-forms", "half-width-katakana", "full-width-latin"],
)
def test_text_in_compatibility_forms_is_detected_as_the_language_of_its_letters(language: str, text: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "12 345 678", "3.14 + 2 = 5.14 %", "— • —"])
def test_a_text_without_words_has_no_language(text: str) -> None:
    assert detect_language(text) is None


def test_only_the_beginning_of_a_long_text_is_read() -> None:
    long = PARAGRAPHS["de"] * 40 + PARAGRAPHS["zh"] * 400  # the Chinese starts past the sample
    assert detect_language(long) == "de"


def test_language_names_are_english_names_and_unknown_codes_stay_codes() -> None:
    assert [language_name(code) for code in ("zh", "ar", "hi", "de")] == ["Chinese", "Arabic", "Hindi", "German"]
    assert language_name("xx") == "xx"


def test_minilm_reads_english_only_and_the_multilingual_models_read_the_rest() -> None:
    minilm = model_languages("sentence-transformers/all-MiniLM-L6-v2")
    assert minilm.reads("en") and not minilm.reads("zh")
    for name in ("intfloat/multilingual-e5-small-q4", "jina-embeddings-v4"):
        assert all(model_languages(name).reads(code) for code in PARAGRAPHS), name
    assert model_languages("some-fine-tune").codes is None  # not known: no notice rather than a wrong one


def test_the_notice_names_the_language_the_model_and_the_reindex_command() -> None:
    notice = language_notice("zh", "sentence-transformers/all-MiniLM-L6-v2")
    assert "Chinese" in notice and "all-MiniLM-L6-v2" in notice and "English only" in notice
    assert f"python -m app reindex --model {MULTILINGUAL_MODEL}" in notice
    assert f"EMBEDDING_MODEL={MULTILINGUAL_MODEL}" in notice


@pytest.mark.parametrize(
    ("language", "model"),
    [
        ("en", "sentence-transformers/all-MiniLM-L6-v2"),
        (None, "sentence-transformers/all-MiniLM-L6-v2"),
        ("zh", "intfloat/multilingual-e5-small-q4"),
        ("ar", "jina-embeddings-v4"),
    ],
)
def test_no_notice_when_the_model_reads_the_language_or_it_is_not_known(language: str | None, model: str) -> None:
    assert language_notice(language, model) == ""


def test_a_document_needs_more_letters_than_a_question_to_be_given_a_language() -> None:
    assert detect_language("Taxes 2024", 20) is None
    assert detect_language("Taxes 2024") == detect_language("Taxes 2024", 2) is not None
    assert detect_language(PARAGRAPHS["zh"], 20) == "zh"


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("visitors.csv", "Month,Visitors\nJan,10\nFeb,20\nMar,30\n"),
        ("contacts.csv", "Alice Smith,alice@example.com,Berlin\nBob Jones,bob@example.com,Paris\n"),
        ("readings.csv", "2024-01-01,sensor-a,21.5\n2024-01-01,sensor-b,19.0\n2024-01-02,sensor-a,21.7\n"),
        ("staff.csv", "Name,City\nAnn,Oslo\nBen,Rome\n"),
    ],
)
def test_a_table_of_short_values_is_given_no_language_rather_than_a_guess(name: str, table: str) -> None:
    from app.ingest.readers import parse_file

    text = "\n".join(document.text for document in parse_file(table.encode(), name).documents)
    # py3langid's guesses for these: Latin, Latin, Romanian, Norwegian.
    assert detect_language(text, 20) != "en"
    assert detect_document_language(text) is None
    assert detect_document_language(f"{text}\n{PARAGRAPHS['en']}") == "en"  # a sentence of prose tells


@pytest.mark.parametrize("word", ["зарплата", "Томск", "urlaub", "izin", "लखनऊ", "Goettingen"])
def test_a_one_word_question_whose_language_is_a_guess_has_no_language(word: str) -> None:
    from app.chat.question import question_language

    # py3langid's best guesses here are neighbours (Bulgarian, Serbian, Icelandic, Zulu, Marathi, Dutch).
    assert question_language(word) is None


@pytest.mark.parametrize("language", ["ar", "de", "en", "es", "ru", "zh"])
def test_a_question_of_a_few_words_keeps_its_language(language: str) -> None:
    from app.chat.question import question_language

    first_sentence = PARAGRAPHS[language].replace("。", ".").split(".")[0]
    assert question_language(first_sentence) == language


def test_the_detector_answers_with_a_language_it_can_name_never_a_dialect_code() -> None:
    # Unrestricted, py3langid calls this Arabic word Moroccan Arabic ("ary") and this Chinese one Wu ("wuu").
    assert detect_language("حقوق") == "ar"
    assert detect_language("配当金") == "zh"
    assert language_name(detect_language("حقوق") or "") == "Arabic"
