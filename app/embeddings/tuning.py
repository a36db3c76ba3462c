"""Per-model defaults of the two settings that depend on the model's similarity scale.

- `keyword_weight`: the BM25 list's weight in score fusion (the dense list weighs 1). Score fusion adds
  min-max scaled scores, so how much the keyword list should count depends on how well the model ranks.
- `not_found_threshold`: the cosine similarity below which the best passage is taken not to answer.
  Models differ most here: e5 puts every pair of texts above 0.7, MiniLM spreads them from 0 up.
- `cross_language_threshold`: the same, for a question in none of the documents' languages, whose answers score
  lower (0: no check, where the model's cosines across languages say nothing).
- `sentence_weight`: the share of a chunk's best sentence in its dense score (sentence vectors, embedded at ingest
  beside the chunk's; 0 keeps none). It costs a second embedding pass over the text at ingest.

KEYWORD_WEIGHT, NOT_FOUND_THRESHOLD and SENTENCE_WEIGHT, when set, win over these. The README's "Per-model defaults"
section gives the commands and figures behind each row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.config import Settings


@dataclass(frozen=True)
class ModelTuning:
    keyword_weight: float
    not_found_threshold: float  # 0 turns the "not found" check off
    cross_language_threshold: float
    sentence_weight: float
    source: str  # what the values were measured on, for the README and `status`


MINILM = ModelTuning(
    keyword_weight=0.6,
    not_found_threshold=0.26,
    cross_language_threshold=0.0,  # English only: its cosines across languages are noise
    sentence_weight=0.0,  # SENTENCE_WEIGHT=0.5 ranks better (README) but halves ingest speed: not the default
    source="measured: SciFact train (benchmarks/fusion_grid.py, benchmarks/not_found_threshold.py)",
)
# XQuAD dev zh, de, ar (200 questions each; benchmarks/fusion_grid.py on the eval's index): mean nDCG@10 of score
# fusion by keyword weight 0.1: 0.967, 0.2: 0.965, 0.3: 0.960, 0.6: 0.956 (dense alone 0.949): e5 ranks well
# enough that the keyword list should count little. 0.2, not 0.1: English domain text (SciFact, where MiniLM's
# best is 0.6) is not measured with e5, and the keyword list counts more there.
# "Not found": e5 puts every pair above 0.7. benchmarks/not_found_threshold.py, top-1 cosine p5 of answerable /
# p95 of off-topic questions: SciFact train 0.827 / 0.809 (best F1 at 0.82, which tells 5% of answerable
# questions "not found"), XQuAD zh 0.868 / 0.769. 0.80: a little under, so an answer is rarely hidden.
# Across languages answers score lower: questions on the English XQuAD dev paragraphs (612 per language), top-1 p5
# Arabic 0.756, Chinese 0.767, Thai 0.771, Turkish 0.775; 0.80 called 72% and 60% of the Arabic and Chinese ones "not
# found", 0.75 calls 2.0% and 0.2% (none of the Thai and Turkish). Off-topic questions of the same kind (the question's
# own article left out) score as high (median 0.764 and 0.775): the check catches a question far from everything, as
# it does within one language.
E5 = ModelTuning(
    keyword_weight=0.2,
    not_found_threshold=0.80,
    cross_language_threshold=0.75,
    sentence_weight=0.5,
    source="measured: XQuAD dev zh/de/ar (fusion), SciFact train and XQuAD zh (not found), XQuAD ar-en, zh-en "
    "(across languages)",
)
# No jina-embeddings-v4 weights can run on this project's machines (a GPU model, 3.8B parameters): its row
# keeps MiniLM's values until it is measured on a GPU.
JINA_V4 = ModelTuning(
    keyword_weight=MINILM.keyword_weight,
    not_found_threshold=MINILM.not_found_threshold,
    cross_language_threshold=MINILM.cross_language_threshold,
    sentence_weight=MINILM.sentence_weight,
    source="not measured (no jina v4 weights here): MiniLM's values",
)

# Matched against the model's name, lower-cased, first match wins; other models get MiniLM's values.
_TABLE: tuple[tuple[re.Pattern[str], ModelTuning], ...] = (
    (re.compile(r"multilingual-e5"), E5),
    (re.compile(r"jina-embeddings-v4|jina.*v4"), JINA_V4),
)


def model_tuning(model_name: str) -> ModelTuning:
    """The keyword weight and "not found" threshold for the model named `model_name` (hub, folder or served
    name); a model not in the table gets the packaged MiniLM's values."""
    name = model_name.lower()
    for pattern, tuning in _TABLE:
        if pattern.search(name):
            return tuning
    return MINILM


def not_found_threshold_for(settings: Settings, model_name: str) -> float:
    """NOT_FOUND_THRESHOLD, or when unset the value measured for the model named `model_name` (0 = no check)."""
    threshold = settings.not_found_threshold
    return model_tuning(model_name).not_found_threshold if threshold is None else threshold


def sentence_weight_for(settings: Settings, model_name: str) -> float:
    """SENTENCE_WEIGHT, or when unset the default measured for the model named `model_name` (0 = no sentence
    vectors)."""
    return model_tuning(model_name).sentence_weight if settings.sentence_weight is None else settings.sentence_weight
