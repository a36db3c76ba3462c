"""Chinese, Arabic and Hindi through the vLLM path: the tiny random-weight jina-v4-architecture server embeds,
the app's own tokenization, sentence splitting and language detection do the rest; and questions in those
languages through the tiny chat server. Random weights: these check the flow, not the ranking."""

from __future__ import annotations

import pytest

from app.chat.condense import condense_question, fallback_query
from app.config import load_settings
from app.workspace import Workspace
from tests.integration.test_multilingual import SENTENCES
from tests.vllm.conftest import ServedModel
from tests.vllm.test_llm_server import tiny_llm

LANGUAGES = ("zh", "ar", "hi")
DOCUMENTS = {
    language: ("" if language == "zh" else " ").join(SENTENCES[language][:2]) for language in LANGUAGES
}  # the sentence that answers, then one on another topic
QUESTIONS = {language: SENTENCES[language][2] for language in LANGUAGES}


def _jina_workspace(server: ServedModel, **overrides: object) -> Workspace:
    # A random model's similarities say nothing: the "not found" check is off.
    settings = {"EMBEDDING_BACKEND": "vllm", "EMBEDDING_API_BASE": server.url, "NOT_FOUND_THRESHOLD": 0}
    return Workspace(load_settings(**{**settings, **overrides}))


@pytest.mark.usefixtures("data_dir")
def test_chinese_arabic_and_hindi_documents_go_through_the_jina_server(jina_dense: ServedModel) -> None:
    workspace = _jina_workspace(jina_dense)
    results = workspace.ingest([(f"{language}.txt", text.encode()) for language, text in DOCUMENTS.items()])

    # jina v4 reads these languages: each is indexed with its language and no notice.
    assert [(r.status, r.language, r.notice) for r in results] == [("indexed", language, "") for language in LANGUAGES]
    assert {record.name: record.language for record in workspace.documents()} == {
        f"{language}.txt": language for language in LANGUAGES
    }
    keyword = _jina_workspace(jina_dense, RETRIEVAL_MODE="keyword")
    dense = _jina_workspace(jina_dense, RETRIEVAL_MODE="dense")
    for language, question in QUESTIONS.items():
        # Keyword search is the app's own segmentation: it finds the document whatever the weights.
        assert keyword.retrieve(question)[0].file_name == f"{language}.txt"
        # Dense search asks the server for the question's vector: every document comes back, in some order.
        assert {passage.file_name for passage in dense.retrieve(question)} == {f"{code}.txt" for code in LANGUAGES}


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_extractive_answer_on_the_jina_server_quotes_whole_sentences_of_the_found_document(
    jina_dense: ServedModel, language: str
) -> None:
    workspace = _jina_workspace(jina_dense, RETRIEVAL_MODE="keyword", TOP_K=1)
    workspace.ingest([(f"{code}.txt", text.encode()) for code, text in DOCUMENTS.items()])

    answer = workspace.ask(QUESTIONS[language])

    assert answer.mode == "extractive" and answer.sources[0].file_name == f"{language}.txt"
    # The server's vectors pick which sentence; whichever it is, it is quoted whole, in its script.
    assert {highlight.sentence for highlight in answer.highlights} <= set(SENTENCES[language][:2])
    assert answer.highlights and answer.highlights[0].sentence in answer.text()


@pytest.mark.usefixtures("data_dir")
def test_a_chinese_question_and_its_follow_up_go_through_the_chat_server(
    chat_server: ServedModel,
    embedding,  # type: ignore[no-untyped-def]
) -> None:
    settings = load_settings(
        LLM_API_BASE=chat_server.url, LLM_MODEL=chat_server.model, LLM_API_KEY="x", NOT_FOUND_THRESHOLD=0
    )
    workspace = Workspace(settings, embedding=embedding)
    workspace.llm = tiny_llm(chat_server)
    workspace.ingest([("zh.txt", DOCUMENTS["zh"].encode())])

    first = workspace.ask(QUESTIONS["zh"])
    assert first.mode == "llm" and first.text()  # the prompt named Chinese (tests/unit/test_answer_language.py)

    history = [("user", QUESTIONS["zh"]), ("assistant", "长城是防御工程 [1]。")]
    follow_up = "它有多长？"
    condensed = condense_question(follow_up, history, tiny_llm(chat_server))
    assert condensed and condensed != fallback_query(follow_up, history), "the server's rewrite became the query"
    answer = workspace.ask(follow_up, history=history)
    assert answer.mode == "llm" and answer.query == condensed and answer.sources
