"""What runs a local model's forward pass: onnxruntime on an ONNX copy of the model, or torch.

`LocalEmbedding` batches, pools and caches; a runtime tokenizes and returns hidden states. Both
runtimes read the same folder and give the same states to about 1e-5 (the ONNX copy is checked
against torch when it is made, see `app.embeddings.onnx_copy`). onnxruntime and the `tokenizers`
library import in a fifth of a second where torch and transformers take about four, which is most of
a cold `python -m app ask`; torch stays for a folder that cannot be exported.

Shapes: `states` is float32 `(texts, tokens, hidden)` for the batch padded to its longest text;
`mask` is float32 `(texts, tokens)`, 1 for a real token (special tokens included), 0 for padding;
`offsets` is int `(texts, tokens, 2)`, each token's [start, end) characters in its text, (0, 0) for
special tokens and padding.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from app.embeddings.pooling import FloatArray


@dataclass(frozen=True)
class Forward:
    """Hidden states of one padded batch (shapes in the module docstring)."""

    states: FloatArray
    mask: FloatArray
    offsets: npt.NDArray[np.int64] | None = None


class ModelRuntime(Protocol):
    """Tokenizer and forward pass of one local model; callers hold the model's lock around every call."""

    name: str  # "onnxruntime" or "torch", for logs and the benchmark

    def tokenize(self, text: str) -> list[str]:
        """Sub-word pieces of the whole text, no special tokens, never truncated."""
        ...

    def special_tokens_per_text(self) -> int: ...

    def forward(self, texts: list[str], *, offsets: bool = False) -> Forward:
        """One padded batch, each text cut to the model's `max_tokens` (special tokens included)."""
        ...


_sessions: dict[tuple[str, int], Any] = {}
_sessions_lock = threading.Lock()


def onnx_session(onnx_file: Path, threads: int) -> Any:
    """The onnxruntime session of `onnx_file` on `threads` CPU threads, made once per process (a session
    may run several batches at once); a caller that comes while another thread makes it waits for it."""
    key = (str(onnx_file), threads)
    with _sessions_lock:
        if key not in _sessions:
            _sessions[key] = new_session(onnx_file, threads)
        return _sessions[key]


def new_session(onnx_file: Path, threads: int) -> Any:
    """A session of its own (not kept for other callers), e.g. to check a copy before it is published."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: no notes about unused initializers on stderr
    return onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])


def load_session_in_background(onnx_file: Path, threads: int) -> threading.Thread:
    """Start making `onnx_session(onnx_file, threads)` in a thread (returned, started): onnxruntime reads and
    optimizes the graph in C++ (~0.2 s for MiniLM), beside the Python imports of a command that will embed
    soon. A copy it cannot read is left to the model's own load, which tries again, says why in the log and
    runs on torch: the thread prints nothing. Not a daemon: a command that ends first (an error, Ctrl-C) waits
    for it at exit, since onnxruntime aborts the process (std::terminate) if the interpreter ends mid-load."""
    import onnxruntime  # noqa: F401 - imported in the caller's thread: two threads importing one package race

    def load() -> None:
        with contextlib.suppress(Exception):  # reported by the load that needs the session (LocalEmbedding)
            onnx_session(onnx_file, threads)

    thread = threading.Thread(target=load, name="onnx-session", daemon=False)
    thread.start()
    return thread


def truncation_side(folder: Path) -> str:
    """Which end of a long text the model's tokenizer cuts ("right" or "left"): `tokenizer_config.json`'s
    `truncation_side`, as transformers reads it for the torch runtime; "right" where it says nothing."""
    config = folder / "tokenizer_config.json"
    side = json.loads(config.read_text()).get("truncation_side") if config.is_file() else None
    return "left" if side == "left" else "right"


class OnnxRuntime:
    """An ONNX copy of the model on onnxruntime, tokenized by the folder's `tokenizer.json`."""

    name = "onnxruntime"

    def __init__(
        self, onnx_file: Path, tokenizer_file: Path, max_tokens: int, threads: int, *, shared: bool = True
    ) -> None:
        from tokenizers import Tokenizer

        # shared: the process's one session of this file (`onnx_session`); else a session of its own.
        self._session = onnx_session(onnx_file, threads) if shared else new_session(onnx_file, threads)
        self._inputs = {node.name for node in self._session.get_inputs()}
        # Two instances, so that no call changes the other's settings: the whole text (counting, splitting)
        # and the model's window (the forward pass). sentence-transformers saves some with padding on.
        self._whole = Tokenizer.from_file(str(tokenizer_file))
        self._whole.no_padding()
        self._whole.no_truncation()
        self._window = Tokenizer.from_file(str(tokenizer_file))
        self._window.no_padding()
        self._window.enable_truncation(max_tokens, direction=truncation_side(tokenizer_file.parent))

    def tokenize(self, text: str) -> list[str]:
        return list(self._whole.encode(text, add_special_tokens=False).tokens)

    def special_tokens_per_text(self) -> int:
        return len(self._whole.encode("").ids)

    def forward(self, texts: list[str], *, offsets: bool = False) -> Forward:
        encodings = self._window.encode_batch(texts)
        width = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)  # padding id 0: masked out, its value is never read
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        spans = np.zeros((len(texts), width, 2), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            ids[row, :length] = encoding.ids
            types[row, :length] = encoding.type_ids
            mask[row, :length] = encoding.attention_mask
            if offsets and length:
                spans[row, :length] = encoding.offsets
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (states,) = self._session.run(["last_hidden_state"], {k: v for k, v in feed.items() if k in self._inputs})
        return Forward(np.asarray(states, dtype=np.float32), mask.astype(np.float32), spans if offsets else None)


class TorchRuntime:
    """The model on torch through transformers: for a folder with no ONNX copy (no `tokenizer.json`, or an
    architecture the exporter cannot trace)."""

    name = "torch"

    def __init__(self, folder: Path, max_tokens: int, threads: int) -> None:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as transformers_logging

        from app.embeddings.model_files import load_tokenizer

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        torch.set_num_threads(threads)
        self._tokenizer: Any = load_tokenizer(folder)
        self._model: Any = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
        self._max_tokens = max_tokens

    def tokenize(self, text: str) -> list[str]:
        # Whole documents go through here to be split: no "longer than the maximum length" warning.
        return list(self._tokenizer.tokenize(text, add_special_tokens=False, verbose=False))

    def special_tokens_per_text(self) -> int:
        return len(self._tokenizer("")["input_ids"])

    def torch_batch(self, texts: list[str]) -> Any:
        """`texts` tokenized into one padded batch of torch tensors (`input_ids`, `attention_mask`, ...)."""
        return self._tokenizer(texts, padding=True, truncation=True, max_length=self._max_tokens, return_tensors="pt")

    def forward(self, texts: list[str], *, offsets: bool = False) -> Forward:
        import torch

        encoded = self._tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self._max_tokens,
            return_offsets_mapping=offsets,
            return_tensors="pt",
        )
        spans = encoded.pop("offset_mapping").numpy() if offsets else None
        with torch.inference_mode():
            states = self._model(**encoded).last_hidden_state.float().numpy()
        return Forward(states, encoded["attention_mask"].numpy().astype(np.float32), spans)
