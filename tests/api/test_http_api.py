"""The HTTP API as clients use it: a real uvicorn server, the official `openai` client, real keys and files."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from tests.api.conftest import MAX_UPLOAD_MB, Api
from tests.conftest import PAGE2_QUESTION


def error_of(response: httpx.Response, status: int) -> dict[str, str]:
    """The JSON error body of a response that must have `status`."""
    assert response.status_code == status, response.text
    error: dict[str, str] = response.json()["error"]
    assert error["message"], response.text
    assert set(error) == {"message", "hint", "type"}
    return error


def openai_client(api: Api, who: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api.url}/v1", api_key=api.keys[who], max_retries=0, timeout=120)


def ask(question: str) -> dict[str, Any]:
    return {"model": "alice-notes", "messages": [{"role": "user", "content": question}]}


# Answers through the openai client.


def test_the_openai_client_streams_an_answer_with_citations_and_its_sources_last(api: Api) -> None:
    stream = openai_client(api, "alice").chat.completions.create(
        model="alice-notes", messages=[{"role": "user", "content": PAGE2_QUESTION}], stream=True
    )
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert "550 degrees" in text
    assert "Sources:\n[1] report.pdf, page 2" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    sources = (last.model_extra or {})["sources"]
    assert (sources[0]["file"], sources[0]["location"]) == ("report.pdf", "page 2")
    assert "liquid sodium" in sources[0]["text"]
    assert all("sources" not in (chunk.model_extra or {}) for chunk in chunks[:-1])


def test_a_non_streamed_answer_has_the_same_citations_and_a_sources_field(api: Api) -> None:
    response = openai_client(api, "alice").chat.completions.create(
        model="alice-notes",
        messages=[
            {"role": "user", "content": "What cools the Zephyr-9 reactor?"},
            {"role": "assistant", "content": "Liquid sodium at 550 degrees Celsius [1]."},
            {"role": "user", "content": "When was its coolant pump replaced?"},
        ],
    )
    text = response.choices[0].message.content or ""
    assert "March 2021" in text
    assert "Sources:\n[1] report.pdf, page 2" in text
    extra = response.model_extra or {}
    assert extra["answer_mode"] == "extractive"
    sources = extra["sources"]
    assert sources[0]["location"] == "page 2"
    assert sources[0]["score"] > 0
    assert [source["number"] for source in sources] == list(range(1, len(sources) + 1))


def test_the_models_are_the_collections_the_key_can_read(api: Api) -> None:
    assert [model.id for model in openai_client(api, "alice").models.list()] == ["alice-notes", "alice-scratch"]
    assert [model.id for model in openai_client(api, "bob").models.list()] == ["bob-notes"]
    assert [model.id for model in openai_client(api, "carol").models.list()] == ["alice-notes", "alice-scratch"]


# Keys.


def test_a_revoked_key_gets_401_with_a_json_error(api: Api) -> None:
    with api.client("revoked") as client:
        error = error_of(client.post("/v1/chat/completions", json=ask(PAGE2_QUESTION)), 401)
    assert "revoked" in error["message"]
    assert error["type"] == "authentication_error"
    with pytest.raises(openai.AuthenticationError, match="revoked"):
        openai_client(api, "revoked").chat.completions.create(**ask(PAGE2_QUESTION))


def test_a_missing_or_unknown_key_gets_401_with_a_json_error(api: Api) -> None:
    with api.client(None) as client:
        error = error_of(client.get("/v1/collections"), 401)
        assert error["message"] == "No valid API key was sent."
        assert "Authorization: Bearer" in error["hint"]
        response = client.get("/v1/collections", headers={"Authorization": "Bearer jrag_000000000000_" + "x" * 40})
        assert error_of(response, 401)["message"] == "The API key is not valid."
        for header in ("Basic jrag_000000000000_" + "x" * 40, "jrag_000000000000_" + "x" * 40):
            wrong_scheme = client.get("/v1/collections", headers={"Authorization": header})
            assert error_of(wrong_scheme, 401)["message"] == "The Authorization header is not 'Bearer <key>'."


def test_another_users_collection_gets_404_like_a_missing_one(api: Api) -> None:
    with api.client("bob") as client:
        hidden = error_of(client.post("/v1/chat/completions", json=ask(PAGE2_QUESTION)), 404)
        missing = error_of(client.post("/v1/chat/completions", json={**ask(PAGE2_QUESTION), "model": "nothing"}), 404)
    assert hidden["message"].replace("alice-notes", "X") == missing["message"].replace("nothing", "X")
    with pytest.raises(openai.NotFoundError, match="no collection named 'alice-notes'"):
        openai_client(api, "bob").chat.completions.create(**ask(PAGE2_QUESTION), stream=True)


# A user without access gets nothing of the collection, from any endpoint.


def _alice_document(api: Api) -> dict[str, Any]:
    with api.client("alice") as client:
        (document,) = client.get("/v1/collections/alice-notes/documents").json()["documents"]
    return dict(document)


def test_every_endpoint_returns_nothing_of_a_collection_to_a_user_without_access(api: Api) -> None:
    document = _alice_document(api)
    secrets = ("report.pdf", "sodium", "puffin", document["sha256"], "alice@example.com")
    with api.client("bob") as client:
        collection_scoped = [
            client.post("/v1/chat/completions", json=ask(PAGE2_QUESTION)),
            client.post("/v1/chat/completions", json={**ask(PAGE2_QUESTION), "stream": True}),
            client.post("/v1/search", json={"collection": "alice-notes", "query": PAGE2_QUESTION}),
            client.get("/v1/collections/alice-notes/documents"),
            client.post(
                "/v1/collections/alice-notes/documents", files=[("files", ("x.txt", b"Bob was here, really."))]
            ),
            client.delete(f"/v1/collections/alice-notes/documents/{document['sha256']}"),
        ]
        listings = [client.get("/v1/collections"), client.get("/v1/models")]
    for response in collection_scoped:
        error_of(response, 404)
    for response in listings:
        assert response.status_code == 200
        assert "alice-notes" not in response.text
    for response in collection_scoped + listings:
        assert not [secret for secret in secrets if secret in response.text], response.text
    assert api.documents("alice-notes") == ["report.pdf"]


def test_a_reader_reads_but_can_neither_upload_nor_delete(api: Api) -> None:
    document = _alice_document(api)
    with api.client("carol") as client:
        listed = client.get("/v1/collections").json()["collections"]
        found = client.post("/v1/search", json={"collection": "alice-notes", "query": PAGE2_QUESTION, "top_k": 2})
        upload = client.post(
            "/v1/collections/alice-notes/documents", files=[("files", ("carol.txt", b"Carol adds a note here."))]
        )
        delete = client.delete(f"/v1/collections/alice-notes/documents/{document['sha256']}")
    assert {c["name"]: (c["owner"], c["documents"], c["can_manage"]) for c in listed} == {
        "alice-notes": ("alice@example.com", 1, False),
        "alice-scratch": ("alice@example.com", 0, False),
    }
    assert found.status_code == 200
    assert [p["location"] for p in found.json()["passages"]][:1] == ["page 2"]
    assert len(found.json()["passages"]) <= 2
    assert "add documents" in error_of(upload, 403)["message"]
    assert "delete its documents" in error_of(delete, 403)["message"]
    assert api.documents("alice-notes") == ["report.pdf"]


# Bad input: a 4xx with a clear message, never a 500, nothing stored.


def test_malformed_json_is_a_400_on_every_json_endpoint(api: Api) -> None:
    with api.client("alice") as client:
        for path in ("/v1/chat/completions", "/v1/search"):
            response = client.post(path, content=b'{"model": "alice-notes", "messages": [', headers=JSON)
            assert error_of(response, 400)["message"] == "The request body is not valid JSON."


JSON = {"Content-Type": "application/json"}


def test_bodies_of_the_wrong_shape_are_422_naming_the_field(api: Api) -> None:
    with api.client("alice") as client:
        no_messages = client.post("/v1/chat/completions", json={"model": "alice-notes", "messages": []})
        no_model = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
        bad_top_k = client.post("/v1/search", json={"collection": "alice-notes", "query": "reactor", "top_k": 0})
        no_files = client.post("/v1/collections/alice-scratch/documents", data={"note": "no file"})
    assert "messages" in error_of(no_messages, 422)["message"]
    assert "model" in error_of(no_model, 422)["message"]
    assert "top_k" in error_of(bad_top_k, 422)["message"]
    assert "files" in error_of(no_files, 422)["message"]


def test_an_empty_question_is_a_400_and_is_not_searched(api: Api) -> None:
    with api.client("alice") as client:
        blank = client.post("/v1/chat/completions", json=ask("   ?! "))
        blank_stream = client.post("/v1/chat/completions", json={**ask(""), "stream": True})
        blank_search = client.post("/v1/search", json={"collection": "alice-notes", "query": " "})
        null_part = client.post(
            "/v1/chat/completions",
            json={"model": "alice-notes", "messages": [{"role": "user", "content": [{"type": "text", "text": None}]}]},
        )
        last_is_answer = client.post(
            "/v1/chat/completions",
            json={"model": "alice-notes", "messages": [{"role": "assistant", "content": "Hello, ask me."}]},
        )
    for response in (blank, blank_stream, blank_search, null_part):
        assert error_of(response, 400)["type"] == "empty_question_error"
    assert "no question" in error_of(last_is_answer, 400)["message"]


def test_an_unknown_collection_is_a_404_on_every_endpoint(api: Api) -> None:
    with api.client("alice") as client:
        responses = [
            client.post("/v1/chat/completions", json={**ask("reactor?"), "model": "nope"}),
            client.post("/v1/search", json={"collection": "nope", "query": "reactor"}),
            client.get("/v1/collections/nope/documents"),
            client.post("/v1/collections/nope/documents", files=[("files", ("a.txt", b"Some words of a note."))]),
            client.delete("/v1/collections/nope/documents/" + "0" * 64),
            client.delete("/v1/collections/alice-notes/documents/" + "0" * 64),
            client.get("/v1/no-such-endpoint"),
        ]
    for response in responses:
        error_of(response, 404)
    assert api.documents("alice-notes") == ["report.pdf"]


def test_a_file_over_the_upload_limit_is_413_and_nothing_of_the_upload_is_stored(api: Api) -> None:
    big = b"The warehouse inventory lists pallets of copper wire. " * (MAX_UPLOAD_MB * 1_000_000 // 50)
    small = b"A small note that would fit on its own."
    with api.client("alice") as client:
        response = client.post(
            "/v1/collections/alice-scratch/documents",
            files=[("files", ("small.txt", small)), ("files", ("../big.txt", big))],
        )
    error = error_of(response, 413)
    assert error["message"] == f"'big.txt' is {len(big) / 1e6:.1f} MB, over the {MAX_UPLOAD_MB} MB limit."
    assert error["hint"] == "Split the file or raise MAX_UPLOAD_MB."
    assert api.documents("alice-scratch") == []


def test_a_path_traversal_file_name_is_reduced_to_its_last_part(api: Api) -> None:
    with api.client("alice") as client:
        response = client.post(
            "/v1/collections/alice-scratch/documents",
            files=[("files", ("../../etc/passwd.txt", b"Traversal note: root is not a real user here."))],
        )
        assert response.status_code == 200, response.text
        (result,) = response.json()["results"]
        assert (result["file"], result["status"]) == ("passwd.txt", "indexed")
        assert api.documents("alice-scratch") == ["passwd.txt"]
        assert not list(api.data_dir.parent.rglob("etc"))
        (document,) = client.get("/v1/collections/alice-scratch/documents").json()["documents"]
        deleted = client.delete(f"/v1/collections/alice-scratch/documents/{document['sha256']}")
    assert deleted.json() == {"collection": "alice-scratch", "deleted": document["sha256"]}
    assert api.documents("alice-scratch") == []


def test_an_unreadable_file_is_422_with_the_readers_reason_and_nothing_stored(api: Api) -> None:
    with api.client("alice") as client:
        response = client.post(
            "/v1/collections/alice-scratch/documents", files=[("files", ("scan.pdf", b"%PDF-1.7 not really a pdf"))]
        )
    error = error_of(response, 422)
    assert error["message"].startswith("Nothing was indexed: scan.pdf: ")
    assert api.documents("alice-scratch") == []


def test_health_and_docs_need_no_key(api: Api) -> None:
    with api.client(None) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/docs").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/chat/completions", "/v1/search", "/v1/collections", "/v1/models"} <= set(paths)


def test_an_upload_reports_the_documents_language_and_the_notice_and_the_list_shows_it(api: Api) -> None:
    chinese = "长城是中国古代修建的防御工程。它东起山海关，西至嘉峪关，全长两万多公里。".encode()
    with api.client("alice") as client:
        response = client.post("/v1/collections/alice-scratch/documents", files=[("files", ("wall.txt", chinese))])
        assert response.status_code == 200, response.text
        (result,) = response.json()["results"]
        (document,) = client.get("/v1/collections/alice-scratch/documents").json()["documents"]
        client.delete(f"/v1/collections/alice-scratch/documents/{document['sha256']}")
    assert result["language"] == document["language"] == "zh"
    assert "python -m app reindex --model multilingual-e5-small" in result["notice"]  # the API serves MiniLM here
