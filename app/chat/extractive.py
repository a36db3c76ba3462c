"""An answer without a language model: the sentences of the retrieved passages closest to the question."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from app.embeddings.protocol import Embedding
from app.retrieval.passage import Passage
from app.store.sentences import sentence_spans
from app.store.tokens import keyword_terms

EXTRACTIVE_NOTICE = (
    "Extractive answer: no language model is configured, so these are the sentences from your "
    "documents that best match the question."
)

MIN_WORDS = 3  # shorter pieces are headings, page numbers or "Fig. 2", not answers
# Scripts written without spaces between words; their sentences are measured in characters instead.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff]"
)
# A Chinese word is about 1.5 characters long on average (a common estimate for modern Chinese text):
# MIN_WORDS words are about 5 characters.
_CHARACTERS_PER_WORD = 1.5
# A Korean word between spaces (eojeol) is a word with its particles or endings attached ("제주도는": "Jeju island"
# + topic marker): two of them make a whole sentence ("제주도는 섬입니다.", "Jeju is an island.").
_HANGUL = re.compile("[\uac00-\ud7a3]")
_WORDS_PER_EOJEOL = 1.5


@dataclass(frozen=True)
class Highlight:
    source_number: int  # 1-based, as cited
    sentence: str
    score: float


def word_count(sentence: str) -> float:
    """Words separated by spaces (a Korean one as 1.5), plus the characters of unspaced scripts (Chinese, Japanese,
    Thai) / 1.5."""
    unspaced = len(_UNSPACED.findall(sentence))
    spaced = sum(
        _WORDS_PER_EOJEOL if _HANGUL.search(word) else 1
        for word in _UNSPACED.sub(" ", sentence).split()
        if any(c.isalnum() for c in word)
    )
    return spaced + unspaced / _CHARACTERS_PER_WORD


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` long enough to answer with (`MIN_WORDS`), each on one line. A heading on the line
    before a sentence ("Holidays" over "Every employee is entitled to ...") is not part of it."""
    sentences = (" ".join(piece.split()) for span in sentence_spans(text) for piece in _without_heading(span))
    return [sentence for sentence in sentences if word_count(sentence) >= MIN_WORDS]


def _without_heading(span: str) -> list[str]:
    """`span` (a sentence, which starts after a sentence end or at the start of the text), its heading lines
    apart: a short first line (HEADING_WORDS words at most) that ends in no punctuation, followed by a line that
    does not start in lower case. A line of prose wrapped mid-sentence ("the budget\nwill rise") stays."""
    pieces: list[str] = []
    lines = span.strip().split("\n")
    while len(lines) > 1:
        first, following = lines[0].strip(), lines[1].strip()
        if not first or not following or first[-1] in _ENDS_NO_HEADING or word_count(first) > HEADING_WORDS:
            break
        if following[0].islower():
            break
        pieces.append(first)
        lines = lines[1:]
    return [*pieces, "\n".join(lines)]


HEADING_WORDS = 8
# A line ending in one of these is a sentence, a clause or a label, not a heading.
_ENDS_NO_HEADING = set(".!?:;,。！？；：，、؟۔।") | {"…"}


def best_sentences(question: str, passages: list[Passage], embedding: Embedding, limit: int = 3) -> list[Highlight]:
    """The `limit` sentences that best match the question, in the order of the passages they come from.

    A sentence's score is its cosine with the question (over the best sentence's) and, weighted KEYWORD_SHARE,
    the share of the question's keyword terms it holds, each term weighted by its idf among these sentences
    (`keyword_terms`: the keyword index's own words, stems and segmentation, in every script). The words tell
    which sentence answers where the model does not read the language (MiniLM's cosines on Chinese are noise).
    """
    candidates = [
        (number, sentence)
        for number, passage in enumerate(passages, start=1)
        for sentence in split_sentences(passage.text)
    ]
    if not candidates:
        return []
    query = np.asarray(embedding.get_query_embedding(question), dtype=np.float32)
    vectors = np.asarray(embedding.get_text_embedding_batch([s for _, s in candidates]), dtype=np.float32)
    cosines = vectors @ query
    best_cosine = float(cosines.max())
    similarity = cosines / best_cosine if best_cosine > 0 else np.zeros_like(cosines)
    scores = (1 - KEYWORD_SHARE) * similarity + KEYWORD_SHARE * _keyword_shares(question, [s for _, s in candidates])
    # A sentence far weaker than the best one is noise next to it, not a second answer.
    floor = 0.5 * float(scores.max())
    top = [i for i in np.argsort(-scores, kind="stable")[:limit] if scores[i] >= floor]
    best = sorted(top, key=lambda i: (candidates[i][0], i))
    return [Highlight(candidates[i][0], candidates[i][1], float(scores[i])) for i in best]


KEYWORD_SHARE = 0.5  # of a sentence's score that comes from the question's words it holds


def _keyword_shares(question: str, sentences: list[str]) -> np.ndarray:
    """For each sentence, the idf-weighted share (0-1) of the question's keyword terms it holds; idf over
    `sentences`, so a word every sentence holds counts for little."""
    asked = set(keyword_terms(question))
    held = [asked.intersection(keyword_terms(sentence)) for sentence in sentences]
    counts = Counter(term for terms in held for term in terms)
    idf = {term: math.log(1 + len(sentences) / count) for term, count in counts.items()}
    total = sum(idf.values())
    if not total:
        return np.zeros(len(sentences), dtype=np.float32)
    return np.array([sum(idf[term] for term in terms) / total for terms in held], dtype=np.float32)


def extractive_answer(highlights: list[Highlight]) -> str:
    """Plain text (it quotes documents): whoever renders it as markdown must escape it."""
    lines = [EXTRACTIVE_NOTICE, ""]
    lines += [f"- {h.sentence} [{h.source_number}]" for h in highlights]
    return "\n".join(lines)
