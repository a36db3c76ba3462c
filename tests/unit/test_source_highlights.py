"""Finding a cited passage's words in a page's words or a text, whatever cleaning the passage went through."""

from __future__ import annotations

from app.view.context import marked_markdown
from app.view.highlight import Word, cited_words, closest_sentences, line_boxes, mark_text
from app.view.page_image import parse_tsv


def _words(text: str) -> list[Word]:
    return [Word(word, (float(i), 0.0, float(i) + 1, 1.0)) for i, word in enumerate(text.split())]


def test_a_passage_cleaned_by_the_reader_is_found_in_the_raw_words_of_its_page() -> None:
    page = _words("Intro line. The ﬁeld station logs mainte- nance of nets. Other text follows here.")
    found = cited_words(page, ["The field station logs maintenance of nets."])
    assert [page[i].text for i in found] == ["The", "ﬁeld", "station", "logs", "mainte-", "nance", "of", "nets."]


def test_words_are_found_whatever_order_the_page_reads_its_columns_in() -> None:
    # PDFium reads left column line, right column line, ...; the passage holds the right column alone.
    page = _words("Tidal currents shape Gannets dive from thirty metres and move sand to catch the mackerel")
    cited = "Gannets dive from thirty metres to catch the mackerel"
    assert " ".join(page[i].text for i in cited_words(page, [cited])) == cited


def test_a_cited_text_shorter_than_the_anchor_must_appear_whole() -> None:
    page = _words("net profit rose; gross profit fell")
    assert [page[i].text for i in cited_words(page, ["gross profit"])] == ["gross", "profit"]
    assert cited_words(page, ["gross margin"]) == []


def test_words_of_one_line_merge_into_one_box_but_not_across_a_column_gap() -> None:
    boxes = [(10.0, 10.0, 30.0, 20.0), (33.0, 10.0, 50.0, 20.0), (120.0, 10.0, 150.0, 20.0), (10.0, 25.0, 40.0, 35.0)]
    assert line_boxes(boxes) == [(10.0, 10.0, 50.0, 20.0), (120.0, 10.0, 150.0, 20.0), (10.0, 25.0, 40.0, 35.0)]


def test_words_of_a_line_running_down_a_turned_page_merge_along_it() -> None:
    boxes = [(10.0, 10.0, 20.0, 30.0), (10.0, 33.0, 20.0, 50.0), (25.0, 10.0, 35.0, 40.0)]
    assert line_boxes(boxes) == [(10.0, 10.0, 20.0, 50.0), (25.0, 10.0, 35.0, 40.0)]


def test_marked_text_is_escaped_markup_with_the_cited_words_in_bold() -> None:
    text = "Before it. The <script>alert(1)</script> tag is shown as text. After it."
    segments = mark_text(text, ["The <script>alert(1)</script> tag is shown as text."])
    assert [(s.text, s.marked) for s in segments] == [
        ("Before it. ", False),
        ("The <script>alert(1)</script> tag is shown as text.", True),
        (" After it.", False),
    ]
    assert marked_markdown(segments) == (
        "Before it\\. **The \\<script\\>alert\\(1\\)\\</script\\> tag is shown as text\\.** After it\\."
    )


def test_tesseract_tsv_words_become_boxes_in_fractions_of_the_image() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t1000\t500\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t100\t50\t200\t25\t96.5\tGannets\n"
        '5\t1\t1\t1\t1\t2\t320\t50\t10\t25\t40.1\t"\n'
        "5\t1\t1\t1\t1\t3\t340\t50\t10\t25\t-1\t \n"
    )
    assert parse_tsv(tsv, 1000, 500) == [
        Word("Gannets", (0.1, 0.1, 0.3, 0.15)),
        Word('"', (0.32, 0.1, 0.33, 0.15)),
    ]


def test_an_llm_answer_marks_in_each_passage_the_sentences_closest_to_it(embedding) -> None:  # type: ignore[no-untyped-def]
    passages = [
        "The harbour opened in 1850. Gannets dive from thirty metres to catch fish. The pier is wooden.",
        "Ticket prices rose last year. The museum closes on Mondays.",
    ]
    chosen = closest_sentences("Gannets dive from about thirty metres.", passages, embedding, per_passage=1)
    assert chosen[1] == ["Gannets dive from thirty metres to catch fish."]
    assert 2 not in chosen, "a passage far from the answer gets no sentence"


def test_cited_words_repeated_elsewhere_are_found_only_where_the_citation_stands() -> None:
    page = _words("Net sales by region. Auditors check net sales by region. Net sales by region rose four percent.")
    found = cited_words(page, ["Net sales by region rose four percent."])
    assert [page[i].text for i in found] == ["Net", "sales", "by", "region", "rose", "four", "percent."]
    assert found[0] == 10


def test_a_sentence_is_looked_for_only_within_the_words_given() -> None:
    page = _words("Net sales by region. Net sales by region rose four percent.")
    assert cited_words(page, ["Net sales by region"]) == [0, 1, 2, 3]
    assert cited_words(page, ["Net sales by region"], within=range(4, 11)) == [4, 5, 6, 7]


def test_a_sheet_passage_indexed_without_column_names_still_marks_its_cited_row() -> None:
    from app.view.context import _sheet_view

    text = "Region: North; Product: Widget; Revenue: 100\nRegion: South; Revenue: 200"
    view = _sheet_view(text, ["Region: South; Revenue: 200"])
    assert (view.header, view.rows, view.cited_rows) == (
        ["Region", "Product", "Revenue"],
        [["North", "Widget", "100"], ["South", "", "200"]],
        [1],
    )
