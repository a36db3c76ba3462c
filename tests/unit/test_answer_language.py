"""Answers in the question's language: the prompts name it (detected), follow-ups keep it, and extractive
answers quote whole sentences in every script."""

from __future__ import annotations

import pytest

from app.chat.condense import condense_prompt
from app.chat.extractive import best_sentences, split_sentences
from app.chat.llm import build_messages
from app.chat.question import question_language
from app.retrieval.passage import Passage

PASSAGES = [Passage("report.pdf", "page 2", 0.61, "The coolant is liquid sodium at 550 degrees Celsius.", "s", "c1")]
QUESTIONS = {
    "zh": ("冷却剂的温度是多少？", "Chinese"),
    "ar": ("ما هي درجة حرارة سائل التبريد؟", "Arabic"),
    "hi": ("शीतलक का तापमान कितना है?", "Hindi"),
    "de": ("Wie heiß ist das Kühlmittel im Reaktor?", "German"),
    "en": ("How hot is the coolant in the reactor?", "English"),
}


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_the_answer_prompt_asks_for_the_language_of_the_question_by_name(language: str) -> None:
    question, name = QUESTIONS[language]
    system = str(build_messages(question, PASSAGES)[0].content)
    assert system.endswith(
        f"Answer in {name}, the language of the question, even where the sources are in another language."
    )


def test_a_question_whose_language_cannot_be_told_asks_for_the_question_language_without_naming_one() -> None:
    system = str(build_messages("42?", PASSAGES)[0].content)
    assert system.endswith("Answer in the language of the question, even where the sources are in another language.")


def test_a_short_follow_up_is_read_with_the_previous_question() -> None:
    history = [("user", "冷却剂的温度是多少？"), ("assistant", "550 °C [1].")]
    assert question_language("2020 年？", history) == "zh"
    assert question_language("Und 2020?", [("user", "Wie heiß ist das Kühlmittel im Reaktor?")]) == "de"
    assert question_language("How hot is the coolant in the reactor?", history) == "en", (
        "a full question speaks for itself"
    )


def test_the_follow_up_rewrite_keeps_the_language_of_the_last_question() -> None:
    history = [("user", "What does the cooling loop use?"), ("assistant", "Liquid sodium [1].")]
    prompt = condense_prompt("冷却回路的温度是多少？", history)
    assert "Write it in Chinese, the language of the last question; do not translate it." in prompt
    assert prompt.endswith("Last question: 冷却回路的温度是多少？\n\nStandalone question:")
    assert "user: What does the cooling loop use?\nassistant: Liquid sodium [1]." in prompt


# A passage of three sentences per script; the question asks about the middle one.
SENTENCES = {
    "zh": (("长城是中国古代的防御工程。", "它全长两万多公里。", "每年有很多游客参观。"), "长城有多长？"),
    "ja": (
        ("富士山は日本で最も高い山です。", "標高は三千七百七十六メートルです。", "夏には多くの人が登ります。"),
        "富士山の標高は？",
    ),
    "ar": (
        (
            "يقع برج خليفة في مدينة دبي.",
            "يبلغ ارتفاع البرج ثمانمائة وثمانية وعشرين مترا.",
            "افتتح البرج في عام ألفين وعشرة.",
        ),
        "كم يبلغ ارتفاع برج خليفة؟",
    ),
    "hi": (
        ("ताजमहल आगरा में स्थित है।", "इसे शाहजहाँ ने अपनी पत्नी की याद में बनवाया था।", "यह सफेद संगमरमर से बना है।"),
        "ताजमहल किसने बनवाया था?",
    ),
    "th": (
        ("กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย ", "แม่น้ำเจ้าพระยาไหลผ่านใจกลางเมือง ", "มีวัดมากมายในเมืองนี้"),
        "แม่น้ำอะไรไหลผ่านกรุงเทพ",
    ),
}


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_an_extractive_answer_quotes_whole_sentences_in_every_script(
    language: str,
    e5_embedding,  # type: ignore[no-untyped-def]
) -> None:
    sentences, question = SENTENCES[language]
    whole = [sentence.strip() for sentence in sentences]
    joiner = "" if language in ("zh", "ja", "th") else " "
    text = joiner.join(sentences)
    passage = Passage(f"{language}.txt", "", 0.8, text, "s", "c1")

    assert split_sentences(text) == whole
    quoted = [highlight.sentence for highlight in best_sentences(question, [passage], e5_embedding)]
    assert quoted and set(quoted) <= set(whole)
