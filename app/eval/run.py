"""`python -m app eval`: build an index of a BEIR corpus through the app's ingestion, then score retrieval configs.

Each distinct index (model, Matryoshka size, chunking) is built once in the cache folder and reused by later
runs: unchanged files are skipped by their content hash, so a re-run only pays for the queries.
"""

from __future__ import annotations

import hashlib
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from app.config import RETRIEVAL_MODES, RetrievalMode, Settings
from app.embeddings import Embedding, build_embedding, cache_vectors
from app.errors import ConfigError
from app.eval.beir import BeirDataset, document_text
from app.eval.metrics import evaluate
from app.ingest.chunking import content_sha256
from app.retrieval.passage import Passage
from app.store.fingerprint import fingerprint_for
from app.workspace import Workspace

log = logging.getLogger(__name__)

DOCS_PER_QUERY = 100  # Recall@100 needs a hundred documents per query
CHUNKS_PER_QUERY = 150  # a document may own several of the best chunks


@dataclass(frozen=True)
class EvalConfig:
    """One line of the results table, named like `hybrid+rerank+late@256`: mode, options, Matryoshka size."""

    name: str
    mode: RetrievalMode
    rerank: bool = False
    late_chunking: bool = False
    dimensions: int | None = None

    @classmethod
    def parse(cls, name: str) -> EvalConfig:
        base, _, size = name.partition("@")
        mode, *flags = base.split("+")
        if mode not in RETRIEVAL_MODES or set(flags) - {"rerank", "late"}:
            raise ConfigError(
                f"Unknown eval config '{name}'.",
                f"Use {', '.join(RETRIEVAL_MODES[:-1])} or {RETRIEVAL_MODES[-1]}, "
                "optionally with +rerank, +late (late chunking) and @<dimensions>, "
                "e.g. hybrid+rerank@256.",
            )
        try:
            dimensions = int(size) if size else None
        except ValueError as exc:
            raise ConfigError(f"Bad dimensions in eval config '{name}'.", "Write e.g. dense@128.") from exc
        return cls(
            name=name,
            mode=mode,
            rerank="rerank" in flags,
            late_chunking="late" in flags,
            dimensions=dimensions,
        )


@dataclass(frozen=True)
class EvalResult:
    config: str
    ndcg_at_10: float
    recall_at_100: float
    mrr_at_10: float
    latency_p50_ms: float
    latency_p95_ms: float
    queries: int
    chunks: int
    index: str


def cached_embedding(settings: Settings, cache_dir: Path) -> Embedding:
    """The settings' embedding model; a local one keeps its vectors in `cache_dir`, so re-runs and
    Matryoshka sizes skip the model."""
    embedding = build_embedding(settings)
    cache_vectors(embedding, cache_dir / "vectors.sqlite3")
    return embedding


def cached_workspace(settings: Settings, embedding: Embedding, cache_dir: Path, name: str) -> Workspace:
    """A workspace in `cache_dir/name/<fingerprint hash>`: one data folder per distinct index, reused by later runs.

    Raises ConfigError when the settings do not fit the embedding model.
    """
    key = hashlib.sha256(fingerprint_for(settings, embedding).to_json().encode()).hexdigest()[:12]
    return Workspace(settings.model_copy(update={"data_dir": cache_dir / name / key}), embedding)


def _percentile(values: Sequence[float], fraction: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


class Evaluation:
    def __init__(
        self,
        dataset: BeirDataset,
        settings: Settings,
        cache_dir: Path,
        report: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    ) -> None:
        self.dataset = dataset
        self.settings = settings
        self.cache_dir = cache_dir
        self.report = report
        self._embeddings: dict[int | None, Embedding] = {}
        # Each corpus entry is a file named by its position: a corpus id ("a00p0" in XQuAD) is the data set's
        # bookkeeping, not a name a user would give, and a name's words are embedded with every chunk of its
        # document (app.ingest.chunking.document_label). A name without letters adds nothing.
        self._files = [
            (f"{position:07d}.txt", document_text(title, text).encode("utf-8"))
            for position, (title, text) in enumerate(dataset.corpus.values(), start=1)
        ]
        self._doc_ids: dict[str, list[str]] = {}
        for doc_id, (_, content) in zip(dataset.corpus, self._files, strict=True):
            self._doc_ids.setdefault(content_sha256(content), []).append(doc_id)

    def workspace(self, config: EvalConfig) -> Workspace:
        """The workspace of the index `config` needs, built (or brought up to date) in the cache."""
        if config.dimensions not in self._embeddings:
            sized = self.settings.model_copy(update={"embedding_dimensions": config.dimensions})
            self._embeddings[config.dimensions] = cached_embedding(sized, self.cache_dir)
        embedding = self._embeddings[config.dimensions]
        settings = self.settings.model_copy(
            update={
                "embedding_dimensions": config.dimensions,
                "late_chunking": config.late_chunking,
                # Kept for the +rerank configs, where the model gives token vectors (multilingual-e5 does not).
                "token_store": embedding.has_token_vectors,
            }
        )
        workspace = cached_workspace(settings, embedding, self.cache_dir, self.dataset.name)
        self._ingest(workspace)
        return workspace

    def _ingest(self, workspace: Workspace) -> None:
        batch = 500
        started = time.perf_counter()
        skipped = 0
        for start in range(0, len(self._files), batch):
            results = workspace.ingest(self._files[start : start + batch])
            failed = [result for result in results if result.status == "failed"]
            if failed:
                raise ConfigError(f"{len(failed)} corpus documents failed to index, e.g. {failed[0].file_name}.")
            skipped += sum(result.status == "skipped" for result in results)
            done = min(start + batch, len(self._files))
            elapsed = time.perf_counter() - started
            self.report(
                f"  index {workspace.settings.data_dir.name}: {done}/{len(self._files)} documents, "
                f"{skipped} of them already indexed ({elapsed:.0f} s)"
            )

    def doc_ids(self, doc_sha: str) -> list[str]:
        """The corpus ids of a stored document (several when the corpus repeats a text)."""
        return self._doc_ids.get(doc_sha, [])

    def doc_ranking(self, passages: Sequence[Passage]) -> list[str]:
        """Corpus ids in the order their first chunk was retrieved, at most DOCS_PER_QUERY."""
        ranking: list[str] = []
        for passage in passages:
            for doc_id in self.doc_ids(passage.doc_sha):
                if doc_id not in ranking:
                    ranking.append(doc_id)
        return ranking[:DOCS_PER_QUERY]

    def run(self, config: EvalConfig, limit_queries: int | None = None) -> EvalResult:
        workspace = self.workspace(config)
        options = workspace.search_options(mode=config.mode, rerank=config.rerank, top_k=CHUNKS_PER_QUERY)
        queries = list(self.dataset.queries.items())[:limit_queries]
        run: dict[str, list[str]] = {}
        latencies: list[float] = []
        for number, (query_id, question) in enumerate(queries, start=1):
            started = time.perf_counter()
            passages = workspace.retrieve(question, options=options)
            latencies.append((time.perf_counter() - started) * 1000)
            run[query_id] = self.doc_ranking(passages)
            if number % 100 == 0:
                self.report(f"  {config.name}: {number}/{len(queries)} queries")
        qrels = {query_id: self.dataset.qrels[query_id] for query_id, _ in queries}
        scores = evaluate(run, qrels)
        status = workspace.status()
        return EvalResult(
            config=config.name,
            ndcg_at_10=round(scores["ndcg@10"], 4),
            recall_at_100=round(scores["recall@100"], 4),
            mrr_at_10=round(scores["mrr@10"], 4),
            latency_p50_ms=round(_percentile(latencies, 0.50), 1),
            latency_p95_ms=round(_percentile(latencies, 0.95), 1),
            queries=len(queries),
            chunks=status.chunks,
            index=status.fingerprint.describe(),
        )


def results_table(results: Sequence[EvalResult]) -> str:
    lines = [
        "| Config | nDCG@10 | Recall@100 | MRR@10 | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.config} | {r.ndcg_at_10:.4f} | {r.recall_at_100:.4f} | {r.mrr_at_10:.4f} | "
        f"{r.latency_p50_ms:.0f} | {r.latency_p95_ms:.0f} |"
        for r in results
    ]
    return "\n".join(lines)


def write_outputs(results: Sequence[EvalResult], out_dir: Path, title: str) -> tuple[Path, Path]:
    """results.json and a bar chart (nDCG@10 and Recall@100 per config) in `out_dir`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps([asdict(result) for result in results], indent=2) + "\n")
    figure, axis = plt.subplots(figsize=(max(6.0, 1.2 * len(results) + 2), 4))
    positions = range(len(results))
    axis.bar([p - 0.2 for p in positions], [r.ndcg_at_10 for r in results], width=0.4, label="nDCG@10")
    axis.bar([p + 0.2 for p in positions], [r.recall_at_100 for r in results], width=0.4, label="Recall@100")
    axis.set_xticks(list(positions), [r.config for r in results], rotation=20, ha="right")
    axis.set_ylim(0, 1)
    axis.set_title(title)
    axis.legend(loc="lower right")
    figure.tight_layout()
    chart_path = out_dir / "results.png"
    figure.savefig(chart_path, dpi=120)
    plt.close(figure)
    return json_path, chart_path


def evaluate_configs(
    dataset: BeirDataset,
    settings: Settings,
    configs: Sequence[EvalConfig],
    cache_dir: Path,
    limit_queries: int | None = None,
    after_each: Callable[[list[EvalResult]], None] = lambda results: None,
) -> list[EvalResult]:
    """Score each config in turn; `after_each` sees the results so far (a long run keeps what it measured)."""
    evaluation = Evaluation(dataset, settings, cache_dir)
    results: list[EvalResult] = []
    for config in configs:
        evaluation.report(f"{config.name}: building or reusing the index, then {len(dataset.queries)} queries")
        results.append(evaluation.run(config, limit_queries))
        after_each(results)
    return results
