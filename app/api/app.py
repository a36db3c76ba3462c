"""The FastAPI app: every route acts as the user of the request's API key, through `Workspaces`.

Routes are `def`, not `async def`: the workspace blocks (model, Chroma, SQLite), so FastAPI runs each
request in its thread pool. A collection the user cannot read answers exactly as a missing one (404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.answers import completion, completion_events, question_and_history
from app.api.errors import HttpError, install_error_handlers
from app.api.schemas import (
    ChatRequest,
    CollectionInfo,
    CollectionList,
    DeletedDocument,
    DocumentInfo,
    DocumentList,
    ModelCard,
    ModelList,
    SearchRequest,
    SearchResponse,
    Source,
    UploadResponse,
    UploadResult,
)
from app.errors import AppError, AuthenticationError, NotFoundError, UnreadableFileError
from app.store.access import User
from app.workspace import Workspace
from app.workspaces import Workspaces

_bearer = HTTPBearer(auto_error=False, description="An API key made in the app's sidebar (API keys).")


def current_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> User:
    """The user the request's API key acts as. Raises AuthenticationError (401) for a missing, unknown or
    revoked key."""
    workspaces: Workspaces = request.app.state.workspaces
    header = request.headers.get("authorization", "").strip()
    if credentials is None and header:  # a key sent another way (`Basic`, no scheme) is not taken
        raise AuthenticationError(
            "The Authorization header is not 'Bearer <key>'.", "Send the API key as 'Authorization: Bearer <key>'."
        )
    return workspaces.authenticate(credentials.credentials if credentials else None)


# Module level: routes' annotations are strings (`from __future__ import annotations`), resolved here.
UserDep = Annotated[User, Depends(current_user)]


def create_app(workspaces: Workspaces) -> FastAPI:
    """The API over `workspaces` (one per process: it holds the embedding model and the open collections)."""
    app = FastAPI(
        title="Chat with your documents: HTTP API",
        description="OpenAI-compatible chat completions (`model` = collection name), search, collections and "
        "documents. Send an API key as `Authorization: Bearer <key>`.",
        version="1",
    )
    app.state.workspaces = workspaces
    install_error_handlers(app)

    def collection(user: User, name: str) -> Workspace:
        return workspaces.get(user, name)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The server is up (no key needed)."""
        return {"status": "ok"}

    @app.get("/v1/models", tags=["chat"])
    def models(user: UserDep) -> ModelList:
        """The collections you can read, as OpenAI models: pass one's id as `model`."""
        owner = workspaces.data.access.owner
        return ModelList(
            data=[ModelCard(id=name, owned_by=owner(name) or "admins") for name in workspaces.collection_names(user)]
        )

    @app.post("/v1/chat/completions", tags=["chat"], response_model=None)
    def chat_completions(body: ChatRequest, user: UserDep) -> JSONResponse | StreamingResponse:
        """Answer the last user message from the collection `model`, earlier messages as the conversation.

        The answer cites passages as [1], [2], listed at its end ("[1] file, page 2"); `sources` holds them
        (on the last chunk when streamed). Without a language model configured the answer is extractive."""
        workspace = collection(user, body.model)
        question, history = question_and_history(body.messages)
        answer = workspace.ask(question, history=history, top_k=body.top_k)
        if body.stream:
            return StreamingResponse(
                completion_events(answer, workspace.collection),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        return JSONResponse(completion(answer, workspace.collection))

    @app.post("/v1/search", tags=["search"])
    def search(body: SearchRequest, user: UserDep) -> SearchResponse:
        """The passages of `collection` closest to `query`, best first."""
        workspace = collection(user, body.collection)
        passages = workspace.retrieve(body.query, top_k=body.top_k)
        return SearchResponse(
            collection=workspace.collection,
            query=body.query,
            passages=[Source.of(number, passage) for number, passage in enumerate(passages, start=1)],
        )

    @app.get("/v1/collections", tags=["collections"])
    def collections(user: UserDep) -> CollectionList:
        """The collections you can read: owner, ready documents, whether you may change them."""
        found = []
        for name in workspaces.collection_names(user):
            try:
                workspace = collection(user, name)
                documents: int | None = len(workspace.documents())
                can_manage = workspace.can_manage()
            except AppError:  # e.g. built with another embedding model: listed, not opened
                documents, can_manage = None, workspaces.data.access.can_manage(user, name)
            found.append(
                CollectionInfo(
                    name=name, owner=workspaces.data.access.owner(name), documents=documents, can_manage=can_manage
                )
            )
        return CollectionList(collections=found)

    @app.get("/v1/collections/{name}/documents", tags=["documents"])
    def documents(name: str, user: UserDep) -> DocumentList:
        """The ready documents of the collection, by name."""
        workspace = collection(user, name)
        return DocumentList(
            collection=workspace.collection, documents=[DocumentInfo.of(r) for r in workspace.documents()]
        )

    @app.post("/v1/collections/{name}/documents", tags=["documents"])
    def upload(name: str, user: UserDep, files: Annotated[list[UploadFile], File()]) -> UploadResponse:
        """Index one or more files (multipart field `files`), each named by its file name without any folder.

        A file over MAX_UPLOAD_MB refuses the whole upload (413), before anything is stored; a file that
        cannot be read fails on its own (its result says why); when every file fails the answer is 422."""
        workspace = collection(user, name)
        named = [(upload.filename or "upload", upload) for upload in files]
        try:
            workspace.check_uploads([(file_name, upload.size or 0) for file_name, upload in named])
        except UnreadableFileError as exc:
            raise HttpError(413, exc) from exc
        results = workspace.ingest([(file_name, upload.file.read()) for file_name, upload in named])
        if all(result.status == "failed" for result in results):
            failed = "; ".join(f"{r.file_name}: {r.message}" for r in results)
            raise UnreadableFileError(f"Nothing was indexed: {failed}", "Upload files of a supported type.")
        return UploadResponse(
            collection=workspace.collection,
            results=[
                UploadResult(
                    file=r.file_name,
                    status=r.status,
                    chunks=r.chunks,
                    message=r.message,
                    language=r.language,
                    notice=r.notice,
                )
                for r in results
            ],
        )

    @app.delete("/v1/collections/{name}/documents/{sha256}", tags=["documents"])
    def delete_document(name: str, sha256: str, user: UserDep) -> DeletedDocument:
        """Remove the document `sha256` (see GET .../documents) from the collection."""
        workspace = collection(user, name)
        if sha256 not in {record.sha256 for record in workspace.documents()}:
            raise NotFoundError(
                f"The collection '{workspace.collection}' has no document {sha256}.",
                f"List its documents: GET /v1/collections/{workspace.collection}/documents.",
            )
        workspace.delete(sha256)
        return DeletedDocument(collection=workspace.collection, deleted=sha256)

    return app
