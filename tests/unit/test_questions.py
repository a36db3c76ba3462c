"""Questions before they are searched: empty ones refused, long ones cut to what the model reads."""

from __future__ import annotations

import pytest

from app.chat.engine import NO_DOCUMENTS, answer_question, no_passage_text
from app.chat.question import FittedQuestion, fit_question, require_question
from app.errors import EmptyQuestionError


class WordCounter:
    """A model that reads `max_tokens` words, one special token included."""

    max_tokens = 6
    special_tokens_per_text = 1

    def __init__(self) -> None:
        self.counted: list[str] = []

    def count_tokens(self, text: str) -> int:
        self.counted.append(text)
        return len(text.split())


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_an_empty_or_blank_question_is_refused(question: str) -> None:
    with pytest.raises(EmptyQuestionError) as refused:
        require_question(question)
    assert refused.value.message == "There is no question to answer: it is empty."
    assert refused.value.hint == "Type a question about your documents, e.g. “What temperature is the reactor coolant?”"


def test_a_question_of_only_punctuation_is_refused() -> None:
    with pytest.raises(EmptyQuestionError) as refused:
        require_question(" ?! ")
    assert refused.value.message == "There is no question to answer: '?!' has no words to search for."


def test_a_question_with_words_is_kept_as_it_is() -> None:
    assert require_question(" Wie heißt er? ") == " Wie heißt er? "
    assert require_question("你好吗") == "你好吗"


def test_a_short_question_is_not_even_counted() -> None:
    model = WordCounter()
    assert fit_question("pump?", model) == FittedQuestion("pump?", "pump?", 0, 5)
    assert model.counted == [], "a text no longer in bytes than the room always fits"


def test_a_question_that_fits_is_embedded_whole() -> None:
    assert fit_question("one two three four five", WordCounter()).cut is False


def test_a_long_question_is_embedded_by_its_last_words_that_fit() -> None:
    question = "Here is my long email about the pump. What temperature is the coolant?"
    fitted = fit_question(question, WordCounter())
    assert (fitted.embedded, fitted.tokens, fitted.room) == ("What temperature is the coolant?", 13, 5)
    assert fitted.text == question, "keyword search and the language model still read all of it"


def test_the_cut_never_splits_a_word() -> None:
    class CharacterCounter(WordCounter):
        max_tokens = 13

        def count_tokens(self, text: str) -> int:
            return len(text)

    assert fit_question("pumps circulate coolant", CharacterCounter()).embedded == "coolant"


def test_the_notice_says_how_long_the_question_is_and_what_was_searched() -> None:
    fitted = fit_question("Here is my long email about the pump. What temperature is the coolant?", WordCounter())
    assert fitted.notice(keyword_search=True) == (
        "Your question is longer than the embedding model reads (13 tokens; it reads 5); only its last part, "
        "from “What temperature is the coolant? …”, was used to search by meaning. Keyword search used all "
        "of it. Put the question itself at the end, or shorten what comes before it."
    )
    assert "Keyword search" not in fitted.notice(keyword_search=False)
    assert fit_question("short", WordCounter()).notice(keyword_search=True) == ""


def test_the_real_model_reads_the_end_of_a_long_question(embedding) -> None:  # type: ignore[no-untyped-def]
    filler = "Tomatoes grow best in full sun and mulch keeps the soil moist. " * 30
    fitted = fit_question(filler + "What temperature is the reactor coolant?", embedding)
    assert fitted.tokens == 428 and fitted.room == 254
    assert fitted.embedded.endswith("moist. What temperature is the reactor coolant?")
    assert embedding.count_tokens(fitted.embedded) <= 254
    assert (
        embedding.count_tokens(fitted.embedded.split(" ", 1)[1])
        < 254
        < embedding.count_tokens("moist. " + fitted.embedded)
    ), "the longest end that fits, to the word"


def test_no_passage_in_keyword_search_is_not_called_an_empty_index() -> None:
    assert no_passage_text("keyword", ready=3, pending=0) == (
        "No passage contains the words of your question (keyword search over 3 indexed documents). "
        "Try other words or spellings, or search by meaning: hybrid or dense retrieval (the sidebar, or "
        "RETRIEVAL_MODE)."
    )


def test_no_passage_says_why_from_what_was_searchable() -> None:
    assert no_passage_text("hybrid", ready=0, pending=0) == NO_DOCUMENTS
    assert no_passage_text("dense", ready=0, pending=1) == (
        "No document is ready to search yet: 1 document still being indexed. Ask again when indexing is done."
    )
    assert no_passage_text("dense", ready=2, pending=1) == (
        "No passage of 2 indexed documents came back for this question: the closest passages belong to "
        "1 document still being indexed. Ask again when indexing is done."
    )
    assert no_passage_text("hybrid", ready=1, pending=0) == (
        "No passage of 1 indexed document came back for this question. Try other words."
    )


def test_an_answer_without_passages_gives_the_reason_and_the_notice(embedding) -> None:  # type: ignore[no-untyped-def]
    answer = answer_question(
        "pump?", [], embedding=embedding, llm=None, notice="Cut.", no_passage=no_passage_text("keyword", 1, 0)
    )
    assert answer.notice == "Cut."
    assert answer.text().startswith("No passage contains the words of your question (keyword search over 1 indexed")
