"""Turn a question and its retrieved passages into a streamed, cited answer."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import httpx

if TYPE_CHECKING:
    # OpenAI's client costs a second to import: only a configured LLM brings it in (see build_llm).
    from llama_index.llms.openai_like import OpenAILike

from app.chat.extractive import Highlight, best_sentences, extractive_answer
from app.chat.llm import build_messages, stream_answer
from app.embeddings.protocol import Embedding
from app.retrieval.passage import Passage
from app.urls import redact_url

log = logging.getLogger(__name__)

NO_DOCUMENTS = "No documents are indexed yet. Upload a file in the sidebar (or run `python -m app ingest PATH`)."
STILL_INDEXING = "No document is ready to search yet: {pending} still being indexed. Ask again when indexing is done."
NO_KEYWORD_MATCH = (
    "No passage contains the words of your question (keyword search over {documents}). Try other words "
    "or spellings, or search by meaning: hybrid or dense retrieval (the sidebar, or RETRIEVAL_MODE)."
)
NO_PASSAGE = "No passage of {documents} came back for this question. Try other words."
NO_PASSAGE_WHILE_INDEXING = (
    "No passage of {documents} came back for this question: the closest passages belong to {pending} "
    "still being indexed. Ask again when indexing is done."
)


def _documents(count: int, kind: str = "") -> str:
    return f"{count} {kind}{' ' if kind else ''}document{'' if count == 1 else 's'}"


def no_passage_text(mode: str, ready: int, pending: int) -> str:
    """Why a search returned nothing, from what was searchable then.

    `mode` is the retrieval mode ("dense", "keyword" or "hybrid"); `ready` counts the documents with
    chunks that searches return, `pending` those being indexed (or removed) now.
    """
    if ready == 0:
        return STILL_INDEXING.format(pending=_documents(pending)) if pending else NO_DOCUMENTS
    indexed = _documents(ready, "indexed")
    if mode == "keyword":
        return NO_KEYWORD_MATCH.format(documents=indexed)
    if pending:
        # A dense search reads a fixed number of nearest chunks, then drops those of unfinished documents.
        return NO_PASSAGE_WHILE_INDEXING.format(documents=indexed, pending=_documents(pending))
    return NO_PASSAGE.format(documents=indexed)


def not_found_text(best: float, threshold: float) -> str:
    return (
        "Not found in your documents: no passage is close enough to the question "
        f"(the best match scores {best:.2f}, below the {threshold:.2f} needed). "
        "The closest passages are listed below, but they probably do not answer it. "
        "Try other words, or upload the document that does."
    )


@dataclass
class Answer:
    mode: Literal["llm", "extractive", "not_found"]
    sources: list[Passage]
    chunks: Iterator[str]
    notice: str = ""
    highlights: list[Highlight] = field(default_factory=list)
    query: str = ""  # what retrieval searched for: the question, or a follow-up made standalone

    def text(self) -> str:
        """Consume the stream and return the whole answer."""
        return "".join(self.chunks)


def _llm_failure(exc: Exception, llm: OpenAILike) -> str:
    import openai

    where = redact_url(llm.api_base)
    if isinstance(exc, openai.AuthenticationError):
        return f"The language model at {where} rejected the API key. Check LLM_API_KEY (or OPENAI_API_KEY)."
    if isinstance(exc, openai.NotFoundError):
        return f"The language model '{llm.model}' is not served at {where}. Check LLM_MODEL."
    if isinstance(exc, openai.BadRequestError):
        # Seen with a small-context model: question, history and passages exceeded its --max-model-len.
        return (
            f"The language model at {where} refused the request: {exc.message} "
            "If the prompt is too long for it, lower TOP_K or CHUNK_SIZE, or serve it with a longer --max-model-len."
        )
    return (
        f"The language model at {where} could not be reached ({type(exc).__name__}). "
        "Check that the server is running and LLM_API_BASE is right."
    )


def _joined(*notices: str) -> str:
    return " ".join(notice for notice in notices if notice)


def _guarded(first: str, rest: Iterator[str]) -> Iterator[str]:
    import openai

    yield first
    try:
        yield from rest
    # A server that dies mid-stream surfaces as httpx's own error (e.g. RemoteProtocolError, "incomplete
    # chunked read"): the OpenAI client wraps errors of the request, not of reading its stream.
    # Found by tests/reliability/test_llm_server_dies.py, which kills a real server mid-answer.
    except (openai.OpenAIError, httpx.HTTPError) as exc:
        log.warning("answer stream broke off: %s", exc)
        yield f"\n\n*(The answer was cut off: the language model stopped responding: {type(exc).__name__}.)*"


def answer_question(
    question: str,
    passages: Sequence[Passage],
    *,
    embedding: Embedding,
    llm: OpenAILike | None,
    history: Sequence[tuple[str, str]] = (),
    not_found_threshold: float = 0.0,
    search_query: str | None = None,
    embedded_query: str | None = None,
    notice: str = "",
    no_passage: str = NO_DOCUMENTS,
) -> Answer:
    """Answer from `passages`, whose scores are cosine similarities to `embedded_query`.

    `search_query` is what was searched (default: the question); `embedded_query` the part of it the
    embedding model read (default: all of it). `notice` goes before any notice of the answer's own, and
    `no_passage` is the reply when `passages` is empty (see `no_passage_text`).
    When the best is below `not_found_threshold` the documents are taken not to hold the answer: the
    reply says so plainly instead of asking an LLM to write one from unrelated passages (0 disables it).
    """
    query = search_query or question
    sources = list(passages)
    if not sources:
        return Answer("extractive", [], iter([no_passage]), notice, query=query)
    best = max(p.score for p in sources)
    if not_found_threshold > 0 and best < not_found_threshold:
        return Answer("not_found", sources, iter([not_found_text(best, not_found_threshold)]), notice, query=query)
    if llm is not None:
        import openai

        stream = stream_answer(llm, build_messages(question, sources, history))
        try:
            # Wait for the first visible text: a reply of only whitespace would show as an empty answer.
            first = next((chunk for chunk in stream if chunk.strip()), "")
        except (openai.OpenAIError, httpx.HTTPError) as exc:  # httpx: the server died before its first chunk
            log.warning("LLM failed, answering extractively: %s", exc)
            notice = _joined(notice, _llm_failure(exc, llm) + " Showing an extractive answer instead.")
        else:
            if first:
                return Answer("llm", sources, _guarded(first.lstrip(), stream), notice, query=query)
            log.warning("LLM %s at %s returned an empty answer", llm.model, redact_url(llm.api_base))
            notice = _joined(
                notice,
                f"The language model at {redact_url(llm.api_base)} returned an empty answer. "
                "Showing an extractive answer instead.",
            )
    highlights = best_sentences(embedded_query or query, sources, embedding)
    return Answer("extractive", sources, iter([extractive_answer(highlights)]), notice, highlights, query)
