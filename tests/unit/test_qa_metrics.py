"""The question-answer eval's schema and metrics, on hand-made questions and passages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.errors import ConfigError
from app.eval.qa import (
    Citation,
    QaItem,
    at_gold_location,
    evidence_windows,
    holds_answer,
    load_questions,
    misses_lines,
    score_question,
    scores_table,
    summarise,
)

REVENUE = QaItem(
    id="q1",
    question="What were MGM China's net revenues?",
    file="MGM_2022.pdf",
    pages=(3, 4),
    answer="",
    evidence=("MGM China \n \n Net revenues of $674 million in the current year compared to $1.2 billion",),
)


def test_evidence_windows_are_every_run_of_eight_normalised_words() -> None:
    assert evidence_windows("One two  three\nfour five six seven EIGHT nine") == [
        "one two three four five six seven eight",
        "two three four five six seven eight nine",
    ]
    assert evidence_windows("Net loss \n (604,016)") == ["net loss (604,016)"]
    assert evidence_windows(" \n ") == []


def test_eight_evidence_words_across_pdf_line_breaks_count_as_the_answer() -> None:
    passage = "Segment results\nmgm  china net revenues of $674 MILLION in the current\nyear, down 44%."
    assert holds_answer(REVENUE, passage)
    assert not holds_answer(REVENUE, "MGM China net revenues of $674 thousand in the current year")


def test_a_short_answer_must_stand_as_whole_words() -> None:
    item = QaItem(id="q", question="?", file="a.pdf", answer="12")
    assert holds_answer(item, "It grew 12% in the year.")
    assert not holds_answer(item, "In 2012 it grew.")
    assert holds_answer(QaItem(id="q", question="?", file="a.pdf", answer="$8.4  Billion"), "was $8.4 billion.")


def test_gold_locations_match_pages_page_ranges_slides_sheets_and_sections() -> None:
    assert at_gold_location(REVENUE, "page 4")
    assert not at_gold_location(REVENUE, "page 14")
    assert at_gold_location(REVENUE, "pages 1-3")
    assert not at_gold_location(REVENUE, "")
    deck = QaItem(id="d", question="?", file="deck.pptx", slides=(2,), sheets=("Q1 Sales",), sections=("Risks",))
    assert at_gold_location(deck, "slide 2") and not at_gold_location(deck, "slide 12")
    assert at_gold_location(deck, 'sheet "q1  sales", rows 2-21') and not at_gold_location(deck, 'sheet "Q2"')
    assert at_gold_location(deck, 'section "RISKS"') and not at_gold_location(deck, 'section "Risk factors"')
    assert not at_gold_location(deck, "page 2")


def test_a_question_scores_doc_location_and_answer_at_each_cutoff() -> None:
    citations = [
        Citation("MGM_2021.pdf", "page 3", "MGM China net revenues of $674 million in the current year"),
        Citation("MGM_2022.pdf", "page 9", "Net revenues of $8.4 billion in the current year"),
        Citation("MGM_2022.pdf", "page 4", "MGM China Net revenues of $674 million in the current year compared"),
    ]
    score = score_question(REVENUE, citations)
    assert score.hits == {
        "doc@1": False, "doc@3": True, "doc@5": True,
        "location@1": False, "location@3": True, "location@5": True,
        # The other year's filing holds the same words: answer@k does not ask which file they came from.
        "answer@1": True, "answer@3": True, "answer@5": True,
    }  # fmt: skip
    assert score.misses() == "doc@1 location@1"
    assert score.cited == ["MGM_2021.pdf, page 3", "MGM_2022.pdf, page 9", "MGM_2022.pdf, page 4"]


def test_a_page_of_another_file_is_not_a_location_hit() -> None:
    score = score_question(REVENUE, [Citation("MGM_2021.pdf", "page 4", "unrelated")])
    assert score.hits["location@1"] is False and score.hits["doc@1"] is False
    assert score.misses() == "doc@1,3,5 location@1,3,5 answer@1,3,5"


def test_metrics_a_question_gives_nothing_for_are_left_out_of_the_means() -> None:
    only_file = QaItem(id="q2", question="Which report covers 2022?", file="MGM_2022.pdf", answer="2022")
    first = score_question(REVENUE, [Citation("MGM_2022.pdf", "page 4", "nothing here")])
    second = score_question(only_file, [Citation("MGM_2021.pdf", "page 1", "The 2022 annual report")])
    assert second.hits["location@1"] is None
    scores = summarise([first, second])
    assert scores.rates["doc@1"] == 0.5 and scores.scored["doc@1"] == 2
    assert scores.rates["location@1"] == 1.0 and scores.scored["location@1"] == 1
    assert scores.rates["answer@5"] == 0.5 and scores.scored["answer@5"] == 2
    assert scores_table({"app": scores, "baseline": summarise([second, second])}).splitlines()[:4] == [
        "| Metric | app | baseline | Questions |",
        "|---|---|---|---|",
        "| doc@1 | 50.0% | 0.0% | 2 |",
        "| doc@3 | 50.0% | 0.0% | 2 |",
    ]
    assert misses_lines(scores)[1] == (
        "q2\tdoc@1,3,5\tgold: MGM_2022.pdf\ttop: MGM_2021.pdf, page 1\tWhich report covers 2022?"
    )


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n\n")
    return path


def test_financebench_lines_load_with_their_pages_answer_and_evidence(tmp_path: Path) -> None:
    row = {
        "id": "financebench_id_00283", "company": "Pfizer", "file": "Pfizer_2023Q2_10Q.pdf", "pages": [41],
        "question": "How much?", "answer": 77.78, "type": "novel-generated", "evidence": ["We expect to incur"],
    }  # fmt: skip
    general = {"question": "Which slide?", "file": "decks\\plan.pptx", "slides": 2, "sections": ["Intro"]}
    items = load_questions(_write(tmp_path / "qa.jsonl", [row, general]))
    assert items[0] == QaItem(
        "financebench_id_00283", "How much?", "Pfizer_2023Q2_10Q.pdf", pages=(41,), answer="77.78",
        evidence=("We expect to incur",),
    )  # fmt: skip
    assert items[1] == QaItem("line 2", "Which slide?", "decks/plan.pptx", slides=(2,), sections=("Intro",))
    assert items[1].gold() == 'decks/plan.pptx, slide 2 or section "Intro"'


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"file": "a.pdf", "pages": [1]}, "Line 1 of '{path}': no `question`."),
        ({"question": "?", "pages": [1]}, "Line 1 of '{path}': no gold `file`."),
        ({"question": "?", "file": "a.pdf", "pages": ["one"]},
         "Line 1 of '{path}': `pages` must be a list of 1-based numbers."),
        ({"question": "?", "file": "a.pdf"},
         "Line 1 of '{path}': neither a gold location (`pages`, ...) nor an `answer` or `evidence`."),
        ([1, 2], "Line 1 of '{path}': not a JSON object."),
    ],
)  # fmt: skip
def test_a_malformed_question_line_is_named_with_the_schema_as_the_fix(
    tmp_path: Path, row: object, problem: str
) -> None:
    path = _write(tmp_path / "qa.jsonl", [row])
    with pytest.raises(ConfigError) as caught:
        load_questions(path)
    assert caught.value.message == problem.format(path=path)
    assert "`question`, `file`" in caught.value.hint
