"""`python -m app eval --qa`: questions about three small PDFs the test makes, through the real command."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli import main
from tests.conftest import make_pdf

QUESTIONS = [
    {
        "id": "coolant",
        "question": "What temperature is the reactor coolant?",
        "file": "plant/reactor.pdf",
        "pages": [2],
        "answer": "550 degrees Celsius",
    },
    {
        "id": "puffins",
        "question": "What do puffins eat?",
        "file": "puffins.pdf",
        "pages": [1],
        "evidence": ["Puffins eat small fish such as sand eels and can dive thirty metres deep."],
    },
    # The gold page is wrong on purpose (the file has one page): location@k must miss, the rest hit.
    {
        "id": "miller",
        "question": "What fee did villagers pay the miller to grind their grain?",
        "file": "bread.pdf",
        "pages": [2],
        "answer": "one sixteenth of the sack",
    },
]


def _write_set(root: Path) -> Path:
    files = root / "files"
    (files / "plant").mkdir(parents=True)
    (files / "plant" / "reactor.pdf").write_bytes(
        make_pdf(
            [
                "Zephyr-9 maintenance log, volume two. Prepared by the plant engineering office.",
                "The Zephyr-9 reactor cooling loop uses liquid sodium at 550 degrees Celsius. "
                "Its coolant pump was replaced in March 2021 after a bearing failure.",
            ]
        )
    )
    (files / "puffins.pdf").write_bytes(
        make_pdf(
            [
                "The Atlantic puffin nests in burrows on rocky islands in the North Atlantic. "
                "Puffins eat small fish such as sand eels and can dive thirty metres deep."
            ]
        )
    )
    (files / "bread.pdf").write_bytes(
        make_pdf(
            [
                "Medieval bread was baked in communal ovens. Villagers paid the miller a fee "
                "to grind their grain into flour, usually one sixteenth of the sack."
            ]
        )
    )
    (files / "distractor.pdf").write_bytes(make_pdf(["Glaciers carve U-shaped valleys as they flow downhill."]))
    qa = root / "qa.jsonl"
    qa.write_text("".join(json.dumps(question) + "\n" for question in QUESTIONS))
    return qa


def test_eval_qa_scores_three_questions_on_generated_pdfs(tmp_path, data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    qa = _write_set(tmp_path / "set")
    out = tmp_path / "out"
    args = ["eval", "--qa", str(qa), "--cache", str(tmp_path / "cache"), "--out", str(out)]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "qa.jsonl: 3 questions on 4 files in" in captured.err
    assert "index: 4 files, 0 of them already indexed" in captured.err
    assert "  1/4 bread.pdf (" in captured.err  # each file is reported as it is done
    assert captured.out.splitlines()[:11] == [
        "| Metric | app | Questions |",
        "|---|---|---|",
        "| doc@1 | 100.0% | 3 |",
        "| doc@3 | 100.0% | 3 |",
        "| doc@5 | 100.0% | 3 |",
        "| location@1 | 66.7% | 3 |",
        "| location@3 | 66.7% | 3 |",
        "| location@5 | 66.7% | 3 |",
        "| answer@1 | 100.0% | 3 |",
        "| answer@3 | 100.0% | 3 |",
        "| answer@5 | 100.0% | 3 |",
    ]
    results = json.loads((out / "qa-results.json").read_text())
    assert results["rates"]["location@1"] == 0.6667 and results["scored"]["answer@5"] == 3
    assert results["questions"][0]["cited"][0] == "plant/reactor.pdf, page 2"
    misses = (out / "qa-misses.txt").read_text().splitlines()
    assert [line.split("\t")[:3] for line in misses] == [
        ["coolant", "none", "gold: plant/reactor.pdf, page 2"],
        ["puffins", "none", "gold: puffins.pdf, page 1"],
        ["miller", "location@1,3,5", "gold: bread.pdf, page 2"],
    ]
    assert "| location@1 | 66.7% | 3 |" in (out / "qa-results.md").read_text()

    # A re-run reuses the cached index, dropping what left the folder.
    (tmp_path / "set" / "files" / "distractor.pdf").unlink()
    assert main(args) == 0
    log = capsys.readouterr().err
    assert "dropping distractor.pdf from the eval index: no longer in the folder" in log
    assert "index: 3 files, 3 of them already indexed" in log


def test_eval_qa_names_a_gold_file_the_folder_lacks(tmp_path, data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    qa = _write_set(tmp_path / "set")
    qa.write_text(json.dumps({**QUESTIONS[0], "file": "reactor.pdf"}) + "\n")
    assert main(["eval", "--qa", str(qa), "--cache", str(tmp_path / "cache")]) == 2
    err = capsys.readouterr().err
    assert "1 gold file(s) of the questions are not in" in err and "e.g. 'reactor.pdf'" in err
    assert "what to do: Give `file` as the path relative to the documents folder (--docs)" in err
