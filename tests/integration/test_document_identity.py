"""A document is identified by its path relative to the ingested folder (an upload: its name)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.ingest.chunking import document_label, document_path, safe_file_name
from tests.integration.test_cli import run_cli

POLICY_A = "Travel policy A: employees book economy class and claim meals up to 40 euros a day."
POLICY_B = "Expense policy B: laptops are replaced every four years by the IT service desk."


def _ask_json(data: Path, question: str) -> dict[str, object]:
    import json

    result = run_cli(data, "ask", "--json", question)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_two_files_with_one_name_in_two_folders_are_two_documents(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    (folder / "a" / "policy.txt").write_text(POLICY_A)
    (folder / "b" / "policy.txt").write_text(POLICY_B)
    data = tmp_path / "index"

    ingest = run_cli(data, "ingest", "--quiet", str(folder))

    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert "indexed  a/policy.txt: 1 chunks" in ingest.stdout
    assert "indexed  b/policy.txt: 1 chunks" in ingest.stdout
    assert "2 indexed, 0 replaced, 0 skipped, 0 failed" in ingest.stdout
    answer = _ask_json(data, "How much can employees claim for meals per day?")
    top = answer["sources"][0]  # type: ignore[index]
    assert (top["file"], top["text"]) == ("a/policy.txt", POLICY_A)
    answer = _ask_json(data, "How often are laptops replaced?")
    assert answer["sources"][0]["file"] == "b/policy.txt"  # type: ignore[index]


def test_the_same_bytes_under_two_paths_are_stored_once_and_reported_skipped(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()

    first, second = workspace.ingest(
        [("2023/policy.txt", POLICY_A.encode()), ("archive/policy-copy.txt", POLICY_A.encode())], named_by_path=True
    )

    assert (first.status, first.file_name) == ("indexed", "2023/policy.txt")
    assert (second.status, second.file_name) == ("skipped", "archive/policy-copy.txt")
    assert second.message == "same content as '2023/policy.txt', which is already indexed: stored once"
    assert [record.name for record in workspace.documents()] == ["2023/policy.txt"]


def test_a_changed_file_replaces_the_document_at_its_path_only(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    workspace.ingest([("a/policy.txt", POLICY_A.encode()), ("b/policy.txt", POLICY_B.encode())], named_by_path=True)

    [result] = workspace.ingest([("a/policy.txt", (POLICY_A + " Taxis need a receipt.").encode())], named_by_path=True)

    assert (result.status, result.file_name) == ("replaced", "a/policy.txt")
    assert sorted(record.name for record in workspace.documents()) == ["a/policy.txt", "b/policy.txt"]


def _downgrade_catalog(catalog: Path) -> None:
    """Make the catalog what the app wrote before names were paths (no `legacy_name`, user_version 0)."""
    with sqlite3.connect(catalog) as db:
        db.execute("ALTER TABLE documents DROP COLUMN legacy_name")
        db.execute("PRAGMA user_version = 0")
    with sqlite3.connect(catalog) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0


def test_an_index_from_before_paths_keeps_working_and_its_files_claim_their_documents(
    open_workspace, data_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    # What the earlier app made of a folder with a/policy.txt and b/policy.txt: one document, named by
    # the file name alone, holding whichever came last.
    old = open_workspace()
    old.ingest([("policy.txt", POLICY_B.encode())])
    _downgrade_catalog(old.settings.catalog_path)

    workspace = open_workspace()
    [legacy] = workspace.documents()
    assert (legacy.name, legacy.legacy_name) == ("policy.txt", True)
    assert workspace.retrieve("How often are laptops replaced?")[0].file_name == "policy.txt"

    same, other = workspace.ingest(
        [("b/policy.txt", POLICY_B.encode()), ("a/policy.txt", POLICY_A.encode())], named_by_path=True
    )

    assert (same.status, same.message) == (
        "skipped",
        "already indexed, unchanged; now named by its path (was 'policy.txt')",
    )
    assert other.status == "indexed"
    assert sorted((r.name, r.legacy_name) for r in workspace.documents()) == [
        ("a/policy.txt", False),
        ("b/policy.txt", False),
    ]
    assert workspace.retrieve("How often are laptops replaced?")[0].file_name == "b/policy.txt"
    assert workspace.retrieve("How much can employees claim for meals?")[0].file_name == "a/policy.txt"


def test_a_changed_file_replaces_the_legacy_document_of_its_name(open_workspace) -> None:  # type: ignore[no-untyped-def]
    old = open_workspace()
    old.ingest([("policy.txt", POLICY_B.encode())])
    _downgrade_catalog(old.settings.catalog_path)
    workspace = open_workspace()

    [result] = workspace.ingest([("b/policy.txt", (POLICY_B + " Phones every two.").encode())], named_by_path=True)

    assert (result.status, result.message) == ("replaced", "replaced the earlier version (1 chunks)")
    assert [record.name for record in workspace.documents()] == ["b/policy.txt"]


def test_format_control_characters_are_removed_from_names() -> None:
    # U+202E shows "invoice\u202efdp.exe" as "invoiceexe.pdf": the name must not pose as another type.
    assert safe_file_name("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert safe_file_name("\u2066report\u2069\u200e.txt\u200f") == "report.txt"
    assert safe_file_name("\ufeffnotes\u200b.md") == "notes.md"
    assert document_path("a\u202b/b\u2067/c\u061c.txt") == "a/b/c.txt"
    # Zero-width (non-)joiners spell Persian and Indic words: kept.
    assert (
        safe_file_name("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.txt")
        == "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.txt"
    )


def test_a_document_path_never_leaves_its_folder() -> None:
    assert document_path("a/../../etc/passwd.txt") == "a/etc/passwd.txt"
    assert document_path("/abs/./x.txt") == "abs/x.txt"
    assert document_path("..") == "upload"
    assert document_path("dir/.hidden.txt") == "dir/hidden.txt"


def test_a_document_label_is_its_path_words_and_its_own_title() -> None:
    assert document_label("MICROSOFT_2022_10K.pdf") == "MICROSOFT 2022 10K"
    assert document_label("reports/2021/annual-report.pdf", "Annual Report 2021") == (
        "reports 2021 annual report: Annual Report 2021"
    )
    assert document_label("Boeing 10-K.pdf", "boeing 10 k") == "Boeing 10 K"
    assert document_label("12345.txt") == ""  # a corpus id says nothing about the text
    assert document_label("12345.txt", "Aspirin and stroke") == "Aspirin and stroke"


def test_hashes_and_uuids_in_a_file_name_are_left_out_of_its_label() -> None:
    # Embedded with every chunk, a hash is noise that every chunk of the document shares.
    assert document_label("56be4db0acb8001400a502ec.txt") == ""
    assert document_label("3f2504e0-4f89-11d3-9a0c-0305e82c3301.pdf") == ""
    assert document_label("invoice 3F2504E0-4F89-11D3-9A0C-0305E82C3301 paid.pdf") == "invoice paid"
    assert document_label("scan 7f3a9c21e0.pdf") == "scan"
    assert document_label("56be4db0acb8.txt", "Super Bowl 50") == "Super Bowl 50"
    # A word with a number in it is a word, in any script.
    assert document_label("MGMRESORTS_2022Q4_EARNINGS.pdf") == "MGMRESORTS 2022Q4 EARNINGS"
    assert document_label("H1N1 guidelines Q3FY24.pdf") == "H1N1 guidelines Q3FY24"
    assert document_label("FY2018 B2B2C sales 20230507.pdf") == "FY2018 B2B2C sales 20230507"
    assert document_label("报告2023年第3季度.docx") == "报告2023年第3季度"
    assert document_label("a00p0.txt") == "a00p0"  # not a hash: a name like any other


def test_a_question_naming_a_document_finds_that_document(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    # The two pages say the same but for the figures: only the document's name tells them apart.
    workspace.ingest(
        [
            ("BOEING_2021_10K.txt", b"Total revenues for the year were 62,286 million dollars."),
            ("BOEING_2022_10K.txt", b"Total revenues for the year were 66,608 million dollars."),
        ],
        named_by_path=True,
    )

    for mode in ("dense", "keyword", "hybrid"):
        [top, *_] = workspace.retrieve(
            "What were Boeing's total revenues for the year 2022?", options=workspace.search_options(mode=mode)
        )
        assert (mode, top.file_name, top.text) == (
            mode,
            "BOEING_2022_10K.txt",
            "Total revenues for the year were 66,608 million dollars.",
        )


def test_a_file_changed_to_another_documents_content_drops_its_earlier_version(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    twenty, twenty_eight = b"Staff get 20 days of annual leave.", b"Staff get 28 days of annual leave."
    workspace.ingest([("a/policy.txt", twenty), ("b/policy.txt", twenty_eight)], named_by_path=True)

    [result] = workspace.ingest([("a/policy.txt", twenty_eight)], named_by_path=True)

    assert (result.status, result.message) == (
        "skipped",
        "same content as 'b/policy.txt', which is already indexed: stored once; "
        "the earlier version at this path (1 chunks) was removed",
    )
    assert [record.name for record in workspace.documents()] == ["b/policy.txt"]
    assert [p.text for p in workspace.retrieve("How many days of annual leave?")] == [twenty_eight.decode()]


def test_a_question_naming_a_fiscal_year_finds_that_years_filing_among_others_on_its_subject(
    open_workspace,
) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    # Every other year's filing says "capital expenditures"; the 2018 one says "property, plant and equipment".
    others = [
        (f"ACME_{year}_10K.txt", f"Capital expenditures were {year - 700} million in fiscal {year}.".encode())
        for year in (2014, 2015, 2016, 2017, 2019, 2020)
    ]
    workspace.ingest(
        [("ACME_2018_10K.txt", b"Purchases of property, plant and equipment were 1,577 million."), *others],
        named_by_path=True,
    )
    question = "What was ACME's FY2018 capital expenditure?"

    for mode in ("dense", "keyword", "hybrid"):
        options = workspace.search_options(mode=mode, candidates=3, top_k=3)
        [top, *_] = workspace.retrieve(question, options=options)
        assert (mode, top.file_name) == (mode, "ACME_2018_10K.txt")
    # Without the label list, dense search does not even return it among three: the others use the question's words.
    # (BM25 still finds it by the "2018" of its context line, through FY2018's digits, and so does hybrid.)
    options = workspace.search_options(mode="dense", candidates=3, top_k=3, label_weight=0)
    assert "ACME_2018_10K.txt" not in [passage.file_name for passage in workspace.retrieve(question, options=options)]


def _annual_report(year: int, capital_expenditure: str) -> bytes:
    return f"""# ACME annual report

## Liquidity and capital resources

ACME's capital expenditure in fiscal {year} went to new plants, as in every year: the cash flow from operations
funds it, and the board approves the capital expenditure plan each year.

## Consolidated Statement of Cash Flows

Purchases of property, plant and equipment | {year}: ({capital_expenditure}) | {year - 1}: (1,373)
Net cash used in investing activities | {year}: (222) | {year - 1}: (3,086)

## Consolidated Balance Sheet

Property, plant and equipment, net | {year}: 8,738 | {year - 1}: 8,866
""".encode()


def test_a_question_naming_a_part_of_the_named_document_finds_the_passage_under_that_heading(
    open_workspace,
) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    workspace.ingest(
        [("ACME_2018_10K.md", _annual_report(2018, "1,577")), ("ACME_2019_10K.md", _annual_report(2019, "1,699"))],
        named_by_path=True,
    )
    question = "What was ACME's FY2018 capital expenditure, as shown in the cash flow statement?"
    statement = 'section "ACME annual report > Consolidated Statement of Cash Flows"'

    for mode in ("dense", "keyword"):
        [top, *_] = workspace.retrieve(question, options=workspace.search_options(mode=mode))
        assert (mode, top.file_name, top.location) == (mode, "ACME_2018_10K.md", statement)
        # Without the section list, the paragraph that speaks of capital expenditure and cash flow comes first.
        [top, *_] = workspace.retrieve(question, options=workspace.search_options(mode=mode, section_weight=0))
        assert (mode, top.location) == (mode, 'section "ACME annual report > Liquidity and capital resources"')


def test_a_word_of_a_file_name_used_in_passing_does_not_outrank_the_document_that_answers(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    workspace.ingest(
        [
            ("office_policy.txt", b"Desks are assigned each morning. Printers are on every floor."),
            ("travel_guidelines.txt", b"Hotel stays on business trips are reimbursed up to 180 dollars a night."),
            ("benefits.txt", b"Employees get health insurance and a yearly gym allowance."),
        ],
        named_by_path=True,
    )

    for mode in ("dense", "keyword", "hybrid"):
        [top, *_] = workspace.retrieve(
            "Which policy applies to hotel stays on business trips?", options=workspace.search_options(mode=mode)
        )
        assert (mode, top.file_name) == (mode, "travel_guidelines.txt")


def test_a_question_naming_a_document_by_its_title_finds_it_whatever_its_file_name(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    # Scans and downloads are named "scan0003.md"; the title they give themselves is what a question names.
    others = [
        (
            f"scan000{n}.md",
            f"---\ntitle: ACME annual report {year}\n---\nCapital expenditures were {year - 700} million.",
        )
        for n, year in enumerate((2014, 2015, 2016, 2017, 2019, 2020), start=1)
    ]
    answer = "---\ntitle: ACME annual report 2018\n---\nPurchases of property, plant and equipment were 1,577 million."
    workspace.ingest([(name, text.encode()) for name, text in [("scan0007.md", answer), *others]], named_by_path=True)
    question = "What was the capital expenditure in the ACME annual report 2018?"

    for mode in ("dense", "keyword", "hybrid"):
        [top, *_] = workspace.retrieve(question, options=workspace.search_options(mode=mode, candidates=3, top_k=3))
        assert (mode, top.file_name) == (mode, "scan0007.md")
    # The title is in every chunk's context line too, but that alone does not bring it among the three.
    options = workspace.search_options(mode="dense", candidates=3, top_k=3, label_weight=0)
    assert "scan0007.md" not in [passage.file_name for passage in workspace.retrieve(question, options=options)]
