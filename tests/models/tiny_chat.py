"""Build a tiny, random-weight Qwen2 chat model that vLLM can serve as an OpenAI chat server, fully offline.

The app's chat side talks to an OpenAI-compatible server. This module builds a `Qwen2ForCausalLM` at toy
size with a ChatML template, so the real vLLM chat path (streaming, seeds, stop strings, `max_tokens`,
`ignore_eos`) can be tested without downloading anything. Text is gibberish but deterministic for a
given request `seed`.

The tokenizer is the one `tests/models/tiny_jina.py` trains (same corpus, same specials), so both tiny
models share one vocabulary and one training recipe; only the chat template differs.

Run inside the vLLM venv (it has torch + transformers), from the repository root:

    .venv-vllm/bin/python -m tests.models.tiny_chat /tmp/tiny-chat
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TypedDict

from tests.models.staged_build import build_staged
from tests.models.tiny_jina import BUILD_VERSION as JINA_BUILD_VERSION
from tests.models.tiny_jina import END_OF_TEXT, IM_END, MAX_POSITIONS, _vocab_size, build_tokenizer

# Bump when the output changes, so stale cached builds are rebuilt. The tokenizer comes from tiny_jina, so
# its version is part of ours: a new jina tokenizer invalidates chat builds too.
BUILD_VERSION = f"1+jina{JINA_BUILD_VERSION}"
MARKER = ".tiny-chat-build"
SEED = 0

HIDDEN = 128
HEAD_DIM = 32  # vLLM's CPU attention rejects head size 16

# Plain ChatML, as Qwen2 instruct models use, but without a default system prompt:
#   <|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n
# It treats content as a string, so vLLM detects the "string" content format and flattens OpenAI
# text parts into one string before rendering.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{- '<|im_start|>assistant\\n' -}}"
    "{%- endif -%}"
)


def build_chat_tokenizer() -> Any:
    """tiny_jina's byte-level BPE (eos <|im_end|>, pad <|endoftext|>) with a ChatML template and a BOS."""
    tokenizer = build_tokenizer()
    tokenizer.chat_template = CHAT_TEMPLATE
    # Qwen2 checkpoints name <|endoftext|> as BOS in the config but never prepend it; mirror that here.
    tokenizer.bos_token = END_OF_TEXT
    return tokenizer


class SpecialIds(TypedDict):
    bos_token_id: int
    eos_token_id: int
    pad_token_id: int


def special_ids(tokenizer: Any) -> SpecialIds:
    """The ids the model config and generation config must agree on with the tokenizer."""
    eos = tokenizer.convert_tokens_to_ids(IM_END)
    end_of_text = tokenizer.convert_tokens_to_ids(END_OF_TEXT)
    return SpecialIds(bos_token_id=end_of_text, eos_token_id=eos, pad_token_id=end_of_text)


def build_config(tokenizer: Any) -> Any:
    """Qwen2 config at toy size: 2 layers, 4 query heads sharing 2 KV heads (GQA, like real Qwen2)."""
    from transformers import Qwen2Config

    return Qwen2Config(
        vocab_size=_vocab_size(len(tokenizer)),
        hidden_size=HIDDEN,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=HIDDEN // HEAD_DIM,
        num_key_value_heads=2,
        max_position_embeddings=MAX_POSITIONS,
        max_window_layers=2,
        # transformers 5 calls it `rope_parameters` (4.x: `rope_theta` / `rope_scaling`).
        rope_parameters={"rope_type": "default", "rope_theta": 1e6},
        tie_word_embeddings=True,  # like the small Qwen2 checkpoints; halves the file
        **special_ids(tokenizer),
    )


def build_generation_config(tokenizer: Any) -> Any:
    """vLLM reads eos_token_id from generation_config.json to know when a reply ends."""
    from transformers import GenerationConfig

    return GenerationConfig(**special_ids(tokenizer))


def save_model(config: Any, generation_config: Any, folder: Path) -> None:
    """Random float32 weights from a fixed seed, saved as safetensors with the generation config."""
    import torch
    from transformers import Qwen2ForCausalLM

    torch.manual_seed(SEED)
    model = Qwen2ForCausalLM(config).to(torch.float32).eval()
    model.generation_config = generation_config
    model.save_pretrained(folder, safe_serialization=True)


def build_tiny_chat(folder: Path) -> Path:
    """Build the checkpoint into `folder` and return it; no-op if it already holds a complete build."""

    def write(staging: Path) -> None:
        tokenizer = build_chat_tokenizer()
        save_model(build_config(tokenizer), build_generation_config(tokenizer), staging)
        tokenizer.save_pretrained(staging)  # also writes chat_template.jinja

    return build_staged(folder, marker=MARKER, version=BUILD_VERSION, write=write)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTPUT_FOLDER")
    print(build_tiny_chat(Path(sys.argv[1])))
