"""The BM25 keyword index on real bm25s: neighbourhood context, persistence, filtering."""

from __future__ import annotations

import random
from pathlib import Path

import bm25s
import pytest

from app.store.keyword import TOKENIZER_VERSION, KeywordIndex, KeywordRecord, _tokenize, context_texts

PUMP_MANUAL = [
    KeywordRecord("a-00000", "manual", "Pump seals wear out without any warning at all."),
    KeywordRecord("a-00001", "manual", "In cold weather the rubber hardens and cracks."),
]
SERVICE_LOG = [KeywordRecord("b-00000", "log", "Pump seals replaced yearly.")]
QUESTION = "why do pump seals fail in cold weather"


def _index(folder: Path, records: list[KeywordRecord], context: float) -> KeywordIndex:
    index = KeywordIndex(folder, context=context)
    index.ensure("v1", lambda: records)
    return index


def test_chunk_whose_neighbour_holds_the_other_words_ranks_higher_with_context(tmp_path: Path) -> None:
    records = PUMP_MANUAL + SERVICE_LOG
    plain = dict(_index(tmp_path / "plain", records, context=0).search(QUESTION, 10))
    with_context = dict(_index(tmp_path / "context", records, context=0.5).search(QUESTION, 10))

    # On its own words the short service-log line wins; the manual's "pump seals" chunk is the one
    # whose neighbour speaks of cold weather, and with context it comes first.
    assert plain["b-00000"] > plain["a-00000"]
    assert with_context["a-00000"] > with_context["b-00000"]


def test_context_windows_follow_document_order_and_never_cross_documents() -> None:
    chunks = [KeywordRecord(f"d-{i:05d}", "doc", f"part{i}") for i in range(4)]
    chunks.append(KeywordRecord("e-00000", "other", "stranger"))
    shuffled = random.Random(3).sample(chunks, len(chunks))

    windows = dict(zip([record.chunk_id for record in shuffled], context_texts(shuffled), strict=True))

    assert sorted(windows["d-00002"].split()) == ["part1", "part2", "part3"]
    assert sorted(windows["d-00000"].split()) == ["part0", "part1"]
    assert sorted(windows["d-00003"].split()) == ["part2", "part3"]
    assert windows["e-00000"] == "stranger"


def test_position_past_five_digits_still_sorts_after_its_predecessor() -> None:
    chunks = [KeywordRecord("d-99999", "doc", "before"), KeywordRecord("d-100000", "doc", "after")]
    chunks.append(KeywordRecord("d-99998", "doc", "first"))

    windows = dict(zip([record.chunk_id for record in chunks], context_texts(chunks), strict=True))

    assert sorted(windows["d-99998"].split()) == ["before", "first"]


def test_without_context_scores_are_plain_bm25(tmp_path: Path) -> None:
    records = PUMP_MANUAL + SERVICE_LOG
    reference = bm25s.BM25(k1=0.9, b=0.4)
    reference.index(_tokenize([record.text for record in records]), show_progress=False)
    found, scores = reference.retrieve(_tokenize([QUESTION]), k=len(records), show_progress=False)
    expected = {records[int(i)].chunk_id: float(s) for i, s in zip(found[0], scores[0], strict=True) if s > 0}

    assert dict(_index(tmp_path, records, context=0).search(QUESTION, 10)) == pytest.approx(expected)


def test_saved_index_reloads_with_the_same_ranking(tmp_path: Path) -> None:
    records = PUMP_MANUAL + SERVICE_LOG
    first = _index(tmp_path, records, context=0.5).search(QUESTION, 10)

    def must_not_rebuild() -> list[KeywordRecord]:
        raise AssertionError("a saved index was rebuilt")

    reopened = KeywordIndex(tmp_path, context=0.5)
    reopened.ensure("v1", must_not_rebuild)

    assert reopened.search(QUESTION, 10) == first


def test_index_saved_with_another_context_share_is_rebuilt_and_replaced(tmp_path: Path) -> None:
    _index(tmp_path, PUMP_MANUAL, context=0)
    built: list[int] = []

    def records() -> list[KeywordRecord]:
        built.append(1)
        return PUMP_MANUAL

    KeywordIndex(tmp_path, context=0.5).ensure("v1", records)

    assert built == [1]
    assert [entry.name for entry in tmp_path.iterdir()] == [
        f"v1-k1=0.9-b=0.4-context=0.5-text=2-tokens={TOKENIZER_VERSION}"
    ]


def test_filter_leaves_out_other_documents_even_when_their_neighbours_match(tmp_path: Path) -> None:
    index = _index(tmp_path, PUMP_MANUAL + SERVICE_LOG, context=0.5)

    assert [chunk for chunk, _ in index.search(QUESTION, 10, allowed_docs={"log"})] == ["b-00000"]


def test_question_of_unknown_or_stop_words_finds_nothing(tmp_path: Path) -> None:
    index = _index(tmp_path, PUMP_MANUAL, context=0.5)

    assert index.search("zyxwv of the", 10) == []


def test_context_share_outside_zero_to_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="context"):
        KeywordIndex(tmp_path, context=1.5)


def test_chinese_and_japanese_words_are_found_inside_unspaced_sentences(tmp_path: Path) -> None:
    records = [
        KeywordRecord("zh-00000", "zh", "公司2023年度报告显示，全年收入增长百分之十二。"),
        KeywordRecord("zh-00001", "zh", "员工每年享有十五天带薪年假。"),
        KeywordRecord("ja-00000", "ja", "東京の本社は来年新しい研究所を開設します。"),
    ]
    index = KeywordIndex(tmp_path, context=0)
    index.ensure("v1", lambda: records)

    assert [chunk for chunk, _ in index.search("年度报告收入是多少", top_k=3)] == ["zh-00000"]
    assert [chunk for chunk, _ in index.search("研究所", top_k=3)] == ["ja-00000"]
