"""The answer engine without a chat server: the prompt it would send, and every extractive path.

Streaming from a real OpenAI-compatible server (vLLM) is tested in tests/vllm/test_llm_server.py.
"""

from __future__ import annotations

from llama_index.core.base.llms.types import MessageRole

from app.chat.condense import condense_question
from app.chat.engine import answer_question
from app.chat.llm import build_llm, build_messages
from app.config import load_settings
from app.retrieval.passage import Passage
from tests.servers import free_port

PASSAGES = [
    Passage("report.pdf", "page 2", 0.61, "The coolant is liquid sodium at 550 degrees Celsius.", "sha", "c1"),
    Passage("notes.docx", "", 0.20, "Cats sleep sixteen hours a day.", "sha2", "c2"),
]


def test_prompt_numbers_the_sources_and_asks_for_citations() -> None:
    messages = build_messages("How hot is the coolant?", PASSAGES)
    assert messages[0].role == MessageRole.SYSTEM and "square brackets" in str(messages[0].content)
    prompt = str(messages[-1].content)
    assert "[1] report.pdf, page 2\nThe coolant is liquid sodium" in prompt
    assert "[2] notes.docx\nCats sleep" in prompt
    assert prompt.endswith("Question: How hot is the coolant?")


def test_prompt_carries_the_last_turns_of_the_conversation() -> None:
    history = [("user", "What is the coolant?"), ("assistant", "Liquid sodium [1].")] * 6
    roles = [m.role.value for m in build_messages("How hot is it?", PASSAGES, history)]
    assert roles == ["system"] + ["user", "assistant"] * 4 + ["user"]


def test_no_llm_configured_means_no_llm() -> None:
    assert build_llm(load_settings(LLM_API_BASE="")) is None


def test_llm_down_falls_back_to_an_extractive_answer_with_a_notice(embedding) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{free_port()}/v1"
    llm = build_llm(load_settings(LLM_API_BASE=url, LLM_TIMEOUT=5))
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=llm)
    assert answer.mode == "extractive"
    assert "could not be reached" in answer.notice and url in answer.notice
    assert "550 degrees" in answer.text()


def test_without_an_llm_the_answer_is_extractive_and_says_so(embedding) -> None:  # type: ignore[no-untyped-def]
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=None)
    text = answer.text()
    assert text.startswith("Extractive answer")
    assert "- The coolant is liquid sodium at 550 degrees Celsius. [1]" in text
    assert "Cats" not in text, "a sentence far weaker than the best is left out"


def test_no_passages_asks_for_documents(embedding) -> None:  # type: ignore[no-untyped-def]
    assert "No documents are indexed yet" in answer_question("x", [], embedding=embedding, llm=None).text()


def test_a_follow_up_without_an_llm_is_searched_with_the_previous_question() -> None:
    history = [("user", "What is the coolant?"), ("assistant", "Liquid sodium [1].")]
    assert condense_question("How hot is it?", history, None) == "What is the coolant? How hot is it?"
    assert condense_question("How hot is it?", [], None) == "How hot is it?"


def test_an_unreachable_llm_condenses_with_the_fallback() -> None:
    llm = build_llm(load_settings(LLM_API_BASE=f"http://127.0.0.1:{free_port()}/v1", LLM_TIMEOUT=5))
    history = [("user", "What is the coolant?"), ("assistant", "Liquid sodium [1].")]
    assert condense_question("How hot is it?", history, llm) == "What is the coolant? How hot is it?"


def test_passages_below_the_threshold_are_not_found(embedding) -> None:  # type: ignore[no-untyped-def]
    answer = answer_question("Who won the cup?", PASSAGES, embedding=embedding, llm=None, not_found_threshold=0.7)
    assert answer.mode == "not_found" and answer.sources == PASSAGES
    text = answer.text()
    assert text.startswith("Not found in your documents") and "0.61, below the 0.70" in text
    kept = answer_question("How hot?", PASSAGES, embedding=embedding, llm=None, not_found_threshold=0.6)
    assert kept.mode == "extractive", "at or above the threshold the passages answer"


def test_a_prompt_too_long_for_the_chat_model_is_named_with_its_fix() -> None:
    import httpx
    import openai
    from llama_index.llms.openai_like import OpenAILike

    from app.chat.engine import _llm_failure

    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx.Response(400, request=request)
    error = openai.BadRequestError("maximum context length is 2048 tokens", response=response, body=None)
    notice = _llm_failure(error, OpenAILike(model="m", api_base="http://127.0.0.1:9/v1", api_key="k"))
    assert "refused the request: maximum context length is 2048 tokens" in notice
    assert "lower TOP_K" in notice and "could not be reached" not in notice
