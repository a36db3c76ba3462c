from __future__ import annotations

import pytest

from app.retrieval.labels import label_scores, section_scores


def test_the_label_word_that_tells_two_documents_apart_outweighs_the_one_they_share() -> None:
    scores = label_scores(
        "What is the FY2018 capital expenditure for 3M?",
        {"a": "3M 2017 10K", "b": "3M 2018 10K", "c": "NETFLIX 2018 10K", "d": ""},
    )

    # "3m" and "2018" are each in two of the four labels; only the 2018 filing of 3M holds both.
    assert scores["b"] > scores["a"] == scores["c"] > scores["d"] == 0


def test_a_question_that_names_no_document_scores_every_document_zero() -> None:
    scores = label_scores("How many days of annual leave?", {"a": "policy", "b": "handbook 2024"})

    assert scores == {"a": 0.0, "b": 0.0}


@pytest.mark.parametrize("question", ["", "?", "the of and"])
def test_a_question_without_terms_scores_nothing(question: str) -> None:
    assert set(label_scores(question, {"a": "annual report"}).values()) == {0.0}


def test_a_word_most_labels_hold_names_no_document() -> None:
    labels = {f"r{n}": f"report {n:03d}" for n in range(150)} | {"h": "handbook", "a": "3M 10K", "b": "NETFLIX 10K"}
    labels |= {f"f{n}": f"FILER{n} 10K" for n in range(3)}

    assert set(label_scores("What does the report say about annual leave?", labels).values()) == {0.0}
    scores = label_scores("What does report 042 say?", labels)
    assert scores["r42"] > 0 and {score for doc, score in scores.items() if doc != "r42"} == {0.0}
    # "10k" is in five labels of the 155: still a word that names them.
    assert label_scores("3M 10K", labels)["a"] > label_scores("3M 10K", labels)["b"] > 0


STATEMENTS = [
    "Liquidity and capital resources",
    "Consolidated Statement of Cash Flows",
    "Consolidated Balance Sheet",
    "",
]


def test_a_question_naming_a_statement_scores_its_heading_highest() -> None:
    scores = section_scores("What was the capital expenditure in the cash flow statement?", STATEMENTS)

    assert scores["Consolidated Statement of Cash Flows"] > scores["Liquidity and capital resources"] > 0
    assert scores["Consolidated Balance Sheet"] == scores[""] == 0


def test_the_words_that_named_the_document_do_not_name_a_section() -> None:
    sections = ["3M Company and Subsidiaries Consolidated Balance Sheet", "Risk factors", "Legal proceedings"]
    question = "What were 3M's total assets in FY2018?"

    assert section_scores(question, sections)[sections[0]] > 0
    assert set(section_scores(question, sections, named_by=["3M 2018 10K"]).values()) == {0.0}


def test_a_heading_word_most_sections_share_names_no_section() -> None:
    # "consolidated" heads three of the four sections.
    sections = [*STATEMENTS, "Consolidated notes"]

    assert section_scores("Which consolidated figures are audited?", sections) == dict.fromkeys(sections, 0.0)
