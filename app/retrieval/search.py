"""The retriever the app uses: dense, keyword (BM25) or hybrid first stage, then an optional MaxSim rerank.

Hybrid merges the two lists by normalized score (or by rank, with `fusion="rrf"`); the rerank blends
each candidate's first-stage score with its MaxSim score rather than replacing it.

Every passage it returns carries the cosine similarity of its chunk to the question as its score, whatever
ranked it, so scores mean the same thing in every mode (and a relevance threshold can apply to all).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import BaseNode, NodeWithScore, QueryBundle

from app.config import Fusion, RetrievalMode, Settings
from app.embeddings.protocol import Embedding
from app.embeddings.tuning import model_tuning, not_found_threshold_for, sentence_weight_for
from app.retrieval.fusion import reciprocal_rank_fusion, score_fusion
from app.retrieval.labels import label_scores, section_scores
from app.retrieval.passage import Passage
from app.retrieval.rerank import MaxSimReranker
from app.store.chroma import DOC_KEY, VectorIndex
from app.store.chunk_text import searchable_text
from app.store.keyword import KeywordIndex

ChunkSections = Callable[[str], Mapping[str, list[str]]]
"""document sha256 -> {section (`app.store.chunk_text.section_context`): the ids of its chunks} of that document."""
SentenceVectors = Callable[[str, str], "npt.NDArray[np.floating] | None"]
"""(document sha256, chunk id) -> the chunk's sentence vectors (n_sentences, dimension), or None if none are kept."""


def asked_in_another_language(question: str | None, documents: Collection[str]) -> bool:
    """Whether a question in language `question` is asked of documents in none of it (`documents`: their ISO 639-1
    codes). False when either is not known (None, empty)."""
    return question is not None and bool(documents) and question not in documents


@dataclass(frozen=True)
class SearchOptions:
    mode: RetrievalMode = "hybrid"
    top_k: int = 5
    candidates: int = 50  # first-stage depth of each list, and the pool the rerank orders
    fusion: Fusion = "score"
    rrf_k: float = 10.0
    keyword_weight: float = 0.6  # the dense list weighs 1
    rerank: bool = False
    rerank_weight: float = 0.5  # share of the MaxSim score in a reranked candidate's score
    label_weight: float = 0.25  # weight of the document-label list (retrieval/labels.py); 0 leaves it out
    section_weight: float = 0.25  # weight of the section list: the named documents' chunks by their headings
    sentence_weight: float = 0.0  # share of a dense hit's best sentence in its dense score (sentence vectors)
    dense_floor: float = 0.0  # least the dense list's scores are divided by in score fusion: the "not found" cosine

    def for_languages(self, question: str | None, documents: Collection[str]) -> SearchOptions:
        """These options for a question in language `question` over documents in `documents` (ISO 639-1 codes;
        None or empty: not known). Hybrid becomes dense when the question's language is none of the documents':
        its words cannot match theirs, and what does match (a Spanish word stemmed as English, a name) only
        pushes unrelated passages up. On XQuAD dev with multilingual-e5-small, questions in 11 languages on
        English paragraphs, dense beat hybrid in 10 of 11 (Spanish 0.929 against 0.717; README, Every language).
        """
        if self.mode != "hybrid" or not asked_in_another_language(question, documents):
            return self
        return replace(self, mode="dense")

    @classmethod
    def from_settings(cls, settings: Settings, model_name: str = "", /, **overrides: object) -> SearchOptions:
        """The options the settings choose, with per-question `overrides` by field name (e.g. from the sidebar).
        KEYWORD_WEIGHT and SENTENCE_WEIGHT unset take the defaults measured for the embedding model named `model_name`.

        Raises:
            TypeError: an override names no field of SearchOptions.
        """
        tuning = model_tuning(model_name)
        values: dict[str, object] = {
            "mode": settings.retrieval_mode,
            "top_k": settings.top_k,
            "candidates": settings.retrieval_candidates,
            "fusion": settings.fusion,
            "rrf_k": settings.rrf_k,
            "keyword_weight": tuning.keyword_weight if settings.keyword_weight is None else settings.keyword_weight,
            "rerank": settings.rerank,
            "rerank_weight": settings.rerank_weight,
            "label_weight": settings.label_weight,
            "section_weight": settings.section_weight,
            "sentence_weight": sentence_weight_for(settings, model_name),
            "dense_floor": not_found_threshold_for(settings, model_name),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


class SearchRetriever(BaseRetriever):
    """A LlamaIndex retriever over one collection; chunks of documents not yet committed never come back.

    `ready_documents` maps each searchable document's sha256 to its chunk count; it is read once per
    question and hands the keyword index the same snapshot, so both lists see the same documents.
    """

    def __init__(
        self,
        embedding: Embedding,
        index: VectorIndex,
        keyword: Callable[[Mapping[str, int]], KeywordIndex],
        ready_documents: Callable[[], Mapping[str, int]],
        options: SearchOptions,
        reranker: MaxSimReranker | None = None,
        labels: Callable[[], Mapping[str, str]] | None = None,
        sentences: SentenceVectors | None = None,
        sections: ChunkSections | None = None,
    ) -> None:
        super().__init__()
        self._sentences = sentences
        self._sections = sections
        self._embedding = embedding
        self._index = index
        self._keyword = keyword
        self._ready_documents = ready_documents
        self.options = options
        self._reranker = reranker
        self._labels = labels

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        options, question = self.options, query_bundle.query_str
        ready = self._ready_documents()
        vector = query_bundle.embedding or self._embedding.get_query_embedding(question)
        depth = max(options.candidates, options.top_k)
        nodes: dict[str, BaseNode] = {}
        cosine: dict[str, float] = {}
        lists: list[list[tuple[str, float]]] = []
        weights: list[float] = []
        complete: list[bool] = []  # whether the list holds every chunk it scores above 0 (see score_fusion)
        least_scales: list[float] = []  # the least each list's scores are divided by (see score_fusion)
        labels = self._labels() if options.label_weight > 0 and self._labels is not None else {}
        named = self._named_documents(question, ready, labels)
        # The documents the question names best are searched on their own too: their passages compete with each
        # other, not with the whole collection's, for a place among the candidates.
        routed = {doc for doc, score in named.items() if score == max(named.values())} if named else set()
        if options.mode in ("dense", "hybrid"):
            hits = self._ready_hits(vector, depth, ready)
            if routed:
                hits = _merged(hits, self._index.query(vector, depth, only_docs=routed))
            for hit in hits:
                nodes[hit.node.node_id] = hit.node
                cosine[hit.node.node_id] = float(hit.score or 0.0)
            dense = [(hit.node.node_id, cosine[hit.node.node_id]) for hit in hits]
            if options.sentence_weight > 0 and self._sentences is not None:
                dense = _with_best_sentences(dense, nodes, vector, self._sentences, options.sentence_weight)
            lists.append(dense)
            weights.append(1.0)
            complete.append(False)
            least_scales.append(options.dense_floor)
        documents = {chunk_id: str(node.metadata.get(DOC_KEY, "")) for chunk_id, node in nodes.items()}
        if options.mode in ("keyword", "hybrid"):
            keyword = self._keyword(ready)
            found = keyword.search(question, depth, ready)
            # Fewer hits than asked for: no other chunk holds a word of the question.
            complete.append(len(found) < depth)
            least_scales.append(0.0)
            if routed:
                found = sorted(dict([*keyword.search(question, depth, routed), *found]).items(), key=lambda h: -h[1])
            lists.append(found)
            weights.append(options.keyword_weight)
            documents.update(keyword.documents_of([chunk_id for chunk_id, _ in found]))
        if routed and options.section_weight > 0 and self._sections is not None:
            # The parts of the named documents whose headings the question names: "... in the cash flow statement".
            by_section = self._named_sections(question, routed, [labels.get(doc, "") for doc in routed], documents)
            if by_section:
                lists.append(by_section[:depth])
                weights.append(options.section_weight)
                # Not whole: a chunk it leaves out (another document's) ranks below its hits, not at nothing. Scoring
                # those 0 put the named document's passages above the right one whenever the name was ambiguous
                # (FinanceBench, hybrid: doc@3 93.1% -> 89.7%).
                complete.append(False)
                least_scales.append(0.0)
        by_label: list[tuple[str, float]] = []
        if named:
            # Each candidate with its document's label score, best first.
            scored = {chunk_id: named.get(documents.get(chunk_id, ""), 0.0) for hits in lists for chunk_id, _ in hits}
            by_label = sorted(scored.items(), key=lambda hit: -hit[1])
            lists.append(by_label)
            weights.append(options.label_weight)
            complete.append(False)
            least_scales.append(0.0)
        if options.fusion == "rrf":
            # A ranking holds what its list found: the label list leaves out documents no question word names.
            rankings = [[chunk_id for chunk_id, score in hits if hits is not by_label or score > 0] for hits in lists]
            fused = reciprocal_rank_fusion(rankings, k=options.rrf_k, weights=weights)
        else:
            fused = score_fusion(lists, weights=weights, complete=complete, least_scales=least_scales)
        ranked = [chunk_id for chunk_id, _ in fused]
        if options.rerank and self._reranker is not None:
            # Only the first `candidates` are reordered; the rest keep their first-stage order behind them.
            head = self._with_nodes(ranked[: options.candidates], nodes)
            first_stage = dict(fused)
            ranked = _rerank(self._reranker, question, head, nodes, first_stage, options.rerank_weight)
            ranked += [chunk_id for chunk_id, _ in fused[options.candidates :]]
        ranked = self._with_nodes(ranked[: options.top_k], nodes)
        missing = [chunk_id for chunk_id in ranked if chunk_id not in cosine]
        cosine.update(self._cosines(vector, missing))
        return [NodeWithScore(node=nodes[chunk_id], score=cosine.get(chunk_id, 0.0)) for chunk_id in ranked]

    def _ready_hits(self, vector: list[float], depth: int, ready: Collection[str]) -> list[NodeWithScore]:
        """The `depth` nearest chunks of ready documents.

        Chroma holds the chunks of documents still being written (by this or another process) too. A
        few extra hits cover a small one; when a large one crowds the ready chunks out, the search is
        repeated without the unready documents it met, so an upload in progress never hides the rest.
        """
        unready: set[str] = set()
        for _ in range(3):
            hits = self._index.query(vector, depth + 10, exclude_docs=unready)
            kept = [hit for hit in hits if hit.node.metadata.get(DOC_KEY) in ready]
            # Only the few documents met are looked up: copying `ready` (every document) would cost each question.
            met = {doc for hit in hits if (doc := str(hit.node.metadata.get(DOC_KEY, ""))) not in ready}
            if len(kept) >= depth or len(hits) < depth + 10 or met <= unready:
                break
            unready |= met
        return kept[:depth]

    def _named_documents(self, question: str, ready: Collection[str], labels: Mapping[str, str]) -> dict[str, float]:
        """{document: label score} of the ready documents (retrieval/labels.py), by their `labels` ({document:
        label}); {} when no label holds a word of the question."""
        scores = label_scores(question, {doc: labels.get(doc, "") for doc in ready})
        return scores if any(scores.values()) else {}

    def _named_sections(
        self, question: str, routed: Collection[str], named_by: list[str], documents: dict[str, str]
    ) -> list[tuple[str, float]]:
        """The chunks of the `routed` documents whose sections hold the question's words (other than the words of
        the labels that named the documents), best first, scored by `section_scores`; each one's document goes
        into `documents`."""
        assert self._sections is not None
        chunks = {doc: self._sections(doc) for doc in routed}
        scores = section_scores(question, {section for found in chunks.values() for section in found}, named_by)
        scored: list[tuple[str, float]] = []
        for doc, found in chunks.items():
            for section, chunk_ids in found.items():
                if scores.get(section, 0.0) > 0:
                    scored += [(chunk_id, scores[section]) for chunk_id in chunk_ids]
                    documents.update(dict.fromkeys(chunk_ids, doc))
        return sorted(scored, key=lambda hit: -hit[1])

    def _with_nodes(self, chunk_ids: list[str], nodes: dict[str, BaseNode]) -> list[str]:
        """Fetch the chunks not seen yet; drop any that vanished from the index meanwhile."""
        nodes.update(self._index.get([chunk_id for chunk_id in chunk_ids if chunk_id not in nodes]))
        return [chunk_id for chunk_id in chunk_ids if chunk_id in nodes]

    def _cosines(self, vector: list[float], chunk_ids: list[str]) -> dict[str, float]:
        stored = self._index.vectors(chunk_ids)
        query = np.asarray(vector, dtype=np.float32)
        return {chunk_id: float(np.dot(query, stored_vector)) for chunk_id, stored_vector in stored.items()}

    def passages(self, question: str) -> list[Passage]:
        return [Passage.from_node(hit) for hit in self.retrieve(question)]


def _with_best_sentences(
    dense: list[tuple[str, float]],
    nodes: Mapping[str, BaseNode],
    vector: list[float],
    sentences: SentenceVectors,
    weight: float,
) -> list[tuple[str, float]]:
    """The dense hits (chunk id, cosine) scored (1 - weight) x their cosine + weight x the cosine of their best
    sentence, best first. A chunk with no sentence vectors (one sentence long, or indexed without them) is its own
    best sentence."""
    query = np.asarray(vector, dtype=np.float32)
    scored = []
    for chunk_id, chunk_cosine in dense:
        found = sentences(str(nodes[chunk_id].metadata.get(DOC_KEY, "")), chunk_id)
        best = float(np.max(found.astype(np.float32) @ query)) if found is not None and len(found) else chunk_cosine
        scored.append((chunk_id, (1 - weight) * chunk_cosine + weight * best))
    return sorted(scored, key=lambda hit: -hit[1])


def _merged(first: list[NodeWithScore], second: list[NodeWithScore]) -> list[NodeWithScore]:
    """The hits of both lists, each once, best first."""
    unique = {hit.node.node_id: hit for hit in [*second, *first]}
    return sorted(unique.values(), key=lambda hit: -(hit.score or 0.0))


def _rerank(
    reranker: MaxSimReranker,
    question: str,
    ranked: list[str],
    nodes: dict[str, BaseNode],
    first_stage: dict[str, float],
    weight: float,
) -> list[str]:
    """Order `ranked` by (1 - weight) x first-stage score + weight x MaxSim, each divided by its best."""
    chunks = [
        (
            chunk_id,
            str(nodes[chunk_id].metadata.get(DOC_KEY, "")),
            searchable_text(nodes[chunk_id].get_content(), nodes[chunk_id].metadata),
        )
        for chunk_id in ranked
    ]
    late = reranker.scores(question, chunks)
    early = [(chunk_id, first_stage[chunk_id]) for chunk_id in ranked]
    blended = score_fusion([early, list(zip(ranked, late, strict=True))], weights=[1 - weight, weight])
    return [chunk_id for chunk_id, _ in blended]
