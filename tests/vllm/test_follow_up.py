"""Follow-up questions through a real chat server: the question is condensed before retrieval."""

from __future__ import annotations

import pytest

from app.chat.condense import condense_question, fallback_query
from app.config import load_settings
from tests.vllm.conftest import ServedModel
from tests.vllm.test_llm_server import tiny_llm

HISTORY = [("user", "What does the Zephyr-9 reactor cooling loop use?"), ("assistant", "Liquid sodium [1].")]


def test_a_follow_up_is_rewritten_by_the_chat_server(chat_server: ServedModel) -> None:
    condensed = condense_question("How hot is it?", HISTORY, tiny_llm(chat_server))
    # Random weights write noise; what matters is that the server's reply became the query.
    assert condensed and condensed != fallback_query("How hot is it?", HISTORY)
    assert condensed == condense_question("How hot is it?", HISTORY, tiny_llm(chat_server)), "seeded: repeatable"
    assert len(condensed.split()) <= 64, "the rewrite is bounded by its token budget"


def test_a_first_question_is_not_sent_for_rewriting(chat_server: ServedModel) -> None:
    assert condense_question("How hot is it?", [], tiny_llm(chat_server)) == "How hot is it?"


def test_a_rejected_key_falls_back_to_the_previous_question(chat_server: ServedModel) -> None:
    llm = tiny_llm(chat_server, api_key="wrong-key")
    assert condense_question("How hot is it?", HISTORY, llm) == fallback_query("How hot is it?", HISTORY)


@pytest.mark.usefixtures("data_dir")
def test_the_app_retrieves_with_the_condensed_question(chat_server: ServedModel, embedding, report_pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    from app.workspace import Workspace

    # The random model's rewrite is noise, far from every passage: the "not found" check is off here.
    settings = load_settings(
        LLM_API_BASE=chat_server.url, LLM_MODEL=chat_server.model, LLM_API_KEY="x", NOT_FOUND_THRESHOLD=0
    )
    workspace = Workspace(settings, embedding=embedding)
    workspace.llm = tiny_llm(chat_server)
    workspace.ingest([("report.pdf", report_pdf)])
    answer = workspace.ask("How hot is it?", history=HISTORY)
    assert answer.mode == "llm" and answer.text()
    assert answer.query == condense_question("How hot is it?", HISTORY, tiny_llm(chat_server))
    assert answer.sources, "retrieval ran on the condensed query"
