"""Sentences of an extractive answer: whole, in every script, never cut at an abbreviation."""

from __future__ import annotations

import pytest

from app.chat.extractive import best_sentences, extractive_answer, split_sentences, word_count
from app.retrieval.passage import Passage
from app.store.sentences import sentence_spans


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Dr. Smith arrived at noon today. He left soon after that.",
            ["Dr. Smith arrived at noon today.", "He left soon after that."],
        ),
        (
            "Use a fruit, e.g. an apple, for the test. Then wash it well.",
            ["Use a fruit, e.g. an apple, for the test.", "Then wash it well."],
        ),
        ("See form No. 5 for the details. It is short.", ["See form No. 5 for the details.", "It is short."]),
        ("The U.S. Army has a base there. It is large.", ["The U.S. Army has a base there.", "It is large."]),
        (
            "The book was written by J. R. R. Tolkien in 1954. It is very long.",
            ["The book was written by J. R. R. Tolkien in 1954.", "It is very long."],
        ),
        (
            "Das Treffen ist am 3. Oktober um 10 Uhr. Bitte z. B. Unterlagen mitbringen. "
            "Herr Dr. Müller kommt bzw. ruft an.",
            [
                "Das Treffen ist am 3. Oktober um 10 Uhr.",
                "Bitte z. B. Unterlagen mitbringen.",
                "Herr Dr. Müller kommt bzw. ruft an.",
            ],
        ),
        (
            "Новый завод открыт в г. Томске. Директор Иванов И. И. подписал отчёт. Выручка выросла на 5%.",
            ["Новый завод открыт в г. Томске.", "Директор Иванов И. И. подписал отчёт.", "Выручка выросла на 5%."],
        ),
    ],
    ids=["dr", "e.g.", "no.", "u.s.", "initials", "german", "russian"],
)
def test_abbreviations_and_initials_stay_inside_their_sentence(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_chinese_sentences_end_at_full_width_stops_and_count_by_characters() -> None:
    text = "我们明天去北京开会。你也一起去参加吗？太好了！"
    # The last sentence is three characters, about two words: too short to answer with, like "Great!" in English.
    assert split_sentences(text) == ["我们明天去北京开会。", "你也一起去参加吗？"]


def test_japanese_sentences_end_at_full_width_stops() -> None:
    assert split_sentences("今日は朝から雨です。明日は晴れるでしょうか？") == [
        "今日は朝から雨です。",
        "明日は晴れるでしょうか？",
    ]


def test_arabic_and_urdu_questions_end_at_their_question_mark() -> None:
    assert split_sentences("هل تذهب إلى المدرسة اليوم؟ نعم، أذهب كل يوم.") == [
        "هل تذهب إلى المدرسة اليوم؟",
        "نعم، أذهب كل يوم.",
    ]
    assert split_sentences("کیا آپ کل آئیں گے؟ ہاں، میں آؤں گا۔") == ["کیا آپ کل آئیں گے؟", "ہاں، میں آؤں گا۔"]


def test_greek_questions_end_at_the_greek_question_mark() -> None:
    text = "Πού είναι η Αθήνα; Η Αθήνα είναι στην Ελλάδα. Τι ώρα είναι\u037e Είναι δέκα η ώρα."
    assert split_sentences(text) == [
        "Πού είναι η Αθήνα;",
        "Η Αθήνα είναι στην Ελλάδα.",
        "Τι ώρα είναι\u037e",
        "Είναι δέκα η ώρα.",
    ]
    # In English a semicolon ends no sentence.
    assert split_sentences("Use a fruit; an apple will do. Then wash it well.") == [
        "Use a fruit; an apple will do.",
        "Then wash it well.",
    ]


def test_a_korean_sentence_of_two_words_is_long_enough_to_quote() -> None:
    # Korean words carry their particles: "Jeju is an island." is two of them.
    text = "제주도는 섬입니다. 서울은 한국의 수도입니다."
    assert split_sentences(text) == ["제주도는 섬입니다.", "서울은 한국의 수도입니다."]
    assert split_sentences("Page 2. See Fig. 4 below for all the numbers.") == ["See Fig. 4 below for all the numbers."]


def test_hindi_sentences_end_at_the_danda() -> None:
    text = "मैं घर जा रहा हूँ। तुम कहाँ जा रहे हो? मैं बाज़ार जा रहा हूँ।"
    assert split_sentences(text) == ["मैं घर जा रहा हूँ।", "तुम कहाँ जा रहे हो?", "मैं बाज़ार जा रहा हूँ।"]


def test_a_sentence_wrapped_over_lines_comes_back_on_one_line() -> None:
    text = "The coolant pump was\nreplaced in March 2021.\n\nPage 3\n\nIts bearing had failed."
    assert split_sentences(text) == ["The coolant pump was replaced in March 2021.", "Its bearing had failed."]


def test_words_are_counted_by_spaces_or_by_characters_in_unspaced_scripts() -> None:
    assert word_count("Page 3 —") == 2
    assert word_count("你去吗？") == 2.0
    assert word_count("我们用 Python 写的。") == 1 + 5 / 1.5


def test_an_extractive_answer_quotes_a_sentence_with_an_abbreviation_whole(embedding) -> None:  # type: ignore[no-untyped-def]
    passage = Passage(
        "letters.txt", "", 0.7, "The letter was signed by J. R. R. Tolkien in 1954. The weather was cold.", "sha", "c1"
    )
    highlights = best_sentences("Who signed the letter?", [passage], embedding, limit=1)
    assert extractive_answer(highlights).splitlines()[-1] == "- The letter was signed by J. R. R. Tolkien in 1954. [1]"


def test_an_extractive_answer_quotes_a_chinese_sentence(embedding) -> None:  # type: ignore[no-untyped-def]
    passage = Passage("notes.txt", "", 0.7, "反应堆的冷却剂是液态钠。猫每天睡十六个小时。", "sha", "c1")
    highlights = best_sentences("反应堆的冷却剂是什么？", [passage], embedding, limit=1)
    assert [h.sentence for h in highlights] == ["反应堆的冷却剂是液态钠。"]


@pytest.mark.parametrize(
    ("question", "text", "answer"),
    [
        (
            "倉庫在哪裡",
            "每週三下午進行消防演習。所有員工必須配戴安全帽。倉庫位於臺北市信義區。",
            "倉庫位於臺北市信義區。",
        ),
        (
            "متى الاجتماع الأسبوعي؟",
            "يجب على جميع الموظفين ارتداء الخوذة. يعقد الاجتماع الأسبوعي يوم الأحد في الساعة التاسعة. "
            "تقع المكاتب في الطابق الثاني.",
            "يعقد الاجتماع الأسبوعي يوم الأحد في الساعة التاسعة.",
        ),
        (
            "Wann ist die Brandschutzübung?",
            "Alle Mitarbeiter tragen einen Helm im Lager. Die Brandschutzübung findet jeden Mittwoch statt. "
            "Das Lager liegt im Norden der Stadt.",
            "Die Brandschutzübung findet jeden Mittwoch statt.",
        ),
    ],
    ids=["chinese", "arabic", "german"],
)
def test_an_extractive_answer_quotes_the_sentence_holding_the_question_words_in_a_language_the_model_does_not_read(
    question: str,
    text: str,
    answer: str,
    embedding,  # type: ignore[no-untyped-def]
) -> None:
    # MiniLM reads English only: its cosines on these sentences are noise, the question's words are not.
    highlights = best_sentences(question, [Passage("notes.txt", "", 0.7, text, "sha", "c1")], embedding, limit=1)
    assert [h.sentence for h in highlights] == [answer]


def test_a_heading_over_a_sentence_is_not_quoted_with_it_and_a_wrapped_line_stays_in_its_sentence() -> None:
    text = (
        "Holidays\nEvery employee is entitled to twelve days of leave a year.\nSick leave\n"
        "A doctor's note is needed after three days of illness.\nСклад\nПарковка расположена в подвале здания.\n"
        "The board agreed on this point: the budget\nwill rise by ten percent next year."
    )
    assert split_sentences(text) == [
        "Every employee is entitled to twelve days of leave a year.",
        "A doctor's note is needed after three days of illness.",
        "Парковка расположена в подвале здания.",
        "The board agreed on this point: the budget will rise by ten percent next year.",
    ]


def test_thai_sentences_end_where_the_model_sees_a_sentence_not_at_every_space() -> None:
    text = "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย แม่น้ำโขงไหลผ่านหลายประเทศในเอเชีย ผมชอบกินข้าวผัด แต่เพื่อนของผมชอบกินก๋วยเตี๋ยว"
    assert split_sentences(text) == [
        "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
        "แม่น้ำโขงไหลผ่านหลายประเทศในเอเชีย",
        # "แต่" (but) after the space joins a clause, not a new sentence.
        "ผมชอบกินข้าวผัด แต่เพื่อนของผมชอบกินก๋วยเตี๋ยว",
    ]


def test_a_thai_word_inside_english_does_not_cut_the_english_sentence() -> None:
    text = "The city กรุงเทพ is the capital and the English goes on for a while here. It ends there."
    assert split_sentences(text) == [
        "The city กรุงเทพ is the capital and the English goes on for a while here.",
        "It ends there.",
    ]


INVOICE = "Tax invoice\nInvoice number: INV-2024-0042\nDate: 2024-03-15\nTotal amount: 4,750.00 SAR\nVAT: 15%"


def test_each_line_of_a_form_is_a_sentence_and_wrapped_prose_is_not_cut() -> None:
    assert [s.strip() for s in sentence_spans(INVOICE)] == INVOICE.split("\n")
    wrapped = "The board agreed on this point: the budget\nwill rise by ten percent next year. Then it closed."
    assert [s.strip() for s in sentence_spans(wrapped)] == [
        "The board agreed on this point: the budget\nwill rise by ten percent next year.",
        "Then it closed.",
    ]


def test_an_extractive_answer_quotes_fields_of_a_form_not_the_whole_form(embedding) -> None:  # type: ignore[no-untyped-def]
    passage = Passage("invoice.pdf", "page 1", 0.7, INVOICE, "sha", "c1")
    highlights = best_sentences("What is the total amount of the invoice?", [passage], embedding, limit=2)
    assert "Total amount: 4,750.00 SAR" in [h.sentence for h in highlights]
    assert all(h.sentence in INVOICE.split("\n") for h in highlights), "one field each, not the form run together"
