"""An ONNX copy of a local model folder, made once from its own weights and kept in MODEL_CACHE_DIR.

Made with torch's exporter (`torch.onnx.export(dynamo=True)`, needs the `onnx` and `onnxscript`
packages), then checked: both tokenizers cut `TOKENIZER_PROBE` (accents, capitals, many scripts) into the
same pieces, onnxruntime and torch run two texts of different lengths in one padded batch, and the copy
is kept only if every real token's hidden state agrees to `TOLERANCE`. Nothing is
downloaded. The copy is named by the folder's path and its files' sizes and modification times, so a
changed model gets a new copy. A folder whose export fails or disagrees gets a `.failed` note with
the reason, and runs on torch without trying again.

Costs, packaged MiniLM on the 2-core machine: about 15 s and 90 MB once; then a process starts the
model in about 0.2 s instead of 4 to 5 s (torch and transformers imports and loading).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.files import atomic_file, index_write_lock

if TYPE_CHECKING:
    from app.embeddings.runtimes import TorchRuntime

log = logging.getLogger(__name__)

FORMAT = 2  # bump when the export's inputs, outputs or checks change: every copy is made again (2: tokenizer probe)
TOLERANCE = 1e-3  # largest difference allowed between the two runtimes on any hidden-state value
PROBE = ["A short probe.", "A longer probe text, so that one batch holds padding: the mask must hold up under it."]
# Tokenized by both tokenizers, which must give the same pieces: transformers applies tokenizer_config.json's
# settings (lower case, accents, Chinese characters) over tokenizer.json's, which onnxruntime's side reads alone.
TOKENIZER_PROBE = [
    PROBE[1],
    "Le café coûte 5 € à Zürich, NAÏVE Straße; Ærø, İstanbul, ıspanak, ǅemal, ﬁne.",
    "東京タワーと北京の天安门 서울 Ελληνικά русский עברית العربية हिन्दी ไทย 😀👍🏽",
]


def copy_path(folder: Path, cache_dir: Path) -> Path:
    """Where the ONNX copy of `folder` lives (it may not exist yet): `cache_dir/<folder name>-<key>.onnx`."""
    digest = hashlib.sha256(f"{FORMAT}\x00{folder.resolve()}".encode())
    # With MODEL_CACHE_DIR set to the model folder itself, the copy and its lock land among the files named here:
    # counted, they would name another copy at every start, and each start would export again.
    own = re.compile(rf"{re.escape(folder.name)}-[0-9a-f]{{16}}\.(onnx|lock|partial|failed)")
    for file in sorted(folder.iterdir()):
        if file.is_file() and not own.fullmatch(file.name):
            stat = file.stat()
            digest.update(f"\x00{file.name}\x00{stat.st_size}\x00{stat.st_mtime_ns}".encode())
    return cache_dir / f"{folder.name}-{digest.hexdigest()[:16]}.onnx"


def ensure_copy(folder: Path, cache_dir: Path, max_tokens: int) -> Path | None:
    """The checked ONNX copy of `folder`, made now if there is none; None where it cannot be made.

    None, after a warning in the log: the folder has no `tokenizer.json` (onnxruntime's side tokenizes
    with it), the exporter is not installed (tried again by the next process) or fails, or the copy
    disagrees with torch (a `.failed` note: not tried again; delete it to retry). Never raises for
    the model; raises OSError (one of the system's, with an errno) if `cache_dir` cannot be written or
    the copy does not fit (a full disk): no note then, the next process tries again.
    """
    target = copy_path(folder, cache_dir)
    failed = target.with_suffix(".failed")
    if target.is_file():
        return target
    if failed.is_file() or not (folder / "tokenizer.json").is_file():
        return None
    with index_write_lock(target.with_suffix(".lock")):  # one process exports; the others wait, then read it
        if target.is_file():
            return target
        log.info("Making an ONNX copy of the embedding model %s (once, about 15 s)", folder)
        try:
            _export(folder, target, max_tokens)
        except ImportError as exc:  # the installation's fault, not the model's: tried again once it is fixed
            log.warning("The embedding model runs on torch: its ONNX copy needs %s (reinstall the app)", exc.name)
            return None
        except OSError as exc:
            if exc.errno is not None:  # the system's (a full disk, a size limit): tried again by the next process
                target.unlink(missing_ok=True)
                raise
            _note_failure(folder, target, failed, exc)  # a library's message (transformers: "no file named ...")
            return None
        except Exception as exc:  # noqa: BLE001 - any exporter failure means: stay on torch
            _note_failure(folder, target, failed, exc)
            return None
    return target


def _note_failure(folder: Path, target: Path, failed: Path, exc: Exception) -> None:
    log.warning("The embedding model %s runs on torch: its ONNX copy failed (%s)", folder, exc)
    target.unlink(missing_ok=True)
    with atomic_file(failed) as handle:
        handle.write(f"{type(exc).__name__}: {exc}\n".encode())


def _export(folder: Path, target: Path, max_tokens: int) -> None:
    import torch
    from transformers import AutoModel

    from app.embeddings.runtimes import TorchRuntime

    reference = TorchRuntime(folder, max_tokens, threads=torch.get_num_threads())
    model = AutoModel.from_pretrained(str(folder), local_files_only=True, attn_implementation="eager").eval()

    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters  # BERT does, XLM-R/DistilBERT not

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            types = {"token_type_ids": token_type_ids} if takes_types else {}
            states: torch.Tensor = self.model(
                input_ids=input_ids, attention_mask=attention_mask, **types
            ).last_hidden_state
            return states

    batch = reference.torch_batch(PROBE)
    inputs = (
        batch["input_ids"],
        batch["attention_mask"],
        batch.get("token_type_ids", torch.zeros_like(batch["input_ids"])),
    )
    dims = {0: torch.export.Dim.DYNAMIC, 1: torch.export.Dim.DYNAMIC}
    partial = target.with_suffix(".partial")
    quiet = logging.getLogger("torch.onnx")  # the exporter logs a warning per torchvision op it does not find
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                LastHiddenState(),
                inputs,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_shapes=(dims, dims, dims),
                dynamo=True,
                verbose=False,
            )
    finally:
        quiet.setLevel(level)
    assert program is not None
    try:  # a partial file of a full disk, a failed check or an interrupt is removed
        program.save(str(partial))
        _check(reference, partial, folder, max_tokens)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _check(reference: TorchRuntime, onnx_file: Path, folder: Path, max_tokens: int) -> None:
    """Raises ValueError if the two runtimes disagree on any real token of the probe batch."""
    from app.embeddings.runtimes import OnnxRuntime

    copy = OnnxRuntime(onnx_file, folder / "tokenizer.json", max_tokens, threads=1, shared=False)
    for text in TOKENIZER_PROBE:
        if copy.tokenize(text) != reference.tokenize(text):
            raise ValueError(f"the tokenizer.json pieces of {text[:20]!r}… differ from the transformers tokenizer's")
    want, got = reference.forward(PROBE), copy.forward(PROBE)
    if want.states.shape != got.states.shape or not np.array_equal(want.mask, got.mask):
        raise ValueError(f"shapes differ: {want.states.shape} against {got.states.shape}")
    real = want.mask > 0
    gap = float(np.abs(want.states[real] - got.states[real]).max())
    if gap > TOLERANCE:
        raise ValueError(f"hidden states differ by up to {gap:.2g}")
