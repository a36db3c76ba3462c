"""One in-process model shared by concurrent uploads and questions (Streamlit sessions, API requests)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.embeddings.local import LocalEmbedding


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    # Threads switch every few bytecodes instead of every 5 ms: a race shows up in one run, not one in a hundred.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("eager_thread_switches")
def test_splitting_and_embedding_in_parallel_threads_never_mix_their_tokenizer_settings(
    embedding: LocalEmbedding,
) -> None:
    # Splitting a document or fitting a question (tokenize, special tokens) and embedding a batch (padding,
    # truncation) share one tokenizer;
    # its padding and truncation are global state, so unguarded they leak from one thread into another.
    sentences = [f"sentence {i} of a document being split into chunks" for i in range(1500)]
    batches = [[f"passage {n} " + "text " * (n * 7 % 40 + 1) for n in range(start, start + 8)] for start in range(40)]

    def split() -> int:  # what splitting a document and fitting a question ask of the tokenizer
        return sum(len(embedding.tokenize(sentence)) + embedding.special_tokens_per_text for sentence in sentences)

    def embed(batch: list[str]) -> int:
        return len(embedding.get_text_embedding_batch(batch))

    with ThreadPoolExecutor(max_workers=8) as pool:
        splits = [pool.submit(split) for _ in range(4)]
        embeds = [pool.submit(embed, batch) for batch in batches]
        assert [future.result() for future in embeds] == [8] * len(batches)
        assert len({future.result() for future in splits}) == 1
