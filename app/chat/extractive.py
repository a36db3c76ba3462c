"""An answer without a language model: the sentences of the retrieved passages closest to the question."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import sentencex

from app.embeddings.protocol import Embedding
from app.retrieval.passage import Passage

EXTRACTIVE_NOTICE = (
    "Extractive answer: no language model is configured, so these are the sentences from your "
    "documents that best match the question."
)

# sentencex (Wikimedia's rule-based segmenter) ends sentences at every script's full stops (CJK full-width
# stops, the Arabic question mark, the Hindi danda) whatever the language; the language picks the
# abbreviations that do not end one. Passages carry no language, so a sentence ends only where the English
# and the German rules agree: "Dr.", "e.g.", "U.S.", initials (English) and "z. B.", "bzw.", "3. Oktober"
# (German) all stay inside their sentence. Two sentences left joined cost less than an answer cut in the
# middle of a name (the library's own rule).
_ABBREVIATION_LANGUAGES = ("en", "de")
# Scripts whose main language has abbreviations of its own, whose rules join the agreement when a text has the script:
# Russian abbreviations (the one-letter ones for "city" and "year", "that is") and initials end no sentence.
_SCRIPT_ABBREVIATIONS = ((re.compile("[\u0400-\u052f]"), "ru"),)  # Cyrillic
# Greek's question mark, ";" (or U+037E) after a Greek letter, ends a sentence; no other language's rules know it.
_GREEK_QUESTION = re.compile("[\u0370-\u03ff\u1f00-\u1fff][;\u037e]")
MIN_WORDS = 3  # shorter pieces are headings, page numbers or "Fig. 2", not answers
# Scripts written without spaces between words; their sentences are measured in characters instead.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff]"
)
_THAI = re.compile("[\u0e00-\u0e7f]")
# A Chinese word is about 1.5 characters long on average (a common estimate for modern Chinese text):
# MIN_WORDS words are about 5 characters.
_CHARACTERS_PER_WORD = 1.5


@dataclass(frozen=True)
class Highlight:
    source_number: int  # 1-based, as cited
    sentence: str
    score: float


def sentence_spans(text: str) -> list[str]:
    """`text` cut into sentences, whitespace kept as it is (see `_ABBREVIATION_LANGUAGES`)."""
    languages = _ABBREVIATION_LANGUAGES + tuple(code for script, code in _SCRIPT_ABBREVIATIONS if script.search(text))
    ends = set.intersection(*(_sentence_ends(language, text) for language in languages))
    ends |= {question.end() for question in _GREEK_QUESTION.finditer(text)}
    if _THAI.search(text):
        ends |= _thai_sentence_ends(text)
    cuts = [0, *sorted(ends), len(text)]
    return [text[start:end] for start, end in itertools.pairwise(cuts) if end > start]


def _thai_sentence_ends(text: str) -> set[int]:
    """Ends of Thai sentences, which no punctuation marks: pythainlp's CRF model (`crfcut`) finds them.

    A space in Thai ends a sentence or only a clause; the model tells which (trained on Thai TED talks).
    """
    from pythainlp.tokenize import sent_tokenize

    ends: set[int] = set()
    offset = 0
    pieces: list[str] = sent_tokenize(text, engine="crfcut")  # type: ignore[assignment]  # a str in, a list out
    for piece in pieces:
        found = text.find(piece, offset)
        if found < 0:  # the segmenter changed the text: keep the cuts made so far
            break
        offset = found + len(piece)
        # Only between Thai words: the model also cuts at spaces of any English around them.
        if _THAI.match(text[:offset].rstrip()[-1:]) and _THAI.match(text[offset:].lstrip()[:1]):
            ends.add(offset)
    return ends


def _sentence_ends(language: str, text: str) -> set[int]:
    """Character offsets just past each sentence of `text` by the rules of `language`."""
    return {int(boundary["end_index"]) for boundary in sentencex.get_sentence_boundaries(language, text)}


def word_count(sentence: str) -> float:
    """Words separated by spaces, plus the characters of unspaced scripts (Chinese, Japanese, Thai) / 1.5."""
    unspaced = len(_UNSPACED.findall(sentence))
    spaced = sum(1 for word in _UNSPACED.sub(" ", sentence).split() if any(c.isalnum() for c in word))
    return spaced + unspaced / _CHARACTERS_PER_WORD


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` long enough to answer with (`MIN_WORDS`), each on one line."""
    sentences = (" ".join(span.split()) for span in sentence_spans(text))
    return [sentence for sentence in sentences if word_count(sentence) >= MIN_WORDS]


def best_sentences(question: str, passages: list[Passage], embedding: Embedding, limit: int = 3) -> list[Highlight]:
    """The `limit` sentences most similar to the question, in the order of the passages they come from."""
    candidates = [
        (number, sentence)
        for number, passage in enumerate(passages, start=1)
        for sentence in split_sentences(passage.text)
    ]
    if not candidates:
        return []
    query = np.asarray(embedding.get_query_embedding(question), dtype=np.float32)
    vectors = np.asarray(embedding.get_text_embedding_batch([s for _, s in candidates]), dtype=np.float32)
    scores = vectors @ query
    # A sentence far weaker than the best one is noise next to it, not a second answer.
    floor = 0.5 * float(scores.max())
    top = [i for i in np.argsort(-scores)[:limit] if scores[i] >= floor]
    best = sorted(top, key=lambda i: (candidates[i][0], i))
    return [Highlight(candidates[i][0], candidates[i][1], float(scores[i])) for i in best]


def extractive_answer(highlights: list[Highlight]) -> str:
    """Plain text (it quotes documents): whoever renders it as markdown must escape it."""
    lines = [EXTRACTIVE_NOTICE, ""]
    lines += [f"- {h.sentence} [{h.source_number}]" for h in highlights]
    return "\n".join(lines)
