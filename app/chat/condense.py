"""Follow-up questions: turn "and how hot is it?" into a question retrieval can answer on its own."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from app.chat.question import question_language
from app.store.language import language_name

if TYPE_CHECKING:
    # OpenAI's client costs a second to import: only a configured LLM brings it in (see build_llm).
    from llama_index.llms.openai_like import OpenAILike

log = logging.getLogger(__name__)

CONDENSE_PROMPT = (
    "Rewrite the user's last question as one standalone question that can be understood without the "
    "conversation, keeping its meaning. {language} Reply with the question only.\n\n"
    "Conversation:\n{conversation}\n\nLast question: {question}\n\nStandalone question:"
)
# The rewrite keeps the language of the question: keyword search matches words of the documents' language,
# and the answer is written in the language the user asked in.
CONDENSE_LANGUAGE = "Write it in {language}, the language of the last question; do not translate it."
CONDENSE_LANGUAGE_UNKNOWN = "Write it in the language of the last question; do not translate it."
CONDENSE_TURNS = 3  # earlier turns rarely change what a follow-up refers to
CONDENSE_MAX_TOKENS = 64


def previous_user_question(history: Sequence[tuple[str, str]]) -> str:
    return next((content for role, content in reversed(history) if role == "user"), "")


def fallback_query(question: str, history: Sequence[tuple[str, str]]) -> str:
    """Without a language model: the question plus the previous one, so "how hot is it?" keeps its subject."""
    previous = previous_user_question(history)
    return f"{previous} {question}" if previous else question


def condense_prompt(question: str, history: Sequence[tuple[str, str]]) -> str:
    """What the language model is asked: the last turns of `history` ((role, content), oldest first), the
    question, and the language to keep (the question's, named when detected)."""
    conversation = "\n".join(f"{role}: {' '.join(content.split())}" for role, content in history[-2 * CONDENSE_TURNS :])
    code = question_language(question, history)
    language = CONDENSE_LANGUAGE.format(language=language_name(code)) if code else CONDENSE_LANGUAGE_UNKNOWN
    return CONDENSE_PROMPT.format(conversation=conversation, question=question, language=language)


def condense_question(question: str, history: Sequence[tuple[str, str]], llm: OpenAILike | None) -> str:
    """The query to retrieve with: the question itself, rewritten by the LLM, or the fallback."""
    if not history:
        return question
    if llm is None:
        return fallback_query(question, history)
    import openai

    prompt = condense_prompt(question, history)
    try:
        response = llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)], max_tokens=CONDENSE_MAX_TOKENS)
    except openai.OpenAIError as exc:
        # The answer step reports an unreachable LLM; retrieval must not fail because of it.
        log.warning("could not condense the follow-up question, using the fallback: %s", exc)
        return fallback_query(question, history)
    condensed = " ".join((response.message.content or "").split())
    if not condensed:
        log.warning("the chat model returned an empty rewrite of the follow-up question, using the fallback")
        return fallback_query(question, history)
    return condensed
