"""Late chunking: encode consecutive chunks together in one pass, then pool each chunk's own tokens.

Every chunk vector then comes from token states that saw the text around the chunk (as much as the model
reads at once: a whole document on jina v4's 32k context, a few chunks on a 256-token model). Chunk
boundaries stay those of the ordinary splitter, so a late-chunked index cites exactly the same passages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from app.embeddings.pooling import FloatArray

Span = tuple[int, int]  # character offsets [start, end) in the window text


class SpanEncoder(Protocol):
    def encode_spans(self, text: str, spans: Sequence[Span]) -> list[tuple[FloatArray, FloatArray] | None]:
        """For each span: (dense vector pooled from its tokens, its unit token vectors), or None if cut off."""
        ...

    def encode_chunks(self, texts: list[str]) -> list[tuple[FloatArray, FloatArray]]:
        """Each text on its own: (dense vector, unit token vectors)."""
        ...


def _overlap(previous: str, following: str) -> int:
    """Length of the longest end of `previous` that `following` starts with (the splitter's overlap)."""
    for size in range(min(len(previous), len(following)), 0, -1):
        if previous.endswith(following[:size]):
            return size
    return 0


def merge_chunks(chunks: Sequence[str]) -> tuple[str, list[Span]]:
    """The text the consecutive chunks were cut from (overlaps written once) and each chunk's span in it."""
    text = ""
    spans: list[Span] = []
    for number, chunk in enumerate(chunks):
        shared = _overlap(chunks[number - 1], chunk) if number else 0
        if shared:
            start = len(text) - shared
            text += chunk[shared:]
        else:
            text += " " if text else ""
            start = len(text)
            text += chunk
        spans.append((start, start + len(chunk)))
    return text, spans


def group_into_windows(token_counts: Sequence[int], budget: int) -> list[range]:
    """Consecutive chunk ranges whose token counts add up to at most `budget` (a chunk alone always fits)."""
    windows: list[range] = []
    start, used = 0, 0
    for index, count in enumerate(token_counts):
        if index > start and used + count > budget:
            windows.append(range(start, index))
            start, used = index, 0
        used += count
    if start < len(token_counts):
        windows.append(range(start, len(token_counts)))
    return windows


def late_chunk(
    encoder: SpanEncoder, chunks: list[str], count_tokens: Callable[[str], int], budget: int
) -> list[tuple[FloatArray, FloatArray]]:
    """(dense, token vectors) per chunk, each pooled from a window of its neighbours encoded together."""
    # Overlapping chunks count their shared tokens twice here, so windows err on the short side.
    windows = group_into_windows([count_tokens(chunk) for chunk in chunks], budget)
    results: list[tuple[FloatArray, FloatArray]] = []
    for window in windows:
        text, spans = merge_chunks(chunks[window.start : window.stop])
        pooled = encoder.encode_spans(text, spans)
        cut_off = [i for i, result in enumerate(pooled) if result is None]
        if cut_off:  # tokenization of the merged text ran past the model's length: encode those alone
            alone = encoder.encode_chunks([chunks[window.start + i] for i in cut_off])
            for i, result in zip(cut_off, alone, strict=True):
                pooled[i] = result
        results.extend(result for result in pooled if result is not None)
    return results
