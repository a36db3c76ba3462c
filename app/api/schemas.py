"""Request and response bodies of the HTTP API (they are also its OpenAPI schema at /docs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.config import MAX_TOP_K
from app.retrieval.passage import Passage
from app.store.catalog import DocumentRecord


class ChatMessage(BaseModel):
    """One turn of an OpenAI chat: `content` is text, or a list of parts of which the `text` ones count."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(str(part.get("text") or "") for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's chat completion request; `model` is the collection to answer from. Other OpenAI fields
    (temperature, max_tokens, ...) are accepted and ignored: the server's settings decide them."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="The collection to answer from (see GET /v1/models).")
    messages: list[ChatMessage] = Field(min_length=1, description="The last user message is the question.")
    stream: bool = False
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="Passages to retrieve (default: TOP_K).")


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collection: str
    query: str
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="Passages to return (default: TOP_K).")


class Source(BaseModel):
    """A retrieved passage: its document, where in it ("page 2"), cosine-based score, and text."""

    number: int = Field(description="Its number in the answer's citations, [1] first.")
    file: str
    location: str
    score: float
    text: str
    sha256: str

    @classmethod
    def of(cls, number: int, passage: Passage) -> Source:
        return cls(
            number=number,
            file=passage.file_name,
            location=passage.location,
            score=round(passage.score, 4),
            text=passage.text,
            sha256=passage.doc_sha,
        )


class SearchResponse(BaseModel):
    collection: str
    query: str
    passages: list[Source]


class CollectionInfo(BaseModel):
    name: str
    owner: str | None = Field(description="The owner's user id; null when the admins own it.")
    documents: int | None = Field(description="Ready documents; null when the collection cannot be opened now.")
    can_manage: bool = Field(description="Whether you may upload and delete its documents.")


class CollectionList(BaseModel):
    collections: list[CollectionInfo]


class DocumentInfo(BaseModel):
    sha256: str
    name: str
    chunks: int
    added_at: str
    language: str | None = Field(None, description="ISO 639-1 code of the document's text; null: not known.")

    @classmethod
    def of(cls, record: DocumentRecord) -> DocumentInfo:
        return cls(
            sha256=record.sha256,
            name=record.name,
            chunks=record.chunks,
            added_at=record.added_at,
            language=record.language,
        )


class DocumentList(BaseModel):
    collection: str
    documents: list[DocumentInfo]


class UploadResult(BaseModel):
    """One file of an upload: status `indexed`, `replaced`, `skipped` or `failed` (with the reason)."""

    file: str = Field(description="The document's name: the upload's file name, any folder part dropped.")
    status: str
    chunks: int
    message: str
    language: str | None = Field(None, description="ISO 639-1 code of the document's text; null: not detected.")
    notice: str = Field("", description="Set when the embedding model does not read that language, with the fix.")


class UploadResponse(BaseModel):
    collection: str
    results: list[UploadResult]


class DeletedDocument(BaseModel):
    collection: str
    deleted: str


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
