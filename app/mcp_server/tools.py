"""What the MCP tools do, as the user of an API key, and the shapes they return (the tools' output schemas).

Every call goes through `Workspaces`: a collection the user may not read is reported as missing, exactly as
in the app. Errors are the app's `AppError`s; `server` turns them into MCP tool errors.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.errors import AppError
from app.retrieval.passage import Passage
from app.store.access import User
from app.workspaces import Workspaces


class PassageResult(BaseModel):
    """One retrieved passage: where it is and how well it matches."""

    file: str = Field(description="The document's name, as uploaded (or its path inside an ingested folder).")
    location: str = Field(description="Where in the document, e.g. 'page 2'; empty when it has no pages.")
    score: float = Field(description="Cosine similarity of the passage to the query, -1 to 1.")
    text: str = Field(description="The passage's text.")

    @classmethod
    def of(cls, passage: Passage) -> PassageResult:
        return cls(file=passage.file_name, location=passage.location, score=round(passage.score, 4), text=passage.text)


class SearchResult(BaseModel):
    collection: str
    passages: list[PassageResult] = Field(description="Best first.")


class Source(PassageResult):
    number: int = Field(description="The answer cites this passage as [number].")


class AskResult(BaseModel):
    answer: str = Field(description="The answer, citing its sources as [1], [2], ...")
    mode: str = Field(description="'llm', 'extractive' (best sentences, no chat model) or 'not_found'.")
    notice: str = Field(description="What the answer could not take into account (e.g. a truncated question).")
    sources: list[Source]


class CollectionList(BaseModel):
    collections: list[str] = Field(description="The collections the key's user may read, sorted by name.")


def describe(error: AppError) -> str:
    """An app error as a tool error's text: what happened, then what to do (no traceback)."""
    return f"{error.message}\nWhat to do: {error.hint}" if error.hint else error.message


class RagTools:
    """The tools' work on `workspaces`, each call as `user`.

    Raises what `Workspaces.get` and `Workspace.retrieve`/`ask` raise: NotFoundError for a collection the user
    cannot read (or that does not exist), EmptyQuestionError, EmbeddingError, StoreError, FingerprintMismatchError.
    """

    def __init__(self, workspaces: Workspaces) -> None:
        self.workspaces = workspaces

    def list_collections(self, user: User) -> CollectionList:
        return CollectionList(collections=self.workspaces.collection_names(user))

    def search(self, user: User, collection: str, query: str, top_k: int | None = None) -> SearchResult:
        workspace = self.workspaces.get(user, collection)
        passages = workspace.retrieve(query, top_k=top_k)
        return SearchResult(collection=workspace.collection, passages=[PassageResult.of(p) for p in passages])

    def ask(self, user: User, collection: str, question: str, top_k: int | None = None) -> AskResult:
        answer = self.workspaces.get(user, collection).ask(question, top_k=top_k)
        text = answer.text()
        sources = [
            Source(number=number, **PassageResult.of(passage).model_dump())
            for number, passage in enumerate(answer.sources, start=1)
        ]
        return AskResult(answer=text, mode=answer.mode, notice=answer.notice, sources=sources)
