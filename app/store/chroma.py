"""One Chroma collection of chunk vectors, guarded by the index fingerprint it was built with.

Records are written in LlamaIndex's node format (`node_to_metadata_dict`), so the collection
also opens with LlamaIndex's own `ChromaVectorStore`.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import AuthorizationError, ChromaAuthError, ChromaError, InvalidArgumentError, NotFoundError

from app.config import Settings
from app.embeddings.pooling import FloatArray
from app.errors import FingerprintMismatchError, StoreError
from app.store.chroma_engine import ENGINES
from app.store.chunk_text import searchable_text, section_context
from app.store.fingerprint import METADATA_KEY, IndexFingerprint

# LlamaIndex's node format is imported by the methods that write or read nodes: any `llama_index` import
# runs its whole package (over a second), which opening an index to check it (`status`) must not pay.
if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode, NodeWithScore, TextNode

DOC_KEY = "doc_sha"
READ_PAGE = 5000  # records per `get` when reading a whole collection

log = logging.getLogger(__name__)


def open_client(settings: Settings) -> ClientAPI:
    """An embedded Chroma on disk, or a Chroma server's HTTP client when CHROMA_HOST is set."""
    if settings.chroma_host:
        return _open_server_client(settings, settings.chroma_host)
    path = settings.resolved_chroma_path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_open(str(path), exc) from exc
    return _embedded_client(str(path))


def _embedded_client(path: str) -> ClientAPI:
    try:
        return chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False))
    except (ChromaError, OSError, sqlite3.Error) as exc:
        raise _cannot_open(path, exc) from exc


def _cannot_open(path: str, exc: BaseException) -> StoreError:
    return StoreError(f"Cannot open the Chroma index at '{path}': {exc}.", "Check that the folder is writable.")


def _embedded_path(client: ClientAPI) -> str | None:
    """The folder of an embedded (on-disk) Chroma client; None for a server's client."""
    settings = client.get_settings()
    return str(settings.persist_directory) if settings.is_persistent and not settings.chroma_server_host else None


def _open_server_client(settings: Settings, host: str) -> ClientAPI:
    token = settings.chroma_auth_token.get_secret_value()
    options = ChromaSettings(anonymized_telemetry=False)
    if token:
        # Chroma's own token provider: `Authorization: Bearer <token>` on every request.
        options = ChromaSettings(
            anonymized_telemetry=False,
            chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",
            chroma_client_auth_credentials=token,
        )
    where = f"{host}:{settings.chroma_port}"
    try:
        # The client checks the server (tenant and database) as it is created: a dead server fails here.
        return chromadb.HttpClient(host=host, port=settings.chroma_port, settings=options)
    except (ChromaAuthError, AuthorizationError) as exc:
        raise _refused(where) from exc
    except (ChromaError, OSError, ValueError, httpx.HTTPError) as exc:
        # Chroma's client turns an HTTP 401/403 from the server (or a proxy) into a ValueError with the body.
        if any(word in str(exc) for word in ("Unauthorized", "Forbidden")):
            raise _refused(where) from exc
        # The token is never part of the message: only where we tried and what failed.
        raise StoreError(
            f"Cannot reach the Chroma server at {where} ({_reason(exc)}).",
            _start_the_server(settings.chroma_port) + "; unset CHROMA_HOST to use the embedded index in DATA_DIR.",
        ) from exc


def _start_the_server(port: int | str) -> str:
    return (
        f"Start the Chroma server (`chroma run --path DIR --port {port}` or the compose `chroma` service), "
        "or check CHROMA_HOST and CHROMA_PORT"
    )


def _refused(where: str) -> StoreError:
    return StoreError(
        f"The Chroma server at {where} refused this client's credentials.",
        "Check CHROMA_AUTH_TOKEN (the token the server or its authenticating proxy expects).",
    )


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _server_of(client: ClientAPI) -> str | None:
    """'host:port' of a Chroma server's client; None for the embedded Chroma."""
    settings = client.get_settings()
    if not settings.chroma_server_host:
        return None
    return f"{settings.chroma_server_host}:{settings.chroma_server_http_port}"


def stored_fingerprint(client: ClientAPI, name: str) -> IndexFingerprint | None:
    """The fingerprint of an existing collection, or None when there is no such collection."""
    try:
        collection = client.get_collection(name)
    except NotFoundError:
        return None
    return _fingerprint_of(collection)


def _fingerprint_of(collection: Collection) -> IndexFingerprint:
    raw = (collection.metadata or {}).get(METADATA_KEY)
    if not isinstance(raw, str):
        raise FingerprintMismatchError(
            f"The collection '{collection.name}' was not built by this app: it records no index fingerprint, "
            "so its vectors cannot be trusted to match the configured model.",
            "Set COLLECTION_NAME to another name to start a new index.",
        )
    return IndexFingerprint.from_json(raw)


def _mismatch(name: str, stored: IndexFingerprint, wanted: IndexFingerprint) -> FingerprintMismatchError:
    return FingerprintMismatchError(
        f"The index '{name}' was built with {stored.describe()}, but the settings ask for {wanted.describe()} "
        f"({'; '.join(stored.differences(wanted))}). Mixing them would give wrong answers.",
        "Switch the settings back to match the index, or re-embed every document with the configured model: "
        "`python -m app reindex` (or the button in the app; the current index stays in service until the new one "
        "is complete), or start a fresh index under another name (COLLECTION_NAME or DATA_DIR).",
    )


class VectorIndex:
    """One Chroma collection of chunk vectors (cosine space), guarded by its `IndexFingerprint`.

    A record is a chunk: its id (`chunk_id`: the document's sha256 and the chunk's position), its
    vector (`fingerprint.dimension` floats, L2-normalised by the embedding model), its text and its
    metadata in LlamaIndex's node format, including DOC_KEY (the document's sha256).

    Every method raises StoreError when Chroma fails: a server that cannot be reached names the
    server and how to start it; a failed write on the embedded engine restarts that engine, and
    this object reopens its collection on the next call.
    """

    def __init__(self, collection: Collection, fingerprint: IndexFingerprint, client: ClientAPI) -> None:
        self._collection = collection
        self.fingerprint = fingerprint
        self._client = client
        self._server = _server_of(client)  # 'host:port' in server mode, for the error when it cannot be reached
        self._path = _embedded_path(client)  # embedded Chroma's folder
        self._generation = ENGINES.generation(self._path) if self._path else 0

    @classmethod
    def open(cls, client: ClientAPI, name: str, fingerprint: IndexFingerprint) -> VectorIndex:
        """Open (or create) the collection `name`; refuse one built with another fingerprint.

        Raises:
            FingerprintMismatchError: the collection records another fingerprint, or none (another tool built it).
            StoreError: Chroma cannot open or create it.
        """
        try:
            collection = client.get_or_create_collection(
                name,
                metadata={METADATA_KEY: fingerprint.to_json()},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        except ChromaError as exc:
            raise StoreError(f"Cannot open the collection '{name}': {exc}.") from exc
        stored = _fingerprint_of(collection)
        if stored != fingerprint:
            raise _mismatch(name, stored, fingerprint)
        return cls(collection, fingerprint, client)

    def _live(self) -> Collection:
        """The collection, reopened on a fresh engine if a failed write stopped the one it was opened on."""
        if self._path is not None and (generation := ENGINES.generation(self._path)) != self._generation:
            client = _embedded_client(self._path)
            try:
                self._collection = client.get_collection(self._collection.name)
            except ChromaError as exc:
                raise StoreError(f"Cannot reopen the collection '{self._collection.name}': {exc}.") from exc
            self._client, self._generation = client, generation
        return self._collection

    @property
    def client(self) -> ClientAPI:
        """The Chroma client of this index: a new one once a failed write restarted the embedded engine."""
        self._live()
        return self._client

    @property
    def name(self) -> str:
        return self._collection.name

    def count(self) -> int:
        """Records in the collection, of every document (ready or not)."""
        return int(self._read("count"))

    def add(self, nodes: Sequence[TextNode], embeddings: Sequence[Sequence[float]]) -> None:
        """Upsert chunks with their vectors (one per node, each `fingerprint.dimension` floats); ids are
        stable, so repeating this adds nothing. Written 1000 records per request, each read back.

        Raises:
            StoreError: a vector of another size (before anything is written), or a write that failed or
                that Chroma reported done but did not store.
        """
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        sizes = {len(vector) for vector in embeddings}
        if sizes - {self.fingerprint.dimension}:
            raise self._dimension_error(f"got {sorted(sizes)}-d")
        batch = 1000
        for start in range(0, len(nodes), batch):
            part = nodes[start : start + batch]
            ids = [node.node_id for node in part]
            self._write(
                "upsert",
                ids=ids,
                embeddings=[list(vector) for vector in embeddings[start : start + batch]],
                documents=[node.get_content() for node in part],
                metadatas=[node_to_metadata_dict(node, remove_text=True, flat_metadata=True) for node in part],
            )
            self._check_stored(ids)

    def _check_stored(self, ids: Sequence[str]) -> None:
        """Read back what an upsert reported as written: a shortfall is a failed write, not a success."""
        found = set(self._read("get", ids=list(ids), include=[])["ids"])
        if len(found) < len(set(ids)):
            self._reset_engine()
            raise StoreError(
                f"Writing to the index '{self.name}' failed: Chroma reported the write done but holds only "
                f"{len(found)} of its {len(set(ids))} chunks.",
                "Check free disk space and permissions of the data folder, then try again; "
                "documents indexed before are unaffected.",
            )

    def _reset_engine(self) -> None:
        if self._path is not None:
            log.warning("a write to the embedded Chroma in %s failed: restarting its engine", self._path)
            # Every VectorIndex of the folder reopens its collection on a fresh engine at its next call.
            ENGINES.reset(self._path)

    def rename_document(self, sha256: str, file_name: str) -> None:
        """Set the `file_name` every chunk of a document is cited by (a legacy name claimed by its path)."""
        result = self._read("get", where={DOC_KEY: sha256}, include=["metadatas"])
        metadatas = []
        for metadata in result["metadatas"] or []:
            metadata = dict(metadata or {})
            metadata["file_name"] = file_name
            # LlamaIndex keeps a copy of the node's metadata inside `_node_content`: citations read that one.
            if isinstance(metadata.get("_node_content"), str):
                node = json.loads(metadata["_node_content"])
                node.setdefault("metadata", {})["file_name"] = file_name
                metadata["_node_content"] = json.dumps(node)
            metadatas.append(metadata)
        if metadatas:
            self._write("update", ids=list(result["ids"]), metadatas=metadatas)

    def delete_document(self, sha256: str) -> None:
        """Remove every chunk of the document `sha256` (none: nothing happens)."""
        self._write("delete", where={DOC_KEY: sha256})

    def _write(self, operation: str, **kwargs: Any) -> None:
        collection = self._live()
        try:
            getattr(collection, operation)(**kwargs)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        except InvalidArgumentError as exc:
            if "dimension" in str(exc):
                raise self._dimension_error(str(exc)) from exc
            raise StoreError(f"Chroma refused the {operation} on '{self.name}': {exc}.") from exc
        except (ChromaError, OSError, sqlite3.Error) as exc:
            self._reset_engine()  # e.g. ENOSPC: the engine that saw it is not trusted with the next write
            raise StoreError(
                f"Writing to the index '{self.name}' failed: {exc}.",
                "Check free disk space and permissions of the data folder, then try again; "
                "documents indexed before are unaffected.",
            ) from exc

    def _dimension_error(self, detail: str) -> StoreError:
        return StoreError(
            f"The index '{self.name}' holds {self.fingerprint.dimension}-d vectors from "
            f"'{self.fingerprint.model}', but the embedding model returned another size ({detail}).",
            "Point the app back at the model the index was built with, or start a fresh index.",
        )

    def chunks(self) -> list[tuple[str, str, str]]:
        """Every record as (chunk id, document sha256, searchable text), for indexes derived from this one.

        Read a page at a time: one `get` of everything failed at ~100k chunks (Chroma's SQLite query
        ran out of variables, "too many SQL variables"; found by benchmarks/query_latency.py).
        """
        records: list[tuple[str, str, str]] = []
        while True:
            result = self._read("get", include=["documents", "metadatas"], limit=READ_PAGE, offset=len(records))
            records += [
                (chunk_id, str((metadata or {}).get(DOC_KEY, "")), searchable_text(text or "", metadata or {}))
                for chunk_id, text, metadata in zip(
                    result["ids"], result["documents"] or [], result["metadatas"] or [], strict=True
                )
            ]
            if len(result["ids"]) < READ_PAGE:
                return records

    def get(self, chunk_ids: Sequence[str]) -> dict[str, BaseNode]:
        """The stored chunks with these ids (missing ids are left out)."""
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        if not chunk_ids:
            return {}
        result = self._read("get", ids=list(chunk_ids), include=["documents", "metadatas"])
        return {
            chunk_id: metadata_dict_to_node(dict(metadata or {}), text=text)
            for chunk_id, text, metadata in zip(
                result["ids"], result["documents"] or [], result["metadatas"] or [], strict=True
            )
        }

    def sections(self, sha256: str) -> dict[str, str]:
        """{chunk id: its section (`section_context`: sheet and heading path; "" for none)} of one document."""
        result = self._read("get", where={DOC_KEY: sha256}, include=["metadatas"])
        return {
            chunk_id: section_context(metadata or {})
            for chunk_id, metadata in zip(result["ids"], result["metadatas"] or [], strict=True)
        }

    def vectors(self, chunk_ids: Sequence[str]) -> dict[str, FloatArray]:
        """The stored vectors of these chunks, each float32 [dimension] (missing ids are left out)."""
        if not chunk_ids:
            return {}
        result = self._read("get", ids=list(chunk_ids), include=["embeddings"])
        stored = result["embeddings"] if result["embeddings"] is not None else []
        return {
            chunk_id: np.asarray(vector, dtype=np.float32)
            for chunk_id, vector in zip(result["ids"], stored, strict=True)
        }

    def _read(self, operation: str, **kwargs: Any) -> Any:
        collection = self._live()
        try:
            return getattr(collection, operation)(**kwargs)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        except ChromaError as exc:
            raise StoreError(f"Reading the index '{self.name}' failed: {exc}.") from exc

    def _unreachable(self, exc: httpx.TransportError) -> StoreError:
        """The Chroma server went away mid-session (crash, restart, network).

        Nothing needs reopening: the HTTP client connects afresh on the next call, and the collection
        keeps its id on a server restarted with the same data path, so the same object works again.
        """
        where = self._server or "the configured CHROMA_HOST"
        # httpx words it "[Errno 111] Connection refused"; the errno means nothing to a user.
        reason = re.sub(r"^\[Errno \d+\]\s*", "", str(exc)) or "the connection was lost"
        port = where.rsplit(":", 1)[-1] if self._server else "PORT"
        return StoreError(
            f"The Chroma server at {where} cannot be reached ({reason}), so the index '{self.name}' cannot be "
            "used right now.",
            _start_the_server(port) + ". The documents already indexed stay on the server; once it is back, "
            "try again (no app restart needed).",
        )

    def query(
        self,
        embedding: Sequence[float],
        top_k: int,
        exclude_docs: AbstractSet[str] = frozenset(),
        only_docs: AbstractSet[str] | None = None,
    ) -> list[NodeWithScore]:
        """The `top_k` nearest chunks to `embedding` (`fingerprint.dimension` floats), best first, with cosine
        similarity as the score (1 = same direction), leaving out the chunks of the documents (sha256) in
        `exclude_docs`, and of those not in `only_docs` when it is given. Chunks of documents not yet committed
        are included: the caller filters them."""
        from llama_index.core.schema import NodeWithScore
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        # Chroma refuses a query of an empty collection; documents named by `only_docs` say it is not empty.
        if top_k <= 0 or (only_docs is None and self.count() == 0):
            return []
        where: dict[str, Any] | None = {DOC_KEY: {"$nin": sorted(exclude_docs)}} if exclude_docs else None
        if only_docs is not None:
            where = {DOC_KEY: {"$in": sorted(only_docs - exclude_docs)}}
        result = self._read(
            "query",
            query_embeddings=np.asarray([embedding], dtype=np.float32),
            n_results=top_k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        hits: list[NodeWithScore] = []
        for text, metadata, distance in zip(
            (result["documents"] or [[]])[0],
            (result["metadatas"] or [[]])[0],
            (result["distances"] or [[]])[0],
            strict=True,
        ):
            node = metadata_dict_to_node(dict(metadata), text=text)
            hits.append(NodeWithScore(node=node, score=1.0 - float(distance)))
        return hits
