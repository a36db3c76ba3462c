"""The service: one collection of one data folder, opened with one embedding model.

The front ends (Streamlit, the CLI, the eval) call only this; it wires the lower layers together
and owns no paths, SQL or search logic of its own (docs/architecture.md).
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from chromadb.api import ClientAPI
from llama_index.core.schema import QueryBundle

from app.chat.condense import condense_question
from app.chat.engine import Answer, answer_question, no_passage_text
from app.chat.llm import build_llm
from app.chat.question import FittedQuestion, fit_question, question_language, require_question
from app.config import RetrievalMode, Settings
from app.embeddings import Embedding, build_embedding
from app.embeddings.languages import model_languages
from app.embeddings.pooling import FloatArray
from app.embeddings.tuning import model_tuning, not_found_threshold_for
from app.errors import StoreError
from app.files import index_write_lock
from app.ingest import reindex as reindexing
from app.ingest.chunking import document_label, safe_file_name
from app.ingest.from_settings import build_ingestor, read_options_for, sentence_store_for
from app.ingest.pipeline import IngestResult
from app.ingest.progress import ProgressCallback
from app.ingest.settings_fit import check_settings_fit, no_token_vectors
from app.retrieval.passage import Passage
from app.retrieval.rerank import MaxSimReranker
from app.retrieval.search import SearchOptions, SearchRetriever, asked_in_another_language
from app.store.access import LOCAL_ADMIN, User
from app.store.catalog import ApiKeyRecord, DocumentRecord
from app.store.collections import check_collection_name
from app.store.data_folder import DataFolder
from app.store.fingerprint import fingerprint_for
from app.store.keyword import KeywordIndex
from app.store.token_store import TokenStore
from app.store.tokens import keyword_terms
from app.view.context import SourceView, view_source
from app.workspace_status import WorkspaceStatus

log = logging.getLogger(__name__)
_KEPT_SECTIONS = 256  # documents whose chunk sections a workspace keeps in memory (about 50 KB for a 10-K each)


class Workspace:
    """The collection `settings.collection` of `settings.data_dir`, searched and written with `embedding`.

    Opening it finishes work a crash left half-done. Thread-safe for Streamlit's sessions: writes take
    the data folder's write lock, reads see only documents whose catalog row is `ready`.

    It acts as `user` (default: the local admin, as the CLI does): `for_user` gives another user's view of the
    same open collection. Reading needs read access to the collection; adding or deleting documents, deleting
    or sharing it needs its owner or an admin (`app.store.access` holds the rules).

    Raises (on opening):
        ConfigError: the settings do not fit the embedding model (chunk size, token vectors), or the
            collection name is invalid.
        FingerprintMismatchError: the collection was built with another embedding configuration;
            `Workspace.reindex` rebuilds it.
        StoreError: Chroma or the catalog cannot be opened.
        NotFoundError: `user` may not read the collection.
    """

    def __init__(self, settings: Settings, embedding: Embedding | None = None, *, user: User = LOCAL_ADMIN) -> None:
        self.settings = settings
        self.embedding = embedding or build_embedding(settings)
        check_settings_fit(settings, self.embedding)
        self.fingerprint = fingerprint_for(settings, self.embedding)
        self.data = DataFolder(settings)
        self.catalog, self.collections = self.data.catalog, self.data.collections
        self.collection = check_collection_name(settings.collection)
        self.user, self.access = user, self.data.access
        if self.collections.get(self.collection) is None:
            self.access.create(user, self.collections, self.collection)
        self.access.require_read(user, self.collection)
        self.index = self.data.open_index(self.collections.physical_name(self.collection), self.fingerprint)
        self.llm = build_llm(settings)
        self.token_store = TokenStore(self.data.token_folder(self.index.name)) if settings.token_store else None
        self.sentence_store = sentence_store_for(self.data, self.embedding, self.index.name)
        self.ingestor = build_ingestor(self.data, self.embedding, self.index, self.token_store, self.sentence_store)
        self.ingestor.recover()
        self.keyword = self.data.keyword_index(self.index.name)
        self._sections: dict[str, dict[str, list[str]]] = {}  # document sha256 -> its chunks by section

    @staticmethod
    def reindex(
        settings: Settings,
        *,
        embedding: Embedding | None = None,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        reread: bool = False,
    ) -> reindexing.ReindexReport:
        """Re-embed the collection `settings.collection` with the embedding configuration of `settings`, then
        switch to it once complete (`reread`: also with the fingerprint unchanged, every document read again).
        Static: it is what a front end offers when the workspace cannot open (FingerprintMismatchError). Raises
        ConfigError and StoreError as opening does."""
        return reindexing.reindex(settings, embedding=embedding, progress=progress, cancel=cancel, reread=reread)

    def for_user(self, user: User) -> Workspace:
        """This open collection as `user` sees it, sharing the model and the stores. Raises NotFoundError when
        `user` may not read it."""
        self.access.require_read(user, self.collection)
        view = copy.copy(self)
        view.user = user
        return view

    @property
    def client(self) -> ClientAPI:
        """The index's Chroma client (a new one after a failed write restarted the embedded engine)."""
        return self.index.client

    def collection_names(self) -> list[str]:
        """The collections of this data folder the user may read, sorted by name."""
        return self.access.readable(self.user, self.collections.names())

    def create_collection(self, name: str) -> str:
        """Register a new, empty collection and return its name (stripped); its vectors are created when it is
        first opened. Raises ConfigError for an invalid or taken name."""
        return self.access.create(self.user, self.collections, name)

    def delete_collection(self, name: str) -> None:
        """Remove a collection: its vectors, derived indexes, catalog rows and the sources no other collection
        uses. Raises StoreError when Chroma refuses, NotFoundError or PermissionDeniedError (not the owner or an
        admin)."""
        self.access.require_manage(self.user, name, "delete it")
        with index_write_lock(self.data.lock_path):
            self.collections.delete(name, self.client)
            self.data.prune_page_images()

    def can_manage(self, name: str | None = None) -> bool:
        """Whether the user may add and delete documents of, share and delete `name` (default: this one)."""
        return self.access.can_manage(self.user, name or self.collection)

    def collection_owner(self, name: str | None = None) -> str | None:
        """The owner's user id of `name` (default: this one); None when the admins own it."""
        return self.access.owner(name or self.collection)

    def shares(self, name: str | None = None) -> list[str]:
        """Who `name` (default: this one) is shared with: `user:<id>` and `group:<name>` entries."""
        self.access.require_read(self.user, name or self.collection)
        return self.access.shares(name or self.collection)

    def share(self, with_whom: str, name: str | None = None) -> str:
        """Share `name` (default: this one) with a user id or `group:<name>`; returns the stored grantee.
        Raises NotFoundError, PermissionDeniedError (not the owner or an admin), ConfigError (nobody named)."""
        return self.access.share(self.user, name or self.collection, with_whom)

    def unshare(self, grantee: str, name: str | None = None) -> None:
        """Stop sharing `name` (default: this one) with `grantee`; the same errors as `share`."""
        self.access.unshare(self.user, name or self.collection, grantee)

    def create_api_key(self, label: str = "") -> str:
        """A new API key acting as the user; the secret is returned only this once."""
        return self.access.create_api_key(self.user, label)

    def api_keys(self) -> list[ApiKeyRecord]:
        """The user's API keys (hashed; revoked ones included), oldest first."""
        return self.access.api_keys(self.user)

    def revoke_api_key(self, key_id: str) -> None:
        """Revoke the user's key `key_id`. Raises NotFoundError for a key that is not theirs."""
        self.access.revoke_api_key(self.user, key_id)

    def user_for_api_key(self, key: str | None) -> User:
        """The user a key acts as. Raises AuthenticationError for a missing, unknown or revoked key."""
        return self.access.user_for_api_key(key)

    def documents(self) -> list[DocumentRecord]:
        """The ready documents of the collection, sorted by name."""
        return self.catalog.ready(self.index.name)

    def unfinished_documents(self) -> list[DocumentRecord]:
        """Documents being indexed or removed right now (or left so by a crash, until the next start)."""
        return self.catalog.pending(self.index.name)

    def ready_chunks(self) -> dict[str, int]:
        """sha256 -> chunk count of the documents searches may return."""
        return self.catalog.ready_chunks(self.index.name)

    def document_labels(self) -> dict[str, str]:
        """sha256 -> label (its name's and title's words, `document_label`) of the ready documents, for the label
        list."""
        return {
            sha: document_label(name, title)
            for sha, (name, title) in self.catalog.ready_names_and_titles(self.index.name).items()
        }

    def chunk_sections(self, sha256: str) -> dict[str, list[str]]:
        """{section: the ids of its chunks} of a ready document, for the section list: read from the index once,
        since a document's chunks do not change in an index."""
        by_section = self._sections.get(sha256)
        if by_section is None:  # sessions ask at once: another may clear the cache between a store and a lookup
            by_section = {}
            for chunk_id, section in self.index.sections(sha256).items():
                by_section.setdefault(section, []).append(chunk_id)
            if len(self._sections) >= _KEPT_SECTIONS:
                self._sections.clear()
            self._sections[sha256] = by_section
        return by_section

    def source_path(self, sha256: str) -> Path | None:
        """The original file of a document of this collection, as uploaded; None once it is deleted."""
        record = self.catalog.find(self.index.name, sha256=sha256)
        path = self.data.sources_dir / record.source if record else None
        return path if path and path.is_file() else None

    def page_view(
        self, passage: Passage, highlights: Sequence[str], width_px: int, page: int | None = None
    ) -> SourceView:
        """Where `passage` stands in its document: its PDF page (or `page`) as a highlighted image, else its
        text among its neighbours; see `app.view.context.view_source` for the errors raised."""
        return view_source(
            self.index,
            self.source_path(passage.doc_sha),
            passage,
            highlights,
            width_px,
            page=page,
            cache_dir=self.data.page_images_dir,
            ocr=read_options_for(self.settings, self.embedding).ocr,
        )

    def ingest(
        self,
        files: Sequence[tuple[str, bytes]],
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        *,
        named_by_path: bool = False,
    ) -> list[IngestResult]:
        """Index `files` as (name, bytes): uploads by their file name, or with `named_by_path` by their path
        relative to the folder they were ingested from (see `Ingestor.ingest_many`).

        Returns one result per file, in order; a file that cannot be read, embedded or stored fails on its
        own (status "failed", with the reason) and a set `cancel` marks the rest "cancelled". Raises only
        PermissionDeniedError, when the user is not the collection's owner or an admin.
        """
        self.access.require_manage(self.user, self.collection, "add documents to it")
        try:
            self._recover_quietly()
            return self.ingestor.ingest_many(files, progress, cancel, named_by_path=named_by_path)
        finally:
            self._sync_derived_indexes()

    def check_uploads(self, files: Sequence[tuple[str, int]]) -> None:
        """Refuse a batch of uploads, given as (name, size in bytes), before reading any of it: raises
        PermissionDeniedError when the user may not add documents, UnreadableFileError (the text `ingest`
        reports) for the first file over MAX_UPLOAD_MB."""
        self.access.require_manage(self.user, self.collection, "add documents to it")
        for name, size in files:
            self.ingestor.check_size(safe_file_name(name), size)

    def _recover_quietly(self) -> None:
        """Finish what an earlier failure could not clean up (e.g. the Chroma server was down then)."""
        try:
            self.ingestor.recover()
        except StoreError as exc:  # still failing: the ingest that follows reports it per file
            log.warning("could not finish interrupted work yet: %s", exc.message)

    def delete(self, sha256: str) -> None:
        """Remove the document `sha256` (nothing if it is not in the collection). Raises StoreError when
        Chroma or the catalog refuse; the document is then removed when the workspace next opens.
        Raises PermissionDeniedError when the user is not the collection's owner or an admin."""
        self.access.require_manage(self.user, self.collection, "delete its documents")
        try:
            self.ingestor.delete(sha256)
        finally:
            self._sync_derived_indexes()

    def _sync_derived_indexes(self) -> None:
        ready = self.ready_chunks()
        self.keyword_index(ready)
        for store in (self.token_store, self.sentence_store):
            if store is not None:
                store.forget_except(set(ready))
        self.data.prune_page_images()

    def keyword_index(self, ready: Mapping[str, int] | None = None) -> KeywordIndex:
        """The BM25 index over exactly the `ready` documents' chunks (default: those ready now), each document's
        Latin-script words stemmed by its language."""
        ready = self.ready_chunks() if ready is None else ready
        return self.keyword.sync(self.index, ready, self.catalog.ready_languages(self.index.name))

    @property
    def not_found_threshold(self) -> float:
        """NOT_FOUND_THRESHOLD, or when unset the value measured for the embedding model (0 = no check)."""
        return not_found_threshold_for(self.settings, self.embedding.model_name)

    def _not_found_threshold_for(
        self, question: str, passages: Sequence[Passage], language: str | None, languages: set[str]
    ) -> float:
        """`not_found_threshold`, or a lower one or 0 (no check) where a cosine cannot tell:

        - the model does not read the question's language (MiniLM puts an Arabic question 0.1 from the one Arabic
          passage that answers it);
        - the question's language is none of the documents': the model's own threshold across languages
          (`ModelTuning.cross_language_threshold`; multilingual-e5-small's usual threshold called 72% of answerable
          Arabic questions on English XQuAD paragraphs "not found"), unless NOT_FOUND_THRESHOLD is set;
        - a passage holds every keyword term of the question (a one-word question, a name, a figure: the documents
          do speak of it).

        `language` is the question's (None: not known), `languages` those of the documents the passages come from
        (`_found_in`).
        """
        threshold = self.not_found_threshold
        if threshold <= 0 or not passages:
            return threshold
        if language is not None and not model_languages(self.embedding.model_name).reads(language):
            return 0.0
        if asked_in_another_language(language, languages) and self.settings.not_found_threshold is None:
            return model_tuning(self.embedding.model_name).cross_language_threshold
        terms = set(keyword_terms(question, languages))
        if terms and any(terms <= set(keyword_terms(passage.text, languages)) for passage in passages):
            return 0.0
        return threshold

    def search_options(self, **overrides: object) -> SearchOptions:
        """Retrieval options from the settings, with per-question overrides (e.g. from the sidebar)."""
        return SearchOptions.from_settings(self.settings, self.embedding.model_name, **overrides)

    def retriever(self, options: SearchOptions | None = None) -> SearchRetriever:
        options = options or self.search_options()
        reranker = MaxSimReranker(self.token_vectors, self.token_store) if options.rerank else None
        sentences = self.sentence_store.load if self.sentence_store is not None else None
        return SearchRetriever(
            self.embedding,
            self.index,
            self.keyword_index,
            self.ready_chunks,
            options,
            reranker,
            self.document_labels,
            sentences,
            self.chunk_sections,
        )

    def token_vectors(self, texts: list[str], is_query: bool) -> list[FloatArray]:
        """One float32 [tokens, dim] array per text. Raises ConfigError when the model gives no token vectors."""
        if not self.embedding.has_token_vectors:  # the sidebar can switch the rerank on for a dense-only model
            raise no_token_vectors(self.settings, self.embedding)
        return self.embedding.embed_tokens(texts, query=is_query)

    def retrieve(self, question: str, top_k: int | None = None, options: SearchOptions | None = None) -> list[Passage]:
        """At most `top_k` (default: the options') passages for `question`, best first, each scored by its
        cosine similarity to the question; one longer than the embedding model reads is embedded by its end.

        Raises:
            EmptyQuestionError: the question has nothing to search for.
            EmbeddingError, StoreError: the embedding model or Chroma failed.
        """
        options = options or self.search_options()
        if top_k is not None:
            options = replace(options, top_k=top_k)
        return self._passages(fit_question(require_question(question), self.embedding), options)

    def _languages_of(self, question: str) -> tuple[str | None, set[str]]:
        """The question's language (None: not known) and the ready documents' languages."""
        return question_language(question), self.catalog.languages(self.index.name)

    def _found_in(self, passages: Sequence[Passage]) -> set[str]:
        """The languages of the documents `passages` come from (those not known left out): where a question's
        answer would be, which one English document among Chinese ones does not make a Chinese answer English."""
        languages = self.catalog.ready_languages(self.index.name)
        return {languages[passage.doc_sha] for passage in passages if passage.doc_sha in languages}

    def _passages(
        self, query: FittedQuestion, options: SearchOptions, languages: tuple[str | None, set[str]] | None = None
    ) -> list[Passage]:
        """The passages for `query`; `languages` from `_languages_of`, when the caller has them already.

        Hybrid searches by meaning only when the question's words cannot match the words of the passage that answers
        it: when no document is in the question's language, or, in a collection of several languages, when the
        passage closest in meaning is in a document of another language. On XQuAD dev in a collection of English and
        Chinese paragraphs (multilingual-e5-small), English questions on the Chinese paragraphs: nDCG@10 0.092 ->
        0.254 (dense alone 0.387), the three other pairings unchanged (README, Every language).
        """
        # Keyword search and the rerank read query_str whole; the dense search only the embedded part.
        bundle = QueryBundle(query.text, embedding=self.embedding.get_query_embedding(query.embedded))
        if options.mode == "hybrid":  # a question in a language none of the documents are in: dense only
            language, collection = languages or self._languages_of(query.text)
            options = options.for_languages(language, collection)
            if options.mode == "hybrid" and language is not None and len(collection) > 1:
                dense = self._retrieved(bundle, replace(options, mode="dense"))
                if dense and asked_in_another_language(language, self._found_in(dense[:1])):
                    return dense
        return self._retrieved(bundle, options)

    def _retrieved(self, bundle: QueryBundle, options: SearchOptions) -> list[Passage]:
        return [Passage.from_node(hit) for hit in self.retriever(options).retrieve(bundle)]

    def ask(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        top_k: int | None = None,
        *,
        mode: RetrievalMode | None = None,
        rerank: bool | None = None,
    ) -> Answer:
        """Answer `question` from the collection; `history` is the conversation so far as (role, text) pairs.
        A follow-up is first condensed with it into a standalone query. Without an LLM (or when it fails)
        the answer is extractive: the best sentences, cited.

        Raises:
            EmptyQuestionError: the question has nothing to search for (it is not searched).
            EmbeddingError, StoreError: the embedding model or Chroma failed.
        """
        require_question(question)
        query = fit_question(condense_question(question, history, self.llm), self.embedding)
        overrides: dict[str, object] = {"mode": mode, "rerank": rerank, "top_k": top_k}
        options = self.search_options(**{name: value for name, value in overrides.items() if value is not None})
        languages = self._languages_of(query.text)
        passages = self._passages(query, options, languages)
        # Every mode scores passages by their cosine similarity to the query: the threshold applies to all.
        return answer_question(
            question,
            passages,
            embedding=self.embedding,
            llm=self.llm,
            history=history,
            not_found_threshold=self._not_found_threshold_for(
                query.text, passages, languages[0], self._found_in(passages)
            ),
            search_query=query.text,
            embedded_query=query.embedded,
            notice=query.notice(keyword_search=options.mode != "dense"),
            no_passage="" if passages else self._no_passage_text(options),
        )

    def _no_passage_text(self, options: SearchOptions) -> str:
        ready = sum(1 for chunks in self.ready_chunks().values() if chunks > 0)
        return no_passage_text(options.mode, ready, len(self.unfinished_documents()))

    def status(self) -> WorkspaceStatus:
        """What is open: collection, data folder, index fingerprint, ready documents and chunks, the LLM.
        `app.workspace_status.read_status` reports the same without opening a Workspace."""
        return WorkspaceStatus.of(self.settings, self.collection, self.fingerprint, self.documents())
