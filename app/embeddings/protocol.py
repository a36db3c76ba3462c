"""The embedding contract: what the rest of the app may use of an embedding model, whichever backend.

Two backends satisfy it, `LocalEmbedding` (a model in this process) and `vLLMEmbedding` (a vLLM
server); both are also LlamaIndex `BaseEmbedding` subclasses, so LlamaIndex code can use them as
an embed model. Code outside `app/embeddings/` asks the model what it can do (`has_token_vectors`,
`reads_images`) and never checks which class it is.

Shapes and units, for every member below:
- a dense vector is `list[float]` (a float32 array of shape `(dimension,)` where an array is
  returned), L2-normalized, `dimension` long: after any Matryoshka truncation (EMBEDDING_DIMENSIONS);
- token vectors are a float32 array of shape `(n_tokens, width)`, one unit-length row per token the
  model read (special tokens included, padding left out); `width` is the model's full hidden size,
  since Matryoshka truncation applies to dense vectors only;
- token counts and limits are in the model's own tokens.

Errors: a model that cannot be loaded or a setting it cannot honour raises `ConfigError` when the
model is built; a server that fails, refuses a request or is asked for token vectors it does not
serve raises `EmbeddingError`. Both come from `app.errors` and carry the fix in their hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from app.embeddings.pooling import FloatArray


class ModelDescription(Protocol):
    """What an index's fingerprint and the settings check need to know of a model, without embedding
    anything: every `Embedding`, and `LocalModelFiles` (a local model folder's config files alone)."""

    @property
    def model_name(self) -> str:
        """The model's name: the served model id on vLLM, the model folder's or hub name locally."""
        ...

    @property
    def dimension(self) -> int:
        """Length of the dense vectors. vLLM asks its server once (raises EmbeddingError if it is down)."""
        ...

    @property
    def max_tokens(self) -> int:
        """Longest input, in tokens and special tokens included, that the model reads without truncation."""
        ...

    @property
    def special_tokens_per_text(self) -> int:
        """Tokens every input spends beyond its own text (special tokens, or the passage prefix)."""
        ...

    @property
    def prefix_scheme(self) -> str:
        """The query/passage prefixes as one string, for the index fingerprint ("none" without prefixes)."""
        ...

    @property
    def has_token_vectors(self) -> bool:
        """Whether `embed_tokens`, `encode_chunks` and `encode_spans` work: the local model always
        gives token vectors; a vLLM server only with VECTOR_TYPE=late (a token_embed server)."""
        ...


class Embedding(ModelDescription, Protocol):
    """An embedding model as the app uses it (see the module docstring for shapes and errors)."""

    @property
    def query_prefix(self) -> str:
        """Text put before a question before it is embedded ("" for none)."""
        ...

    @property
    def passage_prefix(self) -> str:
        """Text put before a passage before it is embedded ("" for none)."""
        ...

    @property
    def reads_images(self) -> bool:
        """Whether `embed_image` is sent to the model: only the vLLM backend (jina v4) has an image path."""
        ...

    def tokenize(self, text: str) -> list[str]:
        """The tokens of `text`, special tokens left out, as strings; only their number is a contract.

        Strings, not ids, because a remote model's ids are not known without a request per call,
        and the splitter, the one caller, needs only `len(...)`: the local model gives its exact
        sub-word pieces, vLLM words and punctuation (an estimate, as its tokenizer is on the server).
        """
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens `text` takes in the model, never fewer than its own: the local model counts them
        exactly without special tokens, vLLM with them (one `POST /tokenize` per call)."""
        ...

    def get_query_embedding(self, query: str) -> list[float]:
        """The dense vector of a question (the query prefix added)."""
        ...

    def get_text_embedding_batch(
        self, texts: list[str], show_progress: bool = False, **kwargs: Any
    ) -> list[list[float]]:
        """Dense vectors of passages (the passage prefix added), in input order."""
        ...

    def embed_tokens(self, texts: list[str], *, query: bool = False) -> list[FloatArray]:
        """Unit token vectors of each text, `(n_tokens, width)` float32 each, for MaxSim.

        Raises:
            EmbeddingError: the model gives no token vectors (see `has_token_vectors`) or the server failed.
        """
        ...

    def encode_chunks(self, texts: list[str]) -> list[tuple[FloatArray, FloatArray]]:
        """(dense vector, unit token vectors) of each passage, both from one pass of the model.

        Raises:
            EmbeddingError: as `embed_tokens`.
        """
        ...

    def encode_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[FloatArray, FloatArray] | None]:
        """Late chunking: encode `text` once, then pool each character span [start, end) from its own
        tokens into (dense vector, unit token vectors); None for a span the model's length cut off.

        Raises:
            EmbeddingError: as `embed_tokens`.
        """
        ...

    def embed_image(self, image: bytes, mime_type: str = "image/png") -> FloatArray:
        """Dense vector `(dimension,)` float32 of an image's bytes.

        Raises:
            EmbeddingError: the model has no image path (see `reads_images`) or the server failed.
        """
        ...
