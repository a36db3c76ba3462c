"""Many question streams at once against one Workspace (one app process), answered by a real LLM server.

Errors only, never timing: latency under load is measured by `benchmarks/load.py`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from app.chat.engine import Answer
from tests.conftest import PAGE2_QUESTION
from tests.reliability.conftest import CHAT_API_KEY, CHAT_MODEL, TINY_CHAT_SETTINGS
from tests.reliability.restartable import RestartableServer

STREAMS = 6
QUESTIONS_PER_STREAM = 2
QUESTIONS = [PAGE2_QUESTION, "Where do puffins nest?", "Who ground the grain into flour?"]


def test_concurrent_question_streams_all_get_streamed_cited_answers(
    chat: RestartableServer, open_workspace, report_pdf: bytes
) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(
        LLM_API_BASE=f"{chat.url}/v1",
        LLM_MODEL=CHAT_MODEL,
        LLM_API_KEY=CHAT_API_KEY,
        LLM_MAX_TOKENS=24,
        **TINY_CHAT_SETTINGS,
    )
    assert workspace.ingest([("report.pdf", report_pdf)])[0].status == "indexed"

    def stream(number: int) -> list[tuple[Answer, str]]:
        answers = []
        for turn in range(QUESTIONS_PER_STREAM):
            answer = workspace.ask(QUESTIONS[(number + turn) % len(QUESTIONS)])
            answers.append((answer, "".join(answer.chunks)))  # read the stream to its end, as the UI does
        return answers

    with ThreadPoolExecutor(STREAMS) as pool:
        results = [answer for stream_answers in pool.map(stream, range(STREAMS)) for answer in stream_answers]

    assert len(results) == STREAMS * QUESTIONS_PER_STREAM
    for answer, text in results:
        assert answer.mode == "llm" and answer.notice == "", answer.notice
        assert "cut off" not in text
        assert answer.sources and all(p.file_name == "report.pdf" for p in answer.sources)
    cited_pages = {answer.sources[0].location for answer, _ in results}
    assert cited_pages == {"page 1", "page 2", "page 3"}, "each question found its own page under load"
