"""Answers streamed by a real OpenAI-compatible server: vLLM serving a tiny random-weight chat model.

Random weights write noise: these tests check the streaming protocol and the failure paths, not
answer quality. A seed, a temperature and `ignore_eos` make the noise repeatable and non-empty.
"""

from __future__ import annotations

import pytest
from llama_index.llms.openai_like import OpenAILike

from app.chat.engine import answer_question
from app.chat.llm import build_llm
from app.config import load_settings
from app.retrieval.passage import Passage
from tests.vllm.conftest import ServedModel

PASSAGES = [Passage("report.pdf", "page 2", 0.61, "The coolant is liquid sodium at 550 degrees Celsius.", "s", "c")]


def tiny_llm(server: ServedModel, api_key: str | None = None) -> OpenAILike:
    llm = build_llm(
        load_settings(LLM_API_BASE=server.url, LLM_MODEL=server.model, LLM_API_KEY=api_key or server.api_key or "")
    )
    assert llm is not None
    llm.temperature = 0.8
    llm.max_tokens = 40
    llm.additional_kwargs = {"seed": 1, "extra_body": {"ignore_eos": True}}
    return llm


def test_answers_stream_from_the_chat_server(chat_server: ServedModel, embedding) -> None:  # type: ignore[no-untyped-def]
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=tiny_llm(chat_server))
    assert answer.mode == "llm" and answer.notice == ""
    chunks = list(answer.chunks)
    assert len(chunks) > 5, "the answer arrives in pieces, not at once"
    again = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=tiny_llm(chat_server))
    assert "".join(chunks) == again.text() != "", "seeded: the same non-empty text twice"
    assert answer.sources == PASSAGES


def test_a_rejected_key_falls_back_to_an_extractive_answer(chat_server: ServedModel, embedding) -> None:  # type: ignore[no-untyped-def]
    llm = tiny_llm(chat_server, api_key="wrong-key")
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=llm)
    assert answer.mode == "extractive" and "LLM_API_KEY" in answer.notice
    assert "550 degrees" in answer.text()


def test_an_unknown_model_names_the_setting(chat_server: ServedModel, embedding) -> None:  # type: ignore[no-untyped-def]
    llm = tiny_llm(chat_server)
    llm.model = "gpt-nonexistent"
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=llm)
    assert answer.mode == "extractive" and "LLM_MODEL" in answer.notice


@pytest.mark.usefixtures("data_dir")
def test_the_app_answers_through_the_chat_server(chat_server: ServedModel, embedding, report_pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    from app.workspace import Workspace

    settings = load_settings(
        LLM_API_BASE=chat_server.url, LLM_MODEL=chat_server.model, LLM_API_KEY=str(chat_server.api_key)
    )
    workspace = Workspace(settings, embedding=embedding)
    workspace.llm = tiny_llm(chat_server)
    workspace.ingest([("report.pdf", report_pdf)])
    assert "tiny-chat" in workspace.status().llm
    answer = workspace.ask("What temperature is the reactor coolant?")
    assert answer.mode == "llm" and answer.text()
    assert (answer.sources[0].file_name, answer.sources[0].location) == ("report.pdf", "page 2")


def test_an_empty_reply_falls_back_to_an_extractive_answer(chat_server: ServedModel, embedding) -> None:  # type: ignore[no-untyped-def]
    """Greedy decoding makes the random model write only newlines (or stop at once): nothing to show."""
    llm = tiny_llm(chat_server)
    llm.temperature = 0.0
    llm.max_tokens = 8
    llm.additional_kwargs = {}
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=llm)
    assert answer.mode == "extractive" and "returned an empty answer" in answer.notice
    assert "550 degrees" in answer.text()
