"""Which languages an embedding model reads: a table by model name, for the notice after ingest.

A model that reads a language puts a question and a passage in it near each other; one that does not
gives vectors of little use (MiniLM on Chinese: dense nDCG@10 0.24 on XQuAD, against 0.97 in English).
Keyword search reads every language whatever the model, so such a document is still found by its words.

Only what is known is listed: a model not in the table is taken to read what it is given (no notice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MULTILINGUAL_MODEL = "multilingual-e5-small"
"""The packaged model to propose for a language the model in use does not read (EMBEDDING_MODEL's value)."""


@dataclass(frozen=True)
class ModelLanguages:
    """The languages a model reads: `codes` (ISO 639-1) when it reads only those, None when it reads
    many (multilingual) or it is not known; `summary` says it in words for the README and notices."""

    codes: frozenset[str] | None
    summary: str

    def reads(self, language: str) -> bool:
        """Whether the model reads `language` (an ISO 639-1 code); True for a model with no list."""
        return self.codes is None or language in self.codes


_ENGLISH = ModelLanguages(frozenset({"en"}), "English only")
# Matched against the model's name, lower-cased, first match wins.
_TABLE: tuple[tuple[re.Pattern[str], ModelLanguages], ...] = (
    (re.compile(r"multilingual|paraphrase-xlm|labse|bge-m3"), ModelLanguages(None, "about 100 languages")),
    (re.compile(r"jina-embeddings-v[34]|jina.*v4"), ModelLanguages(None, "30 and more languages")),
    (re.compile(r"minilm|all-mpnet|msmarco|bge-[a-z]+-en|gte-[a-z]+$|e5-[a-z]+-v2$|-en(-v[\d.]+)?$"), _ENGLISH),
)
_UNKNOWN = ModelLanguages(None, "not known")


def model_languages(model_name: str) -> ModelLanguages:
    """The languages the model named `model_name` reads (its hub name, folder name or served name).

    >>> model_languages("sentence-transformers/all-MiniLM-L6-v2").summary
    'English only'
    """
    name = model_name.lower()
    for pattern, languages in _TABLE:
        if pattern.search(name):
            return languages
    return _UNKNOWN
