"""A real HTTP API server (`python -m app serve-api` under uvicorn) on 127.0.0.1, over a data folder made here.

Collections, shares and API keys are written to the data folder's catalog before the server starts (no model,
no Chroma in the test process); documents go in through the API itself.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from app.config import load_settings
from app.store.access import User
from app.store.data_folder import DataFolder
from tests.servers import Server, free_port, running, start_server

ROOT = Path(__file__).resolve().parents[2]
ALICE = User("alice@example.com", frozenset({"finance"}))
BOB = User("bob@example.com", frozenset({"legal"}))
CAROL = User("carol@example.com")
MAX_UPLOAD_MB = 1


@dataclass
class Api:
    server: Server
    data_dir: Path
    keys: dict[str, str] = field(default_factory=dict)  # alice, bob, carol (reads alice's), revoked (alice's)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, who: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[who]}"} if who else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120)

    def documents(self, collection: str) -> list[str]:
        """The document names of `collection`, read as its owner."""
        owner = "bob" if collection.startswith("bob") else "alice"
        with self.client(owner) as client:
            response = client.get(f"/v1/collections/{collection}/documents")
        response.raise_for_status()
        return [document["name"] for document in response.json()["documents"]]


def _prepare(data_dir: Path) -> dict[str, str]:
    data = DataFolder(load_settings(DATA_DIR=str(data_dir)))
    access = data.access
    for user, name in ((ALICE, "alice-notes"), (ALICE, "alice-scratch"), (BOB, "bob-notes")):
        access.create(user, data.collections, name)
    access.share(ALICE, "alice-notes", CAROL.id)
    access.share(ALICE, "alice-scratch", CAROL.id)
    revoked = access.create_api_key(ALICE, "old laptop")
    access.revoke_api_key(ALICE, revoked.split("_")[1])
    return {
        "alice": access.create_api_key(ALICE),
        "bob": access.create_api_key(BOB),
        "carol": access.create_api_key(CAROL),
        "revoked": revoked,
    }


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, report_pdf: bytes) -> Iterator[Api]:
    """The API serving alice-notes (report.pdf, shared with Carol to read), alice-scratch (empty, shared with
    Carol) and bob-notes (a note of Bob's); uploads are limited to MAX_UPLOAD_MB."""
    folder = tmp_path_factory.mktemp("api")
    data_dir = folder / "data"
    keys = _prepare(data_dir)
    port = free_port()
    env = {
        "DATA_DIR": str(data_dir),
        "MAX_UPLOAD_MB": str(MAX_UPLOAD_MB),
        "LLM_API_BASE": "",
        "OPENAI_API_BASE": "",
        "CHROMA_HOST": "",
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "app", "serve-api", "--host", "127.0.0.1", "--port", str(port)]
    server = start_server(command, port=port, log=folder / "api-server.log", env=env)
    with running(server, health="/healthz", deadline_s=180, expect=b'{"status":"ok"}'):
        api = Api(server, data_dir, keys)
        with api.client("alice") as alice:
            uploaded = alice.post(
                "/v1/collections/alice-notes/documents",
                files=[("files", ("report.pdf", report_pdf, "application/pdf"))],
            )
            assert uploaded.status_code == 200, uploaded.text
        with api.client("bob") as bob:
            note = b"Bob's legal note: the contract with Northwind renews on the first of July."
            uploaded = bob.post("/v1/collections/bob-notes/documents", files=[("files", ("contract.txt", note))])
            assert uploaded.status_code == 200, uploaded.text
        yield api
