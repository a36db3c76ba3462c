"""The ingest side built from the settings: the splitter, the readers' options and the `Ingestor` of an index.

The workspace, a reindex and an import all build their ingestor here, so one index is written the
same way whoever writes it; they check the settings against the model first (`app.ingest.settings_fit`).
"""

from __future__ import annotations

from app.config import Settings
from app.embeddings import Embedding
from app.embeddings.tuning import sentence_weight_for
from app.ingest.chunking import BoundedSentenceSplitter
from app.ingest.ocr import Ocr
from app.ingest.parsed import ReadOptions
from app.ingest.pipeline import Ingestor
from app.store.chroma import VectorIndex
from app.store.data_folder import DataFolder
from app.store.token_store import TokenStore


def build_ingestor(
    data: DataFolder,
    embedding: Embedding,
    index: VectorIndex,
    token_store: TokenStore | None = None,
    sentence_store: TokenStore | None = None,
) -> Ingestor:
    """The ingestor of one physical index of `data` (the workspace's, or the one a reindex builds)."""
    settings = data.settings
    return Ingestor(
        embedding=embedding,
        index=index,
        catalog=data.catalog,
        sources_dir=data.sources_dir,
        lock_path=data.lock_path,
        splitter=splitter_for(settings, embedding),
        max_bytes=settings.max_upload_mb * 1_000_000,
        read_options=read_options_for(settings, embedding),
        late_chunking=settings.late_chunking,
        token_store=token_store,
        sentence_store=sentence_store,
    )


def sentence_store_for(data: DataFolder, embedding: Embedding, physical: str) -> TokenStore | None:
    """The sentence vectors of the index `physical`, kept when SENTENCE_WEIGHT (or the model's default) is above 0."""
    return (
        TokenStore(data.sentence_folder(physical))
        if sentence_weight_for(data.settings, embedding.model_name) > 0
        else None
    )


def read_options_for(settings: Settings, embedding: Embedding) -> ReadOptions:
    return ReadOptions(
        max_pages=settings.max_pages,
        max_unzipped_bytes=settings.max_unzipped_mb * 1_000_000,
        embed_images=embedding.reads_images,
        ocr=Ocr(command=settings.tesseract_cmd, languages=settings.ocr_languages),
    )


def splitter_for(settings: Settings, embedding: Embedding) -> BoundedSentenceSplitter:
    """The splitter of the app's chunks: CHUNK_SIZE tokens of `embedding`'s tokenizer at most, whatever the text."""
    return BoundedSentenceSplitter(
        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap, tokenizer=embedding.tokenize
    )
