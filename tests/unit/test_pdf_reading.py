"""The PDF reader on generated PDFs: encryption, text cleaning, unreadable text layers, tables."""

from __future__ import annotations

from collections import Counter

import pypdf
import pytest
from pypdf.errors import DependencyError

from app.errors import UnreadableFileError
from app.ingest.chunking import BoundedSentenceSplitter, split_into_chunks
from app.ingest.ocr import Ocr
from app.ingest.parsed import ReadOptions
from app.ingest.pdf_lines import join_split_words
from app.ingest.pdf_tables import may_hold_table
from app.ingest.pdf_text import clean_pdf_text, readable_share
from app.ingest.readers import parse_file
from app.store.chunk_text import format_location, searchable_text
from tests.files import make_encrypted_pdf
from tests.pdf_files import (
    make_commented_pdf,
    make_drawn_strings_pdf,
    make_form_pdf,
    make_garbled_pdf,
    make_owner_locked_pdf,
    make_pieced_words_pdf,
    make_statement_pdf,
    make_table_pdf,
    make_unicode_pdf,
    make_unicode_table_pdf,
)

NO_OCR = Ocr(command="/nonexistent/tesseract")


def page_texts(data: bytes, name: str = "report.pdf") -> dict[int, str]:
    return {int(d.metadata["page"]): d.text for d in parse_file(data, name).documents}


@pytest.mark.parametrize("method", ["RC4", "AES_128", "AES_256"])
def test_a_pdf_locked_with_only_an_owner_password_is_read(method: str) -> None:
    data = make_owner_locked_pdf(f"Annual filing sealed with {method}.", method)
    assert page_texts(data, "filing.pdf") == {1: f"Annual filing sealed with {method}."}


def test_a_pdf_that_needs_a_password_to_open_says_so_and_how_to_fix_it() -> None:
    with pytest.raises(UnreadableFileError) as caught:
        parse_file(make_encrypted_pdf("Secret plans.", "hunter2"), "locked.pdf")
    assert caught.value.message == "'locked.pdf' is password-protected: it needs a password to open."
    assert caught.value.hint.startswith("Remove the password")


def test_a_missing_crypto_package_is_blamed_on_the_installation_not_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def reader_without_cryptography(*args: object, **kwargs: object) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pypdf, "PdfReader", reader_without_cryptography)
    with pytest.raises(UnreadableFileError) as caught:
        parse_file(make_owner_locked_pdf("Sealed.", "AES_128"), "filing.pdf")
    assert caught.value.message == (
        "'filing.pdf' cannot be read because this installation lacks a package the PDF needs "
        "(cryptography>=3.1 is required for AES algorithm); the file itself is not at fault."
    )
    assert "pip install 'cryptography>=3.1'" in caught.value.hint
    assert "damaged" not in str(caught.value)


def test_ligatures_in_a_pdf_become_their_letters() -> None:
    data = make_unicode_pdf(["The ﬁnal ﬂow: ﬀ ﬃ ﬄ ﬅ ﬆ, an eﬀort.", "Second page."])
    assert page_texts(data) == {1: "The final flow: ff ffi ffl st st, an effort.", 2: "Second page."}


# "مدينة الرياض" as a font draws it: each letter in its joined form (initial, medial, final, isolated).
CITY_IN_FORMS = "\ufee3\ufeaa\ufef3\ufee8\ufe94 \ufe8d\ufedf\ufeae\ufef3\ufe8e\ufebd"
CITY = "\u0645\u062f\u064a\u0646\u0629 \u0627\u0644\u0631\u064a\u0627\u0636"


def test_arabic_drawn_as_presentation_forms_is_read_as_its_letters() -> None:
    # A browser's "print to PDF", or a generator fed pre-shaped text, draws the glyphs left to right (visual
    # order) and maps each to its presentation form: searched as it came, no question would match a word of it.
    visual = "".join(reversed(CITY_IN_FORMS))
    text = page_texts(make_unicode_pdf([f"{visual}\nRiyadh office."]))[1]
    assert CITY in text
    assert not any("\ufb50" <= char <= "\ufeff" for char in text)
    assert clean_pdf_text(CITY_IN_FORMS + " \ufefb") == CITY + " \u0644\u0627"  # lam-alef ligature: two letters


ARABIC_LINES = [
    "درجة الحرارة اليوم 25 مئوية في مدينة الرياض (تقريبا) حسب ABC Corp.",
    "بلغت الإيرادات 1,250 مليون ريال في عام 2023.",
]
HEBREW_LINE = "המחיר הוא 120 שקלים (כולל מע״מ) בחברת XYZ Ltd בלבד."


def test_right_to_left_lines_are_read_in_reading_order_with_their_numbers_and_latin_words() -> None:
    data = make_unicode_pdf(["\n".join(ARABIC_LINES), HEBREW_LINE + "\nPrice list, page 2"], shaped=True)
    assert page_texts(data) == {1: "\n".join(ARABIC_LINES), 2: HEBREW_LINE + "\nPrice list, page 2"}


def test_a_few_right_to_left_words_on_a_left_to_right_page_stay_in_place() -> None:
    text = "The Riyadh office (مدينة الرياض) opened in 2023 with 40 staff members."
    assert page_texts(make_unicode_pdf([text], shaped=True)) == {1: text}


def test_a_table_with_arabic_labels_keeps_its_words_whole() -> None:
    # The table reader (word positions) has no right-to-left order: it scattered such labels letter by letter.
    rows = [
        ("الإيرادات", "66,608", "62,286"),
        ("تكلفة المبيعات", "(30,104)", "(28,500)"),
        ("صافي الدخل", "31,384", "28,806"),
    ]
    text = page_texts(make_unicode_table_pdf(rows, shaped=True))[1]
    words = text.split()
    assert all(word in words for label, *figures in rows for word in [*label.split(), *figures])


def test_a_word_hyphenated_at_a_line_end_is_joined_only_between_lower_case_letters() -> None:
    data = make_unicode_pdf(["Regular mainte-\nnance of the Straßen-\nbahn.\nCOVID-\n19 and well-\nKnown ones."])
    assert page_texts(data) == {1: "Regular maintenance of the Straßenbahn.\nCOVID-\n19 and well-\nKnown ones."}


def test_a_hyphenated_compound_broken_at_a_line_end_keeps_its_hyphen_and_a_plain_word_is_joined() -> None:
    data = make_unicode_pdf(["We ship a state-of-the-\nart pump after mainte-\nnance; a mid\u2010term-\nplan."])
    assert page_texts(data) == {1: "We ship a state-of-the-art pump after maintenance; a mid\u2010term-plan."}


def test_a_two_part_compound_broken_at_its_only_hyphen_is_joined_as_documented() -> None:
    assert clean_pdf_text("The follow-\nup visit, by e-\nmail.") == "The followup visit, by email."


def test_cleaning_drops_control_characters_but_keeps_tabs_line_ends_and_other_compatibility_forms() -> None:
    text = "a\x00b\x07c\td\r\ne\x1f　x²（1）\u00adok mainte\u00ad\nnance"
    assert clean_pdf_text(text) == "abc\td\ne　x²（1）ok maintenance"


def test_values_filled_into_a_pdf_form_are_indexed_on_their_pages_as_label_value_lines() -> None:
    fields: dict[int, list[dict[str, object]]] = {
        1: [
            {"FT": "/Tx", "T": "name", "TU": "Name:", "V": "Maria Gonzalez"},
            {"FT": "/Tx", "T": "start", "V": "2024-09-01"},
            {"FT": "/Tx", "T": "comments", "V": "Prefers mornings.\rNo parking."},
            {"FT": "/Tx", "T": "middle_name", "V": ""},
            {"FT": "/Btn", "T": "badge", "TU": "Needs a badge", "V": "/Yes"},
            {"FT": "/Btn", "T": "parking", "V": "/Off"},
            {"FT": "/Btn", "T": "send", "Ff": 1 << 16},
        ],
        2: [
            {"FT": "/Btn", "T": "status", "TU": "Marital status", "Ff": 1 << 15, "V": "/Married", "Kids": 2},
            {"FT": "/Ch", "T": "team", "V": "Cooling loop"},
            {"FT": "/Sig", "T": "signature", "V": {"Type": "/Sig", "Name": "Maria Gonzalez"}},
        ],
    }
    data = make_form_pdf(["Employee onboarding form\nName:\nStart date:", "Family and team"], fields)
    assert page_texts(data, "onboarding.pdf") == {
        1: "Employee onboarding form\nName:\nStart date:\nName: Maria Gonzalez\nstart: 2024-09-01\n"
        "comments: Prefers mornings.\nNo parking.\nNeeds a badge: checked\nparking: unchecked",
        2: "Family and team\nMarital status: Married\nteam: Cooling loop",
    }


def test_a_chosen_option_reads_as_the_form_shows_it_not_as_its_export_code() -> None:
    fields: dict[int, list[dict[str, object]]] = {
        1: [
            {
                "FT": "/Ch",
                "T": "office",
                "TU": "Office",
                "V": "BER",
                "Opt": [["BER", "Berlin office"], ["MUC", "Munich"]],
            },
            {"FT": "/Ch", "T": "colour", "TU": "Colour", "V": "Teal", "Opt": ["Red", "Teal"]},
            {"FT": "/Ch", "T": "days", "TU": "Days", "V": ["MO", "FR"], "Opt": [["MO", "Monday"], ["FR", "Friday"]]},
            # A radio group with /Opt names its buttons' states by position: /1 is the second option.
            {
                "FT": "/Btn",
                "Ff": 1 << 15,
                "T": "filing",
                "TU": "Filing status",
                "V": "/1",
                "Kids": 3,
                "Opt": ["Single", "Married filing jointly", "Head of household"],
            },
        ]
    }
    data = make_form_pdf(["Tax office form"], fields)
    assert page_texts(data, "form.pdf") == {
        1: "Tax office form\nOffice: Berlin office\nColour: Teal\nDays: Monday, Friday\n"
        "Filing status: Married filing jointly"
    }


def test_comments_added_to_a_page_are_read_with_it_and_a_text_box_as_it_reads() -> None:
    data = make_commented_pdf(
        ["Draft contract for the supply of office chairs.", "The delivery date is to be agreed."],
        [
            ("note", "Reviewer: the penalty must be 2% per week of delay."),
            ("box", "APPROVED by legal on 12 March 2024"),
            ("highlight", "Ask the supplier for a firm delivery date."),
        ],
    )
    assert page_texts(data, "contract.pdf") == {
        1: "Draft contract for the supply of office chairs.\nThe delivery date is to be agreed.\n"
        "Comment: Reviewer: the penalty must be 2% per week of delay.\nAPPROVED by legal on 12 March 2024\n"
        "Comment: Ask the supplier for a firm delivery date."
    }


def test_files_attached_to_a_pdf_are_named_in_the_report_as_not_read() -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_unicode_pdf(["Price list valid from 1 July 2024."]))))
    writer.add_attachment("rates_2024.csv", b"role,rate\nSenior architect,190\n")
    buffer = io.BytesIO()
    writer.write(buffer)
    parsed = parse_file(buffer.getvalue(), "prices.pdf")
    assert [d.text for d in parsed.documents] == ["Price list valid from 1 July 2024."]
    assert parsed.notes == [
        "1 attached file(s) not read (rates_2024.csv): save them from a PDF viewer and upload them on their own"
    ]


def test_a_form_value_already_printed_on_its_page_is_not_added_twice() -> None:
    fields: dict[int, list[dict[str, object]]] = {
        1: [
            {"FT": "/Tx", "T": "name", "TU": "Name", "V": "Maria  GONZALEZ"},
            {"FT": "/Tx", "T": "grade", "TU": "Grade", "V": "3"},
            {"FT": "/Tx", "T": "phone", "TU": "Phone", "V": "555 0100"},
        ]
    }
    data = make_form_pdf(["Name: Maria Gonzalez, grade 3 of section 3."], fields)
    assert page_texts(data, "flattened.pdf") == {
        1: "Name: Maria Gonzalez, grade 3 of section 3.\nGrade: 3\nPhone: 555 0100"
    }


def test_text_of_private_use_or_replacement_characters_is_not_readable() -> None:
    assert readable_share("\ue000\ue001\ue002 \ufffd") == 0.0
    assert readable_share("Revenue $ 1,204 (12%) ≤ 3") == 1.0
    assert readable_share("") == 1.0


def test_pages_with_an_unreadable_text_layer_are_not_indexed_as_text_and_the_report_says_so() -> None:
    data = make_garbled_pdf(["Readable first page.", "Seals rest.", "Gannets dive."], garbled={2, 3})
    parsed = parse_file(data, "survey.pdf", ReadOptions(ocr=NO_OCR))
    assert [(d.metadata, d.text) for d in parsed.documents] == [({"page": 1}, "Readable first page.")]
    assert parsed.notes == [
        "pages 2, 3 skipped: their text layer was not readable text (Tesseract OCR is not installed)"
    ]


def test_a_pdf_whose_only_text_layer_is_unreadable_asks_for_ocr_without_calling_the_file_damaged() -> None:
    with pytest.raises(UnreadableFileError) as caught:
        parse_file(make_garbled_pdf(["Seals rest."], garbled={1}), "survey.pdf", ReadOptions(ocr=NO_OCR))
    assert caught.value.message == (
        "The text layer of 'survey.pdf' is not readable text (its fonts map no letters), and OCR is not "
        "available: the Tesseract program '/nonexistent/tesseract' was not found."
    )
    assert "tesseract-ocr" in caught.value.hint


STATEMENT = [
    ["", "2022", "2021"],
    ["Total revenues", "66,608", "62,286"],
    ["Cost of revenues", "(41,220)", "(38,050)"],
    ["Net income", "5,116", "4,019"],
]
STATEMENT_TEXT = (
    "Results of operations for the year follow.\n"
    "Total revenues | 2022: 66,608 | 2021: 62,286\n"
    "Cost of revenues | 2022: (41,220) | 2021: (38,050)\n"
    "Net income | 2022: 5,116 | 2021: 4,019\n"
    "Revenues grew on higher subscriber counts."
)


@pytest.mark.parametrize(
    ("ruled", "rotate"),
    [(True, 0), (False, 0), (True, 90), (False, 90), (True, 270)],
    ids=["ruled", "aligned", "ruled-rotated-90", "aligned-rotated-90", "ruled-rotated-270"],
)
def test_a_table_in_a_pdf_keeps_its_rows_under_their_column_headers(ruled: bool, rotate: int) -> None:
    data = make_table_pdf(
        "Results of operations for the year follow.",
        STATEMENT,
        "Revenues grew on higher subscriber counts.",
        ruled=ruled,
        rotate=rotate,
    )
    assert page_texts(data) == {1: STATEMENT_TEXT}


@pytest.mark.parametrize("tilt", [0.0, 0.5, -0.5], ids=["upright", "tilted-left", "tilted-right"])
def test_a_10k_statement_without_rules_keeps_its_rows_under_years_headed_on_two_lines(tilt: float) -> None:
    # The layout of 3M's and Microsoft's 10-K statements: a shaded box per cell, "$" in a column of its
    # own, figures in parentheses, dot leaders, sub-headings without figures, "December 31," over the year.
    # Tilted by half a degree either way, as the text layer of a skewed scan is, it is still a table.
    data = make_statement_pdf(
        "Consolidated Balance Sheets",
        [["", "December 31,", "December 31,"], ["(In millions)", "2018", "2017"]],
        [
            ["Assets", "", "", "", ""],
            ["Current assets", "", "", "", ""],
            ["Cash and cash equivalents", "$", "2,853", "$", "3,053"],
            ["Inventories . . . . . . . . . . .", "", "4,366", "", "4,034"],
            ["Less: accumulated depreciation", "", "(16,135)", "", "(16,048)"],
            ["Total assets", "$", "36,500", "$", "37,987"],
        ],
        "See the notes to the statements.",
        tilt=tilt,
    )
    assert page_texts(data) == {
        1: "Consolidated Balance Sheets\n"
        "(In millions)\n"
        "Assets\n"
        "Current assets\n"
        "Cash and cash equivalents | December 31, 2018: 2,853 | December 31, 2017: 3,053\n"
        "Inventories | December 31, 2018: 4,366 | December 31, 2017: 4,034\n"
        "Less: accumulated depreciation | December 31, 2018: (16,135) | December 31, 2017: (16,048)\n"
        "Total assets | December 31, 2018: 36,500 | December 31, 2017: 37,987\n"
        "See the notes to the statements."
    }


def test_a_header_centred_over_two_columns_heads_both_and_headers_above_a_ruled_grid_are_kept() -> None:
    data = make_statement_pdf(
        "Reconciliation of net income",
        [["(In thousands)", "Three months ended"], ["", "December 31,", "December 31,"], ["", "2022", "2021"]],
        [
            ["Net income", "$", "284,002", "$", "131,013"],
            ["Interest", "", "137,132", "", "201,477"],
            ["Other, net", "", "(104,951)", "", "20,131"],
        ],
        "Adjusted EBITDAR is a non-GAAP measure.",
        ruled=True,
    )
    assert page_texts(data) == {
        1: "Reconciliation of net income\n"
        "(In thousands)\n"
        "Net income | Three months ended December 31, 2022: 284,002 | Three months ended December 31, 2021: 131,013\n"
        "Interest | Three months ended December 31, 2022: 137,132 | Three months ended December 31, 2021: 201,477\n"
        "Other, net | Three months ended December 31, 2022: (104,951) | Three months ended December 31, 2021: 20,131\n"
        "Adjusted EBITDAR is a non-GAAP measure."
    }


def test_a_table_drawn_a_string_at_a_time_keeps_its_rows_under_their_column_headers() -> None:
    # ReportLab's drawString ends each string with a line move: pypdf reads one cell per line.
    rows = [["Region", "2022", "2023"], ["North", "1,250", "1,410"], ["South", "980", "1,020"]]
    rows += [["East", "2,115", "2,300"], ["West", "730", "805"]]
    assert page_texts(make_drawn_strings_pdf("Regional sales (thousand EUR)", rows), "sales.pdf") == {
        1: "Regional sales (thousand EUR)\nRegion\nNorth | 2022: 1,250 | 2023: 1,410\nSouth | 2022: 980 | 2023: 1,020\n"
        "East | 2022: 2,115 | 2023: 2,300\nWest | 2022: 730 | 2023: 805"
    }


def test_labels_and_values_drawn_a_string_at_a_time_stay_on_their_lines() -> None:
    rows = [["Invoice number:", "INV-2024-0042"], ["Customer:", "Harbour Logistics"], ["Due date:", "2024-07-31"]]
    rows += [["Amount due:", "EUR 1,250.00"], ["Payment terms:", "30 days net"]]
    assert page_texts(make_drawn_strings_pdf("Invoice", rows), "invoice.pdf") == {
        1: "Invoice\nInvoice number: INV-2024-0042\nCustomer: Harbour Logistics\nDue date: 2024-07-31\n"
        "Amount due: EUR 1,250.00\nPayment terms: 30 days net"
    }


def test_a_page_of_prose_with_a_few_numbers_is_not_taken_for_a_table() -> None:
    text = "Revenue rose 12% to 66,608 in 2022.\nStaff grew from 1,200 to 1,450.\nOffices: 14."
    assert not may_hold_table(text)
    assert may_hold_table("Revenue 66,608 62,286\nCost (41,220) (38,050)\nNet 5,116 4,019")


def test_a_statement_whose_cells_pypdf_puts_on_lines_of_their_own_may_hold_a_table() -> None:
    # pypdf's text of 3M's 2018 balance sheet: a line per cell, never two numbers on one line.
    cells = ["Cash", "$", "2,853", "$", "3,053", "Inventories", "4,366", "4,034", "Goodwill", "10,051", "10,513"]
    cells += ["Prepaids", "741", "937", "Other assets", "1,345", "1,395", "Total assets", "$", "36,500", "$", "37,987"]
    assert may_hold_table("\n".join(cells))
    assert not may_hold_table("\n".join(["2018", "2017", "2016", "Revenue rose 12% to 66,608.", "Offices: 14."] * 3))


def test_every_chunk_of_a_pdf_page_is_searched_with_the_heading_the_page_opens_with() -> None:
    rows = "\n".join(f"Line item {n} | 2018: {n},000 | 2017: {n},500" for n in range(1, 26))
    body = " ".join(["The company sells adhesives, films and filters to customers in many countries"] * 6)
    data = make_unicode_pdf(
        [
            f"Acme Corporation\nAnnual Report 2018\n{body}",
            f"Acme Corporation\nConsolidated Balance Sheets\nAt December 31\n{rows}",
            f"Acme Corporation\n{body}",  # opens in the middle of a paragraph: no heading
            f"Acme Corporation\nNOTE 7. Income Taxes\n{body}",
        ]
    )
    documents = parse_file(data, "acme.pdf").documents

    # "Acme Corporation" heads every page (a running header): it is no page's heading.
    assert {int(d.metadata["page"]): d.metadata.get("section") for d in documents} == {
        1: "Annual Report 2018",
        2: "Consolidated Balance Sheets At December 31",
        3: None,
        4: "NOTE 7. Income Taxes",
    }
    splitter = BoundedSentenceSplitter(chunk_size=64, chunk_overlap=0, tokenizer=str.split)
    chunks = split_into_chunks(documents[1:2], file_name="acme.pdf", doc_sha="0" * 64, splitter=splitter)
    last = chunks[-1]
    assert len(chunks) > 2 and "Balance" not in last.text
    assert searchable_text(last.text, last.metadata).startswith("Consolidated Balance Sheets At December 31\n\n")
    assert format_location(last.metadata) == "page 2"  # still cited by its page


def test_a_word_drawn_in_pieces_a_little_apart_is_read_whole() -> None:
    # Word processors draw a kerned or justified word in pieces; pypdf read "Operating Ex penses" and "o f".
    lines = ["Operating Ex|penses", "Operating expenses rose by 12 million in 2022, most o|f it from travel.", ""]
    lines += ["Operating Expenses fell by 3 million in 2021, most of it from rent."]
    assert page_texts(make_pieced_words_pdf(lines)) == {
        1: "Operating Expenses\nOperating expenses rose by 12 million in 2022, most of it from travel.\n"
        "Operating Expenses fell by 3 million in 2021, most of it from rent."
    }


def test_two_words_stay_two_where_the_other_reader_ran_them_together() -> None:
    # PDFium read a letter-spaced heading as "FINANCIALASSETS"; both halves are words elsewhere in the document.
    pdfium = "FINANCIALASSETS\nFinancial assets are FINANCIALASSETS.\nFINANCIAL ASSETS and the split o f"
    counts = Counter(pdfium.replace(".", "").split())
    assert join_split_words("FINANCIAL ASSETS", pdfium, counts) == "FINANCIAL ASSETS"
    assert join_split_words("Operating Ex penses", "Operating Expenses", Counter({"Expenses": 2})) == (
        "Operating Expenses"
    )
    assert join_split_words("Operating Ex penses", "Operating Expenses", Counter({"Expenses": 1})) == (
        "Operating Ex penses"
    ), "a word PDFium reads once in the document is too little to go on"
    pdfium = "a long-term loan along with a long-term bond along the way"
    assert join_split_words("a long-term loan", pdfium, Counter(pdfium.split())) == "a long-term loan"
