"""Which document, and which section of it, a question names: a score for the words they share with the question.

A question often says which document it is about ("3M's FY2018 capital expenditure", "the 2021 board
minutes"), and a document's label (its name's and title's words, `app.ingest.chunking.document_label`) says
what it is. Indexed with every chunk, those few words count for little beside the chunk's own:
"2018" is in almost every chunk of a 2017 filing too. Scored over the labels alone, the word that tells two
filings of one company apart weighs what it should.

A question names a part of a document the same way ("... shown in the cash flow statement", "the balance
sheet", "under Installation"), and the document's own heading says which chunks are that part: scored over
the named documents' headings alone, "cash flow statement" finds the chunks of "Consolidated Statement of
Cash Flows" rather than every paragraph that speaks of cash flows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping
from functools import lru_cache
from typing import TypeVar

from app.store.tokens import keyword_terms

Key = TypeVar("Key", bound=Hashable)


def label_scores(question: str, labels: Mapping[str, str]) -> dict[str, float]:
    """{document: the summed BM25 idf of the question's terms that its label holds} for each of `labels`
    ({document: its label}; "" for none). The idf is over these documents' labels: a word more than half of them
    hold ("10k" among filings, "report" in "report_001" ... "report_150") scores nothing. BM25's idf with its
    +1 stays above 0 however many labels hold a word, and the label list is divided by its best score: a
    question's "report" gave the 150 reports the list's whole weight and pushed the one other document out.
    """
    return _shared_idf(frozenset(keyword_terms(question)), labels)


def section_scores(question: str, sections: Collection[str], named_by: Iterable[str] = ()) -> dict[str, float]:
    """{section: the summed idf of the question's terms it holds} for each distinct section of `sections` (a
    chunk's `app.store.chunk_text.section_context`; "" for none, which scores 0), scored like `label_scores` with
    the idf over these sections. The terms of `named_by` (the labels that named the sections' documents) are left
    out of the question: "3M" named the document, and a heading "3M Company and Subsidiaries" is not the part the
    question asks about.
    """
    label_terms = frozenset(term for label in named_by for term in _terms(label))
    return _shared_idf(frozenset(keyword_terms(question)) - label_terms, {section: section for section in sections})


def _shared_idf(terms: frozenset[str], texts: Mapping[Key, str]) -> dict[Key, float]:
    """{key: the summed BM25 idf of `terms` its text holds}, the idf over `texts`; 0 for a term more than half
    of them hold."""
    held = {key: shared for key, text in texts.items() if text and (shared := terms & _terms(text))}
    count = len(texts)
    frequency = Counter(term for shared in held.values() for term in shared)
    idf = {
        term: math.log((count - n + 0.5) / (n + 0.5) + 1) if 2 * n <= count else 0.0 for term, n in frequency.items()
    }
    return {key: sum(idf[term] for term in held.get(key, ())) for key in texts}


@lru_cache(maxsize=100_000)
def _terms(text: str) -> frozenset[str]:
    """A label's or heading's terms: asked for each question, they change only when a document is added."""
    return frozenset(keyword_terms(text))
