"""Answers from any OpenAI-compatible chat server, through LlamaIndex's OpenAILike LLM."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from app.chat.question import question_language
from app.config import Settings
from app.retrieval.passage import Passage
from app.store.language import language_name

if TYPE_CHECKING:
    from llama_index.llms.openai_like import OpenAILike

SYSTEM_PROMPT = (
    "You answer questions about the user's documents. Use only the numbered sources given with the "
    "question. Cite every claim with the number of its source in square brackets, like [1] or [2][3]. "
    "If the sources do not contain the answer, say that the documents do not answer it."
)

HISTORY_TURNS = 4


def language_instruction(language: str | None) -> str:
    """The system prompt's last sentence: answer in the question's language (`language`, ISO 639-1), named
    when it was detected, described when not (None)."""
    which = f"{language_name(language)}, the language of the question" if language else "the language of the question"
    return f"Answer in {which}, even where the sources are in another language."


def build_llm(settings: Settings) -> OpenAILike | None:
    """The configured chat model, or None when no server is set (answers are then extractive)."""
    if not settings.llm_api_base:
        return None
    from llama_index.llms.openai_like import OpenAILike  # a second to import: only when a server is set

    return OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_api_base,
        api_key=settings.llm_api_key.get_secret_value() or "not-needed",
        is_chat_model=True,
        timeout=settings.llm_timeout,
        max_retries=1,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        additional_kwargs={"extra_body": settings.llm_extra_body} if settings.llm_extra_body else {},
    )


def build_messages(
    question: str, passages: Sequence[Passage], history: Sequence[tuple[str, str]] = ()
) -> list[ChatMessage]:
    """System prompt (asking for the question's language, detected and named), the last few turns, then the
    question with its numbered sources."""
    sources = "\n\n".join(
        f"[{number}] {passage.citation}\n{passage.text}" for number, passage in enumerate(passages, start=1)
    )
    language = language_instruction(question_language(question, history))
    messages = [ChatMessage(role=MessageRole.SYSTEM, content=f"{SYSTEM_PROMPT} {language}")]
    for role, content in list(history)[-2 * HISTORY_TURNS :]:
        messages.append(ChatMessage(role=MessageRole(role), content=content))
    messages.append(ChatMessage(role=MessageRole.USER, content=f"Sources:\n\n{sources}\n\nQuestion: {question}"))
    return messages


def stream_answer(llm: OpenAILike, messages: list[ChatMessage]) -> Iterator[str]:
    for response in llm.stream_chat(messages):
        if response.delta:
            yield response.delta
