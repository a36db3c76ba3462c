"""A question as retrieval reads it: refused when empty, cut to what the embedding model reads when too long;
and the language it is asked in, which the answer is written in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.errors import EmptyQuestionError
from app.store.language import QUESTION_MIN_CONFIDENCE, detect_language

_SPACE = re.compile(r"\s+")
# A cut further than this from the next space is in text without spaces (Chinese, Japanese, Thai, a URL):
# moving it to the space would drop words that fit.
_LONGEST_WORD = 40


class TokenCounter(Protocol):
    """What `fit_question` needs of an embedding model (both backends have it)."""

    @property
    def max_tokens(self) -> int: ...

    @property
    def special_tokens_per_text(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...


def require_question(question: str) -> str:
    """`question` unchanged if it has something to search for.

    Raises:
        EmptyQuestionError: it is empty, or only spaces and punctuation (nothing a search can match).
    """
    if not any(character.isalnum() for character in question):
        raise EmptyQuestionError(
            "There is no question to answer: it is empty." if not question.strip() else
            f"There is no question to answer: {question.strip()!r} has no words to search for.",
            "Type a question about your documents, e.g. “What temperature is the reactor coolant?”",
        )  # fmt: skip
    return question


@dataclass(frozen=True)
class FittedQuestion:
    """A question and the part of it the embedding model reads.

    `text` is searched by keyword and read by the language model whole; `embedded` is its end that fits
    the embedding model (`room` tokens). `tokens` is the length of `text` in those tokens, counted only
    when it might not fit (0 otherwise).
    """

    text: str
    embedded: str
    tokens: int
    room: int

    @property
    def cut(self) -> bool:
        return self.embedded != self.text

    def notice(self, keyword_search: bool) -> str:
        """What the answer tells the user about the cut ("" when nothing was cut)."""
        if not self.cut:
            return ""
        start = " ".join(self.embedded.split()[:6])
        return (
            f"Your question is longer than the embedding model reads ({self.tokens} tokens; it reads "
            f"{self.room}); only its last part, from “{start} …”, was used to search by meaning."
            + (" Keyword search used all of it." if keyword_search else "")
            + " Put the question itself at the end, or shorten what comes before it."
        )


def fit_question(text: str, model: TokenCounter) -> FittedQuestion:
    """`text` with, as `embedded`, its longest end that `model` reads without truncation.

    The end, not the start: in a long question the ask itself usually comes last, after pasted
    context (an email, a log, a paragraph to check), and the embedding should carry the ask. The cut is
    moved forward to the next space so that no word is split (text without spaces is cut anywhere).
    Costs one token count when the text is longer in UTF-8 bytes than the room (a token covers at least
    one byte or character in the tokenizers used here, so a shorter text always fits), and about
    log2(len(text)) more when it does not fit.
    """
    room = model.max_tokens - model.special_tokens_per_text
    if len(text.encode("utf-8")) <= room:
        return FittedQuestion(text, text, 0, room)
    tokens = model.count_tokens(text)
    if tokens <= room:
        return FittedQuestion(text, text, tokens, room)
    fits, too_long = len(text), 0  # text[fits:] fits (the empty end does), text[too_long:] does not
    while fits - too_long > 1:
        middle = (fits + too_long) // 2
        if model.count_tokens(text[middle:]) <= room:
            fits = middle
        else:
            too_long = middle
    space = _SPACE.search(text, fits)
    inside_a_word = not text[fits - 1].isspace()
    if inside_a_word and space is not None and space.start() - fits < _LONGEST_WORD and text[space.end() :].strip():
        fits = space.end()
    return FittedQuestion(text, text[fits:].strip(), tokens, room)


_FEW_LETTERS = 8  # fewer than this ("and 2020?", "और 2020 में?") tells too little: the previous question helps


def question_language(question: str, history: Sequence[tuple[str, str]] = ()) -> str | None:
    """The ISO 639-1 code of the language `question` is asked in, or None when it cannot be told surely
    (see QUESTION_MIN_CONFIDENCE: a one-word question is often too short).

    A follow-up of a few letters ("and in 2020?") is read together with the previous question of
    `history` (`(role, content)` pairs, oldest first), which says more about the language of the talk.

    Raises:
        ImportError: py3langid is not installed (a broken install).
    """
    letters = sum(character.isalpha() for character in question)
    if letters < _FEW_LETTERS:
        previous = next((content for role, content in reversed(history) if role == "user"), "")
        if previous:
            return detect_language(f"{previous}\n{question}", min_confidence=QUESTION_MIN_CONFIDENCE)
    return detect_language(question, min_confidence=QUESTION_MIN_CONFIDENCE)
