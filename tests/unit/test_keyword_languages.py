"""Keyword search in every script: real bm25s index, real segmenters (jieba, Sudachi, pythainlp), real stemmers."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.store.keyword import KeywordIndex, KeywordRecord
from app.store.tokens import keyword_terms

# Two passages per language: the question's word is in the first, not in the second.
PASSAGES = {
    "zh": ("长城是中国古代修建的防御工程，全长两万多公里。", "巴黎是法国的首都，也是欧洲的文化中心。"),
    "ja": ("富士山は日本で最も高い山で、標高は三千七百七十六メートルです。", "東京駅は通勤客で混雑しています。"),
    "th": ("กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย", "แม่น้ำโขงไหลผ่านหลายประเทศในเอเชียตะวันออกเฉียงใต้"),
    "ar": ("يقع برج خليفة في مدينة دبي وهو أطول مبنى في العالم.", "نهر النيل هو أطول نهر في قارة أفريقيا."),
    "hi": ("ताजमहल आगरा शहर में यमुना नदी के किनारे स्थित है।", "गंगा नदी हिमालय से निकलकर बंगाल की खाड़ी में गिरती है।"),
    "de": ("Die Zugspitze ist der höchste Berg Deutschlands.", "Der Rhein fließt durch mehrere Länder Europas."),
    "ru": ("Байкал является самым глубоким озером на планете.", "Волга впадает в Каспийское море."),
}
# A word of the first passage, asked in another form where the language inflects it.
QUESTIONS = {
    "zh": "长城有多长？",
    "ja": "富士山の高さは？",
    "th": "เมืองหลวงของไทยคืออะไร",
    "ar": "ما هو ارتفاع برج خليفة؟",
    "hi": "ताजमहल कहाँ है?",
    "de": "Wie hoch ist die Zugspitze?",
    "ru": "Какое озеро Байкал?",
}


def _index(folder: Path, records: list[KeywordRecord]) -> KeywordIndex:
    """A BM25 index of `records` in `folder`, each chunk on its own (no neighbour context)."""
    built = KeywordIndex(folder, context=0)
    built.ensure("v1", lambda: records)
    return built


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> KeywordIndex:
    records = [
        KeywordRecord(f"{language}-{i:05d}", language, text)
        for language, passages in PASSAGES.items()
        for i, text in enumerate(passages)
    ]
    built = _index(tmp_path_factory.mktemp("keyword"), records)
    return built


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_a_question_word_finds_the_passage_that_holds_it(index: KeywordIndex, language: str) -> None:
    hits = index.search(QUESTIONS[language], top_k=3)

    assert hits[0][0] == f"{language}-00000"


def test_chinese_is_cut_into_words_and_the_words_inside_a_compound() -> None:
    assert keyword_terms("中华人民共和国成立") == ["中华", "华人", "人民", "共和", "共和国", "中华人民共和国", "成立"]


def test_traditional_chinese_is_cut_into_the_words_of_its_simplified_form(tmp_path) -> None:  # type: ignore[no-untyped-def]
    records = [
        KeywordRecord("tw-1", "d1", "新工廠位於台中，員工人數為八百人。", "zh"),
        KeywordRecord("cn-1", "d2", "董事会决定向股东分配红利。", "zh"),
    ]
    built = _index(tmp_path, records)
    # Cut as written, jieba reads "新工 | 廠位 | 於": "工廠" (factory) was no term of the document.
    for question in ("工廠", "员工", "員工"):
        assert [chunk_id for chunk_id, _ in built.search(question, top_k=2)] == ["tw-1"], question
    assert [chunk_id for chunk_id, _ in built.search("董事會", top_k=2)] == ["cn-1"]


def test_japanese_drops_particles_and_reads_verbs_in_their_dictionary_form() -> None:
    assert keyword_terms("東京に住んでいます") == ["東京", "住む", "居る"]


def test_thai_is_cut_into_dictionary_words() -> None:
    assert keyword_terms("ผมรักภาษาไทย") == ["ผม", "รัก", "ภาษาไทย"]


def test_hindi_vowel_signs_stay_inside_their_word() -> None:
    # Vowel signs are combining marks, not letters: a letters-only pattern cuts "किनारे" into "क", "न", "र".
    assert keyword_terms("किनारे") == ["किनार"]


def test_each_script_gets_its_own_stemmer_and_stop_words() -> None:
    assert sorted(keyword_terms("the running cats")) == ["cat", "run"]
    assert keyword_terms("озера и озеро") == ["озер", "озер"]
    assert keyword_terms("المدينة") == ["مدين"]


def test_korean_runs_become_character_pairs_and_single_characters() -> None:
    assert keyword_terms("한국어") == ["한국", "국어", "한", "국", "어"]
    # A one-syllable noun meets its form with a particle: "돈" (money) in "돈을".
    assert set(keyword_terms("돈")) <= set(keyword_terms("돈을 벌다"))


def test_full_width_latin_and_digits_read_as_their_ascii_forms() -> None:
    assert sorted(keyword_terms("ＡＢＣ１２３")) == sorted(keyword_terms("ABC123")) == ["123", "abc", "abc123"]


def test_a_word_its_stemmer_strips_to_nothing_is_kept_as_written() -> None:
    # Greek Snowball stems "όταν" (when) to "": an empty term must never reach the index or a query.
    terms = keyword_terms("Πόσα δευτερόλεπτα έμεναν όταν έληξε ο αγώνας;")
    assert "" not in terms and "όταν" in terms


def test_a_question_with_any_term_the_index_holds_without_scores_is_searched(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # bm25s keeps "" in its vocabulary with no row of scores; asking for it raised instead of scoring.
    built = KeywordIndex(tmp_path, context=0.5)
    built.ensure("v1", lambda: [KeywordRecord("c1", "d1", "The Broncos won the AFC championship game.")])
    assert built.search("Πόσο χρόνος όταν Broncos AFC;", top_k=3)[0][0] == "c1"
    from app.store.keyword import _scores

    assert _scores(built._bm25, [""], None).tolist() == [0.0]  # type: ignore[arg-type]


def test_latin_script_words_take_the_stemmer_of_their_documents_language() -> None:
    assert keyword_terms("Die Häuser wurden gebaut", ["de"]) == ["haus", "wurd", "gebaut"]
    assert keyword_terms("Die Häuser wurden gebaut") == ["die", "häuser", "wurden", "gebaut"]  # English rules
    assert keyword_terms("les maisons", ["fr"]) == keyword_terms("la maison", ["fr"]) == ["maison"]
    assert keyword_terms("running cats", ["vi"]) == ["run", "cat"]  # no Vietnamese stemmer: English rules


def test_a_question_over_documents_in_two_languages_gets_the_stems_of_both() -> None:
    # "the" and "and" are English stop words, "die" a German one: a stop word of either language is left out.
    assert keyword_terms("the houses and die Häuser", ["de", "en"]) == ["hous", "haus", "häuser"]


def test_the_function_words_of_a_question_do_not_match_documents_read_by_another_languages_rules(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A Spanish text of no known language was indexed by English rules, which keep "es", "la", "de": a Spanish
    # question's function words must not find it (they outranked the right passages on XQuAD es).
    records = [
        KeywordRecord("es-1", "d1", "París es la capital de Francia y su ciudad más poblada.", "es"),
        KeywordRecord(
            "old-1", "d2", "La casa de la familia que vive en el pueblo es de piedra y la puerta es de madera.", None
        ),
    ]
    built = _index(tmp_path, records)
    assert [chunk for chunk, _ in built.search("¿Cuál es la capital de Francia?", top_k=2)] == ["es-1"]


def test_a_capital_dotted_i_is_the_same_letter_as_a_small_i() -> None:
    # Casefolding "İ" leaves a combining dot above after the "i": "İstanbul" would never meet "istanbul".
    assert keyword_terms("İstanbul İZMİR", ["tr"]) == keyword_terms("istanbul izmir", ["tr"]) == ["istanbul", "izmir"]
    assert keyword_terms("İstanbul") == keyword_terms("ISTANBUL") == ["istanbul"]
    # Casefolding "I" gives "i", never the dotless i (U+0131) Turkish means by it: a word in capitals and its small
    # letters are one term only if the dotless i counts as an i everywhere (two Turkish words may become one term).
    assert keyword_terms("IŞIK DİYARBAKIR", ["tr"]) == keyword_terms("ışık Diyarbakır", ["tr"])


def test_persian_letters_are_the_arabic_letters_persian_files_are_often_typed_with() -> None:
    # The Persian yeh and keheh against the Arabic yeh and kaf: one word, typed on two keyboards.
    assert keyword_terms("یزد کرمانشاه", ["fa"]) == keyword_terms("يزد كرمانشاه", ["fa"])


def test_a_question_in_kanji_alone_is_cut_the_japanese_way_too_when_documents_are_japanese(tmp_path) -> None:  # type: ignore[no-untyped-def]
    records = [
        KeywordRecord("ja-1", "d1", "新しい工場の従業員数は三百人です。", "ja"),
        KeywordRecord("ja-2", "d2", "取締役会は配当金の支払いを決定しました。", "ja"),
        KeywordRecord("zh-1", "d3", "新工厂的员工人数为八百人。", "zh"),
    ]
    built = _index(tmp_path, records)
    # Without kana the question looks Chinese; jieba cuts "従業員数" as "従" + "業員数", which no document holds.
    assert built.search("従業員数", top_k=3)[0][0] == "ja-1"
    assert built.search("配当金", top_k=3)[0][0] == "ja-2"
    assert built.search("员工人数", top_k=3)[0][0] == "zh-1"


def test_a_german_question_finds_the_german_passage_by_another_form_of_its_word(tmp_path) -> None:  # type: ignore[no-untyped-def]
    records = [
        KeywordRecord("de-1", "d1", "Die Häuser der Altstadt wurden im Jahr 1900 gebaut.", "de"),
        KeywordRecord("de-2", "d2", "Der Bahnhof liegt am Rand der Stadt.", "de"),
        KeywordRecord("en-1", "d3", "The houses of the old town were built in 1900.", "en"),
        KeywordRecord("en-2", "d4", "The station lies at the edge of the town.", "en"),
    ]
    built = _index(tmp_path / "both", records)
    assert built.search("Wann wurde das Haus gebaut?", top_k=4)[0][0] == "de-1"
    assert built.search("When was the house built?", top_k=4)[0][0] == "en-1"
    # Stemmed as English, "Häuser" and "Haus" are two words: a German question for "Haus" misses the passage.
    english_rules = _index(tmp_path / "english", [KeywordRecord(r.chunk_id, r.doc_sha, r.text) for r in records])
    hits = dict(english_rules.search("Haus", top_k=4))
    assert "de-1" not in hits
    assert "de-1" in dict(built.search("Haus", top_k=4))


def test_a_question_gets_english_rules_too_where_a_document_was_stemmed_by_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A document of no known language (indexed before languages were detected) and one in a language with no
    # stemmer here (Vietnamese) were stemmed as English: a question must meet them with English rules as well.
    assert keyword_terms("running", ["vi", "de"]) == ["run", "running"]
    records = [
        KeywordRecord("es-1", "d1", "Las ciudades más grandes del país están en la costa.", "es"),
        KeywordRecord("old-1", "d2", "The running club meets at dawn.", None),
    ]
    built = _index(tmp_path, records)
    assert built.search("runs", top_k=2)[0][0] == "old-1"
    assert built.search("ciudad", top_k=2)[0][0] == "es-1"


def test_a_word_of_letters_and_digits_is_also_searched_by_its_parts() -> None:
    assert {"fy2018", "2018"} <= set(keyword_terms("What were FY2018 capital expenditures?"))
    assert {"covid19", "covid", "19"} <= set(keyword_terms("COVID19 cases"))
    assert "2023" in keyword_terms("As of Q2'2023")
    # One-character parts are left out like every other one-character word.
    assert keyword_terms("3M") == ["3m"]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("CO2", ["co2"]),  # not "co", as in "Acme Co."
        ("H2SO4", ["h2so4"]),  # not "so"
        ("10mg", ["10", "10mg"]),  # not "mg"
        ("3rd", ["3rd"]),
        ("e3b0c44298fc1c14", ["e3b0c44298fc1c14"]),  # a hash: no "fc", "44298"
    ],
)
def test_short_letter_parts_and_the_parts_of_a_hash_are_not_terms(text: str, terms: list[str]) -> None:
    assert sorted(keyword_terms(text)) == terms


def test_a_fiscal_year_question_finds_the_filing_of_that_year_not_the_one_before(tmp_path) -> None:  # type: ignore[no-untyped-def]
    records = [
        KeywordRecord("2017", "d1", "ACME 2017 10K\n\nPurchases of property, plant and equipment 2017 2016", "en"),
        KeywordRecord("2018", "d2", "ACME 2018 10K\n\nPurchases of property, plant and equipment 2018 2017", "en"),
    ]
    built = _index(tmp_path, records)

    # "FY2018" as one term matched neither passage, and the two tied.
    assert built.search("ACME FY2018 purchases of property, plant and equipment", top_k=2)[0][0] == "2018"


@pytest.mark.parametrize("run", ["acgt" * 10_000, "7" * 40_000, "ສະບາຍດີ" * 6_000])
def test_a_long_word_without_a_turn_between_letters_and_digits_gives_no_parts(run: str) -> None:
    # A DNA sequence, a digit blob or a line of Lao (no spaces between words). The first mixed-word pattern
    # scanned the rest of such a word from each of its characters (40,000 characters: about 70 s); the turn is
    # now looked for inside each word (a run of this test takes milliseconds, not a minute).
    terms = keyword_terms(f"{run} FY2018")
    assert {"fy2018", "2018"} <= set(terms) and "fy" not in terms


@pytest.mark.parametrize("written", ["٢٠١٨", "۲۰۱۸", "२०१८", "২০১৮", "๒๐๑๘", "２０１８"])
def test_digits_of_any_script_are_the_ascii_digits_a_question_types(written: str) -> None:
    # Arabic-Indic, Persian, Devanagari, Bengali, Thai, full-width.
    assert "2018" in keyword_terms(f"الإيرادات {written}") and "2018" in keyword_terms(f"FY{written}")
