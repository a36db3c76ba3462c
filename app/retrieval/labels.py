"""Which document a question names: a score per document for the words its label shares with the question.

A question often says which document it is about ("3M's FY2018 capital expenditure", "the 2021 board
minutes"), and a document's label (its name's and title's words, `app.ingest.chunking.document_label`) says
what it is. Indexed with every chunk, those few words count for little beside the chunk's own:
"2018" is in almost every chunk of a 2017 filing too. Scored over the labels alone, the word that tells two
filings of one company apart weighs what it should.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

from app.store.tokens import keyword_terms


def label_scores(question: str, labels: Mapping[str, str]) -> dict[str, float]:
    """{document: the summed BM25 idf of the question's terms that its label holds} for each of `labels`
    ({document: its label}; "" for none). The idf is over these documents' labels: a word more than half of them
    hold ("10k" among filings, "report" in "report_001" ... "report_150") scores nothing. BM25's idf with its
    +1 stays above 0 however many labels hold a word, and the label list is divided by its best score: a
    question's "report" gave the 150 reports the list's whole weight and pushed the one other document out.
    """
    terms = frozenset(keyword_terms(question))
    held = {document: shared for document, label in labels.items() if label and (shared := terms & _terms(label))}
    count = len(labels)
    frequency = Counter(term for shared in held.values() for term in shared)
    idf = {
        term: math.log((count - n + 0.5) / (n + 0.5) + 1) if 2 * n <= count else 0.0 for term, n in frequency.items()
    }
    return {document: sum(idf[term] for term in held.get(document, ())) for document in labels}


@lru_cache(maxsize=100_000)
def _terms(label: str) -> frozenset[str]:
    """A label's terms: asked for each question, they change only when a document is added."""
    return frozenset(keyword_terms(label))
