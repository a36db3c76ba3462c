"""Build a tiny, random-weight stand-in for jina-embeddings-v4 that vLLM can serve, fully offline.

The real `jinaai/jina-embeddings-v4-vllm-retrieval` checkpoint loads in vLLM as
`Qwen2_5_VLForConditionalGeneration` (a Qwen2.5-VL model with the retrieval LoRA merged in).
This module builds the same architecture at toy size, with its own tokenizer, image processor and
chat template, so the whole vLLM path (text, images, M-RoPE, pooling, Matryoshka `dimensions`)
can be tested without downloading anything. Outputs are meaningless but deterministic.

Run inside the vLLM venv (it has torch + transformers; torchvision is NOT needed to build):

    .venv-vllm/bin/python -m tests.models.tiny_jina /tmp/tiny-jina

Serving it needs the torchvision shim from `scripts/install_vllm_shims.sh` on PYTHONPATH, because
vLLM's Qwen2-VL code and transformers' Qwen2.5-VL processor import torchvision.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.models.staged_build import build_staged

# Bump when the output changes, so stale cached builds are rebuilt.
BUILD_VERSION = "1"
MARKER = ".tiny-jina-build"
SEED = 0

TEXT_HIDDEN = 128  # the embedding size the server returns
VISION_HIDDEN = 64
PATCH_SIZE = 14
MERGE_SIZE = 2
TEMPORAL_PATCH = 2
MIN_PIXELS = 56 * 56
MAX_PIXELS = 28 * 28 * 256  # at most 256 image tokens after the 2x2 merge
MAX_POSITIONS = 2048

END_OF_TEXT = "<|endoftext|>"  # Qwen's pad token
IM_END = "<|im_end|>"  # Qwen's end-of-turn / eos token
SPECIAL_TOKENS = [
    END_OF_TEXT,
    "<|im_start|>",
    IM_END,
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
]

# Renders like Qwen2.5-VL's template but without the default system prompt:
#   <|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>TEXT<|im_end|>\n
# It iterates over message['content'], so vLLM detects the "openai" content format and passes
# images as {"type": "image"} parts.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}"
    "{%- if message['content'] is string -%}"
    "{{- message['content'] -}}"
    "{%- else -%}"
    "{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'image' or part['type'] == 'image_url' or 'image' in part -%}"
    "{{- '<|vision_start|><|image_pad|><|vision_end|>' -}}"
    "{%- elif part['type'] == 'video' or 'video' in part -%}"
    "{{- '<|vision_start|><|video_pad|><|vision_end|>' -}}"
    "{%- elif part['type'] == 'text' -%}"
    "{{- part['text'] -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{{- '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{- '<|im_start|>assistant\\n' -}}"
    "{%- endif -%}"
)

# Built-in training text for the BPE tokenizer: fixed, so the vocabulary is deterministic.
CORPUS = """\
Query: what is retrieval augmented generation? Passage: Retrieval augmented generation answers a
question by first searching a collection of documents, then giving the best passages to a language
model. The documents are split into chunks, and every chunk is turned into an embedding vector.
A query is embedded the same way, and the nearest chunks by cosine similarity are returned.
The Atlantic puffin nests in burrows on rocky islands in the North Atlantic. Puffins eat small fish
such as sand eels and can dive thirty metres deep. The reactor cooling loop uses liquid sodium at
550 degrees Celsius, and its coolant pump was replaced in March 2021 after a bearing failure.
Medieval bread was baked in communal ovens. Villagers paid the miller a fee to grind their grain
into flour, usually one sixteenth of the sack. Describe the image. The picture shows a red square
on a blue background, with a small green circle in the corner and some black text below it.
Hello world! This is a test of the tiny model. Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 2024 2025.
Punctuation, quotes "like this", (brackets), [lists], {sets}, and symbols: + - * / = % # @ & ! ?
The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with one step.
Science, history, cooking, travel, music and sport are common topics in a knowledge base. Users
upload PDF files, Word documents, Markdown notes and plain text, then ask questions in a chat.
"""


def _vocab_size(tokenizer_len: int) -> int:
    """Pad the vocabulary to a multiple of 64, as real checkpoints do (vLLM pads embeddings too)."""
    return (tokenizer_len + 63) // 64 * 64


def build_tokenizer() -> Any:
    """Train a small byte-level BPE (deterministic) and wrap it as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,  # the config pads it to 640, like real checkpoints pad theirs
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(CORPUS.splitlines(), trainer=trainer)

    # Same roles as Qwen2.5-VL: no BOS is added, <|im_end|> ends a turn, <|endoftext|> pads.
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token=IM_END,
        pad_token=END_OF_TEXT,
        unk_token=None,
        model_max_length=MAX_POSITIONS,
        extra_special_tokens={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"},
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_config(tokenizer: Any) -> Any:
    """Qwen2.5-VL config at toy size; special-token ids come from the tokenizer."""
    from transformers import Qwen2_5_VLConfig

    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    head_dim = 32  # vLLM's CPU attention rejects head size 16
    text_config = {
        "vocab_size": _vocab_size(len(tokenizer)),
        "hidden_size": TEXT_HIDDEN,
        "intermediate_size": 256,
        "num_hidden_layers": 2,
        "num_attention_heads": TEXT_HIDDEN // head_dim,
        "num_key_value_heads": 2,
        "max_position_embeddings": MAX_POSITIONS,
        "max_window_layers": 2,
        # transformers 5 calls it `rope_parameters` (4.x: `rope_scaling`). mrope_section must sum to
        # head_dim / 2, or vLLM does not use multimodal RoPE.
        "rope_parameters": {"rope_type": "default", "rope_theta": 1e6, "mrope_section": [4, 6, 6]},
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
    }
    vision_config = {
        "depth": 2,
        "hidden_size": VISION_HIDDEN,
        "intermediate_size": 128,
        "num_heads": 2,  # vision head dim 32
        "patch_size": PATCH_SIZE,
        "spatial_merge_size": MERGE_SIZE,
        "temporal_patch_size": TEMPORAL_PATCH,
        "window_size": 112,
        "fullatt_block_indexes": [1],
        "out_hidden_size": TEXT_HIDDEN,
    }
    return Qwen2_5_VLConfig(
        text_config=text_config,
        vision_config=vision_config,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
        tie_word_embeddings=True,  # like Qwen2.5-VL-3B, the base of jina-embeddings-v4
    )


def build_image_processor() -> Any:
    """The PIL backend of the Qwen2-VL image processor: same preprocessing, no torchvision needed."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    return Qwen2VLImageProcessorPil(
        min_pixels=MIN_PIXELS,
        max_pixels=MAX_PIXELS,
        patch_size=PATCH_SIZE,
        temporal_patch_size=TEMPORAL_PATCH,
        merge_size=MERGE_SIZE,
    )


def save_model(config: Any, folder: Path) -> None:
    """Random float32 weights from a fixed seed, saved as safetensors."""
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration

    torch.manual_seed(SEED)
    model = Qwen2_5_VLForConditionalGeneration(config).to(torch.float32).eval()
    model.save_pretrained(folder, safe_serialization=True)


def save_processor_files(tokenizer: Any, image_processor: Any, folder: Path) -> None:
    """Tokenizer, image processor and chat template, laid out like the real checkpoint."""
    tokenizer.save_pretrained(folder)
    image_processor.save_pretrained(folder)
    # Point AutoProcessor at the Qwen2.5-VL processor (as Qwen2.5-VL checkpoints do); the processor
    # class itself imports torchvision (for video), so it is only instantiated by the server.
    preprocessor = folder / "preprocessor_config.json"
    settings = json.loads(preprocessor.read_text())
    settings["processor_class"] = "Qwen2_5_VLProcessor"
    preprocessor.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    (folder / "chat_template.jinja").write_text(CHAT_TEMPLATE)


def build_tiny_jina(folder: Path) -> Path:
    """Build the checkpoint into `folder` and return it; no-op if it already holds a complete build."""

    def write(staging: Path) -> None:
        tokenizer = build_tokenizer()
        save_model(build_config(tokenizer), staging)
        save_processor_files(tokenizer, build_image_processor(), staging)

    return build_staged(folder, marker=MARKER, version=BUILD_VERSION, write=write)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTPUT_FOLDER")
    print(build_tiny_jina(Path(sys.argv[1])))
